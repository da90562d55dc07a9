"""The alerts list: ``Alert`` values (``app.models.alerts.build_alerts``) as a thin Qt list model."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon

from app.models.alerts import Alert, AlertKind
from app.views.plain_text import plain_tooltip
from app.views.theme import ALERT_STYLES, glyph_icon

__all__ = ["AlertsModel", "AlertRole", "KIND_COLOURS", "KIND_LABELS", "kind_icon"]

# One style per kind (the theme's: glyph and colour), as an icon beside each alert.
KIND_COLOURS = {kind: ALERT_STYLES[kind.value].fill for kind in AlertKind}
KIND_LABELS = {
    AlertKind.EDIT_CONFLICT: "Conflict",
    AlertKind.EDIT_REJECTED: "Refused",
    AlertKind.WEATHER_CANCELLED: "Cancelled",
    AlertKind.CONFIRM: "Confirm",
    AlertKind.MAIL_FAILED: "Mail failed",
    AlertKind.AT_RISK: "At risk",
    AlertKind.NOT_CHECKED_IN: "Not checked in",
}
_ICONS: dict[AlertKind, QIcon] = {}


def kind_icon(kind: AlertKind) -> QIcon:
    """The kind's glyph on its colour, drawn once (at the screen's pixel ratio)."""
    icon = _ICONS.get(kind)
    if icon is None:
        icon = _ICONS[kind] = glyph_icon(ALERT_STYLES[kind.value], size=18)
    return icon


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
            # One line with the cause ("Cancelled — KAUS TSRA 14:00–18:00 · …"); the icon shows
            # the kind, the tooltip every reason.
            return ("Your lesson · " if alert.mine else "") + alert.line
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip("\n".join((alert.title, *alert.reasons)))
        if role == Qt.ItemDataRole.DecorationRole:
            return kind_icon(alert.kind)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{KIND_LABELS[alert.kind]}: {alert.title}"
        return {AlertRole.ALERT: alert, AlertRole.KIND: alert.kind.value,
                AlertRole.REASONS: list(alert.reasons), AlertRole.LESSON_ID: alert.lesson_id,
                AlertRole.REQUEST_ID: alert.request_id, AlertRole.MUTATION_ID: alert.mutation_id,
                AlertRole.NOTIFICATION_ID: alert.notification_id,
                AlertRole.PRIORITY: alert.priority}.get(role)
