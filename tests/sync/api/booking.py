"""Lessons to book in API tests: a school with a fleet, and the JSON of a lesson."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sync.aircraft.models import Aircraft
from sync.database.session import session_scope
from sync.people.models import Instructor

HOUR = timedelta(hours=1)
NOW = datetime.now(UTC).replace(second=0, microsecond=0)
TOMORROW = NOW.replace(hour=15, minute=0) + timedelta(days=1)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def with_fleet(school, api_server):
    """Give a ``signed_in_school`` an aircraft and a second instructor (``aircraft_id``,
    ``colleague_id``)."""
    with session_scope(api_server.engine) as db:
        aircraft = Aircraft(school_id=school.school_id, tail_number=f"N{uuid.uuid4().hex[:5]}",
                            model="C172S", home_airport="KAUS", max_crosswind_kt=15)
        colleague = Instructor(school_id=school.school_id, name="Other CFI",
                               email=f"o-{uuid.uuid4().hex[:6]}@example.com", ratings=["CFI"])
        db.add_all([aircraft, colleague])
        db.flush()
        school.aircraft_id, school.colleague_id = aircraft.id, colleague.id
    return school


def lesson(school, start=TOMORROW, **fields):
    """The POST /flights body of a one-hour dual lesson for the school's student and instructor."""
    return {
        "student_id": str(school.student_id),
        "instructor_id": str(school.instructor_id),
        "aircraft_id": str(school.aircraft_id),
        "start_at": iso(start),
        "end_at": iso(start + HOUR),
        "departure": "KAUS",
        "flight_type": "DUAL",
    } | fields
