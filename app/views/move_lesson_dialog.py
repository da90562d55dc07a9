"""Move a lesson from the keyboard (its context menu, or Ctrl+M): a new start and, in the rows by
aircraft, another aircraft — what a drag on the calendar does, for those who do not drag. The
length stays; the answer is a ``MoveRequest``, sent the way a drag's is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QDate, QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from app.models.lessons import Lesson, Schedule
from app.views.calendar_view import MoveRequest
from app.views.plain_text import make_plain

__all__ = ["MoveLessonDialog"]


class MoveLessonDialog(QDialog):
    """The lesson's new start (school time, 15-minute steps) and aircraft; "Move" is enabled
    once something changed and the start is still ahead."""

    def __init__(self, *, lesson: Lesson, schedule: Schedule,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Move lesson")
        self._lesson = lesson
        self._zone = schedule.timezone
        self._clock = clock
        local = lesson.start.astimezone(self._zone)
        end = lesson.end.astimezone(self._zone)
        self.summary_label = QLabel(
            f"{lesson.student}, {local:%a %d %b %H:%M}–{end:%H:%M} in {lesson.aircraft}"
            + (f" with {lesson.instructor}" if lesson.instructor else " (solo)"), self)
        self.summary_label.setWordWrap(True)
        self.date = QDateEdit(QDate(local.year, local.month, local.day), self)
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("ddd d MMM yyyy")
        self.start_time = QTimeEdit(QTime(local.hour, local.minute), self)
        self.start_time.setDisplayFormat("HH:mm")
        self.aircraft = QComboBox(self)
        for aircraft_id, label in schedule.aircraft:
            self.aircraft.addItem(label, aircraft_id)
        index = self.aircraft.findData(lesson.aircraft_id)
        if index < 0:
            self.aircraft.addItem(lesson.aircraft, lesson.aircraft_id)
            index = self.aircraft.count() - 1
        self.aircraft.setCurrentIndex(index)
        self.problem_label = QLabel(self)
        self.problem_label.setWordWrap(True)
        make_plain(self.summary_label, self.problem_label)
        when = QHBoxLayout()
        when.addWidget(self.date, 2)
        when.addWidget(self.start_time, 1)
        when.addWidget(QLabel(getattr(self._zone, "key", str(self._zone)), self))
        form = QFormLayout()
        when_label = QLabel("New &start", self)
        when_label.setBuddy(self.date)
        form.addRow(when_label, when)
        form.addRow("&Aircraft", self.aircraft)
        self.buttons = QDialogButtonBox(self)
        self.move_button = self.buttons.addButton("&Move", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addLayout(form)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)
        for signal in (self.date.dateChanged, self.start_time.timeChanged,
                       self.aircraft.currentIndexChanged):
            signal.connect(lambda *_: self._check())
        self._check()
        self.start_time.setFocus()

    def request(self) -> MoveRequest:
        """The move as entered (aware UTC; rows by aircraft)."""
        day, clock = self.date.date(), self.start_time.time()
        start = datetime(day.year(), day.month(), day.day(), clock.hour(), clock.minute(),
                         tzinfo=self._zone).astimezone(UTC)
        return MoveRequest(lesson_id=self._lesson.id, start=start,
                           end=start + (self._lesson.end - self._lesson.start),
                           row_kind="aircraft", row_id=self.aircraft.currentData())

    def problem(self) -> str:
        """Why the move cannot be asked for as entered ("" when it can)."""
        request = self.request()
        if request.start == self._lesson.start and request.row_id == self._lesson.aircraft_id:
            return "Choose another start or aircraft."
        if request.start <= self._clock():
            return "That start is in the past: choose a later one."
        return ""

    def _check(self) -> None:
        problem = self.problem()
        self.problem_label.setText(problem)
        self.move_button.setEnabled(not problem)

    def accept(self) -> None:
        if not self.problem():
            super().accept()
