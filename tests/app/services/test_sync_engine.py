"""The replica and the sync engine against the real service: pull, outbox push, clash, conflict."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.services.api_client import ApiClient
from app.services.replica import Replica
from app.services.sync_engine import SyncEngine
from tests.app.services.conftest import BASE_DAY, HOUR, iso
from tests.sync.api.conftest import PASSWORD


@pytest.fixture
def engine(dispatcher_client, replica_path):
    replica = Replica(replica_path)
    yield SyncEngine(client=dispatcher_client, replica=replica)
    replica.close()


def test_the_first_sync_pulls_the_whole_school(engine, seeded_school):
    result = engine.sync_once()

    assert result.status.state == "idle" and result.status.online
    assert result.changes.full_reload and result.changes.touches("flights")
    replica = engine.replica
    assert {row.id for row in replica.rows("flights")} == set(seeded_school.flight_ids)
    assert {row.id for row in replica.rows("students")} == {str(seeded_school.school.student_id)}
    assert [row.id for row in replica.rows("aircraft")] == [seeded_school.aircraft_id]
    week = replica.flights_between(BASE_DAY - timedelta(days=1), BASE_DAY + timedelta(days=7))
    assert [row.id for row in week] == seeded_school.flight_ids  # ordered by start
    assert all(row.state == "synced" and row.version == row.data["version"] for row in week)
    first_day = replica.flights_between(BASE_DAY, BASE_DAY + HOUR)
    assert [row.id for row in first_day] == seeded_school.flight_ids[:1]
    assert replica.cursor > 0 and replica.last_sync_at is not None

    again = engine.sync_once()  # nothing new
    assert again.pulled == 0 and not again.changes


def test_a_lesson_booked_through_the_outbox_is_pushed_and_pulled_back(engine, seeded_school):
    engine.sync_once()
    start = BASE_DAY + timedelta(days=2)
    entry = engine.replica.record_edit("flights", "insert", data=seeded_school.lesson(start))

    shown = engine.replica.get("flights", entry.row_id)
    assert shown.state == "pending" and shown.version is None  # visible at once, marked
    assert shown.data["status"] == "SCHEDULED"
    assert engine.replica.counts().pending == 1

    result = engine.sync_once()

    assert result.status.state == "idle" and result.status.pending == 0
    synced = engine.replica.get("flights", entry.row_id)
    assert synced.state == "synced" and synced.version == 1
    assert synced.data["start_at"] == iso(start)
    assert engine.replica.outbox() == []
    on_server = engine.client.get_flight(entry.row_id)
    assert on_server["version"] == synced.version

    # An edit of it, then a cancellation, made one after the other before any push: each goes in
    # order on top of the previous one (no false conflict with our own edit).
    engine.replica.record_edit("flights", "update", row_id=entry.row_id, data={"notes": "headset"})
    engine.replica.record_edit("flights", "delete", row_id=entry.row_id, data={"reason": "ill"})
    assert engine.replica.get("flights", entry.row_id).data["status"] == "CANCELLED"
    engine.sync_once()
    final = engine.replica.get("flights", entry.row_id)
    assert final.state == "synced" and final.data["status"] == "CANCELLED"
    assert final.data["notes"].startswith("headset") and engine.replica.outbox() == []


def test_a_clash_is_rejected_with_the_rule_and_kept_for_the_person(engine, seeded_school):
    engine.sync_once()
    clash = engine.replica.record_edit(
        "flights", "insert", data=seeded_school.lesson(BASE_DAY + timedelta(minutes=30)))

    result = engine.sync_once()

    assert result.status.state == "idle" and result.status.rejected == 1
    [kept] = engine.replica.outbox()
    assert kept.mutation_id == clash.mutation_id and kept.state == "rejected"
    assert kept.error["rule"] == "STUDENT_DOUBLE_BOOKED"
    assert kept.error["conflict"]["id"] == seeded_school.flight_ids[0]
    assert engine.replica.get("flights", clash.row_id).state == "rejected"

    # Moved to a free hour, it goes through.
    moved = BASE_DAY + timedelta(hours=3)
    engine.replica.amend_edit(kept.mutation_id, {"start_at": iso(moved), "end_at": iso(moved + HOUR)})
    engine.sync_once()
    assert engine.replica.outbox() == []
    assert engine.replica.get("flights", clash.row_id).state == "synced"


@pytest.mark.parametrize("keep", ["mine", "theirs"])
def test_a_conflict_shows_both_versions_and_is_resolved(engine, seeded_school, api_server, keep):
    engine.sync_once()
    flight_id = seeded_school.flight_ids[0]
    base = engine.replica.get("flights", flight_id).version
    mine = engine.replica.record_edit("flights", "update", row_id=flight_id,
                                      data={"notes": "mine: bring the headset"})
    # Another desk changes the same lesson first.
    other = ApiClient(base_url=api_server.url)
    other.login(seeded_school.school.emails["admin"], PASSWORD)
    other.update_flight(flight_id, {"notes": "theirs: new fuel policy"}, version=base)
    other.close()

    result = engine.sync_once()

    assert result.status.conflicts == 1
    [entry] = engine.replica.outbox()
    assert entry.state == "conflict" and entry.error["rule"] == "STALE_VERSION"
    row = engine.replica.get("flights", flight_id)
    assert row.state == "conflict"
    assert row.data["notes"] == "mine: bring the headset"                  # what I typed
    assert row.server_data["notes"] == "theirs: new fuel policy"            # what is on the server
    assert entry.server_row["notes"] == "theirs: new fuel policy"
    assert row.version == base + 1

    engine.resolve_conflict(mine.mutation_id, keep)
    engine.sync_once()

    assert engine.replica.outbox() == []
    final = engine.replica.get("flights", flight_id)
    expected = "mine: bring the headset" if keep == "mine" else "theirs: new fuel policy"
    assert final.state == "synced" and final.data["notes"] == expected
    assert engine.client.get_flight(flight_id)["notes"] == expected


def test_a_push_over_the_services_size_limit_is_sent_in_smaller_batches(api_server, seeded_school,
                                                                        token_store, replica_path):
    """The service refuses bodies over its limit (413) before reading them: the desktop sends
    fewer edits at a time, and an edit too large on its own is kept, refused with the reason."""
    from sync.api import create_app
    from sync.config import Settings
    from tests.support.served_app import served

    settings = Settings.explicit(database_url=api_server.settings.database_url,
                                 sweep_interval_seconds=0, max_request_bytes=12_000)
    with served(create_app(settings)) as url, ApiClient(base_url=url, token_store=token_store) as client:
        client.login(seeded_school.school.emails["dispatcher"], PASSWORD)
        replica = Replica(replica_path)
        try:
            engine = SyncEngine(client=client, replica=replica)
            engine.sync_once()
            lessons = [replica.record_edit("flights", "insert", data=seeded_school.lesson(
                BASE_DAY + timedelta(days=3 + day), notes="n" * 2_000)) for day in range(8)]
            too_large = replica.record_edit("flights", "insert", data=seeded_school.lesson(
                BASE_DAY + timedelta(days=2, hours=2), notes="x" * 4_000, destination="K" * 9_000))

            engine.sync_once()

            assert all(replica.get("flights", entry.row_id).state == "synced" for entry in lessons)
            kept = replica.entry(too_large.mutation_id)
            assert kept is not None and kept.state == "rejected"
            assert kept.answer["error"]["rule"] == "REQUEST_TOO_LARGE"
            assert "too large to send" in kept.answer["error"]["detail"]
        finally:
            replica.close()
