"""The weather board: one row per airport, from the service's ``/weather/current`` answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from app.views.plain_text import plain_tooltip
from app.views.theme import CATEGORY_STYLES, category_style

__all__ = ["WeatherBoardModel", "WeatherRole", "TafPeriod", "CATEGORY_COLOURS", "UNKNOWN_COLOUR",
           "COLUMNS", "TIMELINE_COLUMN"]

# The standard flight-category colours (the board's Category column and its TAF timeline), from
# the theme's one table; the category is always written beside its colour.
CATEGORY_COLOURS = {name: style.fill for name, style in CATEGORY_STYLES.items()}
UNKNOWN_COLOUR = category_style(None).fill  # a period whose category could not be decided
COLUMNS = ("Airport", "Category", "Next 24 h", "Age", "Conditions", "METAR")
TIMELINE_COLUMN = COLUMNS.index("Next 24 h")


class WeatherRole(IntEnum):
    REPORT = Qt.ItemDataRole.UserRole + 1  # the station's whole answer (dict)
    CATEGORY = Qt.ItemDataRole.UserRole + 2  # VFR | MVFR | IFR | LIFR | None
    TAF_PERIODS = Qt.ItemDataRole.UserRole + 3  # tuple[TafPeriod, ...], in the TAF's order


@dataclass(frozen=True, slots=True)
class TafPeriod:
    """One TAF period of the next 24 h as ``/weather/current`` lists it."""

    kind: str  # BASE, FM, BECMG, TEMPO, PROB30, PROB40 TEMPO…
    start: datetime  # UTC
    end: datetime  # UTC
    category: str | None  # VFR | MVFR | IFR | LIFR | None (not decidable)

    @property
    def temporary(self) -> bool:
        """TEMPO and PROB periods are possible, not prevailing: drawn over the base periods."""
        return self.kind.startswith(("TEMPO", "PROB"))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TafPeriod:
        return cls(kind=str(data.get("type") or "?"), start=_utc(data["from"]),
                   end=_utc(data["to"]), category=data.get("flight_category"))


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


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
        self._periods: list[tuple[TafPeriod, ...]] = []

    def set_reports(self, reports: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self._reports = sorted(reports, key=lambda report: report.get("station", ""))
        self._periods = [self._read_periods(report) for report in self._reports]
        self.endResetModel()

    @staticmethod
    def _read_periods(report: dict[str, Any]) -> tuple[TafPeriod, ...]:
        periods = []
        for period in report.get("taf_periods") or ():
            try:
                periods.append(TafPeriod.from_json(period))
            except (KeyError, TypeError, ValueError):
                continue  # an unreadable period is left out; the raw TAF is in the tooltip
        return tuple(periods)

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
        if role == WeatherRole.TAF_PERIODS:
            return self._periods[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            name = COLUMNS[column]
            if name == "Airport":
                return report.get("station", "")
            if name == "Category":
                return category or "no report"
            if name == "Next 24 h":
                return "" if self._periods[index.row()] else "no forecast"
            if name == "Age":
                return _age(report.get("age_minutes"))
            if name == "Conditions":
                problems = "; ".join(report.get("problems") or [])
                return report.get("plain") or problems or "no report"
            if name == "METAR":
                return report.get("metar") or ""
        if role == Qt.ItemDataRole.ToolTipRole and COLUMNS[column] in ("Conditions", "METAR"):
            return plain_tooltip("\n".join(filter(None, (report.get("metar"), report.get("taf")))))
        if column == 1 and category in CATEGORY_COLOURS:
            if role == Qt.ItemDataRole.BackgroundRole:
                return CATEGORY_COLOURS[category]
            if role == Qt.ItemDataRole.ForegroundRole:
                return category_style(category).text
        return None
