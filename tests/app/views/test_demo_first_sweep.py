"""A fresh demo's first weather sweep comes after its week is shown (``fsp --demo``)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from app.main import _start_demo, _sweep_once_shown
from app.services.first_sweep import FirstSweep
from app.services.sync_loop import SyncLoop
from app.views.main_window import MainWindow


@pytest.fixture
def fresh_demo(tmp_path: Path) -> Iterator[tuple[object, object]]:
    """The demo as ``fsp --demo`` starts it the first time: seeded, not swept yet."""
    server, session = _start_demo(tmp_path, sweep_on_start=False)
    yield server, session
    session.close()
    server.stop()


def _window(qtbot, session) -> tuple[MainWindow, SyncLoop]:
    # Tomorrow's week at the school: lessons the sweep judges, whatever the weekday today.
    tomorrow = datetime.now(zoneinfo.ZoneInfo("America/Chicago")).date() + timedelta(days=1)
    loop = SyncLoop(engine=session.engine, interval_ms=600_000)
    window = MainWindow(sync_loop=loop, replica=session.replica, user_email=session.email,
                        client=session.client, mode="week", day=tomorrow, restore_layout=False)
    qtbot.add_widget(window)
    return window, loop


def test_the_week_shows_first_and_its_verdicts_fill_in(qtbot, fresh_demo) -> None:
    server, session = fresh_demo
    window, loop = _window(qtbot, session)
    try:
        _sweep_once_shown(window, server, loop)
        with qtbot.wait_signal(window.loaded, timeout=30_000), \
                qtbot.assert_not_emitted(window.load_failed):
            window.reload()
        lessons = window.calendar_model.schedule.lessons
        assert lessons and not any(lesson.verdict for lesson in lessons)  # not judged yet

        qtbot.wait_until(lambda: any(lesson.verdict for lesson
                                     in window.calendar_model.schedule.lessons), timeout=60_000)
        messages = window.message_log.messages
        assert messages.index("Checking the weather for the demo's lessons…") < \
            messages.index("Weather checked for the demo's lessons")
        # Swept once: further loads start nothing.
        assert window.findChild(FirstSweep).begun
    finally:
        loop.stop()


def test_a_failed_sweep_is_said_in_the_status_bar(qtbot, fresh_demo) -> None:
    server, session = fresh_demo
    window, loop = _window(qtbot, session)
    try:
        server.stop()  # gone before its sweep could run
        _sweep_once_shown(window, server, loop)
        sweep = window.findChild(FirstSweep)
        with qtbot.wait_signal(sweep.failed, timeout=30_000) as failed, \
                qtbot.assert_not_emitted(sweep.finished):
            window.reload()
        assert failed.args[0] == ("The weather check of the demo's lessons failed: the embedded "
                                  "service is not running")
        qtbot.wait_until(lambda: window.statusBar().currentMessage() == failed.args[0])
    finally:
        loop.stop()
