"""The weather board's TAF timeline: painted colours, hour ticks and tooltip, for a constructed report
(the demo's recorded TAF may lie outside the next 24 h of the real clock)."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from app.models.weather_board_model import (CATEGORY_COLOURS, TIMELINE_COLUMN, UNKNOWN_COLOUR,
                                            TafPeriod, WeatherBoardModel, WeatherRole)
from app.views.taf_timeline_delegate import describe_periods
from app.views.weather_board import WeatherBoard

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _report() -> dict:
    return {
        "station": "KAUS", "metar": "KAUS 251153Z 17006KT 10SM FEW035 19/13 A3001",
        "observed_at": "2026-11-25T11:53:00Z", "age_minutes": 7,
        "observed": {"flight_category": "VFR"}, "plain": "wind from 170° at 6 kt",
        "taf": "KAUS 251120Z 2512/2618 17008KT P6SM SCT040", "problems": [],
        "taf_periods": [
            {"type": "BASE", "from": "2026-11-25T12:00:00Z", "to": "2026-11-25T18:00:00Z",
             "flight_category": "VFR"},
            {"type": "FM", "from": "2026-11-25T18:00:00Z", "to": "2026-11-26T12:00:00Z",
             "flight_category": "MVFR"},
            {"type": "TEMPO", "from": "2026-11-25T20:00:00Z", "to": "2026-11-26T00:00:00Z",
             "flight_category": "IFR"},
            {"type": "PROB30", "from": "2026-11-26T03:00:00Z", "to": "2026-11-26T06:00:00Z",
             "flight_category": "LIFR"},
            {"type": "BECMG", "from": "2026-11-26T08:00:00Z", "to": "2026-11-26T12:00:00Z",
             "flight_category": None},
        ],
    }


@pytest.fixture
def board(qtbot, demo):
    model = WeatherBoardModel()
    board = WeatherBoard(model=model, fetch=demo.client.current_weather, clock=lambda: NOW)
    qtbot.add_widget(board)
    board.set_timezone(zoneinfo.ZoneInfo("America/Chicago"))
    model.set_reports([_report()])
    # Rendered with grab(), never shown: the offscreen platform warns about floating docks.
    board.resize(1400, 300)
    return board


def _at(hour: float) -> datetime:
    return datetime.fromtimestamp(NOW.timestamp() + hour * 3600, UTC)


def test_timeline_paints_each_period_in_its_category_colour(board) -> None:
    table, delegate = board.table, board.timeline_delegate
    index = table.model().index(0, TIMELINE_COLUMN)
    cell = table.visualRect(index)
    bar = delegate.bar_rect(cell)
    band = delegate.band_rect(bar)
    assert cell.height() >= delegate.row_height(table.font())
    image = table.viewport().grab().toImage()

    def colour(hours_from_now: float, y: int) -> QColor:
        return image.pixelColor(delegate.x_for(_at(hours_from_now), bar, start=NOW), y)

    middle = band.center().y()
    above_band = bar.top() + 2
    assert colour(3, middle) == CATEGORY_COLOURS["VFR"]       # 15Z, BASE
    assert colour(7, middle) == CATEGORY_COLOURS["MVFR"]      # 19Z, FM
    assert colour(10, middle) == CATEGORY_COLOURS["IFR"]      # 22Z, the TEMPO band…
    assert colour(10, above_band) == CATEGORY_COLOURS["MVFR"]  # …over the FM period
    assert colour(16.5, middle) == CATEGORY_COLOURS["LIFR"]   # 04:30Z, PROB30
    assert colour(16.5, above_band) == CATEGORY_COLOURS["MVFR"]
    assert colour(22, middle) == UNKNOWN_COLOUR               # 10Z, no category


def test_ticks_fall_on_local_six_hour_marks(board) -> None:
    table, delegate = board.table, board.timeline_delegate
    cell = table.visualRect(table.model().index(0, TIMELINE_COLUMN))
    bar = delegate.bar_rect(cell)
    image = table.viewport().grab().toImage()
    tick_y = bar.bottom() + 2
    background = image.pixelColor(cell.right() - 1, tick_y)
    # Chicago is UTC-6 in November: local 12, 18, 00, 06 are 18Z, 00Z, 06Z, 12Z (the bar's end).
    for hours in (6, 12, 18):
        x = delegate.x_for(_at(hours), bar, start=NOW)
        assert image.pixelColor(x, tick_y) != background, f"no tick {hours} h from now"
    assert image.pixelColor(delegate.x_for(_at(3), bar, start=NOW), tick_y) == background


def test_tooltip_lists_every_period(board) -> None:
    index = board.table.model().index(0, TIMELINE_COLUMN)
    text = board.timeline_delegate.tooltip(index)
    assert text.splitlines() == [
        "KAUS TAF, next 24 h (UTC):",
        "12Z–18Z BASE VFR",
        "18Z–12Z FM MVFR",
        "20Z–24Z TEMPO IFR",
        "03Z–06Z PROB30 LIFR",
        "08Z–12Z BECMG unknown category",
    ]
    # (Not shown through QToolTip here: the offscreen platform warns on raising the tip window.)


def test_describe_periods_without_periods() -> None:
    assert describe_periods(()) == "No TAF periods for the next 24 h."


def test_model_gives_the_periods(qtmodeltester) -> None:
    model = WeatherBoardModel()
    model.set_reports([_report(), {"station": "KHYI", "taf_periods": [], "problems": ["no TAF"]}])
    qtmodeltester.check(model)
    periods = model.data(model.index(0, TIMELINE_COLUMN), WeatherRole.TAF_PERIODS)
    assert periods[2] == TafPeriod(kind="TEMPO", start=_at(8), end=_at(12), category="IFR")
    assert periods[2].temporary and periods[3].temporary and not periods[1].temporary
    assert model.data(model.index(1, TIMELINE_COLUMN), WeatherRole.TAF_PERIODS) == ()
    assert model.data(model.index(1, TIMELINE_COLUMN)) == "no forecast"
    assert model.headerData(TIMELINE_COLUMN, Qt.Orientation.Horizontal) == "Next 24 h"
