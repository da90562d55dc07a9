"""The booking policy over real HTTP: GET/PUT /policy, warnings acknowledged on every booking
path (POST and PATCH /flights, sync push), the forecast rule on the local weather stand-in, and
availability edited through the API honoured. On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from sync.audit.models import AuditEvent
from sync.database.session import session_scope
from sync.people.models import Student
from sync.policy import forecast
from tests.support.fake_aviationweather import FakeAviationWeather
from tests.sync.api.booking import HOUR, iso, lesson, with_fleet

ZONE = ZoneInfo("America/Chicago")


def local(days_ahead: int, hour: int, minute: int = 0) -> datetime:
    """A school-time clock reading ``days_ahead`` days from today, as UTC."""
    day = datetime.now(ZONE).date() + timedelta(days=days_ahead)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE).astimezone(UTC)


@pytest.fixture
def school(signed_in_school, api_server):
    school = with_fleet(signed_in_school(), api_server)
    # Night-trained, so that evening lessons (dark at this time of year) test the other rules.
    with session_scope(api_server.engine) as db:
        db.get(Student, school.student_id).night_trained = True
    return school


def _policy(client) -> dict:
    response = client.get("/policy")
    assert response.status_code == 200, response.text
    return response.json()


def _rules(body: dict) -> dict[str, str]:
    return {rule["code"]: rule["action"] for rule in body["rules"]}


# -- the policy ------------------------------------------------------------------------------


def test_staff_read_the_policy_with_its_defaults_and_only_admins_change_it(school, api_server):
    read = _policy(school.instructor)
    assert _rules(read)["NIGHT_WITHOUT_TRAINING"] == "block"
    assert _rules(read)["OUTSIDE_SCHOOL_HOURS"] == "warn"
    assert read["settings"]["instruction_hours_per_24h"] == 8
    assert school.student.get("/policy").status_code == 403
    change = {"version": read["version"], "rules": {"OUTSIDE_SCHOOL_HOURS": "block"},
              "turnaround_minutes": 10}
    assert school.dispatcher.put("/policy", json=change).status_code == 403

    changed = school.admin.put("/policy", json=change)

    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert _rules(body)["OUTSIDE_SCHOOL_HOURS"] == "block" and body["settings"]["turnaround_minutes"] == 10
    assert _rules(body)["NIGHT_WITHOUT_TRAINING"] == "block"  # left alone
    assert changed.headers["etag"] == f'"{body["version"]}"' and body["version"] == read["version"] + 1
    assert _policy(school.dispatcher) == body
    pulled = school.dispatcher.get("/sync/pull").json()["changes"]
    [row] = [change["data"] for change in pulled if change["table"] == "schools"]
    assert row["booking_policy"]["turnaround_minutes"] == 10 and row["version"] == body["version"]
    with session_scope(api_server.engine) as db:
        event = db.scalars(select(AuditEvent).where(AuditEvent.row_id == school.school_id,
                                                    AuditEvent.action == "policy_update")).one()
        assert event.actor == school.emails["admin"]
        assert event.before["booking_policy"] == {}
        assert event.after["booking_policy"]["rules"]["OUTSIDE_SCHOOL_HOURS"] == "block"


@pytest.mark.parametrize(("body", "status", "rule"), [
    ({"rules": {"OUTSIDE_SCHOOL_HOURS": "off"}}, 428, "VERSION_REQUIRED"),
    ({"version": 999, "rules": {"OUTSIDE_SCHOOL_HOURS": "off"}}, 409, "STALE_VERSION"),
    ({"version": 1, "turnaround_minutes": None}, 422, "SETTING_REQUIRED"),
    ({"version": 1, "rules": {"NO_SUCH_RULE": "off"}}, 422, "INVALID_REQUEST"),
    ({"version": 1, "rules": {"OUTSIDE_SCHOOL_HOURS": "sometimes"}}, 422, "INVALID_REQUEST"),
    ({"version": 1, "instruction_hours_per_24h": 9}, 422, "INVALID_REQUEST"),
])
def test_bad_policy_changes_are_refused_and_change_nothing(school, body, status, rule):
    version = _policy(school.admin)["version"]
    if body.get("version") == 1:
        body = body | {"version": version}
    response = school.admin.put("/policy", json=body)
    assert response.status_code == status, response.text
    assert response.json()["rule"] == rule
    assert _policy(school.admin)["version"] == version


def test_a_lifted_limit_is_null(school):
    version = _policy(school.admin)["version"]
    body = school.admin.put("/policy", json={"version": version, "student_lessons_per_day": None}).json()
    assert body["settings"]["student_lessons_per_day"] is None


# -- warnings on every booking path ----------------------------------------------------------


def _after_hours(school) -> dict:
    return lesson(school, start_at=iso(local(2, 19, 30)), end_at=iso(local(2, 20, 30)))


def test_a_warned_booking_answers_409_with_warnings_then_books_when_acknowledged(school):
    refused = school.dispatcher.post("/flights", json=_after_hours(school))

    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["rule"] == "NEEDS_ACKNOWLEDGEMENT"
    assert [warning["code"] for warning in body["warnings"]] == ["OUTSIDE_SCHOOL_HOURS"]
    assert school.dispatcher.get("/flights").json()["total"] == 0

    booked = school.dispatcher.post("/flights", json=_after_hours(school) | {
        "acknowledge": ["OUTSIDE_SCHOOL_HOURS"]})
    assert booked.status_code == 201, booked.text
    [accepted] = booked.json()["acknowledged_warnings"]
    assert accepted["code"] == "OUTSIDE_SCHOOL_HOURS" and accepted["by"] == school.emails["dispatcher"]
    assert accepted["text"] == body["warnings"][0]["text"]
    assert school.dispatcher.get(f"/flights/{booked.json()['id']}").json() == booked.json()
    pulled = school.dispatcher.get("/sync/pull").json()["changes"]
    [row] = [change["data"] for change in pulled if change["id"] == booked.json()["id"]]
    assert row["acknowledged_warnings"] == booked.json()["acknowledged_warnings"]


def test_other_refusals_carry_no_warnings(school):
    clash = school.dispatcher.post("/flights", json=lesson(school, departure="ZZZZ"))
    assert clash.status_code == 422 and "warnings" not in clash.json()


def test_a_blocking_rule_answers_as_the_hard_rules_do(school):
    version = _policy(school.admin)["version"]
    school.admin.put("/policy", json={"version": version, "rules": {"OUTSIDE_SCHOOL_HOURS": "block"}})
    refused = school.dispatcher.post("/flights", json=_after_hours(school) | {
        "acknowledge": ["OUTSIDE_SCHOOL_HOURS"]})
    assert refused.status_code == 422
    assert refused.json()["rule"] == "OUTSIDE_SCHOOL_HOURS" and refused.json()["field"] == "start_at"


def test_moving_a_lesson_into_a_warning_needs_the_acknowledgement(school):
    booked = school.dispatcher.post("/flights", json=lesson(
        school, start_at=iso(local(2, 10)), end_at=iso(local(2, 11)))).json()
    move = {"version": booked["version"], "start_at": iso(local(2, 19, 30)), "end_at": iso(local(2, 20, 30))}

    refused = school.dispatcher.patch(f"/flights/{booked['id']}", json=move)
    assert refused.status_code == 409 and refused.json()["rule"] == "NEEDS_ACKNOWLEDGEMENT"
    moved = school.dispatcher.patch(f"/flights/{booked['id']}", json=move | {
        "acknowledge": ["OUTSIDE_SCHOOL_HOURS"]})
    assert moved.status_code == 200, moved.text
    assert moved.json()["acknowledged_warnings"][0]["code"] == "OUTSIDE_SCHOOL_HOURS"
    assert moved.headers["etag"] == f'"{moved.json()["version"]}"'


def _push(client, *mutations: dict, client_id: uuid.UUID) -> list[dict]:
    response = client.post("/sync/push", json={"client_id": str(client_id), "mutations": list(mutations)})
    assert response.status_code == 200, response.text
    return response.json()["results"]


def test_a_pushed_lesson_needing_acknowledgement_is_refused_then_applied_when_sent_acknowledged(school):
    desk, flight_id, mutation_id = uuid.uuid4(), uuid.uuid4(), str(uuid.uuid4())
    insert = {"mutation_id": mutation_id, "table": "flights", "op": "insert",
              "row_id": str(flight_id), "data": _after_hours(school)}

    [refused] = _push(school.dispatcher, insert, client_id=desk)
    assert refused["status"] == "rejected" and refused["error"]["rule"] == "NEEDS_ACKNOWLEDGEMENT"
    assert refused["error"]["status_code"] == 409
    assert [w["code"] for w in refused["error"]["warnings"]] == ["OUTSIDE_SCHOOL_HOURS"]
    rest = school.dispatcher.post("/flights", json=_after_hours(school)).json()
    assert {key: value for key, value in refused["error"].items() if key != "status_code"} == rest

    # The same mutation, acknowledged: applied (the refusal was not remembered).
    acknowledged = insert | {"data": insert["data"] | {"acknowledge": ["OUTSIDE_SCHOOL_HOURS"]}}
    [applied] = _push(school.dispatcher, acknowledged, client_id=desk)
    assert applied["status"] == "applied", applied
    assert applied["row"]["acknowledged_warnings"][0]["by"] == school.emails["dispatcher"]
    # ... and that answer is remembered: a retry gets it again.
    assert _push(school.dispatcher, acknowledged, client_id=desk) == [applied]


# -- availability through the API ------------------------------------------------------------


def test_availability_set_through_the_api_is_honoured_by_the_booking_rules(school):
    weekday = local(2, 10).astimezone(ZONE).isoweekday()
    student = school.dispatcher.get(f"/students/{school.student_id}").json()
    changed = school.dispatcher.patch(f"/students/{school.student_id}", json={
        "version": student["version"],
        "availability": [{"weekday": weekday, "start": "08:00", "end": "12:00"}],
        "availability_exceptions": [{"date": local(9, 10).astimezone(ZONE).date().isoformat(),
                                     "available": False}],
    })
    assert changed.status_code == 200, changed.text
    instructor = school.instructor.get(f"/instructors/{school.instructor_id}").json()
    own = school.instructor.patch(f"/instructors/{school.instructor_id}", json={
        "version": instructor["version"],
        "availability": [{"weekday": weekday, "start": "09:00", "end": "17:00"}]})
    assert own.status_code == 200, own.text

    def warnings(start: datetime) -> list[str]:
        response = school.dispatcher.post("/flights", json=lesson(school, start_at=iso(start),
                                                                  end_at=iso(start + HOUR)))
        if response.status_code == 201:
            return []
        assert response.status_code == 409, response.text
        return [warning["code"] for warning in response.json()["warnings"]]

    assert warnings(local(2, 13)) == ["STUDENT_UNAVAILABLE"]
    assert warnings(local(2, 8)) == ["INSTRUCTOR_UNAVAILABLE"]
    assert warnings(local(9, 10)) == ["STUDENT_UNAVAILABLE"]  # the day off, same weekday
    assert warnings(local(2, 10)) == []


# -- the forecast ----------------------------------------------------------------------------


@pytest.fixture
def weather(monkeypatch):
    with FakeAviationWeather() as server:
        monkeypatch.setenv("FSP_WEATHER_URL", server.url)
        monkeypatch.delenv("FSP_WEATHER_RECORDED", raising=False)
        yield server


def _storm_taf(storm_from: datetime, storm_to: datetime) -> str:
    now = datetime.now(UTC)
    start = now.replace(minute=0, second=0, microsecond=0)
    return (f"TAF KAUS {now - timedelta(minutes=40):%d%H%M}Z {start:%d%H}/{start + timedelta(hours=30):%d%H} "
            f"18008KT P6SM SCT250 FM{storm_from:%d%H%M} 22015G25KT 3SM +TSRA OVC015CB "
            f"FM{storm_to:%d%H%M} 18008KT P6SM SCT250")


def test_a_lesson_booked_into_a_forecast_thunderstorm_warns_and_the_weather_is_kept(school, weather):
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    storm = (hour + timedelta(hours=10), hour + timedelta(hours=16))
    weather.set_tafs({"KAUS": [_storm_taf(*storm)]})
    # Round the clock, so that only the forecast decides.
    version = _policy(school.admin)["version"]
    school.admin.put("/policy", json={"version": version, "rules": {"OUTSIDE_SCHOOL_HOURS": "off"}})

    inside = lesson(school, start_at=iso(storm[0] + HOUR), end_at=iso(storm[0] + 2 * HOUR))
    refused = school.dispatcher.post("/flights", json=inside)
    assert refused.status_code == 409, refused.text
    [warning] = refused.json()["warnings"]
    assert warning["code"] == "FORECAST_NO_GO" and "Thunderstorm" in warning["text"]
    asked = len(weather.requests)
    assert asked == 2  # one METAR and one TAF request

    booked = school.dispatcher.post("/flights", json=inside | {"acknowledge": ["FORECAST_NO_GO"]})
    assert booked.status_code == 201, booked.text
    clear = school.dispatcher.post("/flights", json=lesson(
        school, start_at=iso(storm[1] + 2 * HOUR), end_at=iso(storm[1] + 3 * HOUR),
        aircraft_id=str(school.aircraft_id), student_id=str(school.student_id)))
    assert clear.status_code == 201, clear.text
    assert "notices" not in clear.json()
    assert len(weather.requests) == asked  # the station's weather was kept, not asked again


def test_weather_that_cannot_be_had_books_and_says_the_forecast_was_not_checked(school, weather):
    weather.fail_next(400, times=2)
    booked = school.dispatcher.post("/flights", json=lesson(
        school, start_at=iso(local(1, 10)), end_at=iso(local(1, 11))))

    assert booked.status_code == 201, booked.text
    [notice] = booked.json()["notices"]
    assert notice["code"] == "FORECAST_NOT_CHECKED" and "could not be checked" in notice["text"]
    # A failed answer is not kept: the next booking asks again.
    asked = len(weather.requests)
    school.dispatcher.post("/flights", json=lesson(school, start_at=iso(local(1, 13)),
                                                   end_at=iso(local(1, 14))))
    assert len(weather.requests) == asked + 2


def test_the_forecast_is_not_fetched_when_the_school_turned_its_rule_off(school, weather):
    version = _policy(school.admin)["version"]
    school.admin.put("/policy", json={"version": version, "rules": {"FORECAST_NO_GO": "off"}})
    booked = school.dispatcher.post("/flights", json=lesson(
        school, start_at=iso(local(1, 10)), end_at=iso(local(1, 11))))
    assert booked.status_code == 201 and weather.requests == []


@pytest.fixture(autouse=True)
def _fresh_weather_cache():
    forecast.CACHE.clear()
    yield
    forecast.CACHE.clear()
