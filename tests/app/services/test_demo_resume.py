"""A repeat ``fsp --demo``: the last replica opened before the service; rounds wait for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.services.demo_resume import resume_demo
from app.services.embedded_server import EmbeddedServer, EmbeddedServerError
from app.services.sync_loop import SyncLoop


@pytest.fixture
def last_demo(tmp_path: Path) -> Path:
    """A folder where the demo ran once: its database and this desktop's replica of it."""
    from app.main import _start_demo

    server, session = _start_demo(tmp_path, sweep_on_start=False)
    session.close()
    server.stop()
    return tmp_path


def test_a_first_start_is_not_resumed(tmp_path: Path) -> None:
    assert resume_demo(tmp_path) is None  # no demo database
    server = EmbeddedServer(folder=tmp_path, sweep_on_start=False, dispatcher_password=False)
    server.start()
    server.stop()
    assert resume_demo(tmp_path) is None  # a database, but no replica of it on this desktop


def test_rounds_wait_for_the_service_then_sync(qtbot, last_demo: Path) -> None:
    resumed = resume_demo(last_demo)
    assert resumed is not None
    session = resumed.session
    assert session.client.account is None  # not signed in: the service is not even started
    assert session.replica.rows("flights")  # … and yet the last week is there to show
    loop = SyncLoop(engine=session.engine, interval_ms=600_000)
    states: list[str] = []
    loop.status_changed.connect(lambda status: states.append(status.state))
    server = None
    try:
        loop.start()
        qtbot.wait(300)
        assert loop.status.state == "syncing"  # waiting for the service, not failing
        server = resumed.start_service()
        qtbot.wait_until(lambda: loop.status.state == "idle" and not loop.running,
                         timeout=30_000)
        assert not {"signed_out", "offline", "error"} & set(states), states
        assert session.client.account.school_id == resumed.school_id
        assert [report["station"] for report in resumed.fetch_weather(["KAUS"])] == ["KAUS"]
    finally:
        loop.stop()
        session.close()
        if server is not None:
            server.stop()


def test_a_replaced_demo_database_is_not_synced_into_the_old_replica(qtbot,
                                                                      last_demo: Path) -> None:
    resumed = resume_demo(last_demo)
    for path in last_demo.glob("demo.sqlite3*"):
        path.unlink()  # the service's start seeds another demo school
    loop = SyncLoop(engine=resumed.session.engine, interval_ms=600_000)
    try:
        loop.start()
        with pytest.raises(EmbeddedServerError, match="changed while the demo was starting"):
            resumed.start_service()
        qtbot.wait_until(lambda: loop.status.state == "error" and not loop.running,
                         timeout=30_000)
        assert "could not start" in loop.status.message
        assert resumed.session.client.account is None
    finally:
        loop.stop()
        resumed.session.close()


def test_closing_before_the_service_is_up_ends_the_waiting(qtbot, last_demo: Path) -> None:
    resumed = resume_demo(last_demo)
    loop = SyncLoop(engine=resumed.session.engine, interval_ms=600_000)
    try:
        loop.start()
        resumed.abandon()
        qtbot.wait_until(lambda: loop.status.state == "error" and not loop.running,
                         timeout=10_000)
        assert "closed before its service had started" in loop.status.message
        with pytest.raises(EmbeddedServerError, match="closed before"):
            resumed.fetch_weather(["KAUS"])
    finally:
        loop.stop()
        resumed.session.close()
