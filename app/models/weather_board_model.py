"""The weather board: one row per airport, from the service's ``/weather/current`` answer."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

__all__ = ["WeatherBoardModel", "WeatherRole", "CATEGORY_COLOURS", "COLUMNS"]

# The standard flight-category colours.
CATEGORY_COLOURS = {
    "VFR": QColor("#2e9e44"),   # green
    "MVFR": QColor("#1f5fd6"),  # blue
    "IFR": QColor("#d62828"),   # red
    "LIFR": QColor("#c020c0"),  # magenta
}
COLUMNS = ("Airport", "Category", "Age", "Conditions", "METAR")


class WeatherRole(IntEnum):
    REPORT = Qt.ItemDataRole.UserRole + 1  # the station's whole answer (dict)
    CATEGORY = Qt.ItemDataRole.UserRole + 2  # VFR | MVFR | IFR | LIFR | None


def _age(minutes: Any) -> str:
    if minutes is None:
        return "—"
    minutes = int(minutes)
    if minutes <= 0:
        return "just now"
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


class WeatherBoardModel(QAbstractTableModel):
    def __init__(self, *, parent: Any = None) -> None:
        super().__init__(parent)
        self._reports: list[dict[str, Any]] = []

    def set_reports(self, reports: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self._reports = sorted(reports, key=lambda report: report.get("station", ""))
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._reports)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(COLUMNS)):
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._reports):
            return None
        report = self._reports[index.row()]
        category = (report.get("observed") or {}).get("flight_category")
        column = index.column()
        if role == WeatherRole.REPORT:
            return report
        if role == WeatherRole.CATEGORY:
            return category
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return report.get("station", "")
            if column == 1:
                return category or "no report"
            if column == 2:
                return _age(report.get("age_minutes"))
            if column == 3:
                problems = "; ".join(report.get("problems") or [])
                return report.get("plain") or problems or "no report"
            if column == 4:
                return report.get("metar") or ""
        if role == Qt.ItemDataRole.ToolTipRole and column in (3, 4):
            return "\n".join(filter(None, (report.get("metar"), report.get("taf"))))
        if column == 1 and category in CATEGORY_COLOURS:
            if role == Qt.ItemDataRole.BackgroundRole:
                return CATEGORY_COLOURS[category]
            if role == Qt.ItemDataRole.ForegroundRole:
                return QColor("#ffffff")
        return None
