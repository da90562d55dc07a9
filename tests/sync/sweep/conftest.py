"""Sweeps in tests: sessions that share the test's rolled-back connection, weather over real HTTP."""

from __future__ import annotations

from collections.abc import Callable

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from sync.database import migrations
from sync.database.session import create_engine_for, session_scope
from sync.weather.minimums import TrainingLevel
from sync.weather.sources import AviationWeatherClient
from tests.support.fake_aviationweather import FakeAviationWeather
from tests.support.fake_aviationweather import fake_weather_server  # noqa: F401 (a fixture)
from tests.sync.factories import make_flight, make_school, make_student
from tests.sync.sweep.storm import DECISION_WINDOW_HOURS, LESSON_HOURS, NOW, STORMS, metar, taf


@pytest.fixture
def session_factory(db_session: Session) -> Callable[[], Session]:
    """Each sweep transaction becomes a SAVEPOINT on the test's connection (rolled back after)."""
    connection = db_session.connection()

    def open_session() -> Session:
        return Session(bind=connection, join_transaction_mode="create_savepoint",
                       expire_on_commit=False)

    return open_session


def client_for(url: str) -> AviationWeatherClient:
    return AviationWeatherClient(base_url=url, max_retries=0, timeout=2, sleep=lambda _: None)


@pytest.fixture
def storm_server():
    with FakeAviationWeather() as server:
        server.set_metars({"KAUS": [metar("KAUS", NOW)]})
        server.set_tafs({"KAUS": [taf("KAUS", NOW, storms=STORMS)]})
        yield server


@pytest.fixture
def seeded(empty_database_url):
    """``seeded(copies)``: a committed, migrated database (``seeded.url``) with ``copies`` lessons
    at each of LESSON_HOURS, each with its own student; returns {flight id: hours after NOW}."""

    def seed(copies: int) -> dict:
        migrations.upgrade(empty_database_url)
        engine = create_engine_for(empty_database_url)
        hours_of = {}
        try:
            with session_scope(engine) as db:
                school = make_school(db, decision_window_hours=DECISION_WINDOW_HOURS)
                for _ in range(copies):
                    for hours in LESSON_HOURS:
                        student = make_student(db, school, training_level=TrainingLevel.PRIVATE_PILOT,
                                               night_trained=True)
                        flight = make_flight(db, school, student_id=student.id,
                                             start_at=NOW + timedelta(hours=hours),
                                             end_at=NOW + timedelta(hours=hours + 2))
                        hours_of[flight.id] = hours
        finally:
            engine.dispose()
        return hours_of

    seed.url = empty_database_url
    return seed
