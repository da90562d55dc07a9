"""Every path that proposes or re-checks a slot judges it on the forecast, over real HTTP.

The defect this guards against: a dispatcher's ``POST /reschedule`` and ``search-again`` searched
without weather and offered slots inside a TAF's thunderstorm group as "no forecast yet", while the
sweep's own options were right. The weather here comes from a local aviationweather.gov stand-in;
the school is open around the clock and the student night-trained, so the only thing keeping a
slot out of the storm is the forecast.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from sync.database.session import session_scope
from sync.flights.models import Flight, FlightStatus
from sync.notify.models import Notification
from sync.people.models import Student
from sync.schools.models import School
from tests.support.fake_aviationweather import FakeAviationWeather
from tests.sync.factories import make_aircraft

TAF_HOURS = 30
STORM = (10, 24)  # hours after the TAF starts: FM … +TSRA OVC015CB, then clear again
CLEAR = "18008KT P6SM SCT250"
THUNDERSTORM = "22015G25KT 3SM +TSRA OVC015CB"
TOKEN = re.compile(r"/r/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")


def _hour(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0)


def _taf(now: datetime, storm: tuple[int, int] | None) -> str:
    start = _hour(now)
    end = start + timedelta(hours=TAF_HOURS)
    text = f"TAF KAUS {now - timedelta(minutes=40):%d%H%M}Z {start:%d%H}/{end:%d%H} {CLEAR}"
    if storm is not None:
        text += (f" FM{start + timedelta(hours=storm[0]):%d%H%M} {THUNDERSTORM}"
                 f" FM{start + timedelta(hours=storm[1]):%d%H%M} {CLEAR}")
    return text


def _metar(now: datetime) -> str:
    return f"KAUS {now - timedelta(minutes=7):%d%H%M}Z 18006KT 10SM FEW250 22/10 A3001"


@pytest.fixture
def weather(monkeypatch: pytest.MonkeyPatch):
    with FakeAviationWeather() as server:
        monkeypatch.setenv("FSP_WEATHER_URL", server.url)
        monkeypatch.delenv("FSP_WEATHER_RECORDED", raising=False)
        yield server


def _forecast(server: FakeAviationWeather, *, storm: tuple[int, int] | None) -> None:
    now = datetime.now(UTC)
    server.set_metars({"KAUS": [_metar(now)]})
    server.set_tafs({"KAUS": [_taf(now, storm)]})


def _storm_window() -> tuple[datetime, datetime]:
    start = _hour(datetime.now(UTC))
    return start + timedelta(hours=STORM[0]), start + timedelta(hours=STORM[1])


def _taf_end() -> datetime:
    return _hour(datetime.now(UTC)) + timedelta(hours=TAF_HOURS)


def _cancelled_inside_the_storm(api_server, school) -> uuid.UUID:
    """A weather-cancelled two-hour lesson in the middle of the storm: without the forecast, the
    slots nearest to it (the best-scored) are the storm's own hours."""
    with session_scope(api_server.engine) as db:
        row = db.get(School, school.school_id)
        row.operating_hours = [{"weekday": day, "open": "00:00", "close": "24:00"} for day in range(1, 8)]
        db.get(Student, school.student_id).night_trained = True
        aircraft = make_aircraft(db, row)
        start = _hour(datetime.now(UTC)) + timedelta(hours=14)
        flight = Flight(school_id=row.id, student_id=school.student_id,
                        instructor_id=school.instructor_id, aircraft_id=aircraft.id,
                        start_at=start, end_at=start + timedelta(hours=2), departure="KAUS",
                        flight_type="DUAL", status=FlightStatus.WEATHER_CANCELLED)
        db.add(flight)
        db.flush()
        return flight.id


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _assert_judged_on_the_forecast(options: list[dict]) -> None:
    storm_start, storm_end = _storm_window()
    assert options, "no options at all"
    for option in options:
        start, end = _at(option["start_at"]), _at(option["end_at"])
        assert not (start < storm_end and storm_start < end), \
            f"offered {start:%d %H:%M}–{end:%H:%M}Z inside the forecast thunderstorm: {option}"
        weather = option["expected_weather"]
        if end <= _taf_end():
            assert weather["verdict"] == "GO", option
        else:
            assert weather["verdict"] is None and weather["summary"] == "no forecast yet", option
    assert any(option["expected_weather"]["verdict"] == "GO" for option in options), \
        "no option was judged on the forecast"


