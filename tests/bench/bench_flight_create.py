"""Booking one lesson, with all its checks, in a school that already has 5,000 (goal: ≤ 20 ms).

The school: 40 students, 8 instructors, 6 aircraft, 5,000 lessons spread over a year. One round
books a lesson (rules, overlap checks, audit row, commit) on a fresh slot, in its own transaction.
Runs on SQLite and, with FSP_TEST_DATABASE_URL, PostgreSQL:

    FSP_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
    .venv/bin/python -m pytest tests/bench/bench_flight_create.py -o python_files='bench_*.py' -s
"""

from __future__ import annotations

import itertools
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from sync.database.session import session_scope
from sync.flights import service as flights_service
from sync.flights.models import Flight, FlightType
from sync.flights.schemas import FlightCreate
from sync.schools.models import School
from tests.sync.conftest import database_factory, database_kind, database_url, engine  # noqa: F401
from tests.sync.factories import make_aircraft, make_instructor, make_school, make_student

LESSONS = 5000
GOAL_SECONDS = 0.020
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def test_create_a_lesson_in_a_school_of_5000(engine: Engine, database_kind: str,  # noqa: F811
                                              benchmark: Any) -> None:
    with session_scope(engine) as db:
        school = make_school(db)
        students = [make_student(db, school) for _ in range(40)]
        instructors = [make_instructor(db, school) for _ in range(8)]
        aircraft = [make_aircraft(db, school) for _ in range(6)]
        # Six lessons a slot (one per aircraft), slots of two hours: no lesson clashes.
        for n in range(LESSONS):
            slot, lane = divmod(n, 6)
            start = NOW + timedelta(days=1, hours=2 * slot)
            db.add(Flight(school_id=school.id, student_id=students[(slot * 6 + lane) % 40].id,
                          instructor_id=instructors[(slot + lane) % 8].id, aircraft_id=aircraft[lane].id,
                          start_at=start, end_at=start + timedelta(hours=2), departure="KAUS",
                          flight_type=FlightType.DUAL))
        ids = (school.id, [s.id for s in students], [i.id for i in instructors], [a.id for a in aircraft])

    school_id, student_ids, instructor_ids, aircraft_ids = ids
    # New lessons at odd hours in the middle of the calendar, on a seventh aircraft-free lane:
    # each round checks against a busy neighbourhood without clashing.
    slots = itertools.count()
    timings: list[float] = []
    with session_scope(engine) as db:
        extra = make_aircraft(db, db.get(School, school_id))
        extra_id = extra.id

    def book() -> None:
        n = next(slots)
        start = NOW + timedelta(days=200, hours=2 * n + 1)
        data = FlightCreate(student_id=student_ids[n % 40], instructor_id=None, aircraft_id=extra_id,
                            start_at=start, end_at=start + timedelta(minutes=30), departure="KAUS",
                            flight_type=FlightType.SOLO)
        started = time.perf_counter()
        with session_scope(engine) as db:
            flights_service.create(db=db, actor="bench", school_id=school_id, data=data, now=NOW)
        timings.append(time.perf_counter() - started)

    for _ in range(20):  # warm up
        book()
    timings.clear()
    benchmark.pedantic(book, rounds=200, iterations=1)
    median = statistics.median(timings)
    print(f"\n{database_kind}: create a lesson among {LESSONS}: median {median * 1000:.2f} ms, "
          f"p95 {sorted(timings)[int(len(timings) * 0.95)] * 1000:.2f} ms")
    assert median <= GOAL_SECONDS



# -- with the school's booking policy ----------------------------------------------------------

LANES = 8  # instructors, aircraft and students of their own for the new lessons, one a day each
CLEAR_TAF = ("TAF KAUS {issued:%d%H%M}Z {start:%d%H}/{end:%d%H} 18008KT P6SM SCT250 "
             "FM{tempo:%d%H%M} 20012KT P6SM BKN040 TEMPO {tempo:%d%H}/{tempo_end:%d%H} 4SM -SHRA BKN025")


