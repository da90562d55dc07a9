"""LessonEdits against the real embedded demo service and its synced replica."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest

from app.models.lessons import parse_time
from app.services.api_client import ApiClient
from app.services.lesson_edits import LessonEdits
from app.services.sync_engine import SyncEngine

FAR = (datetime.now(UTC) + timedelta(days=40)).replace(hour=15, minute=0, second=0, microsecond=0)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _overlapping(replica, start: datetime, end: datetime) -> list[dict]:
    return [row.data for row in replica.flights_between(start, end)
            if row.data.get("status") in ("SCHEDULED", "AT_RISK")]


def _free(replica, table: str, column: str, start: datetime, end: datetime) -> str:
    busy = {lesson.get(column) for lesson in _overlapping(replica, start, end)}
    for row in replica.rows(table):
        if row.id not in busy and row.data.get("in_service", True):
            if table != "instructors" or "CFI" in row.data.get("ratings", []):
                return row.id
    raise AssertionError(f"no free row in {table}")


def _lesson(replica, start: datetime, **fields) -> dict:
    end = start + timedelta(hours=1)
    return {
        "student_id": _free(replica, "students", "student_id", start, end),
        "instructor_id": _free(replica, "instructors", "instructor_id", start, end),
        "aircraft_id": _free(replica, "aircraft", "aircraft_id", start, end),
        "start_at": iso(start), "end_at": iso(end), "departure": "KAUS", "flight_type": "DUAL",
    } | fields


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


@pytest.fixture
def edits(demo):
    return LessonEdits(demo.engine)


def test_booking_a_free_slot_is_applied_and_synced(demo, edits) -> None:
    outcome = edits.save(lesson_id=None, fields=_lesson(demo.replica, FAR), base_version=None)

    assert outcome.state == "applied", outcome.message
    row = demo.replica.get("flights", outcome.lesson_id)
    assert row is not None and row.state == "synced" and row.version is not None
    assert demo.replica.entry(outcome.mutation_id) is None
    assert demo.client.get_flight(outcome.lesson_id)["status"] == "SCHEDULED"


def test_a_clash_is_refused_readably_then_fixed_as_one_edit(demo, edits) -> None:
    existing = next(lesson for lesson in demo.replica.flights_between(
        datetime.now(UTC) + timedelta(hours=2), datetime.now(UTC) + timedelta(days=30))
        if lesson.data["status"] == "SCHEDULED" and lesson.data.get("instructor_id"))
    start, end = parse_time(existing.data["start_at"]), parse_time(existing.data["end_at"])
    tail = demo.replica.get("aircraft", existing.data["aircraft_id"]).data["tail_number"]
    student = demo.replica.get("students", existing.data["student_id"]).data["name"]
    fields = _lesson(demo.replica, start, aircraft_id=existing.data["aircraft_id"],
                     end_at=iso(end))
    seen_mutations = set()

    refused = edits.save(lesson_id=None, fields=fields, base_version=None)

    assert refused.state == "rejected"
    assert refused.field == "aircraft_id"
    assert refused.message.startswith(f"{tail} is already booked ")
    assert f"for {student}" in refused.message
    assert refused.conflict["id"] == existing.id
    assert [entry.state for entry in demo.replica.outbox()] == ["rejected"]
    seen_mutations.add(refused.mutation_id)

    free = FAR + timedelta(days=1)
    fixed = edits.save(lesson_id=None, base_version=None, retry_of=refused.mutation_id,
                       fields=fields | {"start_at": iso(free), "end_at": iso(free + timedelta(hours=1))})

    assert fixed.state == "applied", fixed.message
    assert fixed.lesson_id == refused.lesson_id  # the same booking, amended
    assert demo.replica.outbox() == []
    assert demo.replica.get("flights", fixed.lesson_id).state == "synced"
    assert parse_time(demo.client.get_flight(fixed.lesson_id)["start_at"]) == free


def test_changing_a_lesson_sends_only_the_changed_fields(demo, edits) -> None:
    booked = edits.save(lesson_id=None, base_version=None,
                        fields=_lesson(demo.replica, FAR + timedelta(days=2)))
    row = demo.replica.get("flights", booked.lesson_id)
    later = FAR + timedelta(days=2, hours=3)

    changed = edits.save(lesson_id=booked.lesson_id, base_version=row.version,
                         fields=row.data | {"start_at": iso(later),
                                            "end_at": iso(later + timedelta(hours=1)),
                                            "notes": "moved"})

    assert changed.state == "applied", changed.message
    server = demo.client.get_flight(booked.lesson_id)
    assert parse_time(server["start_at"]) == later and server["notes"] == "moved"
    assert server["version"] == row.version + 1
    unchanged = edits.save(lesson_id=booked.lesson_id, base_version=server["version"],
                           fields=demo.replica.get("flights", booked.lesson_id).data)
    assert unchanged.state == "applied" and unchanged.mutation_id == ""


def test_offline_the_edit_is_queued_and_sent_later(demo, edits) -> None:
    offline_client = ApiClient(base_url=f"http://127.0.0.1:{_closed_port()}", timeout=2)
    offline_client.adopt(demo.client.session)
    offline = LessonEdits(SyncEngine(client=offline_client, replica=demo.replica))

    outcome = offline.save(lesson_id=None, base_version=None,
                           fields=_lesson(demo.replica, FAR + timedelta(days=3)))

    assert outcome.state == "queued"
    assert "not sent yet" in outcome.message and "status bar" in outcome.message
    assert [entry.mutation_id for entry in demo.replica.outbox("pending")] == [outcome.mutation_id]
    assert demo.replica.get("flights", outcome.lesson_id).state == "pending"
    offline_client.close()

    demo.engine.push_pending()  # the network is back: the next round sends it
    assert demo.replica.outbox() == []
    assert demo.client.get_flight(outcome.lesson_id)["status"] == "SCHEDULED"


def test_discarding_a_refused_edit_leaves_nothing(demo, edits) -> None:
    refused = edits.save(lesson_id=None, base_version=None,
                         fields=_lesson(demo.replica, FAR + timedelta(days=4),
                                        flight_type="SOLO"))  # a solo with an instructor

    assert refused.state == "rejected"
    assert refused.field == "instructor_id"
    assert refused.message.startswith("A solo lesson has no instructor")
    edits.discard(refused.mutation_id)
    assert demo.replica.outbox() == []
    assert demo.replica.get("flights", refused.lesson_id) is None
    assert demo.engine.status.rejected == 0


def test_cancelling_a_lesson(demo, edits) -> None:
    booked = edits.save(lesson_id=None, base_version=None,
                        fields=_lesson(demo.replica, FAR + timedelta(days=5)))

    cancelled = edits.cancel_lesson(booked.lesson_id, "student is ill")

    assert cancelled.state == "applied", cancelled.message
    server = demo.client.get_flight(booked.lesson_id)
    assert server["status"] == "CANCELLED" and "student is ill" in server["notes"]
    again = edits.cancel_lesson(booked.lesson_id, "twice")
    assert again.state == "rejected" and again.message.startswith("The lesson was not cancelled")
    assert demo.replica.outbox() == []  # the refused cancellation was dropped
