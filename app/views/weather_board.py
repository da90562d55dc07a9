"""The weather board dock: the school's airports with flight category, the TAF of the next 24 h as
a timeline, raw METAR, plain decode and the report's age. Reports are fetched off the GUI thread
through an injected ``fetch``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QDockWidget, QHeaderView, QTableView, QWidget

from app.models.weather_board_model import TIMELINE_COLUMN, WeatherBoardModel
from app.services.background import run_in_background
from app.views.taf_timeline_delegate import TafTimelineDelegate

__all__ = ["WeatherBoard"]

REFRESH_MS = 10 * 60_000


class WeatherBoard(QDockWidget):
    """Signals:
        refreshed(): new reports are shown.
        refresh_failed(str): the reports could not be fetched (offline…); the last ones stay.
    """

    refreshed = Signal()
    refresh_failed = Signal(str)

    def __init__(self, *, model: WeatherBoardModel,
                 fetch: Callable[[Sequence[str]], list[dict[str, Any]]],
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 parent: QWidget | None = None) -> None:
        super().__init__("Weather", parent)
        self.setObjectName("weather-board")
        self._model = model
        self._fetch = fetch
        self._airports: tuple[str, ...] = ()
        self._busy = False
        self.table = QTableView(self)
        self.table.setModel(model)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        self.timeline_delegate = TafTimelineDelegate(clock=clock, parent=self.table)
        self.table.setItemDelegateForColumn(TIMELINE_COLUMN, self.timeline_delegate)
        # Rows tall enough for the timeline's bar and its hour labels (+1: the grid line).
        self.table.verticalHeader().setDefaultSectionSize(
            self.timeline_delegate.row_height(self.table.font()) + 1)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.setWidget(self.table)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)

    @property
    def airports(self) -> tuple[str, ...]:
        return self._airports

    def set_airports(self, airports: Sequence[str]) -> None:
        """Show these airports; fetches when the list changed."""
        airports = tuple(sorted(set(airports)))
        if airports != self._airports:
            self._airports = airports
            self.refresh()
        if not self._timer.isActive():
            self._timer.start()

    def set_timezone(self, zone: tzinfo | None) -> None:
        """The school's time zone, for the timeline's hours."""
        if zone != self.timeline_delegate.timezone:
            self.timeline_delegate.set_timezone(zone)
            self.table.viewport().update()

    def refresh(self) -> None:
        if not self._airports or self._busy:
            return
        self._busy = True
        airports = self._airports
        fetch = self._fetch
        run_in_background(lambda: fetch(airports), self._show, self._failed, owner=self)

    def _show(self, reports: list[dict[str, Any]]) -> None:
        self._busy = False
        self._model.set_reports(reports)
        self.setWindowTitle("Weather")
        self.refreshed.emit()

    def _failed(self, error: Exception) -> None:
        self._busy = False
        self.setWindowTitle("Weather (last known)")
        self.refresh_failed.emit(str(error))