def test_create_a_lesson_with_every_rule_in_a_school_of_5000(engine: Engine, database_kind: str,  # noqa: F811
                                                              benchmark: Any) -> None:
    """The REST path of a booking with the school's policy: its rules read from the school, the
    forecast from the in-process cache (warm: a dispatcher books from one airport), and every
    soft rule judged — hours, both availabilities, daylight, the forecast, 61.195(a) and the weekly
    limit, the turnaround, the student's day and week — on top of the hard ones."""
    from sync.policy import forecast
    from sync.policy import service as policy_service
    from sync.policy.models import BookingPolicy
    from sync.weather.station_weather import StationWeather
    from sync.weather.taf_decoder import decode_taf

    with session_scope(engine) as db:
        school = make_school(db)
        # Every rule on, with numbers that make each do its work.
        school.booking_policy = BookingPolicy.from_stored(
            {"turnaround_minutes": 15, "student_lessons_per_week": 10}).stored()
        students = [make_student(db, school) for _ in range(40)]
        instructors = [make_instructor(db, school) for _ in range(8)]
        aircraft = [make_aircraft(db, school) for _ in range(6)]
        for n in range(LESSONS):
            slot, lane = divmod(n, 6)
            start = NOW + timedelta(days=1, hours=2 * slot)
            db.add(Flight(school_id=school.id, student_id=students[(slot * 6 + lane) % 40].id,
                          instructor_id=instructors[(slot + lane) % 8].id, aircraft_id=aircraft[lane].id,
                          start_at=start, end_at=start + timedelta(hours=2), departure="KAUS",
                          flight_type=FlightType.DUAL))
        window = [{"weekday": day, "start": "08:00", "end": "17:00"} for day in range(1, 8)]
        lanes = [(make_student(db, school, availability=window).id,
                  make_instructor(db, school, availability=window).id,
                  make_aircraft(db, school).id) for _ in range(LANES)]
        school_id = school.id

    issued = NOW - timedelta(minutes=40)
    raw = CLEAR_TAF.format(issued=issued, start=NOW, end=NOW + timedelta(hours=30),
                           tempo=NOW + timedelta(hours=6), tempo_end=NOW + timedelta(hours=9))
    forecast.CACHE.clear()
    forecast.CACHE.put(forecast.source_identity(),
                       [StationWeather("KAUS", taf=decode_taf(raw, reference=NOW), taf_raw=raw)])

    slots = itertools.count()
    timings: list[float] = []
    refused: list[str] = []

    def book() -> None:
        n = next(slots)
        day, lane = divmod(n, LANES)
        student_id, instructor_id, aircraft_id = lanes[lane]
        # 10:00 in Chicago (16:00 UTC in winter): open, available, daylight; a day apart, after
        # the calendar's 5,000 as above (the hard rules' own cost as in the test above).
        start = NOW + timedelta(days=200 + day, hours=16)
        data = FlightCreate(student_id=student_id, instructor_id=instructor_id, aircraft_id=aircraft_id,
                            start_at=start, end_at=start + timedelta(hours=1), departure="KAUS",
                            flight_type=FlightType.DUAL)
        started = time.perf_counter()
        with session_scope(engine) as db:
            rules = policy_service.prepare(db=db, school_id=school_id, places=["KAUS"], now=NOW,
                                           release=lambda: refused.append("fetched: not cached"))
            flight = flights_service.create(db=db, actor="bench", school_id=school_id, data=data,
                                            now=NOW, policy=rules)
            if flight.acknowledged_warnings:
                refused.append(str(flight.acknowledged_warnings))
        timings.append(time.perf_counter() - started)

    for _ in range(20):  # warm up
        book()
    timings.clear()
    benchmark.pedantic(book, rounds=200, iterations=1)
    assert refused == [], refused[:3]  # every lesson passed every rule, its weather from the cache
    median = statistics.median(timings)
    p95 = sorted(timings)[int(len(timings) * 0.95)]
    print(f"\n{database_kind}: create a lesson with every rule among {LESSONS}: median "
          f"{median * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms")
    # As above: the median is asserted, the p95 reported (on a shared machine it is the
    # neighbours' load as much as ours; docs/benchmarks.md has the figures).
    assert median <= GOAL_SECONDS
