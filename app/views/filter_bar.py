"""The filter bar above the calendar: show only the lessons of an instructor, an aircraft, a status
or a weather verdict.

It holds the schedule as read (``set_schedule``) and hands the calendar's model only the lessons
that match (``LessonFilter.apply``), so changing the filter needs no new read. While a filter is
on, the bar stays in view and says so ("Filtered: 4 of 25 lessons") beside a one-click
"Show all"; closing the bar shows every lesson again.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from app.models.calendar_model import CalendarModel
from app.models.labels import STATUS_LABELS, VERDICT_LABELS
from app.models.lesson_filter import NOT_CHECKED, SOLO, LessonFilter
from app.models.lessons import Schedule
from app.views.plain_text import make_plain
from app.views.theme import message_style

__all__ = ["FilterBar"]

_ANY = ""  # the key of a combo entry accepting every value


def _key(values: Sequence[str]) -> str:
    """A combo entry's data: the values it accepts, as one string (Qt compares strings by value,
    Python tuples only by identity)."""
    return "=" + "|".join(sorted(values)) if values else _ANY


def _values(key: object) -> frozenset[str]:
    text = str(key or "")
    return frozenset(text[1:].split("|")) if text.startswith("=") else frozenset()
# Entries that accept several values: what a dispatcher asks for as one thing.
_STATUS_GROUPS = (("Still to fly (scheduled, at risk)", ("SCHEDULED", "AT_RISK")),
                  ("Cancelled (any reason)", ("CANCELLED", "WEATHER_CANCELLED")))
_VERDICT_GROUPS = (("No-go or marginal", ("NO_GO", "MARGINAL")),)


class FilterBar(QWidget):
    """Signals:
        changed(object): the ``LessonFilter`` now applied to the calendar.
    """

    changed = Signal(object)

    def __init__(self, *, model: CalendarModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filter-bar")
        self._model = model
        self._schedule = model.schedule
        self._filter = LessonFilter()
        self.instructor = self._combo("Instructor", "Only this instructor's lessons")
        self.aircraft = self._combo("Aircraft", "Only this aircraft's lessons")
        self.status = self._combo("Status", "Only lessons with this status")
        self.verdict = self._combo("Weather", "Only lessons with this weather verdict")
        self._fill_fixed()
        self.indicator = QLabel(self)
        self.indicator.setObjectName("filter-indicator")
        make_plain(self.indicator)
        self.clear_button = QPushButton("Show &all", self)
        self.clear_button.setToolTip("Clear the filter: show every lesson")
        self.clear_button.clicked.connect(self.clear)
        self.close_button = QToolButton(self)
        self.close_button.setText("×")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Close the filter bar and show every lesson")
        self.close_button.setAccessibleName("Close the filter bar")
        self.close_button.clicked.connect(self.close_bar)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 3)
        caption = QLabel("Filter:", self)
        caption.setBuddy(self.instructor)
        layout.addWidget(caption)
        # No caption per list: each names itself ("Any instructor", "Any aircraft"…), so the bar
        # fits beside the docks on a small screen.
        for combo in (self.instructor, self.aircraft, self.status, self.verdict):
            layout.addWidget(combo)
        layout.addStretch(1)
        layout.addWidget(self.indicator)
        layout.addWidget(self.clear_button)
        layout.addWidget(self.close_button)
        self._show_state()
        self.hide()

    def _combo(self, name: str, tip: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setAccessibleName(f"Filter by {name.lower()}")
        combo.setToolTip(tip)
        # Narrow in the bar (the window must still fit a small screen); the list shows it all.
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(8)
        combo.currentIndexChanged.connect(lambda _index: self._read_combos())
        return combo

    def _fill_fixed(self) -> None:
        for combo, any_text, groups, values, extra in (
                (self.status, "Any status", _STATUS_GROUPS, STATUS_LABELS, ()),
                (self.verdict, "Any weather", _VERDICT_GROUPS, VERDICT_LABELS,
                 (("Not checked yet", (NOT_CHECKED,)),))):
            combo.blockSignals(True)
            combo.addItem(any_text, _ANY)
            for text, accepted in groups:
                combo.addItem(text, _key(accepted))
            for value, text in values.items():
                combo.addItem(text, _key((value,)))
            for text, accepted in extra:
                combo.addItem(text, _key(accepted))
            combo.blockSignals(False)

    # -- the schedule ----------------------------------------------------------------------

    @property
    def schedule(self) -> Schedule:
        """The schedule as read, every lesson (the calendar's model has the matching ones)."""
        return self._schedule

    @property
    def filter(self) -> LessonFilter:
        return self._filter

    def set_schedule(self, schedule: Schedule) -> None:
        """A new read of the replica: the choices follow its people and aircraft, and the
        calendar gets the lessons that match."""
        self._schedule = schedule
        self._refill(self.instructor, "Any instructor",
                     (*schedule.instructors, (SOLO, "Solo (no instructor)")))
        self._refill(self.aircraft, "Any aircraft", schedule.aircraft)
        self._apply()

    def _refill(self, combo: QComboBox, any_text: str, choices: Sequence[tuple[str, str]]) -> None:
        wanted = combo.currentData()
        current = [(combo.itemData(index), combo.itemText(index)) for index in range(combo.count())]
        items = [(_ANY, any_text), *((_key((value,)), text) for value, text in choices)]
        if wanted and wanted not in [data for data, _ in items]:
            # Still filtered on it (say, an aircraft that left the fleet): keep it choosable.
            items.append((wanted, combo.currentText()))
        if items == current:
            return
        combo.blockSignals(True)
        combo.clear()
        for data, text in items:
            combo.addItem(text, data)
        combo.setCurrentIndex(max(combo.findData(wanted), 0) if wanted else 0)
        combo.blockSignals(False)

    # -- the filter ------------------------------------------------------------------------

    def set_filter(self, lesson_filter: LessonFilter) -> None:
        """Filter by these values (each dimension: one entry's values, or any)."""
        for combo, values in ((self.instructor, lesson_filter.instructor_ids),
                              (self.aircraft, lesson_filter.aircraft_ids),
                              (self.status, lesson_filter.statuses),
                              (self.verdict, lesson_filter.verdicts)):
            index = combo.findData(_key(tuple(values)))
            if index < 0:
                raise ValueError(f"no entry of the {combo.accessibleName().lower()} list "
                                 f"accepts exactly {sorted(values)}")
            combo.blockSignals(True)
            combo.setCurrentIndex(index)
            combo.blockSignals(False)
        self._read_combos()

    def clear(self) -> None:
        """Show every lesson (the bar stays open for another choice)."""
        self.set_filter(LessonFilter())

    def open(self) -> None:
        """Show the bar, the first choice focused."""
        self.show()
        self.instructor.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def close_bar(self) -> None:
        self.clear()
        self.hide()

    def reveal(self, lesson_id: str) -> bool:
        """Make a lesson of the schedule visible (clearing the filter when it hides it); True
        when the filter was cleared for it."""
        if not self._filter.active:
            return False
        lesson = next((lesson for lesson in self._schedule.lessons if lesson.id == lesson_id), None)
        if lesson is None or self._filter.matches(lesson):
            return False
        self.clear()
        return True

    def _read_combos(self) -> None:
        self._filter = LessonFilter(instructor_ids=_values(self.instructor.currentData()),
                                    aircraft_ids=_values(self.aircraft.currentData()),
                                    statuses=_values(self.status.currentData()),
                                    verdicts=_values(self.verdict.currentData()))
        self._apply()
        self.changed.emit(self._filter)

    def _apply(self) -> None:
        self._model.set_schedule(self._filter.apply(self._schedule))
        self._show_state()

    def _show_state(self) -> None:
        active = self._filter.active
        if active:
            self.show()  # the bar is the sign that lessons are hidden: it stays in view
            shown, total = len(self._model.schedule.lessons), len(self._schedule.lessons)
            self.indicator.setText(f"Filtered: {shown} of {total} lessons")
            self.indicator.setStyleSheet(message_style("warning", self.palette())
                                         + " font-weight: bold; padding: 2px 6px;")
        else:
            self.indicator.setText("Showing every lesson")
            self.indicator.setStyleSheet("")
        self.indicator.setAccessibleName(self.indicator.text())
        self.clear_button.setEnabled(active)
