"""Book a weekly series (Lesson › Book a weekly series…, or "Make it weekly…" in a new lesson):
the same lesson on chosen weekdays at one school time, for a number of weeks or until a day.

The form is checked as the person types, with the lesson editor's rules (``lesson_rules``), and
the lessons it asks for are listed on the right before anything is sent. The service books them
(``POST /flights/series``: it is not kept on this computer to send later, so it needs the
service), each on every rule; the list then shows each lesson booked or not, and why not, in
plain words and school time. Lessons the school's booking policy only warns about are listed
with the warnings; "Book anyway" sends the same series again with them accepted. All or nothing
books none unless every lesson can be.

Calls go to the service off the GUI thread (``run_in_background``); the owner syncs when
lessons were booked (``booked``), so the calendar shows them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QDate, QSize, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QButtonGroup, QCheckBox, QComboBox, QDateEdit, QDialog, QDialogButtonBox,
    QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListView, QListWidget, QListWidgetItem,
    QRadioButton, QSpinBox, QTimeEdit, QVBoxLayout, QWidget,
)

from app.models.labels import FLIGHT_TYPE_LABELS
from app.models.lesson_rules import SOLO_TEXT
from app.models.lessons import Schedule, parse_time
from app.models.series_booking import (
    MAX_WEEKS, WEEKDAYS, SeriesPlan, SeriesResult, merge, read_result, when,
)
from app.services.api_client import Offline, Refused, ServerError
from app.services.background import run_in_background
from app.views.plain_text import plain_label
from app.views.policy_warning_dialog import PolicyWarningDialog
from app.views.theme import (
    ACKNOWLEDGED_STYLE, ALERT_STYLES, STATUS_STYLES, glyph_icon, message_colour, message_style,
)

__all__ = ["SeriesDialog"]

_BOOKED_ICON_STYLE = STATUS_STYLES["SCHEDULED"]
_REFUSED_ICON_STYLE = ALERT_STYLES["EDIT_REJECTED"]
_OCCURRENCE = Qt.ItemDataRole.UserRole


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SeriesDialog(QDialog):
    """Signals:
        booked(object): the service booked lessons of the series (a ``SeriesResult``, with the
            ones it did not book and why); the owner syncs so the calendar shows them.
        failed(str): the series could not be sent, or was refused as a whole; the message (also
            shown) says why and what to do next.
    """

    booked = Signal(object)
    failed = Signal(str)

    def __init__(self, *, schedule: Schedule, book: Callable[[dict[str, Any]], dict[str, Any]] | None,
                 fields: Mapping[str, Any] | None = None,
                 clock: Callable[[], datetime] = _utc_now, parent: QWidget | None = None) -> None:
        """``book``: POST /flights/series (``ApiClient.book_series``); None when not connected.
        ``fields``: a lesson to start from (the lesson editor's ``fields()``)."""
        super().__init__(parent)
        self.setObjectName("series-dialog")
        self.setWindowTitle("Book a weekly series")
        self._schedule = schedule
        self._zone = schedule.timezone
        self._book = book
        self._clock = clock
        self._busy = False
        self._plan: SeriesPlan | None = None  # what was last sent
        self.result: SeriesResult | None = None
        self.warning_dialog: PolicyWarningDialog | None = None
        self._highlighted: QWidget | None = None
        self._service_error: tuple[str | None, str] | None = None
        self._build()
        self._fill(fields or {})
        for signal in (self.student.currentIndexChanged, self.instructor.currentIndexChanged,
                       self.aircraft.currentIndexChanged, self.flight_type.currentIndexChanged,
                       self.departure.textChanged, self.destination.textChanged,
                       self.first_date.dateChanged, self.start_time.timeChanged,
                       self.length.valueChanged, self.weeks.valueChanged, self.until.dateChanged,
                       self.all_or_nothing.toggled, self.weeks_choice.toggled,
                       *(box.toggled for box in self.weekday_boxes.values())):
            signal.connect(self._on_input)
        self._on_input()

    # -- building ---------------------------------------------------------------------------

    def _build(self) -> None:
        schedule = self._schedule
        self.student = QComboBox(self)
        for student_id, name in schedule.students:
            self.student.addItem(name, student_id)
        self.instructor = QComboBox(self)
        self.instructor.addItem(SOLO_TEXT, None)
        for instructor_id, name in schedule.instructors:
            self.instructor.addItem(name, instructor_id)
        self.aircraft = QComboBox(self)
        for aircraft_id, label in schedule.aircraft:
            self.aircraft.addItem(label, aircraft_id)
        self.flight_type = QComboBox(self)
        for value, label in FLIGHT_TYPE_LABELS.items():
            self.flight_type.addItem(label, value)
        self.departure = QLineEdit(self)
        self.destination = QLineEdit(self)
        for code in (self.departure, self.destination):
            code.setMaxLength(4)
            code.textEdited.connect(lambda text, edit=code: self._upper(edit, text))
        self.departure.setPlaceholderText("ICAO, e.g. KAUS")
        self.destination.setPlaceholderText("ICAO (cross-country: required)")

        self.weekday_boxes: dict[int, QCheckBox] = {}
        days = QHBoxLayout()
        days.setSpacing(6)
        for number, name in WEEKDAYS:
            box = QCheckBox(name, self)
            box.setObjectName(f"weekday-{number}")
            self.weekday_boxes[number] = box
            days.addWidget(box)
        days.addStretch(1)
        self.first_date = QDateEdit(self)
        self.first_date.setCalendarPopup(True)
        self.first_date.setDisplayFormat("ddd d MMM yyyy")
        self.start_time = QTimeEdit(self)
        self.start_time.setDisplayFormat("HH:mm")
        when_row = QHBoxLayout()
        when_row.addWidget(self.start_time)
        when_row.addWidget(plain_label(f"school time ({self._zone.key})", self))
        when_row.addStretch(1)
        self.length = QSpinBox(self)
        self.length.setRange(30, 600)
        self.length.setSingleStep(15)
        self.length.setSuffix(" min")

        self.weeks_choice = QRadioButton("For", self)
        self.until_choice = QRadioButton("Until", self)
        self._end_choice = QButtonGroup(self)
        self._end_choice.addButton(self.weeks_choice)
        self._end_choice.addButton(self.until_choice)
        self.weeks = QSpinBox(self)
        self.weeks.setRange(1, MAX_WEEKS)
        self.weeks.setSuffix(" weeks")
        self.until = QDateEdit(self)
        self.until.setCalendarPopup(True)
        self.until.setDisplayFormat("ddd d MMM yyyy")
        end_row = QHBoxLayout()
        end_row.addWidget(self.weeks_choice)
        end_row.addWidget(self.weeks)
        end_row.addSpacing(12)
        end_row.addWidget(self.until_choice)
        end_row.addWidget(self.until)
        end_row.addStretch(1)
        self.all_or_nothing = QCheckBox("All or nothing: book none unless every lesson can be "
                                        "booked", self)
        self.notes = QLineEdit(self)
        self.notes.setMaxLength(4000)
        self.notes.setPlaceholderText("kept with every lesson of the series")

        form = QFormLayout()
        form.addRow("&Student", self.student)
        form.addRow("&Instructor", self.instructor)
        form.addRow("&Aircraft", self.aircraft)
        form.addRow("Flight &type", self.flight_type)
        form.addRow("De&parture", self.departure)
        form.addRow("D&estination", self.destination)
        weekdays_label = QLabel("&Weekdays", self)
        weekdays_label.setBuddy(self.weekday_boxes[1])
        form.addRow(weekdays_label, days)
        form.addRow("&First day", self.first_date)
        start_label = QLabel("Start &time", self)
        start_label.setBuddy(self.start_time)
        form.addRow(start_label, when_row)
        form.addRow("&Length", self.length)
        runs_label = QLabel("&Runs", self)
        runs_label.setBuddy(self.weeks_choice)
        form.addRow(runs_label, end_row)
        form.addRow("", self.all_or_nothing)
        form.addRow("&Notes", self.notes)

        self.error_label = plain_label("", self)
        self.error_label.setObjectName("series-error")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {message_colour('error', self.palette()).name()};")
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label = plain_label("", self)
        self.status_label.setWordWrap(True)

        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(self.error_label)
        left.addStretch(1)
        left.addWidget(self.status_label)

        self.summary_label = plain_label("", self)
        self.summary_label.setObjectName("series-summary")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.lessons = QListWidget(self)
        self.lessons.setObjectName("series-lessons")
        self.lessons.setWordWrap(True)
        self.lessons.setResizeMode(QListView.ResizeMode.Adjust)
        self.lessons.setUniformItemSizes(False)
        self.lessons.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.lessons.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.lessons.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.lessons.setIconSize(QSize(16, 16))
        self.lessons.setSpacing(2)
        self.warnings_label = plain_label("", self)
        self.warnings_label.setObjectName("series-warnings")
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setStyleSheet(message_style("warning", self.palette()))
        self.warnings_label.hide()
        right = QVBoxLayout()
        heading = plain_label("Lessons", self)
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        right.addWidget(heading)
        right.addWidget(self.summary_label)
        right.addWidget(self.lessons, 1)
        right.addWidget(self.warnings_label)

        columns = QHBoxLayout()
        columns.addLayout(left, 5)
        columns.addSpacing(12)
        columns.addLayout(right, 6)

        self.buttons = QDialogButtonBox(self)
        self.book_button = self.buttons.addButton("&Book series",
                                                  QDialogButtonBox.ButtonRole.AcceptRole)
        self.book_button.setDefault(True)
        self.book_anyway_button = self.buttons.addButton(
            "Book &anyway", QDialogButtonBox.ButtonRole.ActionRole)
        self.book_anyway_button.setToolTip("Send the series again with the booking policy's "
                                           "warnings accepted; the lessons keep which were "
                                           "accepted, by whom and when")
        self.book_anyway_button.setAutoDefault(False)  # Enter never books over a warning
        self.book_anyway_button.hide()
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        # The dialog's own buttons: a click on "Book" must not close it (the answer is shown here).
        self.book_button.clicked.connect(self.book)
        self.book_anyway_button.clicked.connect(self.book_anyway)
        self.close_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(self.buttons)
        self._inputs: dict[str, QWidget] = {
            "student_id": self.student, "instructor_id": self.instructor,
            "aircraft_id": self.aircraft, "flight_type": self.flight_type,
            "departure": self.departure, "destination": self.destination,
            "weekdays": self.weekday_boxes[1], "first_date": self.first_date,
            "start_time": self.start_time, "duration_minutes": self.length,
            "weeks": self.weeks, "until": self.until, "notes": self.notes,
        }
        self.resize(1120, 640)

    def _fill(self, fields: Mapping[str, Any]) -> None:
        self._select(self.student, fields.get("student_id"))
        if "instructor_id" in fields:
            self._select(self.instructor, fields.get("instructor_id"))
        else:
            self.instructor.setCurrentIndex(1 if self.instructor.count() > 1 else 0)
        self._select(self.aircraft, fields.get("aircraft_id"))
        self._select(self.flight_type, fields.get("flight_type") or "DUAL")
        self.departure.setText(str(fields.get("departure") or self._schedule.home_airport or ""))
        self.destination.setText(str(fields.get("destination") or ""))
        self.notes.setText(str(fields.get("notes") or ""))
        try:
            start = parse_time(str(fields["start_at"]))
            end = parse_time(str(fields["end_at"]))
            minutes = int((end - start).total_seconds() // 60)
        except (KeyError, ValueError):
            start = (self._clock() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
            minutes = 60
        local = start.astimezone(self._zone)
        self.first_date.setDate(QDate(local.year, local.month, local.day))
        self.start_time.setTime(QTime(local.hour, local.minute))
        self.length.setValue(max(30, min(600, minutes)))
        self.weekday_boxes[local.isoweekday()].setChecked(True)
        self.weeks.setValue(8)
        self.weeks_choice.setChecked(True)
        last = local.date() + timedelta(weeks=8) - timedelta(days=1)
        self.until.setDate(QDate(last.year, last.month, last.day))

    @staticmethod
    def _select(combo: QComboBox, value: Any) -> None:
        if value is None:
            return
        index = combo.findData(str(value))
        if index >= 0:
            combo.setCurrentIndex(index)

    # -- what the form says -----------------------------------------------------------------

    def plan(self) -> SeriesPlan:
        first = self.first_date.date()
        until = self.until.date()
        clock = self.start_time.time()
        return SeriesPlan(
            student_id=self.student.currentData(), instructor_id=self.instructor.currentData(),
            aircraft_id=self.aircraft.currentData(), flight_type=self.flight_type.currentData(),
            departure=self.departure.text(), destination=self.destination.text(),
            weekdays=tuple(number for number, box in self.weekday_boxes.items() if box.isChecked()),
            start_time=time(clock.hour(), clock.minute()),
            duration_minutes=self.length.value(),
            first_date=date(first.year(), first.month(), first.day()),
            weeks=self.weeks.value() if self.weeks_choice.isChecked() else None,
            until=(date(until.year(), until.month(), until.day())
                   if self.until_choice.isChecked() else None),
            all_or_nothing=self.all_or_nothing.isChecked(), notes=self.notes.text())

    def problem(self) -> tuple[str, str] | None:
        return self.plan().problem(zone=self._zone, now=self._clock())

    def set_weekdays(self, *numbers: int) -> None:
        """Tick exactly these ISO weekdays (1 = Monday)."""
        for number, box in self.weekday_boxes.items():
            box.setChecked(number in numbers)

    # -- behaviour --------------------------------------------------------------------------

    def book(self) -> None:
        """Send the series as the form says (off the GUI thread)."""
        if self._busy or self._book is None or self._form_locked() or self._validate():
            return
        self._send(self.plan(), previous=None)

    def book_anyway(self) -> None:
        """Send the last series again with the policy's warnings accepted."""
        result, plan = self.result, self._plan
        if self._busy or self._book is None or result is None or plan is None \
                or not result.can_book_anyway(all_or_nothing=plan.all_or_nothing):
            return
        joined = result.series_ids[0] if result.series_ids else None
        self._send(plan.acknowledged(result.warning_codes(), series_id=joined), previous=result)

    def reject(self) -> None:
        if self._busy:  # the answer is on its way: it must be shown (and synced), not lost
            return
        super().reject()

    # -- internals --------------------------------------------------------------------------

    def _send(self, plan: SeriesPlan, *, previous: SeriesResult | None) -> None:
        book, zone = self._book, self._zone
        assert book is not None
        names = {"student": self.student.currentText(), "aircraft": self._tail(),
                 "instructor": self.instructor.currentData() and self.instructor.currentText()}
        request, planned = plan.request(), plan.occurrences(zone)
        self._service_error = None
        self._set_busy(True, "Booking the series…" if previous is None
                       else "Booking the series anyway…")
        run_in_background(lambda: read_result(book(request), zone=zone, names=names,
                                              planned=planned),
                          lambda result: self._answered(plan, previous, result),
                          self._failed, owner=self)

    def _tail(self) -> str:
        return self.aircraft.currentText().split(" · ")[0]

    def _answered(self, plan: SeriesPlan, previous: SeriesResult | None,
                  result: SeriesResult) -> None:
        if previous is not None:
            result = merge(previous, result)
        self._plan, self.result = plan, result
        self._set_busy(False)
        self._show_result(result)
        if result.booked:
            self.close_button.setText("Close")
            self.booked.emit(result)
        if result.can_book_anyway(all_or_nothing=plan.all_or_nothing):
            self._ask_book_anyway(result)

    def _failed(self, error: Exception) -> None:
        self._set_busy(False)
        if isinstance(error, Offline):
            message = ("The series was not booked: the service cannot be reached, and a series is "
                       "booked by the service itself (it is not kept here to send later). Try "
                       "again once you are back online.")
        elif isinstance(error, Refused):
            message = f"The service refused the series: {error.detail} Change it and book again."
            self._service_error = (error.field, message)
        elif isinstance(error, ServerError):
            message = (f"{error} Some lessons may have been booked: wait for the next sync and "
                       "look at the calendar before booking the series again.")
        else:
            message = f"The series could not be booked: {error} Try again."
        self.status_label.setText("")
        self._show_error(*(self._service_error or (None, message)))
        self.failed.emit(message)

    def _ask_book_anyway(self, result: SeriesResult) -> None:
        if self.warning_dialog is not None:
            self.warning_dialog.close()
        count = len(result.warned)
        what = (f"Booking {count} lesson{'s' if count != 1 else ''} of this series "
                f"({self.student.currentText()})")
        dialog = PolicyWarningDialog(what=what, warnings=result.warnings_by_rule(),
                                     go_text="Book &anyway", parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self.book_anyway)
        dialog.finished.connect(lambda *_: setattr(self, "warning_dialog", None))
        self.warning_dialog = dialog
        dialog.open()

    def _show_result(self, result: SeriesResult) -> None:
        self.lessons.clear()
        for occurrence in result.occurrences:
            item = QListWidgetItem(occurrence.line(self._zone))
            style = (_BOOKED_ICON_STYLE if occurrence.booked
                     else ACKNOWLEDGED_STYLE if occurrence.warnings else _REFUSED_ICON_STYLE)
            item.setIcon(glyph_icon(style))
            item.setData(_OCCURRENCE, occurrence)
            self.lessons.addItem(item)
        summary = result.summary()
        if result.notices:
            summary += " " + " ".join(result.notices)
        self.summary_label.setText(summary)
        self.summary_label.setStyleSheet(
            message_style("info" if not result.refused else "warning", self.palette()))
        anyway = self._plan is not None and result.can_book_anyway(
            all_or_nothing=self._plan.all_or_nothing)
        if result.warned:
            count = len(result.warned)
            listed = "\n".join(f"• {warning.sentence}" for warning in result.warnings_by_rule())
            if anyway:
                advice = "“Book anyway” books them with the warnings accepted."
            else:
                advice = ("“Book anyway” would not help: other lessons cannot be booked at all, "
                          "and the series is all or nothing. Change the series, or untick all or "
                          "nothing, and book again.")
            self.warnings_label.setText(
                f"{count} lesson{'s' if count != 1 else ''} only need{'s' if count == 1 else ''} "
                f"the booking policy's warnings accepted:\n{listed}\n{advice}")
        self.warnings_label.setVisible(bool(result.warned))
        self.book_anyway_button.setVisible(anyway)
        self._validate()

    def _show_plan(self) -> None:
        """The lessons the form asks for, before anything is sent."""
        self.lessons.clear()
        plan = self.plan()
        for start, end in plan.occurrences(self._zone)[:200]:
            self.lessons.addItem(QListWidgetItem(f"To book — {when(start, end, self._zone)}"))
        self.summary_label.setStyleSheet("")
        self.summary_label.setText(plan.summary(self._zone) if plan.weekdays
                                   else "Tick the weekdays of the lessons.")
        self.warnings_label.hide()
        self.book_anyway_button.hide()

    def _form_locked(self) -> bool:
        """Once lessons are booked the form is what was booked: only "Book anyway" goes on."""
        return self.result is not None and bool(self.result.booked)

    def _on_input(self, *_: object) -> None:
        if self._form_locked():
            return
        if self.result is not None or self._service_error is not None:
            # The answer was about the series as it was: the form now asks for another.
            self.result, self._plan, self._service_error = None, None, None
        self._show_plan()
        self._validate()

    def _validate(self) -> tuple[str, str] | None:
        locked = self._form_locked()
        problem = None if locked else self.problem()
        if problem is not None:
            self._show_error(*problem)
        elif self._service_error is not None:
            self._show_error(*self._service_error)
        else:
            self._show_error(None, "")
        for widget in (*self._inputs.values(), *self.weekday_boxes.values(), self.weeks_choice,
                       self.until_choice, self.all_or_nothing):
            widget.setEnabled(not locked and not self._busy
                              and (widget is not self.weeks or self.weeks_choice.isChecked())
                              and (widget is not self.until or self.until_choice.isChecked()))
        self.book_button.setVisible(not locked)
        self.book_button.setEnabled(problem is None and not self._busy and self._book is not None)
        if self._book is None:
            self.book_button.setToolTip("Not connected to the service: a series is booked by the "
                                        "service itself")
        self.book_anyway_button.setEnabled(not self._busy)
        return problem

    def _show_error(self, field: str | None, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))
        widget = self._inputs.get(field or "")
        if self._highlighted is not None and self._highlighted is not widget:
            self._highlighted.setStyleSheet("")
        if widget is not None:
            widget.setStyleSheet(
                f"border: 1px solid {message_colour('error', self.palette()).name()};")
        self._highlighted = widget

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        self.status_label.setText(text)
        self.close_button.setEnabled(not busy)
        self._validate()

    @staticmethod
    def _upper(edit: QLineEdit, text: str) -> None:
        if text != text.upper():
            position = edit.cursorPosition()
            edit.setText(text.upper())
            edit.setCursorPosition(position)
