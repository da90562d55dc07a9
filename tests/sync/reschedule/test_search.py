"""The candidate search: every slot it offers is feasible, and the preferences order them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from sync.flights.models import FlightStatus, FlightType
from sync.reschedule import search
from sync.reschedule import service as reschedule_service
from sync.weather.station_weather import StationWeather
from sync.weather.taf_decoder import decode_taf
from sync.weather.verdicts import Verdict
from tests.sync.factories import (
    make_aircraft,
    make_flight,
    make_instructor,
    make_school,
    make_student,
)
from tests.sync.reschedule.busy_school import build_busy_school
from tests.sync.reschedule.rules import broken_rules

# No reports at all: every slot is judged UNKNOWN ("weather unknown"), never GO.
NO_WEATHER: dict = {}

# A Wednesday afternoon in Austin (UTC-6); lessons below start on the Thursday morning.
NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
THURSDAY_9AM = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def _cancelled(db: Session, school, **fields):
    flight = make_flight(db, school, start_at=fields.pop("start_at", THURSDAY_9AM), **fields)
    flight.status = FlightStatus.WEATHER_CANCELLED
    db.flush()
    return flight


def _overlap(a, b) -> bool:
    return a.start < b.end and b.start < a.end


def test_every_option_in_a_busy_school_satisfies_every_rule(db_session: Session) -> None:
    # Eight instructors: about 26 hours a week each, within the default limits of the policy
    # (61.195(a), 40 h a week), so the rules choose among them rather than rule them all out.
    school = build_busy_school(db_session, now=NOW, lessons=150, instructors=8)
    checked = 0
    for lesson in school.lessons[:25]:
        if lesson.start_at <= NOW:
            continue
        lesson.status = FlightStatus.WEATHER_CANCELLED
        db_session.flush()
        found = search.find_candidates(db=db_session, flight=lesson, now=NOW, weather=NO_WEATHER)
        for candidate in found.candidates:
            assert broken_rules(db_session, lesson, candidate.start, candidate.end,
                                candidate.instructor_id, candidate.aircraft_id, now=NOW) == []
            checked += 1
        for a in found.candidates:  # the options of one request are real alternatives
            assert not any(_overlap(a, b) for b in found.candidates if b is not a)
        assert found.candidates == sorted(found.candidates, key=lambda c: -c.score) or \
            [round(c.score, 6) for c in found.candidates] == sorted(
                (round(c.score, 6) for c in found.candidates), reverse=True)
        lesson.status = FlightStatus.SCHEDULED
        db_session.flush()
    assert checked > 40  # the school is busy, not full


def test_the_same_instructor_and_aircraft_come_first(db_session: Session) -> None:
    school = make_school(db_session)
    for _ in range(3):
        make_instructor(db_session, school)
        make_aircraft(db_session, school)
    flight = _cancelled(db_session, school)
    found = search.find_candidates(db=db_session, flight=flight, now=NOW, weather=NO_WEATHER)
    assert len(found.candidates) == 10 and found.reason is None
    assert all(c.instructor_id == flight.instructor_id and c.aircraft_id == flight.aircraft_id
               for c in found.candidates)
    assert "the same instructor" in found.candidates[0].justification

    # The original instructor busy all Friday: Friday's slots go to another qualified one.
    friday = THURSDAY_9AM + timedelta(days=1)
    make_flight(db_session, school, instructor_id=flight.instructor_id, start_at=friday - timedelta(hours=2),
                end_at=friday + timedelta(hours=10))
    found = search.find_candidates(db=db_session, flight=flight, now=NOW, pool=40, weather=NO_WEATHER)
    on_friday = [c for c in found.candidates if c.start.date() == friday.date()]
    assert on_friday and all(c.instructor_id != flight.instructor_id for c in on_friday)
    assert all(c.aircraft_id == flight.aircraft_id for c in on_friday)


def test_fewer_options_only_when_fewer_slots_exist(db_session: Session) -> None:
    # Open two hours on Mondays only: one two-hour slot a week.
    school = make_school(db_session, operating_hours=[{"weekday": 1, "open": "09:00", "close": "11:00"}])
    flight = _cancelled(db_session, school)
    found = search.find_candidates(db=db_session, flight=flight, now=NOW, weather=NO_WEATHER)
    assert [c.start for c in found.candidates] == [datetime(2026, 11, 30, 15, 0, tzinfo=UTC)]
    assert found.reason and "only 1 feasible slot" in found.reason
    # The student busy then: none at all, and the reason says so.
    make_flight(db_session, school, student_id=flight.student_id,
                start_at=datetime(2026, 11, 30, 14, 0, tzinfo=UTC))
    found = search.find_candidates(db=db_session, flight=flight, now=NOW, weather=NO_WEATHER)
    assert found.candidates == [] and "only 0 feasible slots" in found.reason


def test_a_student_without_night_training_flies_in_daylight(db_session: Session) -> None:
    school = make_school(db_session, operating_hours=[
        {"weekday": day, "open": "00:00", "close": "23:59"} for day in range(1, 8)])
    day_only = _cancelled(db_session, school, student_id=make_student(db_session, school).id)
    night = _cancelled(db_session, school, student_id=make_student(db_session, school, night_trained=True).id)
    day_found = search.find_candidates(db=db_session, flight=day_only, now=NOW, pool=60, weather=NO_WEATHER)
    night_found = search.find_candidates(db=db_session, flight=night, now=NOW, pool=60, weather=NO_WEATHER)
    for candidate in day_found.candidates:
        assert "night" not in broken_rules(db_session, day_only, candidate.start, candidate.end,
                                           candidate.instructor_id, candidate.aircraft_id, now=NOW)
    dark = [c for c in night_found.candidates
            if "night" in broken_rules(db_session, day_only, c.start, c.end, c.instructor_id,
                                       c.aircraft_id, now=NOW)]
    assert dark, "a night-trained student may be offered slots after dusk"


def test_a_no_go_forecast_excludes_the_slot(db_session: Session) -> None:
    school = make_school(db_session)
    flight = _cancelled(db_session, school)
    # Thunderstorms from 15Z to the end of the TAF (18Z) on the 26th; fine before.
    taf = ("TAF KAUS 251120Z 2512/2618 18008KT P6SM SCT050 "
           "FM261700 20015G30KT 3SM TSRA BKN020CB")
    weather = {"KAUS": StationWeather("KAUS", taf=decode_taf(taf, reference=NOW), taf_raw=taf)}
    blind = search.find_candidates(db=db_session, flight=flight, now=NOW, weather=NO_WEATHER)
    storm = (datetime(2026, 11, 26, 17, 0, tzinfo=UTC), datetime(2026, 11, 26, 18, 0, tzinfo=UTC))
    assert any(c.start < storm[1] and storm[0] < c.end for c in blind.candidates)
    judged = search.find_candidates(db=db_session, flight=flight, now=NOW, weather=weather)
    assert judged.candidates
    assert not any(c.start < storm[1] and storm[0] < c.end for c in judged.candidates)
    for candidate in judged.candidates:
        verdict = candidate.expected_weather["verdict"]
        if candidate.end <= storm[0]:
            assert verdict == Verdict.GO.value
        elif candidate.start >= datetime(2026, 11, 26, 18, 0, tzinfo=UTC):
            assert verdict is None and candidate.expected_weather["summary"] == search.NO_FORECAST


def test_slots_offered_to_another_open_request_are_avoided(db_session: Session) -> None:
    school = make_school(db_session)
    instructor, aircraft = make_instructor(db_session, school), make_aircraft(db_session, school)
    first = _cancelled(db_session, school, instructor_id=instructor.id, aircraft_id=aircraft.id)
    second = _cancelled(db_session, school, instructor_id=instructor.id, aircraft_id=aircraft.id)
    request = reschedule_service.open_request(db=db_session, flight=first, now=NOW, ai_config=None, weather=NO_WEATHER)
    assert len(request.options) == 3
    found = search.find_candidates(db=db_session, flight=second, now=NOW, weather=NO_WEATHER)
    assert len(found.candidates) >= 3
    for candidate in found.candidates[:3]:
        assert not any(candidate.start < o.end_at and o.start_at < candidate.end for o in request.options)
        assert not candidate.soft_conflict


def test_a_solo_needs_no_instructor_and_dst_moves_nothing(db_session: Session) -> None:
    # Around the March change (8 March 2026 in the US): school hours stay on local clocks.
    school = make_school(db_session)
    now = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)
    flight = _cancelled(db_session, school, flight_type=FlightType.SOLO, instructor_id=None,
                        start_at=datetime(2026, 3, 7, 15, 0, tzinfo=UTC))
    found = search.find_candidates(db=db_session, flight=flight, now=now, pool=100, weather=NO_WEATHER)
    assert found.candidates and all(c.instructor_id is None for c in found.candidates)
    for candidate in found.candidates:
        assert broken_rules(db_session, flight, candidate.start, candidate.end, None,
                            candidate.aircraft_id, now=now) == []
    local_hours = {c.start.astimezone(search.ZoneInfo("America/Chicago")).hour for c in found.candidates}
    assert min(local_hours) >= 7


def test_the_search_is_deterministic(db_session: Session) -> None:
    school = build_busy_school(db_session, now=NOW, lessons=200, seed=3)
    lesson = next(f for f in school.lessons if f.start_at > NOW + timedelta(days=1))
    lesson.status = FlightStatus.WEATHER_CANCELLED
    db_session.flush()
    first = search.find_candidates(db=db_session, flight=lesson, now=NOW, weather=NO_WEATHER)
    second = search.find_candidates(db=db_session, flight=lesson, now=NOW, weather=NO_WEATHER)
    assert [c.as_json() for c in first.candidates] == [c.as_json() for c in second.candidates]


@pytest.mark.parametrize("flight_type", [FlightType.INSTRUMENT])
def test_an_instrument_lesson_gets_a_cfii(db_session: Session, flight_type: FlightType) -> None:
    school = make_school(db_session)
    cfii = make_instructor(db_session, school, ratings=["CFI", "CFII"])
    make_instructor(db_session, school, ratings=["CFI"])
    flight = _cancelled(db_session, school, flight_type=flight_type, instructor_id=cfii.id)
    make_flight(db_session, school, instructor_id=cfii.id, start_at=NOW + timedelta(hours=12),
                end_at=NOW + timedelta(days=8))  # the CFII is away all week
    found = search.find_candidates(db=db_session, flight=flight, now=NOW, weather=NO_WEATHER)
    assert found.candidates == [] and found.reason


def test_a_booking_of_any_length_blocks_every_slot_it_covers(db_session: Session) -> None:
    """A week-long booking of the only aircraft (a ferry flight, say, booked before lessons had a
    length limit) starting well before the search's window: no option may fall inside it."""
    school = make_school(db_session, max_lesson_hours=12)
    flight = _cancelled(db_session, school)
    away_from = NOW - timedelta(days=3)
    away_until = NOW + timedelta(days=4)
    make_flight(db_session, school, aircraft_id=flight.aircraft_id, start_at=away_from,
                end_at=away_until)

    found = search.find_candidates(db=db_session, flight=flight, now=NOW, weather=NO_WEATHER, pool=40)

    assert found.candidates, "slots after the long booking should still be offered"
    for candidate in found.candidates:
        assert candidate.start >= away_until, f"offered {candidate.start} inside the week-long booking"
