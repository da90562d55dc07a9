"""/flights and /weather over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from sync.database.session import session_scope
from sync.flights.models import Flight, FlightType
from tests.support.fake_aviationweather import fake_weather_server  # noqa: F401
from tests.sync.api.booking import HOUR, NOW, TOMORROW, iso, lesson, with_fleet


@pytest.fixture
def school(signed_in_school, api_server):
    return with_fleet(signed_in_school(), api_server)


def test_book_read_list_update_and_cancel(school):
    day = f"{TOMORROW + timedelta(days=2):%Y-%m-%d}"
    created = school.dispatcher.post("/flights", json=lesson(school, start_at=f"{day}T09:00:00-06:00",
                                                             end_at=f"{day}T10:00:00-06:00"))
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["start_at"] == f"{day}T15:00:00Z" and body["status"] == "SCHEDULED"

    assert school.instructor.get(f"/flights/{body['id']}").json()["id"] == body["id"]
    page = school.dispatcher.get("/flights", params={"from": f"{day}T00:00:00Z",
                                                     "to": f"{day}T23:59:00Z"}).json()
    assert [item["id"] for item in page["items"]] == [body["id"]] and page["total"] == 1

    patched = school.dispatcher.patch(f"/flights/{body['id']}",
                                      json={"notes": "headset", "version": body["version"]})
    assert patched.status_code == 200 and patched.json()["version"] == body["version"] + 1

    cancelled = school.dispatcher.post(f"/flights/{body['id']}/cancel", json={"reason": "ill"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "CANCELLED"
    listed = school.dispatcher.get("/flights", params={"status": "CANCELLED"}).json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]


def test_a_double_booking_is_409_naming_the_rule_and_the_clashing_lesson(school):
    first = school.dispatcher.post("/flights", json=lesson(school)).json()
    clash = school.dispatcher.post("/flights", json=lesson(school, start=TOMORROW + HOUR / 2))

    assert clash.status_code == 409
    body = clash.json()
    assert body["rule"] == "STUDENT_DOUBLE_BOOKED"
    assert body["conflict"]["id"] == first["id"]
    assert body["conflict"]["start_at"] == first["start_at"]
    assert body["conflict"]["end_at"] == first["end_at"]
    # Back to back is fine.
    assert school.dispatcher.post("/flights", json=lesson(school, start=TOMORROW + HOUR)).status_code == 201


@pytest.mark.parametrize(("fields", "rule"), [
    ({"start_at": iso(NOW - HOUR), "end_at": iso(NOW)}, "START_IN_PAST"),
    ({"end_at": iso(TOMORROW - HOUR)}, "ENDS_BEFORE_START"),
    ({"departure": "ZZZZ"}, "UNKNOWN_AIRPORT"),
    ({"flight_type": "SOLO"}, "SOLO_WITH_INSTRUCTOR"),
])
def test_invalid_lessons_are_422_naming_the_rule(school, fields, rule):
    response = school.dispatcher.post("/flights", json=lesson(school, **fields))
    assert response.status_code == 422, response.text
    assert response.json()["rule"] == rule


def test_naive_times_are_422(school):
    response = school.dispatcher.post("/flights", json=lesson(school, start_at="2030-01-02T09:00:00",
                                                              end_at="2030-01-02T10:00:00"))
    assert response.status_code == 422


def test_another_schools_lessons_and_people_are_404(school, signed_in_school):
    other = signed_in_school()
    mine = school.dispatcher.post("/flights", json=lesson(school)).json()

    assert other.dispatcher.get(f"/flights/{mine['id']}").status_code == 404
    assert other.dispatcher.patch(f"/flights/{mine['id']}", json={"notes": "x"}).status_code == 404
    assert other.dispatcher.post(f"/flights/{mine['id']}/cancel", json={"reason": "x"}).status_code == 404
    assert other.dispatcher.post("/weather/check", json={"flightId": mine["id"]}).status_code == 404
    assert other.dispatcher.get("/flights").json()["items"] == []
    # Booking with this school's student from the other school.
    foreign = other.dispatcher.post("/flights", json=lesson(school, student_id=str(school.student_id),
                                                            instructor_id=str(other.instructor_id)))
    assert foreign.status_code == 404


def test_instructors_change_only_their_own_lessons_and_students_nothing(school):
    theirs = school.dispatcher.post(
        "/flights", json=lesson(school, instructor_id=str(school.colleague_id))).json()
    own = school.dispatcher.post("/flights", json=lesson(school, start=TOMORROW + 2 * HOUR)).json()

    refused = school.instructor.patch(f"/flights/{theirs['id']}", json={"notes": "mine", "version": 1})
    assert refused.status_code == 403 and refused.json()["rule"] == "NOT_YOUR_LESSON"
    ok = school.instructor.patch(f"/flights/{own['id']}", json={"notes": "ok", "version": 1})
    assert ok.status_code == 200
    assert school.student.get("/flights").status_code == 403


def test_weather_check_and_current_through_http(school, api_server, fake_weather_server,  # noqa: F811
                                                 monkeypatch):
    observed = NOW - timedelta(minutes=10)
    storm = f"KAUS {observed:%d%H%M}Z 18015G25KT 3SM +TSRA BKN015CB OVC030 25/22 A2990"
    fake_weather_server.set_metars({"KAUS": [storm]})
    monkeypatch.setenv("FSP_WEATHER_URL", fake_weather_server.url)
    monkeypatch.delenv("FSP_WEATHER_RECORDED", raising=False)
    # Within the hour, when the METAR governs; booked directly (the API refuses nothing here).
    with session_scope(api_server.engine) as db:
        flight = Flight(school_id=school.school_id, student_id=school.student_id,
                        instructor_id=school.instructor_id, aircraft_id=school.aircraft_id,
                        start_at=NOW + timedelta(minutes=15), end_at=NOW + timedelta(minutes=75),
                        departure="KAUS", flight_type=FlightType.DUAL)
        db.add(flight)
        db.flush()
        flight_id = str(flight.id)

    checked = school.dispatcher.post("/weather/check", json={"flightId": flight_id})
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert body["verdict"] == "NO_GO" and body["flight_id"] == flight_id
    assert any(reason["code"] == "THUNDERSTORM" for reason in body["reasons"])
    assert body["places"][0]["station"] == "KAUS" and body["places"][0]["verdict"] == "NO_GO"
    assert {"station": "KAUS", "product": "METAR", "raw": storm} in body["reports"]

    current = school.instructor.get("/weather/current", params={"ids": "KAUS,ksat"})
    assert current.status_code == 200
    stations = {report["station"]: report for report in current.json()}
    assert set(stations) == {"KAUS", "KSAT"}
    assert stations["KAUS"]["metar"] == storm
    assert stations["KAUS"]["observed"]["flight_category"] in {"IFR", "MVFR"}
    assert stations["KSAT"]["metar"] is None
    assert school.dispatcher.get("/weather/current", params={"ids": "K!"}).status_code == 422


@pytest.mark.parametrize(("fields", "rule", "field"), [
    ({"end_at": iso(TOMORROW + 12 * HOUR + timedelta(minutes=1))}, "LESSON_TOO_LONG", "end_at"),
    ({"end_at": iso(TOMORROW + timedelta(days=365))}, "LESSON_TOO_LONG", "end_at"),
    ({"start_at": iso(NOW + timedelta(days=366)), "end_at": iso(NOW + timedelta(days=366) + HOUR)},
     "BEYOND_BOOKING_HORIZON", "start_at"),
    ({"start_at": "9999-12-31T20:00:00Z", "end_at": "9999-12-31T21:00:00Z"},
     "BEYOND_BOOKING_HORIZON", "start_at"),
])
def test_lessons_too_long_or_too_far_ahead_are_422_on_every_path(school, fields, rule, field):
    created = school.dispatcher.post("/flights", json=lesson(school, **fields))
    assert created.status_code == 422, created.text
    assert (created.json()["rule"], created.json()["field"]) == (rule, field)

    booked = school.dispatcher.post("/flights", json=lesson(school)).json()
    moved = school.dispatcher.patch(f"/flights/{booked['id']}", json=fields | {"version": 1})
    assert moved.status_code == 422 and moved.json()["rule"] == rule
    assert school.dispatcher.get(f"/flights/{booked['id']}").json() == booked

    pushed = school.dispatcher.post("/sync/push", json={"client_id": str(uuid.uuid4()), "mutations": [
        {"mutation_id": str(uuid.uuid4()), "table": "flights", "op": "insert",
         "row_id": str(uuid.uuid4()), "data": lesson(school, **fields)},
        {"mutation_id": str(uuid.uuid4()), "table": "flights", "op": "update",
         "row_id": booked["id"], "base_version": 1, "data": fields},
    ]}).json()["results"]
    for result, rest in zip(pushed, (created, moved), strict=True):
        assert result["status"] == "rejected"
        assert result["error"] == rest.json() | {"status_code": 422}
