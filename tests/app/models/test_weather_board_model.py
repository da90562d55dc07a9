"""The weather board model over the real service's /weather/current (recorded demo weather)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.models.weather_board_model import CATEGORY_COLOURS, COLUMNS, WeatherBoardModel, WeatherRole


def test_weather_board_model(qtmodeltester, demo) -> None:
    model = WeatherBoardModel()
    model.set_reports(demo.client.current_weather(["KHYI", "KAUS"]))
    qtmodeltester.check(model)
    assert [model.data(model.index(row, 0)) for row in range(model.rowCount())] == ["KAUS", "KHYI"]
    khyi = model.index(1, 1)
    assert model.data(khyi, WeatherRole.CATEGORY) == "IFR"
    assert model.data(khyi, Qt.ItemDataRole.BackgroundRole) == CATEGORY_COLOURS["IFR"]
    assert model.data(model.index(1, COLUMNS.index("METAR"))).startswith("KHYI ")
    assert "ceiling 700 ft" in model.data(model.index(1, COLUMNS.index("Conditions")))