def test_a_dispatcher_opened_request_never_offers_the_forecast_storm(api_server, signed_in_school,
                                                                     weather) -> None:
    _forecast(weather, storm=STORM)
    school = signed_in_school()
    flight_id = _cancelled_inside_the_storm(api_server, school)

    opened = school.dispatcher.post("/reschedule", json={"flightId": str(flight_id)})

    assert opened.status_code == 201, opened.text
    _assert_judged_on_the_forecast(opened.json()["options"])
    # Once per request and product, through the batched source.
    assert len(weather.requests_for("taf")) == 1 and len(weather.requests_for("metar")) == 1


def test_search_again_never_offers_the_forecast_storm(api_server, signed_in_school, weather) -> None:
    _forecast(weather, storm=None)
    school = signed_in_school()
    flight_id = _cancelled_inside_the_storm(api_server, school)
    first = school.dispatcher.post("/reschedule", json={"flightId": str(flight_id)}).json()
    _forecast(weather, storm=STORM)  # the storm appears in the next TAF

    again = school.dispatcher.post(f"/reschedule/{first['id']}/search-again")

    assert again.status_code == 201, again.text
    _assert_judged_on_the_forecast(again.json()["options"])


def test_a_pick_inside_a_storm_forecast_since_is_refused_with_judged_options(
        api_server, signed_in_school, weather) -> None:
    _forecast(weather, storm=None)
    school = signed_in_school()
    flight_id = _cancelled_inside_the_storm(api_server, school)
    request = school.dispatcher.post("/reschedule", json={"flightId": str(flight_id)}).json()
    first = request["options"][0]
    assert _at(first["start_at"]) < _storm_window()[1], "the first option should fall in the storm's hours"
    _forecast(weather, storm=STORM)

    picked = school.dispatcher.post(f"/reschedule/{request['id']}/select", json={"option": 1})

    assert picked.status_code == 409 and picked.json()["rule"] == "SLOT_WEATHER", picked.text
    assert "NO_GO" in picked.json()["detail"] and "thunderstorm" in picked.json()["detail"].lower()
    _assert_judged_on_the_forecast(picked.json()["conflict"]["options"])
    assert school.dispatcher.get(f"/reschedule/{request['id']}").json()["state"] == "PENDING_STUDENT"


def test_a_confirmation_inside_a_storm_forecast_since_books_nothing(api_server, signed_in_school,
                                                                   weather) -> None:
    _forecast(weather, storm=None)
    school = signed_in_school()
    flight_id = _cancelled_inside_the_storm(api_server, school)
    request = school.dispatcher.post("/reschedule", json={"flightId": str(flight_id)}).json()
    assert school.dispatcher.post(f"/reschedule/{request['id']}/select",
                                  json={"option": 1}).status_code == 200
    _forecast(weather, storm=STORM)

    confirmed = school.instructor.post(f"/reschedule/{request['id']}/confirm")

    assert confirmed.status_code == 409 and confirmed.json()["rule"] == "SLOT_WEATHER", confirmed.text
    _assert_judged_on_the_forecast(confirmed.json()["conflict"]["options"])
    with session_scope(api_server.engine) as db:
        assert db.get(Flight, flight_id).status is FlightStatus.WEATHER_CANCELLED
        assert db.scalars(select(Flight).where(Flight.rescheduled_from_id == flight_id)).all() == []


def test_the_students_pick_inside_a_storm_forecast_since_says_so(api_server, signed_in_school,
                                                                 weather) -> None:
    _forecast(weather, storm=None)
    school = signed_in_school()
    flight_id = _cancelled_inside_the_storm(api_server, school)
    assert school.dispatcher.post("/reschedule", json={"flightId": str(flight_id)}).status_code == 201
    with session_scope(api_server.engine) as db:
        bodies = db.scalars(select(Notification.body_text).where(
            Notification.flight_id == flight_id, Notification.kind == "weather_cancellation")).all()
    token = {match for body in bodies for match in TOKEN.findall(body)}.pop()
    _forecast(weather, storm=STORM)

    with api_server.client() as anonymous:
        page = anonymous.post(f"/r/{token}", data={"option": "1"})

    assert page.status_code == 409 and "weather turned" in page.text, page.text
