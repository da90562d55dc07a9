"""The lessons of the visible range as a flat list model; the calendar view lays them out.

Data comes as a ``Schedule`` (``app.models.lessons.load_schedule``, run off the GUI thread) and is
handed in with ``set_schedule``.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from app.models.lessons import Lesson, Schedule
from app.views.plain_text import plain_tooltip

__all__ = ["CalendarModel", "CalendarRole"]


class CalendarRole(IntEnum):
    LESSON = Qt.ItemDataRole.UserRole + 1  # the whole ``Lesson``
    ID = Qt.ItemDataRole.UserRole + 2
    START = Qt.ItemDataRole.UserRole + 3  # aware UTC datetime
    END = Qt.ItemDataRole.UserRole + 4
    AIRCRAFT_ID = Qt.ItemDataRole.UserRole + 5
    STUDENT = Qt.ItemDataRole.UserRole + 6
    INSTRUCTOR = Qt.ItemDataRole.UserRole + 7
    FLIGHT_TYPE = Qt.ItemDataRole.UserRole + 8
    STATUS = Qt.ItemDataRole.UserRole + 9
    VERDICT = Qt.ItemDataRole.UserRole + 10


class CalendarModel(QAbstractListModel):
    def __init__(self, *, parent: Any = None) -> None:
        super().__init__(parent)
        self._schedule = Schedule()

    @property
    def schedule(self) -> Schedule:
        return self._schedule

    def set_schedule(self, schedule: Schedule) -> None:
        self.beginResetModel()
        self._schedule = schedule
        self.endResetModel()

    def lesson(self, row: int) -> Lesson:
        return self._schedule.lessons[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._schedule.lessons)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._schedule.lessons):
            return None
        lesson = self._schedule.lessons[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            local = lesson.start.astimezone(self._schedule.timezone)
            return f"{local:%a %H:%M} {lesson.aircraft} {lesson.student}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip("\n".join((
                f"{lesson.student} with {lesson.instructor or 'no instructor (solo)'}",
                f"{lesson.flight_type.replace('_', ' ').lower()} · {lesson.status}",
                *lesson.reasons)))
        values = {
            CalendarRole.LESSON: lesson, CalendarRole.ID: lesson.id,
            CalendarRole.START: lesson.start, CalendarRole.END: lesson.end,
            CalendarRole.AIRCRAFT_ID: lesson.aircraft_id, CalendarRole.STUDENT: lesson.student,
            CalendarRole.INSTRUCTOR: lesson.instructor, CalendarRole.FLIGHT_TYPE: lesson.flight_type,
            CalendarRole.STATUS: lesson.status, CalendarRole.VERDICT: lesson.verdict,
        }
        return values.get(role)

    def roleNames(self) -> dict[int, bytes]:
        return {role.value: role.name.lower().encode() for role in CalendarRole}
