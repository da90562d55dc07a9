"""The lesson editor: book a new lesson, change or cancel one, check its weather.

Local rules are checked as the person types (a red line under the form; Save stays disabled) so
only plausible edits are sent; the service's own rules (double bookings, qualifications…) come
back through ``LessonEdits.save`` and are shown inline, with the field at fault highlighted, and
the dialog stays open to fix and save again (the same outbox edit is amended) or to cancel (the
refused edit is dropped: nothing half-written stays).

When the school's booking policy only warns (outside someone's availability, a forecast below
minimums…), the warnings are listed with "Book anyway" (the same edit sent again with them
accepted; the lesson keeps which) and "Change it" (back to the form; the next save is judged
afresh). A rule the school blocks is a plain refusal: no "Book anyway".

A lesson of a weekly series whose time changes asks first which lessons move: this one only, or
this and the following ones (``SeriesScopeDialog``; sent through the outbox like any edit, the
service moves the others). A new lesson can be made weekly instead ("Make it weekly…": the series
dialog takes over with what the form says).

"Cancel lesson…" is the calendar's cancellation (``LessonActions.ask_cancel``, handed in as
``ask_cancel``): the same dialog asks what happened, why, and for a lesson of a series whether
the following ones go too; the editor waits for the outcome (``start_cancel``/``finish_cancel``),
closes when it is cancelled, or shows why not.

A lesson whose aircraft is checked out (flying, not yet checked in) keeps everything but its
notes until it is checked in — the service's rule: the form says so, only the notes can be
edited, and "Check in…" (``check_in``, when handed in) closes the editor for the check-in.

Times are entered in the school's time zone and sent in UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QDate, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel,
    QLineEdit, QPlainTextEdit, QPushButton, QSpinBox, QTimeEdit, QVBoxLayout, QWidget,
)

from app.models.lesson_rules import SOLO_TEXT, booking_problem
from app.models.lessons import Lesson, Schedule
from app.services.api_client import ApiError, Offline
from app.services.background import run_in_background
from app.services.lesson_edits import IN_FLIGHT_TEXT, EditOutcome, LessonEdits
from app.services.policy_warnings import PolicyWarning, warning_codes
from app.models.labels import FLIGHT_TYPE_LABELS, status_label
from app.views.plain_text import make_plain
from app.views.series_scope_dialog import SeriesScopeDialog
from app.views.theme import (message_colour, message_style, status_style, stripe_css,
                             verdict_style)

__all__ = ["LessonEditor", "FLIGHT_TYPES"]

# The service's FlightType values, with what the desk calls them.
FLIGHT_TYPES = tuple(FLIGHT_TYPE_LABELS.items())
_LIVE = ("SCHEDULED", "AT_RISK")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class LessonEditor(QDialog):
    """Book or change one lesson.

    Signals:
        saved(object): an ``EditOutcome`` — the replica changed (booked, changed, queued, or
            refused and kept for a fix); the owner refreshes what it shows. (A cancellation is
            the owner's own: ``ask_cancel``.)
        discarded(str): the person gave up on a refused edit; its mutation id was dropped.
        weather_checked(object): the service's weather check (dict) for this lesson.
        weather_failed(str): the weather could not be checked; the message says why.
        series_requested(object): "Make it weekly…" on a new lesson: the form's ``fields()``
            (a dict) to start a weekly series from; the editor closes.
    """

    saved = Signal(object)
    discarded = Signal(str)
    weather_checked = Signal(object)
    weather_failed = Signal(str)
    series_requested = Signal(object)

    def __init__(self, *, schedule: Schedule, edits: LessonEdits | None,
                 lesson: Lesson | None = None,
                 check_weather: Callable[[str], dict[str, Any]] | None = None,
                 read_only: bool = False, start: datetime | None = None,
                 aircraft_id: str | None = None, instructor_id: str | None = None,
                 flight_type: str | None = None, retry_of: str | None = None, clock: Callable[[], datetime] = _utc_now,
                 online: Callable[[], bool] | None = None,
                 ask_cancel: Callable[[LessonEditor], object] | None = None,
                 check_in: Callable[[str], object] | None = None,
                 parent: QWidget | None = None) -> None:
        """``online``: whether the service was reachable at the last sync (a series move made
        offline is said to be kept and sent later); None: not known.

        ``ask_cancel``: "Cancel lesson…" — opens the cancel dialog over this editor and cancels
        as chosen, telling the editor (``start_cancel``, ``finish_cancel``); None: no such
        button. ``check_in``: "Check in…" on a lesson whose aircraft is checked out — the check-in
        of the lesson (its id), opened once this editor has closed; None: no such button."""
        super().__init__(parent)
        self._schedule = schedule
        self._edits = edits
        self._lesson = lesson
        self._check_weather = check_weather
        self._clock = clock
        self._zone = schedule.timezone
        self._read_only = read_only or edits is None
        self._lesson_id: str | None = lesson.id if lesson is not None else None
        # The refused edit this dialog fixes (its mutation id): one made here, or one opened
        # from the alerts (``retry_of``). Cancel drops only one made here; the alerts keep theirs.
        self._refused: str | None = retry_of
        self._owns_refused = False
        # The service's last refusal (field, message): shown until the next save.
        self._service_error: tuple[str | None, str] | None = None
        # What the school's policy warned about the refused edit, while the form still shows
        # what was warned about ("Book anyway" books exactly that).
        self._warnings: tuple[PolicyWarning, ...] = ()
        self._busy = False
        self._highlighted: QWidget | None = None
        self._online = online
        self._ask_cancel = ask_cancel
        self._check_in = check_in
        # Its aircraft is checked out and not yet checked in: only the notes may change.
        self._in_flight = lesson is not None and lesson.checked_out
        # Which lessons of its series the last save moved ("this", "following"; None: not asked).
        self._scope: str | None = None
        self.scope_dialog: SeriesScopeDialog | None = None
        self.setWindowTitle("New lesson" if lesson is None
                            else ("Lesson" if self._read_only else "Edit lesson"))
        self.setMinimumWidth(460)
        self._build()
        self._fill(lesson, start=start, aircraft_id=aircraft_id, instructor_id=instructor_id,
                   flight_type=flight_type)
        for signal in (self.student.currentIndexChanged, self.instructor.currentIndexChanged,
                       self.aircraft.currentIndexChanged, self.flight_type.currentIndexChanged,
                       self.date.dateChanged, self.start_time.timeChanged,
                       self.length.valueChanged, self.departure.textChanged,
                       self.destination.textChanged):
            signal.connect(self._on_input)
        self._apply_mode()
        self._validate()

    # -- building -------------------------------------------------------------------------

    def _build(self) -> None:
        self.student = QComboBox(self)
        for student_id, name in self._schedule.students:
            self.student.addItem(name, student_id)
        self.instructor = QComboBox(self)
        self.instructor.addItem(SOLO_TEXT, None)
        for instructor_id, name in self._schedule.instructors:
            self.instructor.addItem(name, instructor_id)
        self.aircraft = QComboBox(self)
        for aircraft_id, label in self._schedule.aircraft:
            self.aircraft.addItem(label, aircraft_id)
        self.date = QDateEdit(self)
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("ddd d MMM yyyy")
        self.start_time = QTimeEdit(self)
        self.start_time.setDisplayFormat("HH:mm")
        self.length = QSpinBox(self)
        self.length.setRange(30, 600)
        self.length.setSingleStep(15)
        self.length.setSuffix(" min")
        self.departure = QLineEdit(self)
        self.destination = QLineEdit(self)
        for code in (self.departure, self.destination):
            code.setMaxLength(4)
            code.setPlaceholderText("ICAO, e.g. KAUS")
            code.textEdited.connect(lambda text, edit=code: self._upper(edit, text))
        self.destination.setPlaceholderText("ICAO (cross-country: required)")
        self.flight_type = QComboBox(self)
        for value, label in FLIGHT_TYPES:
            self.flight_type.addItem(label, value)
        self.notes = QPlainTextEdit(self)
        self.notes.setFixedHeight(70)

        when = QHBoxLayout()
        when.addWidget(self.date, 2)
        when.addWidget(self.start_time, 1)
        when.addWidget(QLabel(self._zone.key, self))
        form = QFormLayout()
        form.addRow("&Student", self.student)
        form.addRow("&Instructor", self.instructor)
        form.addRow("&Aircraft", self.aircraft)
        when_label = QLabel("&Date and start", self)
        when_label.setBuddy(self.date)
        form.addRow(when_label, when)
        form.addRow("&Length", self.length)
        form.addRow("De&parture", self.departure)
        form.addRow("D&estination", self.destination)
        form.addRow("Flight &type", self.flight_type)
        form.addRow("&Notes", self.notes)

        self.closed_label = QLabel(self)
        self.closed_label.setWordWrap(True)
        self.error_label = QLabel(self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {message_colour('error', self.palette()).name()};")
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label = QLabel(self)
        self.weather_label = QLabel(self)
        self.weather_label.setWordWrap(True)
        # Names, notes and the service's refusals are shown as typed, never as markup.
        make_plain(self.closed_label, self.error_label, self.status_label, self.weather_label)
        self.weather_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._build_warnings()

        self.buttons = QDialogButtonBox(self)
        self.save_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Save)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.weather_button = QPushButton("Check &weather now", self)
        self.cancel_lesson_button = QPushButton("Cancel &lesson…", self)
        self.check_in_button = QPushButton("Chec&k in…", self)
        self.weekly_button = QPushButton("Make it wee&kly…", self)
        self.weekly_button.setToolTip("Book this lesson every week instead: on chosen weekdays, "
                                      "for a number of weeks")
        self.buttons.addButton(self.weather_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.cancel_lesson_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.check_in_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.weekly_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.weekly_button.clicked.connect(self.make_weekly)
        self.save_button.clicked.connect(self.save)
        self.close_button.clicked.connect(self.reject)
        self.weather_button.clicked.connect(self.check_weather)
        self.cancel_lesson_button.clicked.connect(self.cancel_lesson)
        self.check_in_button.clicked.connect(self.check_in)
        self.notes.textChanged.connect(self._follow_notes)

        layout = QVBoxLayout(self)
        layout.addWidget(self.closed_label)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.warnings_panel)
        layout.addWidget(self.weather_label)
        layout.addWidget(self.status_label)
        layout.addWidget(self.buttons)
        self._fields: dict[str, QWidget] = {
            "student_id": self.student, "instructor_id": self.instructor,
            "aircraft_id": self.aircraft, "start_at": self.start_time, "end_at": self.length,
            "departure": self.departure, "destination": self.destination,
            "flight_type": self.flight_type, "notes": self.notes,
        }

    def _build_warnings(self) -> None:
        """The policy's warnings about a refused edit, with "Book anyway" and "Change it"."""
        self.warnings_panel = QWidget(self)
        self.warnings_label = QLabel(self.warnings_panel)
        self.warnings_label.setObjectName("policy-warnings")
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warnings_label.setStyleSheet(message_style("warning", self.palette()))
        make_plain(self.warnings_label)  # the service's words, names and all
        self.book_anyway_button = QPushButton("&Book anyway", self.warnings_panel)
        self.book_anyway_button.setToolTip("Book it as it is, with these warnings accepted; the "
                                           "lesson keeps which were accepted, by whom and when")
        self.change_button = QPushButton("C&hange it", self.warnings_panel)
        self.change_button.setToolTip("Back to the form: change the lesson and save again")
        for button in (self.book_anyway_button, self.change_button):
            button.setAutoDefault(False)  # Enter never books over a warning by accident
        self.book_anyway_button.clicked.connect(self.book_anyway)
        self.change_button.clicked.connect(self.change_it)
        choices = QHBoxLayout()
        choices.addStretch(1)
        choices.addWidget(self.change_button)
        choices.addWidget(self.book_anyway_button)
        layout = QVBoxLayout(self.warnings_panel)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.warnings_label)
        layout.addLayout(choices)
        self.warnings_panel.hide()

    def _fill(self, lesson: Lesson | None, *, start: datetime | None, aircraft_id: str | None,
              instructor_id: str | None, flight_type: str | None) -> None:
        if lesson is not None:
            self._select(self.student, lesson.student_id, lesson.student)
            self._select(self.instructor, lesson.instructor_id, lesson.instructor)
            self._select(self.aircraft, lesson.aircraft_id, lesson.aircraft)
            self._select(self.flight_type, lesson.flight_type, lesson.flight_type)
            start = lesson.start
            minutes = int((lesson.end - lesson.start).total_seconds() // 60)
            self.length.setValue(max(30, min(600, minutes)))
            self.departure.setText(lesson.departure)
            self.destination.setText(lesson.destination)
            self.notes.setPlainText(lesson.notes)
        else:
            if aircraft_id:
                self._select(self.aircraft, aircraft_id, aircraft_id)
            if flight_type:
                self._select(self.flight_type, flight_type, flight_type)
            if instructor_id:
                self._select(self.instructor, instructor_id, instructor_id)
            elif flight_type == "SOLO":
                self.instructor.setCurrentIndex(0)
            else:
                self.instructor.setCurrentIndex(1 if self.instructor.count() > 1 else 0)
            self.length.setValue(60)
            self.departure.setText(self._schedule.home_airport)
        if start is None:  # the next whole hour, tomorrow
            start = (self._clock() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
        local = start.astimezone(self._zone)
        self.date.setDate(QDate(local.year, local.month, local.day))
        self.start_time.setTime(QTime(local.hour, local.minute))

    @staticmethod
    def _select(combo: QComboBox, value: str | None, label: str) -> None:
        index = combo.findData(value)
        if index < 0 and value:  # not among the choices (e.g. a retired instructor): keep it
            combo.addItem(label or value, value)
            index = combo.count() - 1
        combo.setCurrentIndex(max(index, 0))

    def _apply_mode(self) -> None:
        lesson = self._lesson
        closed = lesson is not None and lesson.status not in _LIVE
        if closed:
            self._read_only = True
            self.closed_label.setText(f"This lesson is {status_label(lesson.status).lower()} "
                                      "and can no longer be changed.")
        elif self._in_flight:
            self.closed_label.setText(f"{status_style('FLYING').glyph} {IN_FLIGHT_TEXT}")
            self.closed_label.setStyleSheet(stripe_css(status_style("FLYING")))
        self.closed_label.setVisible(closed or self._in_flight)
        for widget in self._fields.values():
            widget.setEnabled(not self._read_only
                              and (not self._in_flight or widget is self.notes))
        self.date.setEnabled(not self._read_only and not self._in_flight)
        self.save_button.setVisible(not self._read_only)
        self.close_button.setText("Close" if self._read_only else "Cancel")
        # Only a lesson still to book (not a refused one being fixed) becomes a series instead.
        self.weekly_button.setVisible(lesson is None and not self._read_only
                                      and self._refused is None)
        # A lesson the service has not booked yet (refused or unsent) has nothing to cancel; one
        # in the air is checked in instead.
        self.cancel_lesson_button.setVisible(lesson is not None and lesson.version is not None
                                             and not self._read_only and not self._in_flight
                                             and self._ask_cancel is not None)
        self.check_in_button.setVisible(self._in_flight and not self._read_only
                                        and self._check_in is not None)
        self._follow_notes()
        if lesson is None:
            self.weather_button.setEnabled(False)
            self.weather_button.setToolTip("Save the lesson first: the weather is checked for a "
                                           "booked lesson")
        elif lesson.version is None:
            self.weather_button.setEnabled(False)
            self.weather_button.setToolTip("This lesson has not reached the service yet: check "
                                           "its weather once it is sent")
        elif self._check_weather is None:
            self.weather_button.setEnabled(False)
            self.weather_button.setToolTip("Not connected to the service")
        else:
            self.weather_button.setToolTip("Ask the service to judge this lesson's weather now")

    # -- state ----------------------------------------------------------------------------

    @property
    def read_only(self) -> bool:
        return self._read_only

    @property
    def lesson(self) -> Lesson | None:
        """The lesson as it was opened (None: a new one)."""
        return self._lesson

    @property
    def in_flight(self) -> bool:
        """Its aircraft is checked out and not yet checked in: only the notes can change."""
        return self._in_flight

    @property
    def lesson_id(self) -> str | None:
        """The lesson (also a new one once it was sent, even if refused)."""
        return self._lesson_id

    @property
    def refused_mutation(self) -> str | None:
        return self._refused

    @property
    def warnings(self) -> tuple[PolicyWarning, ...]:
        """What the school's policy warns about the edit as the form shows it (() when none)."""
        return self._warnings

    def problem(self) -> tuple[str, str] | None:
        """The first local rule the form breaks: (field, message), or None."""
        if self._in_flight:  # only the notes can change, and they have no rule
            return None
        problem = booking_problem(
            student_id=self.student.currentData(), aircraft_id=self.aircraft.currentData(),
            flight_type=self.flight_type.currentData(), instructor_id=self.instructor.currentData(),
            departure=self.departure.text(), destination=self.destination.text())
        if problem is not None:
            return problem
        start, end = self.times()
        if end <= start:
            return "end_at", "The lesson must end after it starts."
        if start <= self._clock() and (self._lesson is None or start != self._lesson.start):
            return "start_at", "The lesson would start in the past: choose a later time."
        return None

    def times(self) -> tuple[datetime, datetime]:
        """Start and end as entered, aware UTC."""
        day, clock = self.date.date(), self.start_time.time()
        local = datetime(day.year(), day.month(), day.day(), clock.hour(), clock.minute(),
                         tzinfo=self._zone)
        start = local.astimezone(UTC)
        return start, start + timedelta(minutes=self.length.value())

    def fields(self) -> dict[str, Any]:
        """The lesson as the service takes it (``FlightCreate``'s fields)."""
        start, end = self.times()
        destination = self.destination.text().strip().upper()
        return {
            "student_id": self.student.currentData(),
            "instructor_id": self.instructor.currentData(),
            "aircraft_id": self.aircraft.currentData(),
            "start_at": start.isoformat().replace("+00:00", "Z"),
            "end_at": end.isoformat().replace("+00:00", "Z"),
            "departure": self.departure.text().strip().upper(),
            "destination": destination or None,
            "flight_type": self.flight_type.currentData(),
            "notes": self.notes.toPlainText(),
        }

    def field_widget(self, field: str) -> QWidget | None:
        return self._fields.get(field)

    # -- behaviour ------------------------------------------------------------------------

    @property
    def scope(self) -> str | None:
        """Which lessons of its series the last save moved: "this", "following", or None when
        the question was not asked (not a series, or the time did not change)."""
        return self._scope

    def save(self) -> None:
        """Send the edit (in the background); the outcome decides whether the dialog closes.
        A lesson of a series whose time changed asks first which lessons move."""
        if self._read_only or self._busy or self._validate():
            return
        if self._moves_in_series():
            self._ask_scope()
            return
        self._send(None)

    def make_weekly(self) -> None:
        """"Make it weekly…": hand the form to the series dialog (``series_requested``)."""
        if self._lesson is not None or self._read_only or self._busy:
            return
        self.series_requested.emit(self.fields())
        super().reject()

    def _moves_in_series(self) -> bool:
        lesson = self._lesson
        if lesson is None or not lesson.series_id or lesson.version is None or self._in_flight:
            return False
        return self.times() != (lesson.start, lesson.end)

    def _other_changes(self) -> list[str]:
        """What the form changes besides the time, in words ("aircraft", "notes")."""
        lesson = self._lesson
        assert lesson is not None
        fields = self.fields()
        shown = {"student_id": lesson.student_id, "instructor_id": lesson.instructor_id,
                 "aircraft_id": lesson.aircraft_id, "flight_type": lesson.flight_type,
                 "departure": lesson.departure or None, "destination": lesson.destination or None,
                 "notes": lesson.notes}
        words = {"student_id": "student", "instructor_id": "instructor",
                 "aircraft_id": "aircraft", "flight_type": "flight type",
                 "departure": "departure", "destination": "destination", "notes": "notes"}
        return [words[key] for key, value in shown.items()
                if (fields.get(key) or None) != (value or None)]

    def _ask_scope(self) -> None:
        lesson = self._lesson
        assert lesson is not None
        others = self._other_changes()
        why_not = ("" if not others else
                   f"Only times move the following lessons, and this change also sets the "
                   f"{', '.join(others)}: save it for this lesson only, or change only the time "
                   "to move the following ones too.")
        start, end = self.times()
        old = lesson.start.astimezone(self._zone)
        new = start.astimezone(self._zone)
        what = (f"{lesson.student}'s lesson moves from {old:%a %d %b %H:%M} to "
                f"{new:%a %d %b %H:%M}–{end.astimezone(self._zone):%H:%M} {new:%Z}")
        offline = self._online is not None and not self._online()
        dialog = SeriesScopeDialog(what=what, following_allowed=not others, why_not=why_not,
                                   offline=offline, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.chosen.connect(self._send)
        dialog.finished.connect(lambda *_: setattr(self, "scope_dialog", None))
        self.scope_dialog = dialog
        dialog.open()

    def _send(self, scope: str | None) -> None:
        if self._read_only or self._busy or self._validate():
            return
        edits = self._edits
        assert edits is not None
        lesson_id = None if self._lesson is None else self._lesson.id
        base_version = None if self._lesson is None else self._lesson.version
        fields, retry_of = self.fields(), self._refused
        if self._in_flight:  # the rest is what is flying now (times as booked, to the second)
            fields = {"notes": fields["notes"]}
        self._scope = scope
        if scope == "following":  # the service moves the others by the same times: only those
            fields = {key: fields[key] for key in ("start_at", "end_at")}
        if scope is not None:
            fields["scope"] = scope
        if retry_of is None:
            self._owns_refused = True  # a new edit: if refused, it is this dialog's to drop
        self._service_error = None
        self._set_busy(True, "Saving…")
        run_in_background(lambda: edits.save(lesson_id=lesson_id, fields=fields,
                                             base_version=base_version, retry_of=retry_of),
                          self._on_saved, self._on_save_failed, owner=self)

    def book_anyway(self) -> None:
        """Send the refused edit again with the policy's warnings accepted (in the background);
        the outcome decides whether the dialog closes, as a save's does."""
        if not self._warnings or self._refused is None or self._busy or self._edits is None:
            return
        edits, mutation_id = self._edits, self._refused
        codes = warning_codes(self._warnings)
        self._set_busy(True, "Booking it anyway…")
        run_in_background(lambda: edits.acknowledge(mutation_id, codes), self._on_saved,
                          self._on_acknowledge_failed, owner=self)

    def change_it(self) -> None:
        """Back to the form: the warnings go; the next save amends the same edit and is judged
        afresh."""
        self._show_warnings(())
        self._validate()
        self.start_time.setFocus()

    def cancel_lesson(self) -> None:
        """"Cancel lesson…": the cancel dialog over this editor (``ask_cancel``), which asks what
        happened and why; the editor closes once the lesson is cancelled."""
        if (self._lesson is None or self._ask_cancel is None or self._read_only or self._busy
                or self._in_flight or self.cancel_lesson_button.isHidden()):
            return
        self._ask_cancel(self)

    def start_cancel(self) -> str | None:
        """The cancellation asked for here is on its way: the editor waits, and hands over the
        refused edit it was fixing (its mutation id, or None) — the cancellation replaces it, so
        it is dropped first."""
        refused, self._refused = self._refused, None
        self._service_error = None
        self._show_warnings(())
        self._set_busy(True, "Cancelling the lesson…")
        return refused

    def finish_cancel(self, outcome: EditOutcome) -> None:
        """How the cancellation ended: cancelled (or queued) closes the editor; a refusal is
        shown under the form, which stays open."""
        self._set_busy(False)
        if outcome.refused:
            self._service_error = (outcome.field, outcome.message)
            self._validate()
        else:
            self.accept()

    def check_in(self) -> None:
        """"Check in…" on a lesson in the air: the editor closes and the check-in opens. Only
        with nothing unsaved (the notes as they were, no refused change waiting)."""
        if (self._check_in is None or self._lesson is None or not self._in_flight or self._busy
                or not self.check_in_button.isEnabled() or self.check_in_button.isHidden()):
            return
        check_in, lesson_id = self._check_in, self._lesson.id
        self.reject()  # nothing refused to drop (``_follow_notes``): closes at once
        check_in(lesson_id)

    def check_weather(self) -> None:
        if self._lesson is None or self._check_weather is None or not self.weather_button.isEnabled():
            return
        check, lesson_id = self._check_weather, self._lesson.id
        self.weather_button.setEnabled(False)
        self.weather_label.setStyleSheet("")
        self.weather_label.setText("Checking the weather…")
        run_in_background(lambda: check(lesson_id), self._on_weather, self._on_weather_failed, owner=self)

    def reject(self) -> None:
        """Cancel/Close/Escape: a refused edit of this dialog is dropped first."""
        if self._busy:
            return
        if self._refused is None or not self._owns_refused or self._edits is None:
            super().reject()
            return
        edits, refused = self._edits, self._refused
        self._set_busy(True, "Dropping the refused change…")
        run_in_background(lambda: edits.discard(refused),
                          lambda _changes: self._on_discarded(refused), self._on_discard_failed,
                          owner=self)

    # -- internals ------------------------------------------------------------------------

    @staticmethod
    def _upper(edit: QLineEdit, text: str) -> None:
        if text != text.upper():
            position = edit.cursorPosition()
            edit.setText(text.upper())
            edit.setCursorPosition(position)

    def _on_input(self, *_: object) -> None:
        if self._warnings:  # they were about the lesson as it was: a save asks again
            self._show_warnings(())
        self._validate()

    def _show_warnings(self, warnings: tuple[PolicyWarning, ...]) -> None:
        self._warnings = warnings
        self.warnings_label.setText(
            "The school's booking policy warns about this lesson:\n"
            + "\n".join(f"• {warning.sentence}" for warning in warnings)
            + "\nBook it anyway, or change it." if warnings else "")
        self.warnings_panel.setVisible(bool(warnings))

    def _validate(self) -> tuple[str, str] | None:
        """Show the first local problem (or clear it); Save is enabled only without one."""
        if self._read_only:
            self.error_label.hide()
            return None
        problem = self.problem()
        if problem is not None:
            self._show_error(*problem)
        elif self._service_error is not None:
            self._show_error(*self._service_error)
        else:
            self._show_error(None, "")
        # While warned: book anyway or change it, not the same save again.
        self.save_button.setEnabled(problem is None and not self._busy and not self._warnings)
        self._follow_notes()  # (a refused change now waits, or no longer does)
        return problem

    def _show_error(self, field: str | None, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))
        widget = self._fields.get(field or "")
        if field == "start_at":
            widget = self.start_time
        if self._highlighted is not None and self._highlighted is not widget:
            self._highlighted.setStyleSheet("")
            self._highlighted.setProperty("invalid", False)
        if widget is not None:
            widget.setStyleSheet(
                f"border: 1px solid {message_colour('error', self.palette()).name()};")
            widget.setProperty("invalid", True)
        self._highlighted = widget

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        self.status_label.setText(text)
        for button in (self.save_button, self.close_button, self.cancel_lesson_button,
                       self.book_anyway_button, self.change_button, self.weekly_button):
            button.setEnabled(not busy)
        if not busy:
            self.save_button.setEnabled(self.problem() is None and not self._warnings)
        self._follow_notes()

    def _on_saved(self, outcome: EditOutcome) -> None:
        self._show_warnings(outcome.warnings if outcome.needs_acknowledgement else ())
        self._set_busy(False)
        self.saved.emit(outcome)
        if outcome.state == "applied":
            self._refused = None
            self.accept()
        elif outcome.state == "queued":
            self._refused = None
            self.status_label.setText(outcome.message)
            self.accept()
        else:
            self._refused = outcome.mutation_id
            self._lesson_id = outcome.lesson_id
            # Warnings have their own panel; a plain refusal is the red line under the form.
            self._service_error = (None if outcome.needs_acknowledgement
                                   else (outcome.field, outcome.message))
            self._validate()
            if outcome.needs_acknowledgement:
                self.book_anyway_button.setFocus()

    def _on_acknowledge_failed(self, error: Exception) -> None:
        self._show_warnings(())
        self._set_busy(False)
        self._service_error = (None, f"It could not be booked anyway: {error} Save again to "
                                     "send it as it is now.")
        self._validate()

    def _on_save_failed(self, error: Exception) -> None:
        self._set_busy(False)
        self._service_error = (None, f"The change could not be stored on this computer: {error} "
                                     "Nothing was saved; try again.")
        self._validate()

    def _on_discarded(self, mutation_id: str) -> None:
        self._set_busy(False)
        self._refused = None
        self.discarded.emit(mutation_id)
        super().reject()

    def _on_discard_failed(self, error: Exception) -> None:
        self._set_busy(False)
        self._service_error = (None, f"The refused change could not be dropped: {error}")
        self._validate()

    def _follow_notes(self) -> None:
        """"Check in…" closes the editor: enabled only with nothing unsaved to lose."""
        lesson = self._lesson
        unsaved = (lesson is not None and self.notes.toPlainText() != lesson.notes) \
            or self._refused is not None
        self.check_in_button.setEnabled(not unsaved and not self._busy)
        self.check_in_button.setToolTip(
            "Save the notes first (or put them back as they were): the check-in opens in place "
            "of this editor" if unsaved else
            "Close this and record the flight: Hobbs and tach in, the times flown, remarks")

    def _on_weather(self, check: dict[str, Any]) -> None:
        self.weather_button.setEnabled(True)
        verdict = str(check.get("verdict", "UNKNOWN"))
        reasons = [str(reason.get("text", "")) for reason in check.get("reasons", [])
                   if isinstance(reason, dict) and reason.get("text")]
        style = verdict_style(verdict)  # the verdict's colour, glyph and words, as everywhere
        self.weather_label.setStyleSheet(stripe_css(style))
        text = f"Weather: {style.tag}"
        if reasons:
            text += " — " + "; ".join(reasons)
        self.weather_label.setText(text)
        self.weather_checked.emit(check)

    def _on_weather_failed(self, error: Exception) -> None:
        self.weather_button.setEnabled(True)
        if isinstance(error, Offline):
            message = ("The service cannot be reached, so the weather cannot be checked now: "
                       "try again when you are back online.")
        elif isinstance(error, ApiError):
            message = f"The weather could not be checked: {error}"
        else:
            message = f"The weather could not be checked ({error}): try again."
        self.weather_label.setStyleSheet(
            f"color: {message_colour('error', self.palette()).name()};")
        self.weather_label.setText(message)
        self.weather_failed.emit(message)
