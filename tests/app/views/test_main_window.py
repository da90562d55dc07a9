"""The main window against the real embedded demo service, offscreen."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from PySide6.QtGui import QImage

from app.models.calendar_model import CalendarModel
from app.models.lessons import Schedule
from app.views.calendar_view import CalendarView


def test_window_shows_the_school_and_its_alerts(window) -> None:
    assert "Hill Country Flight Academy" in window.user_label.text()
    assert window.calendar_model.rowCount() > 10
    alerts = window.alerts_dock.count
    assert alerts > 0
    assert window.alerts_dock.windowTitle() == f"Alerts ({alerts})"
    assert window.windowTitle().startswith(f"({alerts}) ")
    assert "pending edit" in window.pending_label.text()
    stations = {window.weather_model.data(window.weather_model.index(row, 0))
                for row in range(window.weather_model.rowCount())}
    assert {"KAUS", "KHYI"} <= stations


def test_navigation_and_view_choice(qtbot, window) -> None:
    start, _ = window.calendar.visible_range()
    with qtbot.wait_signal(window.loaded, timeout=10_000):
        window.next_action.trigger()
    assert (window.calendar.visible_range()[0] - start).days == 7
    with qtbot.wait_signal(window.loaded, timeout=10_000):
        window.day_action.trigger()
    assert window.calendar.mode == "day" and len(window.calendar.days()) == 1
    assert window.settings_view() == "day"
    with qtbot.wait_signal(window.loaded, timeout=10_000):
        window.today_action.trigger()
    with qtbot.wait_signal(window.loaded, timeout=10_000):
        window.set_mode("week")
    assert window.settings_view() == "week"


def test_sync_now_reports_status(qtbot, window) -> None:
    with qtbot.wait_signal(window._sync_loop.status_changed, timeout=15_000,
                           check_params_cb=lambda status: status.state == "idle"):
        window.sync_action.trigger()
    assert window.online_label.text() == "Online"
    assert window.sync_label.text().startswith("Last sync")


def test_calendar_view_alone(qtbot) -> None:
    model = CalendarModel()
    view = CalendarView(model=model, mode="day", day=date(2026, 11, 25))
    qtbot.add_widget(view)
    model.set_schedule(Schedule())
    view.resize(800, 400)
    assert not view.grab().isNull()
    with qtbot.wait_signal(view.range_changed):
        view.go_next()
    assert view.day == date(2026, 11, 26)


def test_screenshot_command_writes_a_png(tmp_path: Path) -> None:
    target = tmp_path / "week.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"))
    finished = subprocess.run(
        [sys.executable, "-m", "app.main", "--screenshot", str(target), "--view", "week",
         "--data-dir", str(tmp_path / "data")],
        env=env, capture_output=True, text=True, timeout=120, check=False)
    assert finished.returncode == 0, finished.stderr
    image = QImage(str(target))
    assert (image.width(), image.height()) == (1400, 800)  # the default --size
