"""Check-out, check-in and cancellations by kind over real HTTP, with the aircraft's meters and
the metrics that count them. On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from sync.database.session import session_scope
from sync.flights.models import Flight, FlightType
from tests.sync.api.booking import iso, lesson, with_fleet

HOUR = timedelta(hours=1)


@pytest.fixture
def school(signed_in_school, api_server):
    return with_fleet(signed_in_school(), api_server)


def flown_lesson(api_server, school, *, instructor_id=None, started=None) -> str:
    """A lesson that started an hour ago (booked earlier, so written straight in)."""
    start = started or datetime.now(UTC).replace(microsecond=0) - HOUR
    with session_scope(api_server.engine) as db:
        flight = Flight(school_id=school.school_id, student_id=school.student_id,
                        instructor_id=instructor_id or school.instructor_id,
                        aircraft_id=school.aircraft_id, start_at=start, end_at=start + 2 * HOUR,
                        departure="KAUS", flight_type=FlightType.DUAL)
        db.add(flight)
        db.flush()
        return str(flight.id)


def set_meters(school, hobbs: float, tach: float) -> None:
    row = school.dispatcher.get(f"/aircraft/{school.aircraft_id}").json()
    changed = school.dispatcher.patch(f"/aircraft/{school.aircraft_id}", json={
        "version": row["version"], "hobbs_hours": hobbs, "tach_hours": tach})
    assert changed.status_code == 200, changed.text


def test_check_out_then_in_completes_the_lesson_and_advances_the_aircraft(school, api_server):
    set_meters(school, 1200.0, 950.0)
    flight_id = flown_lesson(api_server, school)

    taken_out = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=80)
    out = school.dispatcher.post(f"/flights/{flight_id}/check-out",
                                 json={"hobbs_out": 1200.2, "tach_out": 950.1, "at": iso(taken_out)})
    assert out.status_code == 200, out.text
    assert out.json()["checked_out_at"] == iso(taken_out) and out.json()["status"] == "SCHEDULED"
    assert out.headers["etag"] == f'"{out.json()["version"]}"'
    again = school.dispatcher.post(f"/flights/{flight_id}/check-out",
                                   json={"hobbs_out": 1200.2, "tach_out": 950.1})
    assert again.status_code == 409 and again.json()["rule"] == "ALREADY_CHECKED_OUT"
    cancel = school.dispatcher.post(f"/flights/{flight_id}/cancel", json={"reason": "x"})
    assert cancel.status_code == 409 and cancel.json()["rule"] == "FLIGHT_CHECKED_OUT"

    ended = datetime.now(UTC).replace(microsecond=0)
    checked_in = school.dispatcher.post(f"/flights/{flight_id}/check-in", json={
        "hobbs_in": 1201.5, "tach_in": 951.2, "actual_end_at": iso(ended), "remarks": "crosswind landings"})

    assert checked_in.status_code == 200, checked_in.text
    body = checked_in.json()
    assert body["status"] == "COMPLETED" and body["flown_hours"] == 1.3
    assert (body["hobbs_out"], body["hobbs_in"], body["tach_out"], body["tach_in"]) == (1200.2, 1201.5, 950.1, 951.2)
    assert body["actual_start_at"] == out.json()["checked_out_at"] and body["actual_end_at"] == iso(ended)
    assert body["check_in_remarks"] == "crosswind landings"
    plane = school.dispatcher.get(f"/aircraft/{school.aircraft_id}").json()
    assert (plane["hobbs_hours"], plane["tach_hours"]) == (1201.5, 951.2)
    closed = school.dispatcher.post(f"/flights/{flight_id}/check-in", json={"hobbs_in": 1202, "tach_in": 952})
    assert closed.status_code == 409 and closed.json()["rule"] == "FLIGHT_CLOSED"
    pulled = school.dispatcher.get("/sync/pull").json()["changes"]
    [aircraft] = [c["data"] for c in pulled if c["id"] == str(school.aircraft_id)]
    [flight] = [c["data"] for c in pulled if c["id"] == flight_id]
    assert aircraft["hobbs_hours"] == 1201.5 and flight["flown_hours"] == 1.3


def test_a_lesson_not_checked_out_is_checked_in_with_both_readings(school, api_server):
    flight_id = flown_lesson(api_server, school)
    missing = school.dispatcher.post(f"/flights/{flight_id}/check-in", json={"hobbs_in": 10.5, "tach_in": 8.4})
    assert missing.status_code == 422 and missing.json()["rule"] == "READING_OUT_REQUIRED"

    done = school.dispatcher.post(f"/flights/{flight_id}/check-in", json={
        "hobbs_out": 9.0, "tach_out": 7.5, "hobbs_in": 10.0, "tach_in": 8.3})
    assert done.status_code == 200, done.text
    assert done.json()["flown_hours"] == 1.0


@pytest.mark.parametrize(("reading", "rule", "field"), [
    ({"hobbs_in": 99.0, "tach_in": 81.0}, "METER_BACKWARDS", "hobbs_in"),
    ({"hobbs_in": 101.0, "tach_in": 79.0}, "METER_BACKWARDS", "tach_in"),
    ({"hobbs_in": 1000.0, "tach_in": 81.0}, "IMPLAUSIBLE_METER", "hobbs_in"),  # a digit too many
    ({"hobbs_in": 104.0, "tach_in": 81.0}, "IMPLAUSIBLE_METER", "hobbs_in"),  # 4 h in about 1
])
def test_readings_that_cannot_be_are_refused_and_change_nothing(school, api_server, reading, rule, field):
    flight_id = flown_lesson(api_server, school)
    response = school.dispatcher.post(f"/flights/{flight_id}/check-in", json={
        "hobbs_out": 100.0, "tach_out": 80.0} | reading)
    assert response.status_code == 422, response.text
    assert (response.json()["rule"], response.json()["field"]) == (rule, field)
    after = school.dispatcher.get(f"/flights/{flight_id}").json()
    assert after["status"] == "SCHEDULED" and after["hobbs_in"] is None
    assert school.dispatcher.get(f"/aircraft/{school.aircraft_id}").json()["hobbs_hours"] == 0.0


def test_a_check_out_below_the_aircrafts_meter_or_before_a_lesson_started_is_refused(school, api_server):
    set_meters(school, 500.0, 400.0)
    flight_id = flown_lesson(api_server, school)
    behind = school.dispatcher.post(f"/flights/{flight_id}/check-out", json={"hobbs_out": 450.0, "tach_out": 400.0})
    assert behind.status_code == 422 and behind.json()["rule"] == "METER_BACKWARDS"

    future = school.dispatcher.post("/flights", json=lesson(school)).json()
    early = school.dispatcher.post(f"/flights/{future['id']}/check-in", json={
        "hobbs_out": 500.0, "tach_out": 400.0, "hobbs_in": 501.0, "tach_in": 401.0})
    assert early.status_code == 422 and early.json()["rule"] == "NOT_FLOWN_YET"


def test_instructors_check_in_only_the_lessons_they_teach(school, api_server):
    theirs = flown_lesson(api_server, school, instructor_id=school.colleague_id)
    mine = flown_lesson(api_server, school, started=datetime.now(UTC).replace(microsecond=0) - 4 * HOUR)
    reading = {"hobbs_out": 1.0, "tach_out": 1.0, "hobbs_in": 2.0, "tach_in": 2.0}
    refused = school.instructor.post(f"/flights/{theirs}/check-in", json=reading)
    assert refused.status_code == 403 and refused.json()["rule"] == "NOT_YOUR_LESSON"
    assert school.instructor.post(f"/flights/{mine}/check-in", json=reading).status_code == 200
    assert school.student.post(f"/flights/{mine}/check-out", json={"hobbs_out": 1, "tach_out": 1}).status_code == 403


def test_cancellations_keep_their_kind_and_the_metrics_count_each_kind(school):
    kinds = ["no_show", "student", "student", "weather", "school"]
    for n, kind in enumerate(kinds):
        booked = school.dispatcher.post("/flights", json=lesson(
            school, start=datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
            + timedelta(days=n + 1, hours=2)))
        assert booked.status_code == 201, booked.text
        cancelled = school.dispatcher.post(f"/flights/{booked.json()['id']}/cancel",
                                           json={"reason": f"reason {n}", "reason_kind": kind})
        assert cancelled.status_code == 200, cancelled.text
        body = cancelled.json()
        assert (body["cancel_kind"], body["cancel_reason"]) == (kind, f"reason {n}")
        assert body["cancelled_at"] is not None
    plain = school.dispatcher.post("/flights", json=lesson(school)).json()
    assert school.dispatcher.post(f"/flights/{plain['id']}/cancel", json={"reason": "x"}).json()["cancel_kind"] == "other"
    bad = school.dispatcher.post(f"/flights/{uuid.uuid4()}/cancel", json={"reason": "x", "reason_kind": "bored"})
    assert bad.status_code == 422

    metrics = school.dispatcher.get("/metrics").json()
    assert metrics["totals"]["cancellations"] == {"weather": 1, "student": 2, "no_show": 1,
                                                  "school": 1, "other": 1}
    assert metrics["days"][-1]["cancellations"] == metrics["totals"]["cancellations"]


def test_a_pushed_delete_can_say_the_kind(school):
    booked = school.dispatcher.post("/flights", json=lesson(school)).json()
    response = school.dispatcher.post("/sync/push", json={"client_id": str(uuid.uuid4()), "mutations": [{
        "mutation_id": str(uuid.uuid4()), "table": "flights", "op": "delete", "row_id": booked["id"],
        "base_version": booked["version"], "data": {"reason": "did not come", "reason_kind": "no_show"}}]})
    [result] = response.json()["results"]
    assert result["status"] == "applied" and result["row"]["cancel_kind"] == "no_show"


def test_a_checked_out_lesson_keeps_its_times_people_and_aircraft_until_checked_in(school, api_server):
    flight_id = flown_lesson(api_server, school)
    out = school.dispatcher.post(f"/flights/{flight_id}/check-out", json={"hobbs_out": 10.0, "tach_out": 8.0})
    assert out.status_code == 200, out.text
    row = out.json()
    later = datetime.fromisoformat(row["start_at"].replace("Z", "+00:00")) + 3 * HOUR

    moved = school.dispatcher.patch(f"/flights/{flight_id}", json={
        "version": row["version"], "start_at": iso(later), "end_at": iso(later + HOUR)})
    assert moved.status_code == 409 and moved.json()["rule"] == "FLIGHT_CHECKED_OUT", moved.text
    assert "check-in" in moved.json()["detail"]
    assert school.dispatcher.get(f"/flights/{flight_id}").json()["start_at"] == row["start_at"]

    noted = school.dispatcher.patch(f"/flights/{flight_id}", json={
        "version": row["version"], "notes": "student flying the pattern, back by noon"})
    assert noted.status_code == 200, noted.text
