"""RecordingLessonEdits: what it records, and undo/redo sent through the real demo service."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.services.edit_history import EditRecord, RecordingLessonEdits
from app.services.lesson_edits import IN_FLIGHT_TEXT, LessonEdits
from tests.app.booking_support import bookable, iso, weekday_at


@pytest.fixture
def recorded(demo) -> tuple[RecordingLessonEdits, list[EditRecord]]:
    records: list[EditRecord] = []
    return RecordingLessonEdits(demo.engine, listener=records.append), records


def _server(demo, lesson_id: str) -> dict:
    return demo.client.get_flight(lesson_id)


def _book(demo, edits, start, **fields) -> str:
    outcome = edits.save(lesson_id=None, fields=bookable(demo.replica, start, **fields),
                         base_version=None)
    assert outcome.state == "applied", outcome.message
    return outcome.lesson_id


def test_a_booking_is_recorded_undone_by_cancelling_and_redone_by_booking_again(demo, recorded):
    edits, records = recorded
    start = weekday_at(demo.replica, 50)
    lesson_id = _book(demo, edits, start, notes="first solo prep")
    [record] = records
    assert record.kind == "create" and record.lesson_id == lesson_id
    student = demo.replica.get("students", record.after["student_id"]).data["name"]
    assert record.description == f"booking of {student}'s lesson"

    undone = edits.revert(record, lesson_id)
    assert undone.done and undone.lesson_id == lesson_id and undone.start == start
    assert _server(demo, lesson_id)["status"] == "CANCELLED"
    redone = edits.reapply(record, lesson_id)
    assert redone.done and redone.lesson_id != lesson_id  # booked again: a new lesson
    again = _server(demo, redone.lesson_id)
    assert again["status"] == "SCHEDULED" and again["notes"] == "first solo prep"
    assert again["start_at"] == iso(start)
    assert len(records) == 1  # undo and redo are not recorded themselves
    assert demo.replica.outbox() == []


def test_a_move_is_undone_on_the_version_the_lesson_has_now(demo, recorded):
    edits, records = recorded
    start = weekday_at(demo.replica, 57)
    lesson_id = _book(demo, edits, start)
    later = start + timedelta(days=7)  # the same hour a week on: inside everyone's hours
    moved = edits.save(lesson_id=lesson_id, base_version=None,
                       fields={"start_at": later, "end_at": later + timedelta(hours=1)})
    assert moved.state == "applied", moved.message
    record = records[-1]
    assert record.kind == "move" and set(record.before) == {"start_at", "end_at"}
    assert record.description.startswith("move of ")
    # A note added since: the version moves on, and the undo still goes through on it.
    noted = edits.save(lesson_id=lesson_id, base_version=None, fields={"notes": "bring logbook"})
    assert noted.state == "applied"
    assert records[-1].kind == "edit" and records[-1].after == {"notes": "bring logbook"}
    version = _server(demo, lesson_id)["version"]

    undone = edits.revert(record, lesson_id)
    assert undone.done, undone.reason
    server = _server(demo, lesson_id)
    assert server["start_at"] == iso(start) and server["notes"] == "bring logbook"
    assert server["version"] == version + 1
    assert undone.start == start

    redone = edits.reapply(record, lesson_id)
    assert redone.done and _server(demo, lesson_id)["start_at"] == iso(later)


def test_an_undo_that_would_overwrite_a_later_change_is_refused_for_good(demo, recorded):
    edits, records = recorded
    lesson_id = _book(demo, edits, weekday_at(demo.replica, 64))
    edits.save(lesson_id=lesson_id, base_version=None, fields={"notes": "mine"})
    record = records[-1]
    # Another desk changes the same field, straight through the service.
    demo.client.update_flight(lesson_id, {"notes": "theirs"},
                              version=_server(demo, lesson_id)["version"])
    demo.engine.sync_once()

    refused = edits.revert(record, lesson_id)
    assert not refused.done and refused.final
    assert "changed since (notes)" in refused.reason
    assert _server(demo, lesson_id)["notes"] == "theirs"
    assert demo.replica.outbox() == []


def test_a_cancellation_is_undone_by_booking_again_unless_the_slot_was_taken(demo, recorded):
    edits, records = recorded
    start = weekday_at(demo.replica, 71)
    lesson_id = _book(demo, edits, start)
    aircraft_id = demo.replica.get("flights", lesson_id).data["aircraft_id"]
    cancelled = edits.cancel_lesson(lesson_id, "student sick")
    assert cancelled.state == "applied"
    record = records[-1]
    assert record.kind == "cancel" and record.reason == "student sick"
    assert record.description.startswith("cancellation of ")
    taken = _book(demo, edits, start, aircraft_id=aircraft_id)  # someone else, meanwhile

    refused = edits.revert(record, lesson_id)
    assert not refused.done and not refused.final  # once the slot is free, it can go through
    assert " already " in refused.reason and "save again" not in refused.reason
    assert demo.replica.outbox() == []

    edits.cancel_lesson(taken, "made room")
    rebooked = edits.revert(record, lesson_id)
    assert rebooked.done and rebooked.lesson_id != lesson_id
    assert _server(demo, rebooked.lesson_id)["status"] == "SCHEDULED"
    assert _server(demo, rebooked.lesson_id)["aircraft_id"] == aircraft_id
    assert _server(demo, lesson_id)["status"] == "CANCELLED"  # stays as it was


def test_undoing_the_booking_of_a_lesson_cancelled_since_is_refused_for_good(demo, recorded):
    edits, records = recorded
    lesson_id = _book(demo, edits, weekday_at(demo.replica, 78))
    record = records[-1]
    edits.cancel_lesson(lesson_id, "weather")

    refused = edits.revert(record, lesson_id)
    assert not refused.done and refused.final
    assert refused.reason == "The lesson is cancelled now and can no longer be changed."


def test_booking_again_a_lesson_whose_time_has_passed_is_refused_for_good(demo):
    start = weekday_at(demo.replica, 85)
    edits = RecordingLessonEdits(demo.engine, clock=lambda: start + timedelta(days=1))
    record = EditRecord("cancel", "no-such-lesson", "Jane Doe",
                        before=bookable(demo.replica, start))
    refused = edits.revert(record, record.lesson_id)
    assert not refused.done and refused.final and "has passed" in refused.reason
    assert demo.replica.outbox() == []


def test_nothing_is_recorded_for_a_refused_edit_or_one_that_changes_nothing(demo, recorded):
    edits, records = recorded
    start = weekday_at(demo.replica, 92)
    lesson_id = _book(demo, edits, start)
    count = len(records)
    aircraft_id = demo.replica.get("flights", lesson_id).data["aircraft_id"]
    clash = bookable(demo.replica, start, aircraft_id=aircraft_id)
    refused = edits.save(lesson_id=None, fields=clash, base_version=None)
    assert refused.state == "rejected"
    edits.discard(refused.mutation_id)
    same = edits.save(lesson_id=lesson_id, base_version=None,
                      fields={"notes": demo.replica.get("flights", lesson_id).data["notes"]})
    assert same.mutation_id == ""
    assert len(records) == count


def test_warnings_booked_over_are_accepted_again_by_the_undo(demo, recorded):
    edits, records = recorded
    early = weekday_at(demo.replica, 99, hour=7)  # before most people's hours: the policy warns
    fields = bookable(demo.replica, weekday_at(demo.replica, 99)) | {
        "start_at": iso(early), "end_at": iso(early + timedelta(hours=1))}
    warned = edits.save(lesson_id=None, fields=fields, base_version=None)
    assert warned.needs_acknowledgement, warned.message
    booked = edits.acknowledge(warned.mutation_id, [warning.code for warning in warned.warnings])
    assert booked.state == "applied", booked.message
    accepted = {warning["code"] for warning in _server(demo, booked.lesson_id)["acknowledged_warnings"]}
    assert accepted and set(records[-1].after["acknowledge"]) == accepted
    edits.cancel_lesson(booked.lesson_id, "student sick")

    again = edits.revert(records[-1], booked.lesson_id)  # booked again, over the same warnings
    assert again.done, again.reason
    server = _server(demo, again.lesson_id)
    assert server["status"] == "SCHEDULED"
    assert {warning["code"] for warning in server["acknowledged_warnings"]} == accepted


def test_a_lesson_whose_aircraft_is_checked_out_is_never_moved_by_undo_or_redo(demo, recorded):
    edits, records = recorded
    start = weekday_at(demo.replica, 106)
    lesson_id = _book(demo, edits, start)
    booking = records[-1]
    later = start + timedelta(days=7)
    moved = edits.save(lesson_id=lesson_id, base_version=None,
                       fields={"start_at": later, "end_at": later + timedelta(hours=1)})
    assert moved.state == "applied", moved.message
    move = records[-1]
    noted = edits.save(lesson_id=lesson_id, base_version=None, fields={"notes": "headset"})
    assert noted.state == "applied", noted.message
    note = records[-1]
    assert (booking.kind, move.kind, note.kind) == ("create", "move", "edit")

    # The aircraft taken out for it (the service has no window for a check-out's time).
    plane = demo.client.get_aircraft(_server(demo, lesson_id)["aircraft_id"])
    demo.client.check_out(lesson_id, hobbs_out=plane["hobbs_hours"], tach_out=plane["tach_hours"])
    demo.engine.sync_once()
    assert demo.replica.get("flights", lesson_id).data["checked_out_at"]

    for refused in (edits.revert(move, lesson_id),  # back a week: a move
                    edits.revert(booking, lesson_id),  # the booking undone: a cancellation
                    edits.reapply(EditRecord("cancel", lesson_id, "", reason="sick"), lesson_id)):
        assert not refused.done and refused.final  # it flies: the step is dropped, said why
        assert refused.reason == IN_FLIGHT_TEXT
    assert demo.replica.outbox() == []
    server = _server(demo, lesson_id)
    assert server["status"] == "SCHEDULED" and server["start_at"] == iso(later)
    # Its notes may still change, in the air as on the ground.
    undone = edits.revert(note, lesson_id)
    assert undone.done, undone.reason
    assert _server(demo, lesson_id)["notes"] == ""


def test_the_services_refusal_of_a_lesson_in_the_air_is_said_in_the_desks_words(demo, recorded):
    edits, _records = recorded
    start = weekday_at(demo.replica, 113)
    lesson_id = _book(demo, edits, start)
    plane = demo.client.get_aircraft(_server(demo, lesson_id)["aircraft_id"])
    demo.client.check_out(lesson_id, hobbs_out=plane["hobbs_hours"], tach_out=plane["tach_hours"])
    demo.engine.sync_once()

    later = start + timedelta(hours=2)
    # Sent as any edit would be (only an undo checks first): the service refuses (409
    # FLIGHT_CHECKED_OUT), and the reason names no API.
    refused = LessonEdits.save(edits, lesson_id=lesson_id, base_version=None,
                               fields={"start_at": later, "end_at": later + timedelta(hours=1)})
    assert refused.state == "rejected" and refused.message == IN_FLIGHT_TEXT
    edits.discard(refused.mutation_id)
    cancelled = LessonEdits.cancel_lesson(edits, lesson_id, "sick", kind="student")
    assert cancelled.refused
    assert cancelled.message == f"The lesson was not cancelled: {IN_FLIGHT_TEXT}"
    assert demo.replica.outbox() == []
    assert _server(demo, lesson_id)["start_at"] == iso(start)
