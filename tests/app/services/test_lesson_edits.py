"""LessonEdits against the real embedded demo service and its synced replica.

Lessons are booked inside everyone's weekly availability (``tests.app.booking_support``), so the
school's booking policy has nothing to say unless a test is about it.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest

from app.models.lessons import parse_time
from app.services.api_client import ApiClient
from app.services.lesson_edits import LessonEdits
from app.services.replica import ReplicaRow
from app.services.sync_engine import SyncEngine
from tests.app.booking_support import (
    bookable, iso, student_without_night_training, unavailable_instructor, weekday_at, weeks_later,
)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


@pytest.fixture
def edits(demo):
    return LessonEdits(demo.engine)


def test_booking_a_free_slot_is_applied_and_synced(demo, edits) -> None:
    outcome = edits.save(lesson_id=None, fields=bookable(demo.replica, weekday_at(demo.replica, 40)),
                         base_version=None)

    assert outcome.state == "applied", outcome.message
    row = demo.replica.get("flights", outcome.lesson_id)
    assert row is not None and row.state == "synced" and row.version is not None
    assert demo.replica.entry(outcome.mutation_id) is None
    assert demo.client.get_flight(outcome.lesson_id)["status"] == "SCHEDULED"


def _clashing(replica) -> tuple[ReplicaRow, dict]:
    """A booked demo lesson, and a booking of its aircraft at its time by people who are free
    and available then."""
    for existing in replica.flights_between(datetime.now(UTC) + timedelta(hours=2),
                                            datetime.now(UTC) + timedelta(days=30)):
        if existing.data["status"] != "SCHEDULED" or not existing.data.get("instructor_id"):
            continue
        start, end = parse_time(existing.data["start_at"]), parse_time(existing.data["end_at"])
        try:
            fields = bookable(replica, start, hours=(end - start).total_seconds() / 3600,
                              aircraft_id=existing.data["aircraft_id"])
        except AssertionError:  # nobody else free and available then: try the next lesson
            continue
        return existing, fields
    raise AssertionError("no demo lesson to clash with")


def test_a_clash_is_refused_readably_then_fixed_as_one_edit(demo, edits) -> None:
    existing, fields = _clashing(demo.replica)
    start = parse_time(existing.data["start_at"])
    tail = demo.replica.get("aircraft", existing.data["aircraft_id"]).data["tail_number"]
    student = demo.replica.get("students", existing.data["student_id"]).data["name"]
    seen_mutations = set()

    refused = edits.save(lesson_id=None, fields=fields, base_version=None)

    assert refused.state == "rejected"
    assert refused.field == "aircraft_id"
    assert refused.message.startswith(f"{tail} is already booked ")
    assert f"for {student}" in refused.message
    assert refused.conflict["id"] == existing.id
    assert [entry.state for entry in demo.replica.outbox()] == ["rejected"]
    seen_mutations.add(refused.mutation_id)

    free = weeks_later(demo.replica, start, 9)  # the same hour, when nothing is booked yet
    length = parse_time(fields["end_at"]) - start
    fixed = edits.save(lesson_id=None, base_version=None, retry_of=refused.mutation_id,
                       fields=fields | {"start_at": iso(free), "end_at": iso(free + length)})

    assert fixed.state == "applied", fixed.message
    assert fixed.lesson_id == refused.lesson_id  # the same booking, amended
    assert demo.replica.outbox() == []
    assert demo.replica.get("flights", fixed.lesson_id).state == "synced"
    assert parse_time(demo.client.get_flight(fixed.lesson_id)["start_at"]) == free


def test_changing_a_lesson_sends_only_the_changed_fields(demo, edits) -> None:
    start = weekday_at(demo.replica, 44)
    booked = edits.save(lesson_id=None, base_version=None, fields=bookable(demo.replica, start))
    row = demo.replica.get("flights", booked.lesson_id)
    later = weeks_later(demo.replica, start, 1)

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
                           fields=bookable(demo.replica, weekday_at(demo.replica, 48)))

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
                         fields=bookable(demo.replica, weekday_at(demo.replica, 52),
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
                        fields=bookable(demo.replica, weekday_at(demo.replica, 56)))

    cancelled = edits.cancel_lesson(booked.lesson_id, "student is ill")

    assert cancelled.state == "applied", cancelled.message
    server = demo.client.get_flight(booked.lesson_id)
    assert server["status"] == "CANCELLED" and "student is ill" in server["notes"]
    again = edits.cancel_lesson(booked.lesson_id, "twice")
    assert again.state == "rejected" and again.message.startswith("The lesson was not cancelled")
    assert demo.replica.outbox() == []  # the refused cancellation was dropped


def test_a_warned_booking_is_booked_anyway_as_one_edit(demo, edits) -> None:
    start = weekday_at(demo.replica, 60, hour=16)
    end = start + timedelta(hours=1)
    instructor_id = unavailable_instructor(demo.replica, start, end)
    instructor = demo.replica.get("instructors", instructor_id).data["name"]

    warned = edits.save(lesson_id=None, base_version=None,
                        fields=bookable(demo.replica, start, instructor_id=instructor_id))

    assert warned.state == "needs_acknowledgement" and warned.refused
    assert [warning.code for warning in warned.warnings] == ["INSTRUCTOR_UNAVAILABLE"]
    assert f"outside {instructor}'s availability" in warned.warnings[0].text
    assert "booking policy" in warned.message and warned.warnings[0].sentence in warned.message
    [entry] = demo.replica.outbox()
    assert entry.state == "rejected" and entry.mutation_id == warned.mutation_id
    assert demo.replica.get("flights", warned.lesson_id).state == "rejected"

    booked = edits.acknowledge(warned.mutation_id, ["INSTRUCTOR_UNAVAILABLE"])

    assert booked.state == "applied", booked.message
    assert booked.lesson_id == warned.lesson_id  # the same booking, sent again
    assert demo.replica.outbox() == []
    row = demo.replica.get("flights", booked.lesson_id)
    assert row.state == "synced"
    [accepted] = row.data["acknowledged_warnings"]
    assert accepted["code"] == "INSTRUCTOR_UNAVAILABLE" and accepted["by"] == demo.email
    assert demo.client.get_flight(booked.lesson_id)["acknowledged_warnings"] == [accepted]
    with pytest.raises(ValueError, match="no longer waits"):
        edits.acknowledge(warned.mutation_id, ["INSTRUCTOR_UNAVAILABLE"])


def test_what_was_accepted_is_not_carried_over_to_a_fix(demo, edits) -> None:
    start = weekday_at(demo.replica, 64, hour=16)
    end = start + timedelta(hours=1)
    fields = bookable(demo.replica, start,
                      instructor_id=unavailable_instructor(demo.replica, start, end))
    warned = edits.save(lesson_id=None, base_version=None, fields=fields)
    assert warned.state == "needs_acknowledgement"
    # Meanwhile the aircraft is booked for someone else: booked anyway, it clashes.
    taken = edits.save(lesson_id=None, base_version=None,
                       fields=bookable(demo.replica, start, aircraft_id=fields["aircraft_id"]))
    assert taken.state == "applied", taken.message
    clash = edits.acknowledge(warned.mutation_id, ["INSTRUCTOR_UNAVAILABLE"])
    assert clash.state == "rejected" and clash.field == "aircraft_id"

    other = bookable(demo.replica, start)["aircraft_id"]
    fixed = edits.save(lesson_id=None, base_version=None, retry_of=clash.mutation_id,
                       fields=fields | {"aircraft_id": other})

    # Another aircraft is another booking: the warning is asked about again, not taken as read.
    assert fixed.state == "needs_acknowledgement"
    assert [entry.mutation_id for entry in demo.replica.outbox()] == [fixed.mutation_id]
    booked = edits.acknowledge(fixed.mutation_id, [w.code for w in fixed.warnings])
    assert booked.state == "applied" and booked.lesson_id == warned.lesson_id
    assert demo.client.get_flight(booked.lesson_id)["aircraft_id"] == other


def test_a_blocked_booking_has_nothing_to_acknowledge(demo, edits) -> None:
    night = weekday_at(demo.replica, 68, hour=22)  # dark all year round, and outside all hours
    fields = bookable(demo.replica, weekday_at(demo.replica, 68)) | {
        "start_at": iso(night), "end_at": iso(night + timedelta(hours=1)),
        "student_id": student_without_night_training(demo.replica, night,
                                                     night + timedelta(hours=1))}

    blocked = edits.save(lesson_id=None, base_version=None, fields=fields)

    assert blocked.state == "rejected" and blocked.warnings == ()
    assert "night training" in blocked.message
    assert demo.replica.outbox("rejected")[0].error["rule"] == "NIGHT_WITHOUT_TRAINING"
    with pytest.raises(ValueError):
        edits.acknowledge(blocked.mutation_id, ["NIGHT_WITHOUT_TRAINING"])
    edits.discard(blocked.mutation_id)
    assert demo.replica.outbox() == []
