"""SyncLoop under pytest-qt (offscreen): rounds off the GUI thread, results as signals."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.services.replica import Replica
from app.services.sync_engine import SyncEngine
from app.services.sync_loop import SyncLoop
from tests.app.services.conftest import BASE_DAY


@pytest.fixture
def api_server(restartable_server):
    return restartable_server


@pytest.fixture
def loop(qtbot, dispatcher_client, replica_path):
    replica = Replica(replica_path)
    sync_loop = SyncLoop(engine=SyncEngine(client=dispatcher_client, replica=replica),
                         interval_ms=60_000)
    yield sync_loop
    sync_loop.stop()
    replica.close()


def test_the_loop_pulls_on_start_and_pushes_an_edit_at_once(qtbot, loop, seeded_school):
    with qtbot.wait_signal(loop.changed, timeout=10_000) as first:
        loop.start()
    assert first.args[0].full_reload
    qtbot.wait_until(lambda: loop.status.state == "idle" and not loop.running, timeout=10_000)
    assert loop.status.last_sync_at is not None

    with qtbot.assert_not_emitted(loop.edit_failed):
        loop.record_edit("flights", "insert",
                         data=seeded_school.lesson(BASE_DAY + timedelta(days=5)))
        qtbot.wait_until(lambda: loop.status.pending == 1, timeout=5_000)  # shown pending at once
        qtbot.wait_until(lambda: loop.status.pending == 0 and loop.status.state == "idle",
                         timeout=10_000)                                   # … and pushed
    assert loop.engine.replica.outbox() == []
    assert [row.state for row in loop.engine.replica.rows("flights")] == ["synced"] * 3


def test_offline_is_reported_and_the_edit_waits_for_the_service(qtbot, loop, restartable_server,
                                                                 seeded_school):
    loop.start()
    qtbot.wait_until(lambda: loop.status.state == "idle" and not loop.running, timeout=10_000)

    restartable_server.stop()
    with qtbot.wait_signal(loop.status_changed, timeout=10_000,
                           check_params_cb=lambda status: status.state == "offline"):
        loop.sync_now()
    loop.record_edit("flights", "update", row_id=seeded_school.flight_ids[0],
                     data={"notes": "while offline"})
    qtbot.wait_until(lambda: loop.status.pending == 1, timeout=5_000)
    assert loop.status.state == "offline"

    restartable_server.start()
    loop.sync_now()
    qtbot.wait_until(lambda: loop.status.state == "idle" and loop.status.pending == 0,
                     timeout=10_000)
    assert loop.engine.client.get_flight(seeded_school.flight_ids[0])["notes"] == "while offline"
