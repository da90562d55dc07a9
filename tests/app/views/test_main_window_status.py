"""The main window's metrics dock, sync progress and sweep line, against the real demo service."""

from __future__ import annotations

from PySide6.QtCore import Qt



def test_metrics_dock_sits_with_the_weather_board(window) -> None:
    panel = window.metrics_panel
    assert panel is not None and panel.objectName() == "metrics-dock"
    assert window.dockWidgetArea(panel) == Qt.DockWidgetArea.BottomDockWidgetArea
    assert panel in window.tabifiedDockWidgets(window.weather_board)
    assert window.metrics_action.shortcut().toString() == "Ctrl+4"
    assert any(window.metrics_action in action.menu().actions()
               for action in window.menuBar().actions() if action.menu() is not None)
    # The weather board is in front at start; it shows the school's hours on its timeline.
    assert window.weather_board.timeline_delegate.timezone == window.calendar_model.schedule.timezone


def test_ctrl_4_shows_the_metrics_and_the_sweep(qtbot, window) -> None:
    # (The window is not shown: the offscreen platform warns about top-level size hints.)
    panel = window.metrics_panel
    panel.close()
    with qtbot.wait_signal(panel.refreshed, timeout=10_000), \
            qtbot.assert_not_emitted(panel.refresh_failed):
        window.metrics_action.trigger()  # showing it fetches the figures
    assert not panel.isHidden() and window.metrics_action.isChecked()
    assert int(panel.bookings_label.text()) > 0
    assert window.sweep_label.text() == panel.sweep_text
    assert window.sweep_label.text().startswith("Last sweep ")


def test_sync_round_shows_progress_then_refreshes_the_metrics(qtbot, window) -> None:
    assert not window.sync_progress.isVisibleTo(window)
    with qtbot.wait_signal(window._sync_loop.status_changed, timeout=15_000,
                           check_params_cb=lambda status: status.state == "syncing"):
        window.sync_action.trigger()
    assert window.sync_progress.isVisibleTo(window)
    assert window.online_label.text() == "Syncing…"
    with qtbot.wait_signal(window.metrics_panel.refreshed, timeout=15_000), \
            qtbot.assert_not_emitted(window.metrics_panel.refresh_failed):
        pass  # the end of the round asks for the figures (the first time: due at once)
    assert not window.sync_progress.isVisibleTo(window)
    assert window.online_label.text() == "Online"
    assert window.sweep_label.text().startswith("Last sweep ")
