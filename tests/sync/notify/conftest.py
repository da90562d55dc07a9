"""Delivery tests need committed rows that several sessions (and threads) see: a database of
their own per module, emptied of mail after each test."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session, sessionmaker

from sync.database import migrations
from sync.database.session import create_engine_for, make_sessionmaker, session_scope
from sync.notify import outbox
from sync.notify.models import Notification
from tests.sync.factories import make_flight, make_school

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def committed_engine(database_factory) -> Iterator[Engine]:
    url = database_factory.create()
    migrations.upgrade(url)
    engine = create_engine_for(url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(committed_engine: Engine) -> Iterator[sessionmaker[Session]]:
    yield make_sessionmaker(committed_engine)
    with session_scope(committed_engine) as db:
        db.execute(delete(Notification))


@pytest.fixture(scope="module")
def lesson(committed_engine: Engine) -> tuple:
    with session_scope(committed_engine) as db:
        school = make_school(db)
        flight = make_flight(db, school)
        return school.id, flight.id


@pytest.fixture
def queue_mail(committed_engine: Engine, lesson, sessions) -> Callable[..., object]:
    """Commit one outbox row; returns its id."""
    school_id, flight_id = lesson

    def queue(recipient: str = "student@example.com", *, window_key: str = "w", now=NOW, **fields):
        with session_scope(committed_engine) as db:
            row = outbox.enqueue(
                db=db, school_id=school_id, flight_id=flight_id, kind=fields.get("kind", "test"),
                recipient=recipient, window_key=window_key,
                subject=fields.get("subject", "Weather cancellation"),
                body_text=fields.get("body_text", "Your lesson is cancelled.\n"),
                body_html=fields.get("body_html", "<p>Your lesson is <b>cancelled</b>.</p>"),
                now=now)
            assert row is not None
            return row.id

    return queue


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
