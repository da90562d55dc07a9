"""The main window over the real embedded demo service, loaded once with its weather board."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.services.sync_loop import SyncLoop
from app.views.main_window import MainWindow


@pytest.fixture(autouse=True)
def _calendar_zoom_at_its_default() -> Iterator[None]:
    """Each test's windows start at the calendar's default zoom (the readable one): a zoom an
    earlier test chose by hand (remembered in QSettings) does not carry over."""
    from PySide6.QtCore import QSettings

    QSettings().remove("calendar/zoom")
    yield


@pytest.fixture
def window(qtbot, demo) -> Iterator[MainWindow]:
    loop = SyncLoop(engine=demo.engine, interval_ms=600_000)
    window = MainWindow(sync_loop=loop, replica=demo.replica, user_email=demo.email, mode="week",
                        client=demo.client)
    qtbot.add_widget(window)
    with qtbot.wait_signals([window.loaded, window.weather_board.refreshed], timeout=10_000), \
            qtbot.assert_not_emitted(window.load_failed):
        window.reload()
    yield window
    loop.stop()
