"""Offline, restart, back online: nothing typed at the desk is lost.

The service here is one this test can stop and start again on the same port and database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.services.api_client import ApiClient, Offline
from app.services.replica import Replica
from app.services.sync_engine import SyncEngine
from tests.app.services.conftest import BASE_DAY
from tests.sync.api.conftest import PASSWORD


@pytest.fixture
def api_server(restartable_server):
    """``signed_in_school`` and the fixtures above it use this server instead of the session's."""
    return restartable_server


def test_edits_made_offline_survive_a_restart_and_are_pushed_on_reconnect(
        restartable_server, seeded_school, token_store, replica_path):
    email = seeded_school.school.emails["dispatcher"]
    client = ApiClient(base_url=restartable_server.url, token_store=token_store, timeout=3)
    client.login(email, PASSWORD)
    replica = Replica(replica_path)
    engine = SyncEngine(client=client, replica=replica)
    assert engine.sync_once().status.state == "idle"
    flight_id = seeded_school.flight_ids[0]

    restartable_server.stop()                                   # the network drops
    replica.record_edit("flights", "update", row_id=flight_id, data={"notes": "typed offline"})
    booked = replica.record_edit("flights", "insert",
                                 data=seeded_school.lesson(BASE_DAY + timedelta(days=4)))
    offline = engine.sync_once()
    assert offline.status.state == "offline" and not offline.status.online
    assert "Cannot reach the service" in offline.status.message
    assert offline.status.pending == 2
    # The calendar keeps showing the last known state, with the edits marked pending.
    assert replica.get("flights", flight_id).data["notes"] == "typed offline"
    assert replica.get("flights", flight_id).state == "pending"
    client.close()
    replica.close()                                             # the app quits

    replica = Replica(replica_path)                             # … and starts again, still offline
    client = ApiClient(base_url=restartable_server.url, token_store=token_store, timeout=3)
    with pytest.raises(Offline):
        client.resume(email)
    assert [entry.state for entry in replica.outbox()] == ["pending", "pending"]
    assert replica.get("flights", booked.row_id).state == "pending"

    restartable_server.start()                                  # the network is back
    client.resume(email)                                        # silently, from the keyring
    engine = SyncEngine(client=client, replica=replica)
    online = engine.sync_once()

    assert online.status.state == "idle" and online.status.pending == 0
    assert replica.outbox() == []
    assert client.get_flight(flight_id)["notes"] == "typed offline"
    assert client.get_flight(booked.row_id)["status"] == "SCHEDULED"
    assert replica.get("flights", booked.row_id).state == "synced"
    client.close()
    replica.close()
