"""Lessons that need action: AT_RISK and WEATHER_CANCELLED, soonest first, with reasons."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from app.models.lessons import Lesson, Schedule

__all__ = ["AlertsModel", "AlertRole", "ALERT_STATUSES"]

ALERT_STATUSES = ("AT_RISK", "WEATHER_CANCELLED")


class AlertRole(IntEnum):
    LESSON = Qt.ItemDataRole.UserRole + 1
    STATUS = Qt.ItemDataRole.UserRole + 2
    REASONS = Qt.ItemDataRole.UserRole + 3


class AlertsModel(QAbstractListModel):
    def __init__(self, *, parent: Any = None) -> None:
        super().__init__(parent)
        self._alerts: list[Lesson] = []
        self._schedule = Schedule()

    def set_schedule(self, schedule: Schedule) -> None:
        self.beginResetModel()
        self._schedule = schedule
        self._alerts = sorted((lesson for lesson in schedule.lessons
                               if lesson.status in ALERT_STATUSES), key=lambda item: item.start)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._alerts)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._alerts):
            return None
        lesson = self._alerts[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            when = lesson.start.astimezone(self._schedule.timezone)
            state = "weather-cancelled" if lesson.status == "WEATHER_CANCELLED" else "at risk"
            first_reason = lesson.reasons[0] if lesson.reasons else ""
            return (f"{when:%a %d %b %H:%M} {lesson.aircraft} — {lesson.student} ({state})"
                    + (f"\n{first_reason}" if first_reason else ""))
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(lesson.reasons) or None
        return {AlertRole.LESSON: lesson, AlertRole.STATUS: lesson.status,
                AlertRole.REASONS: list(lesson.reasons)}.get(role)
