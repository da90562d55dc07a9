"""Edit › Availability…: an instructor's or a student's weekly hours and days off, kept by the
service (``PATCH /instructors/{id}``, ``PATCH /students/{id}``).

The week is typed per weekday ("08:00–12:00, 13:00–17:00": several windows a day) and checked as
it is typed (``app.models.availability``): what is wrong is said under the day, and nothing is
saved until it is right. Days off and extra hours are dated rows below. Every read and save goes to
the service off the GUI thread, on the version read: when someone else changed the person
meanwhile, the dialog says so and shows their version. Offline it says that this needs the
service; what was typed stays.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDateEdit, QDialog, QDialogButtonBox, QGridLayout, QGroupBox,
    QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMessageBox, QPushButton, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget,
)

from app.models.availability import (
    RESTRICTED_MEANING, UNRESTRICTED_MEANING, WEEKDAYS, DatedHours, Person, check_exceptions,
    check_week, dated_hours, parse_windows, week_texts,
)
from app.services.api_client import ApiClient, ApiError, Offline, Refused
from app.services.background import run_in_background
from app.views.plain_text import make_plain, make_plain_box, plain_label
from app.views.theme import message_colour, message_style

__all__ = ["AvailabilityDialog"]

KIND_LABELS = {"instructor": "instructor", "student": "student"}
_PERSON = Qt.ItemDataRole.UserRole
_DAY_OFF, _EXTRA = "Day off", "Extra hours"


class AvailabilityDialog(QDialog):
    """Signals:
        loaded(object): the chosen person's row as the service sent it (a dict), after each load.
        saved(object): the row as the service answered a save (a dict, with ``kind``).
        failed(str): a load or a save failed; the message (also shown in the dialog) says why.
    """

    loaded = Signal(object)
    saved = Signal(object)
    failed = Signal(str)

    def __init__(self, *, client: ApiClient, people: Sequence[Person], zone: ZoneInfo,
                 person_id: str = "", clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("availability-dialog")
        self.setWindowTitle("Availability")
        self._client = client
        self._zone = zone
        self._clock = clock
        self._people = list(people)
        self._person: Person | None = None
        self._row: dict[str, Any] | None = None  # the person as last read from the service
        self._loaded_texts: dict[int, str] = {}
        self._loaded_exceptions: list[DatedHours] = []
        self._exceptions: list[DatedHours] = []
        self._busy = False
        self.discard_box: QMessageBox | None = None

        self.person_box = QComboBox(self)
        self.person_box.setObjectName("availability-person")
        self.person_box.setAccessibleName("Whose availability")
        for kind in ("instructor", "student"):
            chosen = [person for person in self._people if person.kind == kind]
            if chosen and self.person_box.count():
                self.person_box.insertSeparator(self.person_box.count())
            for person in chosen:
                self.person_box.addItem(f"{person.name} ({KIND_LABELS[kind]})", person.id)
        self.person_box.currentIndexChanged.connect(self._person_chosen)
        top = QHBoxLayout()
        top.addWidget(plain_label("Whose:", self))
        top.addWidget(self.person_box, 1)

        self.meaning_label = plain_label("", self)
        self.meaning_label.setObjectName("availability-meaning")
        self.meaning_label.setWordWrap(True)
        self.meaning_label.setStyleSheet(message_style("info", self.palette()))

        # The week: one line per weekday, what is wrong with it under it.
        week_box = QGroupBox(f"Weekly hours — school time ({zone.key})", self)
        week = QGridLayout(week_box)
        self.day_edits: dict[int, QLineEdit] = {}
        self.day_problems: dict[int, QLabel] = {}
        error = message_colour("error", self.palette()).name()
        for row, (weekday, name) in enumerate(WEEKDAYS.items()):
            label = plain_label(name, week_box)
            edit = QLineEdit(week_box)
            edit.setObjectName(f"availability-day-{weekday}")
            edit.setPlaceholderText("none — e.g. 08:00–12:00, 13:00–17:00")
            edit.setAccessibleName(f"{name} hours")
            label.setBuddy(edit)
            edit.textChanged.connect(self._week_edited)
            problem = plain_label("", week_box)
            problem.setWordWrap(True)
            problem.hide()
            problem.setStyleSheet(f"color: {error};")
            week.addWidget(label, 2 * row, 0)
            week.addWidget(edit, 2 * row, 1)
            week.addWidget(problem, 2 * row + 1, 1)
            self.day_edits[weekday] = edit
            self.day_problems[weekday] = problem
        self._error_css = f"color: {error};"
        self.copy_button = QPushButton("Copy &Monday to Tuesday–Friday", week_box)
        self.copy_button.clicked.connect(self.copy_monday)
        self.clear_button = QPushButton("Clear the &week", week_box)
        self.clear_button.setToolTip("No weekly hours: available whenever the school is open")
        self.clear_button.clicked.connect(self.clear_week)
        week_buttons = QHBoxLayout()
        week_buttons.addWidget(self.copy_button)
        week_buttons.addWidget(self.clear_button)
        week_buttons.addStretch(1)
        week.addLayout(week_buttons, 2 * len(WEEKDAYS), 0, 1, 2)
        week.setColumnStretch(1, 1)
        week.setRowStretch(2 * len(WEEKDAYS) + 1, 1)  # the days stay together at the top

        # Days off and extra hours, by date.
        dates_box = QGroupBox("Days off and extra hours", self)
        self.exceptions_table = QTableWidget(0, 2, dates_box)
        self.exceptions_table.setObjectName("availability-exceptions")
        self.exceptions_table.setHorizontalHeaderLabels(["Date", "What"])
        self.exceptions_table.verticalHeader().setVisible(False)
        self.exceptions_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.exceptions_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.exceptions_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.exceptions_table.itemSelectionChanged.connect(self._update_buttons)
        self.date_edit = QDateEdit(dates_box)
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("ddd dd MMM yyyy")
        self.date_edit.setAccessibleName("Date")
        self.what_box = QComboBox(dates_box)
        self.what_box.addItems([_DAY_OFF, _EXTRA])
        self.what_box.setAccessibleName("Day off or extra hours")
        self.what_box.currentTextChanged.connect(self._update_buttons)
        self.hours_edit = QLineEdit(dates_box)
        self.hours_edit.setPlaceholderText("e.g. 13:00–17:00")
        self.hours_edit.setAccessibleName("Extra hours")
        self.hours_edit.returnPressed.connect(self.add_exception)
        self.add_button = QPushButton("&Add", dates_box)
        self.add_button.clicked.connect(self.add_exception)
        self.remove_button = QPushButton("&Remove", dates_box)
        self.remove_button.clicked.connect(self.remove_selected)
        adding = QGridLayout()
        adding.addWidget(self.date_edit, 0, 0)
        adding.addWidget(self.what_box, 0, 1, 1, 2)
        adding.addWidget(self.hours_edit, 1, 0)
        adding.addWidget(self.add_button, 1, 1)
        adding.addWidget(self.remove_button, 1, 2)
        adding.setColumnStretch(0, 1)
        self.exceptions_problem = plain_label("", dates_box)
        self.exceptions_problem.setObjectName("availability-exceptions-problem")
        self.exceptions_problem.setWordWrap(True)
        self.exceptions_problem.setStyleSheet(self._error_css)
        self.exceptions_problem.hide()
        dates = QVBoxLayout(dates_box)
        dates.addWidget(self.exceptions_table, 1)
        dates.addLayout(adding)
        dates.addWidget(self.exceptions_problem)

        self.message_label = QLabel(self)
        self.message_label.setObjectName("availability-message")
        make_plain(self.message_label)  # the service's words and people's names, as they are
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Close, self)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.clicked.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.reload_button = self.buttons.addButton("Re&load",
                                                    QDialogButtonBox.ButtonRole.ResetRole)
        self.reload_button.setToolTip("Read the person's availability from the service again")
        self.reload_button.clicked.connect(lambda: self._ask_discard(self.reload))

        columns = QHBoxLayout()
        columns.addWidget(week_box, 1)
        columns.addWidget(dates_box, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.meaning_label)
        layout.addLayout(columns, 1)
        layout.addWidget(self.message_label)
        layout.addWidget(self.buttons)
        self.resize(900, 560)

        self.date_edit.setDate(_qdate(clock().astimezone(zone).date()))
        self._set_editable(False)
        index = self.person_box.findData(person_id) if person_id else -1
        if index < 0:
            index = next((row for row in range(self.person_box.count())
                          if self.person_box.itemData(row)), -1)
        if index >= 0:
            self.person_box.blockSignals(True)
            self.person_box.setCurrentIndex(index)
            self.person_box.blockSignals(False)
            self._person = self._person_at(index)
        else:
            self.message_label.setText("Nobody to edit yet: the school has no instructors or "
                                       "students in this copy. Sync, then open this again.")
        self._week_edited()

    # -- what is shown --------------------------------------------------------------------

    @property
    def person(self) -> Person | None:
        """Whose availability is shown."""
        return self._person

    @property
    def row(self) -> dict[str, Any] | None:
        """The person's row as last read from (or saved to) the service."""
        return self._row

    @property
    def exceptions(self) -> list[DatedHours]:
        return list(self._exceptions)

    def is_dirty(self) -> bool:
        """Whether something was changed here and not saved."""
        return self._row is not None and (self._texts() != self._loaded_texts
                                          or sorted(set(self._exceptions))
                                          != self._loaded_exceptions)

    def choose(self, person_id: str) -> None:
        """Show ``person_id``'s availability (asking first when changes would be lost)."""
        index = self.person_box.findData(person_id)
        if index >= 0:
            self.person_box.setCurrentIndex(index)

    def payload(self) -> dict[str, Any] | None:
        """What Save sends (the API's JSON), or None while something typed is wrong."""
        week = check_week(self._texts())
        dates = check_exceptions(self._exceptions)
        if not (week.ok and dates.ok):
            return None
        return {"availability": week.windows, "availability_exceptions": dates.exceptions}

    def _person_at(self, index: int) -> Person | None:
        person_id = self.person_box.itemData(index)
        return next((person for person in self._people if person.id == person_id), None)

    def _texts(self) -> dict[int, str]:
        return {weekday: edit.text().strip() for weekday, edit in self.day_edits.items()}

    def _show_row(self, row: dict[str, Any]) -> None:
        self._row = row
        texts = week_texts(row.get("availability"))
        for weekday, edit in self.day_edits.items():
            edit.blockSignals(True)
            edit.setText(texts[weekday])
            edit.blockSignals(False)
        self._loaded_texts = self._texts()
        self._exceptions = dated_hours(row.get("availability_exceptions"))
        self._loaded_exceptions = list(self._exceptions)
        self._show_exceptions()
        self._week_edited()

    def _show_exceptions(self) -> None:
        today = self._clock().astimezone(self._zone).date()
        entries = sorted(set(self._exceptions))
        self.exceptions_table.setRowCount(len(entries))
        muted = self.palette().placeholderText()
        for row, entry in enumerate(entries):
            past = entry.day < today
            cells = (f"{entry.day:%a %d %b %Y}", entry.describe() + (" (past)" if past else ""))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, entry)
                if past:
                    item.setForeground(muted)
                self.exceptions_table.setItem(row, column, item)
        problems = check_exceptions(self._exceptions).problems
        self.exceptions_problem.setText("\n".join(problems))
        self.exceptions_problem.setVisible(bool(problems))
        self._update_buttons()

    def _week_edited(self) -> None:
        check = check_week(self._texts())
        for weekday, label in self.day_problems.items():
            problems = check.problems.get(weekday, [])
            label.setText("\n".join(problems))
            label.setVisible(bool(problems))
            self.day_edits[weekday].setAccessibleDescription(label.text())
        restricted = any(self._texts().values())
        self.meaning_label.setText(RESTRICTED_MEANING if restricted else UNRESTRICTED_MEANING)
        self._update_buttons()

    def _set_editable(self, editable: bool) -> None:
        for widget in (*self.day_edits.values(), self.copy_button, self.clear_button,
                       self.exceptions_table, self.date_edit, self.what_box, self.hours_edit,
                       self.add_button):
            widget.setEnabled(editable)
        self._update_buttons()

    def _update_buttons(self) -> None:
        ready = self._row is not None and not self._busy
        self.save_button.setEnabled(ready and self.is_dirty() and self.payload() is not None)
        self.reload_button.setEnabled(self._person is not None and not self._busy)
        self.person_box.setEnabled(not self._busy)
        self.remove_button.setEnabled(ready and bool(self.exceptions_table.selectedItems()))
        self.hours_edit.setEnabled(ready and self.what_box.currentText() == _EXTRA)

    # -- editing ----------------------------------------------------------------------------

    def copy_monday(self) -> None:
        for weekday in (2, 3, 4, 5):
            self.day_edits[weekday].setText(self.day_edits[1].text())

    def clear_week(self) -> None:
        for edit in self.day_edits.values():
            edit.clear()

    def add_exception(self) -> None:
        """The date and what was chosen below the table, added to it."""
        picked = self.date_edit.date()
        day = date(picked.year(), picked.month(), picked.day())
        if self.what_box.currentText() == _DAY_OFF:
            added = [DatedHours(day)]
        else:
            windows, problems = parse_windows(self.hours_edit.text())
            if not windows and not problems:
                problems = ["type the extra hours, e.g. 13:00–17:00"]
            if problems:
                self.exceptions_problem.setText(f"Not added: {'; '.join(problems)}")
                self.exceptions_problem.show()
                self.hours_edit.setFocus()
                return
            added = [DatedHours(day, start, end) for start, end in windows]
            self.hours_edit.clear()
        self._exceptions = sorted(set(self._exceptions) | set(added))
        self._show_exceptions()

    def remove_selected(self) -> None:
        chosen = {item.data(Qt.ItemDataRole.UserRole)
                  for item in self.exceptions_table.selectedItems()}
        self._exceptions = [entry for entry in self._exceptions if entry not in chosen]
        self._show_exceptions()

    # -- the service ------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the chosen person from the service (off the GUI thread)."""
        person = self._person
        if person is None:
            return
        client = self._client
        fetch = client.get_instructor if person.kind == "instructor" else client.get_student
        self._run(lambda: fetch(person.id), lambda row: self._loaded(person, row),
                  busy_text=f"Reading {person.name}'s availability from the service…",
                  what="read")

    def save(self) -> None:
        person, row, payload = self._person, self._row, self.payload()
        if person is None or row is None:
            return
        if payload is None:
            self.message_label.setText("Not saved: fix what is marked first.")
            return
        client = self._client
        update = client.update_instructor if person.kind == "instructor" else client.update_student
        version = int(row["version"])
        self._run(lambda: update(person.id, payload, version=version),
                  lambda answer: self._saved(person, answer),
                  busy_text=f"Saving {person.name}'s availability…", what="saved",
                  on_refused=lambda error: self._save_refused(person, error))

    def _loaded(self, person: Person, row: dict[str, Any]) -> None:
        self._set_busy(False)
        if person != self._person:
            return  # another person was chosen meanwhile
        self._show_row(row)
        self._set_editable(True)
        self.message_label.clear()
        self.loaded.emit(row)

    def _saved(self, person: Person, row: dict[str, Any]) -> None:
        self._set_busy(False)
        if person == self._person:
            self._show_row(row)
        self.message_label.setText(f"Saved {person.name}'s availability. The calendar shows it "
                                   "after the next sync; the booking rules and the reschedule "
                                   "search use it from now on.")
        self.saved.emit({**row, "kind": person.kind})

    def _save_refused(self, person: Person, error: Refused) -> None:
        if error.status in (409, 412) and error.rule in ("STALE_VERSION", None, ""):
            self._set_busy(False)
            message = (f"Not saved: someone else changed {person.name}'s availability while you "
                       "were editing. Their version is shown now: make your change again, then "
                       "save.")
            self._run(lambda: (self._client.get_instructor if person.kind == "instructor"
                               else self._client.get_student)(person.id),
                      lambda row: (self._loaded(person, row), self._fail(message, emit=False)),
                      busy_text=message, what="read")
            self.failed.emit(message)
            return
        self._fail(f"Not saved: {error}")

    def _run(self, job: Callable[[], Any], on_done: Callable[[Any], None], *, busy_text: str,
             what: str, on_refused: Callable[[Refused], None] | None = None) -> None:
        if self._busy:
            return
        self._set_busy(True)
        self.message_label.setText(busy_text)

        def failed(error: Exception) -> None:
            if on_refused is not None and isinstance(error, Refused):
                self._set_busy(False)
                on_refused(error)
            else:
                self._fail(_failure(error, what))

        run_in_background(job, on_done, failed, owner=self)

    def _fail(self, message: str, *, emit: bool = True) -> None:
        self._set_busy(False)
        message = message[:1].upper() + message[1:]
        self.message_label.setText(message)
        if emit:
            self.failed.emit(message)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_buttons()

    # -- choosing and leaving ---------------------------------------------------------------

    def _person_chosen(self, index: int) -> None:
        person = self._person_at(index)
        if person is None or person == self._person:
            return
        previous = self._person

        def go() -> None:
            self._person = person
            self._row = None
            self._set_editable(False)
            self.reload()

        def stay() -> None:
            if previous is not None:
                self.person_box.blockSignals(True)
                self.person_box.setCurrentIndex(self.person_box.findData(previous.id))
                self.person_box.blockSignals(False)

        self._ask_discard(go, stay)

    def _ask_discard(self, then: Callable[[], None],
                     otherwise: Callable[[], None] | None = None) -> None:
        """``then`` at once when nothing would be lost; else after the person agrees."""
        if not self.is_dirty():
            then()
            return
        name = self._person.name if self._person is not None else "this person"
        box = QMessageBox(QMessageBox.Icon.Question, "Unsaved availability",
                          f"Your changes to {name}'s availability are not saved.",
                          QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                          self)
        box.setInformativeText("Discard them? To keep them, press Cancel, then Save.")
        make_plain_box(box)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(button: int) -> None:
            self.discard_box = None
            if button == QMessageBox.StandardButton.Discard:
                then()
            elif otherwise is not None:
                otherwise()

        box.finished.connect(answered)
        self.discard_box = box
        box.open()

    def reject(self) -> None:
        self._ask_discard(self._close)

    def _close(self) -> None:
        self._loaded_texts = self._texts()  # (nothing left to ask about)
        self._loaded_exceptions = sorted(set(self._exceptions))
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.is_dirty():
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._row is None and self._person is not None and not self._busy:
            self.reload()


def _failure(error: Exception, what: str) -> str:
    """A failed read or save in words: what happened and what to do next."""
    if isinstance(error, Offline):
        kept = (" What you typed is still here: press Save again once the service can be "
                "reached." if what == "saved" else " Check the network, then press Reload.")
        return ("Cannot reach the service: availability is kept by the service, so it can be "
                f"{'changed' if what == 'saved' else 'read'} only while the service can be "
                f"reached.{kept}")
    if isinstance(error, Refused):
        return f"Not {what}: {error}"
    if isinstance(error, ApiError):
        return str(error)
    return f"Not {what}: {error}"


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)
