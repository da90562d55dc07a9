"""The weather check of one lesson, against a local aviationweather.gov over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from sync.errors import NotFound
from sync.flights.models import FlightStatus, FlightType, WeatherCheck
from sync.weather.check import check_flight, check_json, lesson_places, weather_source_from_settings
from sync.weather.minimums import TrainingLevel
from sync.weather.sources import AviationWeatherClient, RecordedWeatherSource
from tests.support.fake_aviationweather import FakeAviationWeather, fake_weather_server  # noqa: F401
from tests.sync.factories import make_flight, make_school, make_student

NOW = datetime.now(UTC).replace(second=0, microsecond=0)


def metar(station: str, body: str, *, at: datetime = NOW - timedelta(minutes=10)) -> str:
    return f"{station} {at:%d%H%M}Z {body}"


STORM = "18015G25KT 3SM +TSRA BKN015CB OVC030 25/22 A2990"
FINE = "18005KT 10SM FEW250 25/12 A3001"


@pytest.fixture
def school(db_session):
    return make_school(db_session)


@pytest.fixture
def lesson(db_session, school):
    student = make_student(db_session, school, training_level=TrainingLevel.PRIVATE_PILOT,
                           night_trained=True)
    # Within the hour: the latest METAR governs.
    return make_flight(db_session, school, student_id=student.id, start_at=NOW + timedelta(minutes=20),
                       end_at=NOW + timedelta(minutes=80), destination="KSAT",
                       route_points=["KHYI"], flight_type=FlightType.CROSS_COUNTRY)


def client_for(url: str) -> AviationWeatherClient:
    return AviationWeatherClient(base_url=url, max_retries=0, timeout=2, sleep=lambda _: None)


def test_a_storm_on_the_route_is_no_go_stored_with_its_reasons(db_session, school, lesson,
                                                               fake_weather_server):  # noqa: F811
    fake_weather_server.set_metars({
        "KAUS": [metar("KAUS", FINE)],
        "KHYI": [metar("KHYI", STORM)],
        "KSAT": [metar("KSAT", FINE)],
    })
    with client_for(fake_weather_server.url) as source:
        check = check_flight(db=db_session, school_id=school.id, flight_id=lesson.id, source=source,
                             now=NOW)

    stored = db_session.scalars(select(WeatherCheck).where(WeatherCheck.flight_id == lesson.id)).one()
    assert stored.id == check.id and stored.verdict == "NO_GO"
    assert stored.reasons[0]["code"] == "THUNDERSTORM"
    assert stored.reasons[0]["station"] == "KHYI"
    assert stored.reasons[0]["text"].startswith("KHYI: ")
    assert {"station": "KHYI", "product": "METAR", "raw": metar("KHYI", STORM)} in stored.reports
    assert stored.minimums["visibility_sm"] == 3 and stored.minimums["aircraft_crosswind_kt"] == 15
    # One request per product for all three places.
    assert [request.ids for request in fake_weather_server.requests_for("metar")] == [
        ("KAUS", "KHYI", "KSAT")]

    shown = check_json(stored)
    assert [place["station"] for place in shown["places"]] == ["KAUS", "KHYI", "KSAT"]
    assert shown["places"][1]["verdict"] == "NO_GO"
    assert shown["places"][1]["observed"]["thunderstorm"] is True
    # The lesson's status is the sweep's business, not the check's.
    assert lesson.status is FlightStatus.SCHEDULED


def test_fine_weather_everywhere_is_go(db_session, school, lesson, fake_weather_server):  # noqa: F811
    fake_weather_server.set_metars({code: [metar(code, FINE)] for code in ("KAUS", "KHYI", "KSAT")})
    with client_for(fake_weather_server.url) as source:
        check = check_flight(db=db_session, school_id=school.id, flight_id=lesson.id, source=source,
                             now=NOW)
    assert check.verdict == "GO", check.reasons


def test_an_unreachable_server_is_unknown_with_the_reason(db_session, school, lesson):
    with FakeAviationWeather() as server:
        url = server.url  # stopped on leaving: nothing listens there any more
    with client_for(url) as source:
        check = check_flight(db=db_session, school_id=school.id, flight_id=lesson.id, source=source,
                             now=NOW)

    stored = db_session.get(WeatherCheck, check.id)
    assert stored.verdict == "UNKNOWN"
    assert stored.reasons and all(reason["effect"] in ("UNKNOWN", "MARGINAL") for reason in stored.reasons)
    assert any("could not be reached" in report["raw"] for report in stored.reports)


def test_the_students_personal_minimums_tighten_the_check(db_session, school, fake_weather_server):  # noqa: F811
    student = make_student(db_session, school, night_trained=True,
                           personal_minimums={"visibility_sm": 10, "ceiling_ft": 0, "max_wind_kt": 99})
    flight = make_flight(db_session, school, student_id=student.id,
                         start_at=NOW + timedelta(minutes=20), end_at=NOW + timedelta(minutes=80))
    fake_weather_server.set_metars({"KAUS": [metar("KAUS", "18005KT 6SM FEW250 25/12 A3001")]})
    with client_for(fake_weather_server.url) as source:
        check = check_flight(db=db_session, school_id=school.id, flight_id=flight.id, source=source,
                             now=NOW)

    assert check.verdict == "NO_GO"
    assert check.minimums["visibility_sm"] == 10
    assert any(reason["code"] == "VISIBILITY" for reason in check.reasons)


def test_another_schools_lesson_is_not_found(db_session, school):
    foreign = make_flight(db_session, make_school(db_session))
    with pytest.raises(NotFound):
        check_flight(db=db_session, school_id=school.id, flight_id=foreign.id,
                     source=RecordedWeatherSource("/nonexistent"), now=NOW)


def test_places_are_departure_route_then_destination(db_session, school):
    flight = make_flight(db_session, school, departure="KAUS", destination="KSAT",
                         route_points=["khyi", {"lat": 30.0, "lon": -97.9}, "KAUS"])
    assert lesson_places(flight) == ["KAUS", "KHYI", "KSAT"]


def test_the_source_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FSP_WEATHER_RECORDED", str(tmp_path))
    source = weather_source_from_settings()
    assert isinstance(source, RecordedWeatherSource) and source.directory == tmp_path
    monkeypatch.delenv("FSP_WEATHER_RECORDED")
    monkeypatch.setenv("FSP_WEATHER_URL", "http://127.0.0.1:9")
    assert isinstance(weather_source_from_settings(), AviationWeatherClient)
