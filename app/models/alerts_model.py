"""The alerts list: ``Alert`` values (``app.models.alerts.build_alerts``) as a thin Qt list model."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from app.models.alerts import Alert, AlertKind

__all__ = ["AlertsModel", "AlertRole", "KIND_COLOURS", "KIND_LABELS"]

# One colour per kind: the stripe beside each alert (red: act now, amber: watch, blue: confirm).
KIND_COLOURS = {
    AlertKind.EDIT_CONFLICT: QColor("#c62828"),
    AlertKind.EDIT_REJECTED: QColor("#c62828"),
    AlertKind.WEATHER_CANCELLED: QColor("#d84315"),
    AlertKind.CONFIRM: QColor("#1565c0"),
    AlertKind.MAIL_FAILED: QColor("#6a1b9a"),
    AlertKind.AT_RISK: QColor("#f9a825"),
}
KIND_LABELS = {
    AlertKind.EDIT_CONFLICT: "Conflict",
    AlertKind.EDIT_REJECTED: "Refused",
    AlertKind.WEATHER_CANCELLED: "Cancelled",
    AlertKind.CONFIRM: "Confirm",
    AlertKind.MAIL_FAILED: "Mail failed",
    AlertKind.AT_RISK: "At risk",
}


class AlertRole(IntEnum):
    ALERT = Qt.ItemDataRole.UserRole + 1
    KIND = Qt.ItemDataRole.UserRole + 2
    REASONS = Qt.ItemDataRole.UserRole + 3
    LESSON_ID = Qt.ItemDataRole.UserRole + 4
    REQUEST_ID = Qt.ItemDataRole.UserRole + 5
    MUTATION_ID = Qt.ItemDataRole.UserRole + 6
    NOTIFICATION_ID = Qt.ItemDataRole.UserRole + 7
    PRIORITY = Qt.ItemDataRole.UserRole + 8


class AlertsModel(QAbstractListModel):
    def __init__(self, *, parent: Any = None) -> None:
        super().__init__(parent)
        self._alerts: list[Alert] = []

    @property
    def alerts(self) -> tuple[Alert, ...]:
        return tuple(self._alerts)

    def set_alerts(self, alerts: Sequence[Alert]) -> None:
        """Show ``alerts`` in the order given (``build_alerts`` sorts them)."""
        self.beginResetModel()
        self._alerts = list(alerts)
        self.endResetModel()

    def alert(self, row: int) -> Alert | None:
        return self._alerts[row] if 0 <= row < len(self._alerts) else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._alerts)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._alerts):
            return None
        alert = self._alerts[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            # The title says what happened ("Cancelled for weather: …"); the stripe shows the kind.
            first = f"\n{alert.reasons[0]}" if alert.reasons else ""
            return ("Your lesson · " if alert.mine else "") + f"{alert.title}{first}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join((alert.title, *alert.reasons))
        if role == Qt.ItemDataRole.DecorationRole:
            return KIND_COLOURS[alert.kind]
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{KIND_LABELS[alert.kind]}: {alert.title}"
        return {AlertRole.ALERT: alert, AlertRole.KIND: alert.kind.value,
                AlertRole.REASONS: list(alert.reasons), AlertRole.LESSON_ID: alert.lesson_id,
                AlertRole.REQUEST_ID: alert.request_id, AlertRole.MUTATION_ID: alert.mutation_id,
                AlertRole.NOTIFICATION_ID: alert.notification_id,
                AlertRole.PRIORITY: alert.priority}.get(role)
