"""The weather board dock: fetched off the GUI thread, failures keep the last reports."""

from __future__ import annotations

from app.models.weather_board_model import TIMELINE_COLUMN, WeatherBoardModel
from app.services.api_client import Offline
from app.views.weather_board import WeatherBoard


def test_board_shows_the_airports(qtbot, demo) -> None:
    model = WeatherBoardModel()
    board = WeatherBoard(model=model, fetch=demo.client.current_weather)
    qtbot.add_widget(board)
    with qtbot.wait_signal(board.refreshed, timeout=10_000), \
            qtbot.assert_not_emitted(board.refresh_failed):
        board.set_airports(["KAUS", "KHYI"])
    assert model.rowCount() == 2
    assert board.windowTitle() == "Weather"
    # The "Next 24 h" column is the TAF timeline, in rows tall enough for it.
    assert board.table.itemDelegateForColumn(TIMELINE_COLUMN) is board.timeline_delegate
    assert board.table.rowHeight(0) > board.timeline_delegate.row_height(board.table.font())
    assert not board.table.grab().isNull()


def test_board_keeps_the_last_reports_when_offline(qtbot, demo) -> None:
    model = WeatherBoardModel()
    answers = [demo.client.current_weather(["KAUS"])]

    def fetch(stations):
        if answers:
            return answers.pop()
        raise Offline("the service cannot be reached")

    board = WeatherBoard(model=model, fetch=fetch)
    qtbot.add_widget(board)
    with qtbot.wait_signal(board.refreshed, timeout=10_000):
        board.set_airports(["KAUS"])
    with qtbot.wait_signal(board.refresh_failed, timeout=10_000) as failed:
        board.refresh()
    assert "cannot be reached" in failed.args[0]
    assert model.rowCount() == 1 and board.windowTitle() == "Weather (last known)"
