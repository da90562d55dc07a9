"""Go to a lesson on the calendar: its day (or week) shown, the lesson selected and in view.

Used by the find bar and by undo/redo (which shows what it changed). A lesson of the days already
shown is selected at once; otherwise the calendar goes to its day and the lesson is selected once
the window has read that range (``loaded``). A filter that hides the lesson is cleared first,
saying so — a found lesson that stays hidden would look like a lesson that is not there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, Qt, Signal, SignalInstance
from PySide6.QtWidgets import QWidget

from app.views.calendar_view import CalendarView
from app.views.filter_bar import FilterBar

__all__ = ["LessonJump"]


class LessonJump(QObject):
    """Signals:
        arrived(str): the lesson (its id) is selected on the calendar.
        message(str, int): a status-bar line and how long to show it (ms).
    """

    arrived = Signal(str)
    message = Signal(str, int)

    def __init__(self, *, calendar: CalendarView, filter_bar: FilterBar, loaded: SignalInstance,
                 reload: Callable[[], None], parent: QWidget | None = None) -> None:
        """``loaded``: the window's signal that the calendar shows a new read; ``reload``: asks
        for one (the range shown, read again)."""
        super().__init__(parent)
        self._calendar = calendar
        self._filter_bar = filter_bar
        self._reload = reload
        self._pending = ""  # the lesson to select once its range is read
        loaded.connect(self._on_loaded)

    def go(self, lesson_id: str, start: datetime) -> None:
        """Show ``lesson_id``, which starts at ``start`` (aware), and select it."""
        if not lesson_id:
            return
        day = start.astimezone(self._filter_bar.schedule.timezone).date()
        if day in self._calendar.days() and self._known(lesson_id):
            self._select(lesson_id)
            return
        self._pending = lesson_id  # the latest asked wins
        if day in self._calendar.days():
            self._reload()  # booked since the last read, say
        else:
            self._calendar.set_day(day)  # the window reads the new range

    @property
    def pending(self) -> str:
        """The lesson waiting for its range to be read ("" when none)."""
        return self._pending

    def _known(self, lesson_id: str) -> bool:
        return any(lesson.id == lesson_id for lesson in self._filter_bar.schedule.lessons)

    def _on_loaded(self) -> None:
        lesson_id, self._pending = self._pending, ""
        if not lesson_id:
            return
        if self._known(lesson_id):
            self._select(lesson_id)
        else:
            self.message.emit("That lesson is no longer on the calendar: it may have been "
                              "removed. Search again.", 10_000)

    def _select(self, lesson_id: str) -> None:
        if self._filter_bar.reveal(lesson_id):
            self.message.emit("The filter hid that lesson: it was cleared to show it.", 10_000)
        self._calendar.select_lesson(lesson_id)
        self._calendar.setFocus(Qt.FocusReason.OtherFocusReason)
        self.arrived.emit(lesson_id)
