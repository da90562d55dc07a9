"""A weather check's reasons over real HTTP, on SQLite and PostgreSQL: each with its value and limit
(``measure``) and its report (``source``) — from /weather/check, from the replication pull the
desktop reads, and documented in /openapi.json."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from sync.database.session import session_scope
from sync.flights.models import Flight, FlightType, WeatherCheck
from sync.flights.schemas import WeatherCheckRead
from sync.weather.check import check_json
from tests.support.fake_aviationweather import fake_weather_server  # noqa: F401
from tests.sync.api.booking import NOW, iso, with_fleet


@pytest.fixture
def school(signed_in_school, api_server):
    return with_fleet(signed_in_school(), api_server)


def book(api_server, school, *, start) -> str:
    with session_scope(api_server.engine) as db:
        flight = Flight(school_id=school.school_id, student_id=school.student_id,
                        instructor_id=school.instructor_id, aircraft_id=school.aircraft_id,
                        start_at=start, end_at=start + timedelta(hours=1),
                        departure="KAUS", flight_type=FlightType.DUAL)
        db.add(flight)
        db.flush()
        return str(flight.id)


def test_the_check_gives_each_reasons_value_limit_and_report(school, api_server,
                                                              fake_weather_server,  # noqa: F811
                                                              monkeypatch):
    observed = (NOW - timedelta(minutes=10)).replace(second=0)
    storm = f"KAUS {observed:%d%H%M}Z 18015G25KT 3SM +TSRA BKN008CB OVC030 25/22 A2990"
    # A TAF for a lesson later today: a ceiling breached in a TEMPO.
    issued = NOW - timedelta(hours=1)
    valid_from, valid_to = NOW.replace(minute=0), NOW.replace(minute=0) + timedelta(hours=24)
    tempo_from, tempo_to = valid_from + timedelta(hours=3), valid_from + timedelta(hours=6)
    taf = (f"TAF KAUS {issued:%d%H%M}Z {valid_from:%d%H}/{valid_to:%d%H} 18005KT P6SM SKC "
           f"TEMPO {tempo_from:%d%H}/{tempo_to:%d%H} 5SM BKN006")
    fake_weather_server.set_metars({"KAUS": [storm]})
    fake_weather_server.set_tafs({"KAUS": [taf]})
    monkeypatch.setenv("FSP_WEATHER_URL", fake_weather_server.url)
    monkeypatch.delenv("FSP_WEATHER_RECORDED", raising=False)

    soon = book(api_server, school, start=NOW + timedelta(minutes=15))
    body = school.dispatcher.post("/weather/check", json={"flightId": soon})
    assert body.status_code == 200, body.text
    reasons = {reason["code"]: reason for reason in body.json()["reasons"]}
    ceiling = reasons["CEILING"]
    assert ceiling["text"] == "Ceiling 800 ft is below the 1000 ft minimum for a private pilot"
    assert ceiling["station"] == "KAUS"
    assert {key: ceiling["measure"][key] for key in ("value", "limit", "unit", "bound")} == {
        "value": 800, "limit": 1000, "unit": "ft", "bound": "MINIMUM"}
    assert ceiling["source"] == {"product": "METAR", "observed_at": iso(observed), "kind": None,
                                 "label": None, "from": None, "to": None, "chance": None}
    wind = reasons["WIND"]["measure"]
    assert (wind["value"], wind["limit"], wind["wind_speed_kt"], wind["wind_gust_kt"]) == (25, 15, 15, 25)
    storm_reason = next(r for r in body.json()["reasons"] if r["code"] == "THUNDERSTORM")
    assert storm_reason["measure"]["codes"] == ["+TSRA"]
    assert storm_reason["measure"]["limit_text"] == "none allowed"

    later = book(api_server, school, start=tempo_from + timedelta(hours=1))
    body = school.dispatcher.post("/weather/check", json={"flightId": later})
    assert body.status_code == 200, body.text
    (ceiling,) = [r for r in body.json()["reasons"] if r["code"] == "CEILING"]
    assert ceiling["effect"] == "NO_GO"
    assert ceiling["finding"] == "Ceiling 600 ft is below the 1000 ft minimum for a private pilot"
    assert ceiling["text"] == f"{ceiling['source']['label']} {tempo_from:%d %H:%M}–{tempo_to:%d %H:%M}Z: " \
                              + ceiling["finding"]
    assert ceiling["measure"]["value"] == 600 and ceiling["measure"]["limit"] == 1000
    assert ceiling["source"] == {"product": "TAF", "observed_at": None, "kind": "TEMPO",
                                 "label": "TEMPO", "from": iso(tempo_from), "to": iso(tempo_to),
                                 "chance": None}

    # The desktop's copy (the replication pull) carries the same, as stored.
    pulled = school.dispatcher.get("/sync/pull", params={"cursor": 0, "limit": 500})
    assert pulled.status_code == 200, pulled.text
    checks = [change["data"] for change in pulled.json()["changes"]
              if change["table"] == "weather_checks" and change["data"]["flight_id"] == later]
    (stored_ceiling,) = [r for r in checks[0]["reasons"] if r["code"] == "CEILING"]
    assert stored_ceiling["measure"] == ceiling["measure"]
    assert stored_ceiling["source"] == ceiling["source"]


def test_a_check_stored_before_reasons_had_data_is_still_served(school, api_server):
    flight_id = book(api_server, school, start=NOW + timedelta(hours=2))
    old = {"code": "CEILING", "effect": "NO_GO", "station": "KAUS",
           "text": "Ceiling 800 ft is below the 1000 ft minimum for a private pilot"}
    with session_scope(api_server.engine) as db:
        check = WeatherCheck(school_id=school.school_id, flight_id=uuid.UUID(flight_id), checked_at=NOW,
                             verdict="NO_GO", reasons=[old])
        db.add(check)
        db.flush()
        read = WeatherCheckRead.model_validate(check_json(check))
    assert read.reasons[0].text == old["text"]
    assert (read.reasons[0].measure, read.reasons[0].source) == (None, None)
    # The desktop's copy is the row as stored: the sentence only, which it still reads.
    pulled = school.dispatcher.get("/sync/pull", params={"cursor": 0, "limit": 500}).json()
    (check,) = [change["data"] for change in pulled["changes"]
                if change["table"] == "weather_checks" and change["data"]["flight_id"] == flight_id]
    assert check["reasons"] == [old]


def test_openapi_documents_the_reason_data(api_server):
    schemas = api_server.app.openapi()["components"]["schemas"]
    reason = next(schema for name, schema in schemas.items() if name.startswith("WeatherReasonRead"))
    assert {"measure", "source"} <= set(reason["properties"])
    measure = next(schema for name, schema in schemas.items() if name.startswith("ReasonMeasureRead"))
    assert {"value", "limit", "unit", "bound", "value_text", "limit_text", "codes",
            "wind_speed_kt", "wind_gust_kt"} <= set(measure["properties"])
    assert "SM" in str(measure["properties"]["unit"])
    source = next(schema for name, schema in schemas.items() if name.startswith("ReasonSourceRead"))
    assert {"product", "observed_at", "kind", "label", "from", "to", "chance"} <= set(source["properties"])
