"""One sweep over 10,000 lessons at 300 stations (goal: ≤ 10 s, ≤ 2 requests per product per
400 stations), weather from the local aviationweather.gov stand-in over real HTTP.

Three schools; 400 students (one in ten an early student; all night-trained, as the lessons are spread over day and night), 60 instructors, 90 aircraft; lessons of 1–2 hours spread over the
next 47 hours, one in ten a cross-country to another station. The weather is clear everywhere but
at three stations, where a TEMPO thunderstorm in two periods cancels the lessons it hits inside the
decision window (each one: request, options, mails) and marks later ones AT_RISK; lessons past the
TAF are UNKNOWN. Every lesson is committed in its own transaction, as in production. Runs on
SQLite and, with FSP_TEST_DATABASE_URL, PostgreSQL:

    FSP_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
    .venv/bin/python -m pytest tests/bench/bench_sweep.py -o python_files='bench_*.py' -s -p no:randomly
"""

from __future__ import annotations

import math
import random
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, func, select

from sync.aircraft.models import Aircraft
from sync.database.session import make_sessionmaker, session_scope
from sync.flights.models import Flight, FlightStatus, FlightType
from sync.people.models import Instructor, InstructorRating, Student
from sync.reschedule.models import RescheduleRequest
from sync.schools.models import School
from sync.sweep.service import run_sweep
from sync.weather.minimums import TrainingLevel
from sync.weather.sources import AviationWeatherClient
from sync.weather.stations import is_known_station
from tests.support.fake_aviationweather import FakeAviationWeather
from tests.sync.conftest import database_factory, database_kind, database_url, engine  # noqa: F401
from tests.sync.sweep.storm import NOW, metar, taf

LESSONS = 10_000
STATIONS = 300
STORMY_STATIONS = 3
GOAL_SECONDS = 10.0
GOAL_REQUESTS_PER_400 = 2


def station_codes(count: int) -> list[str]:
    import avwx.station

    known = [code for code in avwx.station.station_list(reporting=True)
             if code.startswith("K") and len(code) == 4 and is_known_station(code)]
    return known[:count]


def seed(engine: Engine, stations: list[str]) -> None:
    rng = random.Random(10_000)
    # One student in ten is early (10 SM minimums: a P6SM TAF is NO_GO for them everywhere).
    levels = [TrainingLevel.EARLY_STUDENT] + [TrainingLevel.PRIVATE_PILOT] * 5 + [
        TrainingLevel.INSTRUMENT_RATED] * 4
    with session_scope(engine) as db:
        schools = [School(name=f"Bench school {n}", home_airport=stations[n], timezone="America/Chicago")
                   for n in range(3)]
        db.add_all(schools)
        db.flush()
        students = [Student(school_id=schools[n % 3].id, name=f"Student {n}", email=f"s{n}@example.com",
                            training_level=levels[n % 10], night_trained=True)
                    for n in range(400)]
        instructors = [Instructor(school_id=schools[n % 3].id, name=f"CFI {n}", email=f"i{n}@example.com",
                                  ratings=[InstructorRating.CFI.value, InstructorRating.CFII.value])
                       for n in range(60)]
        aircraft = [Aircraft(school_id=schools[n % 3].id, tail_number=f"N{n:04d}B", model="C172S",
                             home_airport=stations[n % 3], max_crosswind_kt=15) for n in range(90)]
        db.add_all(students + instructors + aircraft)
        db.flush()
        by_school = {school.id: ([s for s in students if s.school_id == school.id],
                                 [i for i in instructors if i.school_id == school.id],
                                 [a for a in aircraft if a.school_id == school.id]) for school in schools}
        flights = []
        for n in range(LESSONS):
            school = schools[n % 3]
            school_students, school_instructors, school_aircraft = by_school[school.id]
            start = NOW + timedelta(minutes=rng.randrange(60, 47 * 60, 15))
            cross_country = n % 10 == 0
            flights.append(Flight(
                school_id=school.id, student_id=rng.choice(school_students).id,
                instructor_id=rng.choice(school_instructors).id,
                aircraft_id=rng.choice(school_aircraft).id, start_at=start,
                end_at=start + timedelta(hours=rng.choice((1, 2))), departure=stations[n % STATIONS],
                destination=stations[(n * 7 + 1) % STATIONS] if cross_country else None,
                flight_type=FlightType.CROSS_COUNTRY if cross_country else FlightType.DUAL,
            ))
        db.add_all(flights)


def test_sweep_of_ten_thousand_lessons(engine: Engine, database_kind: str,  # noqa: F811
                                       benchmark: Any) -> None:
    stations = station_codes(STATIONS)
    assert len(stations) == STATIONS
    seed(engine, stations)
    stormy = set(stations[::STATIONS // STORMY_STATIONS][:STORMY_STATIONS])
    with FakeAviationWeather() as server:
        server.set_metars({code: [metar(code, NOW)] for code in stations})
        server.set_tafs({code: [taf(code, NOW, storms=((10, 13), (30, 33)) if code in stormy else ())]
                         for code in stations})
        with AviationWeatherClient(base_url=server.url, max_retries=0) as source:

            def sweep() -> tuple[Any, float]:
                started = time.perf_counter()
                run = run_sweep(session_factory=make_sessionmaker(engine), source=source, now=NOW)
                return run, time.perf_counter() - started

            run, seconds = benchmark.pedantic(sweep, rounds=1, iterations=1)
        requests = {product: len(server.requests_for(product)) for product in ("metar", "taf")}

    with session_scope(engine, read_only=True) as db:
        cancelled = db.scalar(select(func.count()).select_from(Flight)
                              .where(Flight.status == FlightStatus.WEATHER_CANCELLED))
        opened = db.scalar(select(func.count()).select_from(RescheduleRequest))
    print(f"\n[{database_kind}] {run.counts['lessons']} lessons at {run.counts['stations']} stations "
          f"in {seconds:.2f} s ({run.counts['lessons'] / seconds:.0f} lessons/s); "
          f"requests {requests}; verdicts {run.counts['verdicts']}; actions {run.counts['actions']}; "
          f"errors {len(run.errors)}; requests opened {opened}")
    allowed = GOAL_REQUESTS_PER_400 * math.ceil(STATIONS / 400)
    assert run.counts["lessons"] == LESSONS and run.errors == []
    assert cancelled == opened == run.counts["actions"]["cancelled"] > 0
    assert requests["metar"] <= allowed and requests["taf"] <= allowed
    assert seconds <= GOAL_SECONDS
