"""Column types mean the same on SQLite and PostgreSQL: UTC in, UTC out; UUIDs; JSON."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from sync.schools.models import School
from sync.sweep.models import SweepRun
from tests.sync.factories import make_school


def _reloaded(db, model, row_id):
    db.expire_all()
    return db.scalars(select(model).where(model.id == row_id)).one()


def test_timestamps_come_back_as_the_same_instant_in_utc(db_session):
    chicago_evening = datetime(2026, 11, 25, 18, 30, 15, 123456, tzinfo=ZoneInfo("America/Chicago"))
    run = SweepRun(started_at=chicago_evening)
    db_session.add(run)
    db_session.flush()

    loaded = _reloaded(db_session, SweepRun, run.id)

    assert loaded.started_at == chicago_evening
    assert loaded.started_at.tzinfo is UTC
    assert loaded.started_at.hour == 0  # 18:30 CST is 00:30 UTC the next day


def test_comparisons_use_the_instant_not_the_written_offset(db_session):
    run = SweepRun(started_at=datetime(2026, 11, 26, 0, 30, tzinfo=UTC))
    db_session.add(run)
    db_session.flush()
    same_instant_in_chicago = datetime(2026, 11, 25, 18, 30, tzinfo=ZoneInfo("America/Chicago"))

    found = db_session.scalars(
        select(SweepRun.id).where(SweepRun.started_at == same_instant_in_chicago)
    ).all()

    assert found == [run.id]


def test_naive_timestamps_are_refused(db_session):
    db_session.add(SweepRun(started_at=datetime(2026, 11, 25, 18, 30)))

    with pytest.raises(StatementError, match="naive datetime"):
        db_session.flush()


def test_a_client_generated_uuid_is_kept(db_session):
    chosen = uuid.uuid4()
    school = make_school(db_session, id=chosen)

    assert _reloaded(db_session, School, chosen).id == chosen
    assert isinstance(school.id, uuid.UUID)


def test_json_documents_round_trip(db_session):
    hours = [{"weekday": 6, "open": "08:00", "close": "12:30"}]
    school = make_school(db_session, operating_hours=hours)

    loaded = _reloaded(db_session, School, school.id)

    assert loaded.operating_hours == hours
    assert loaded.minimums["EARLY_STUDENT"] == {"visibility_sm": 10, "ceiling_ft": 3000, "max_wind_kt": 10}
