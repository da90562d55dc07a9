"""Test data: one function per model, valid by default, any field overridable."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from sync.aircraft.models import Aircraft
from sync.flights.models import Flight, FlightType
from sync.people.models import Instructor, InstructorRating, Student
from sync.reschedule.models import ProducedBy, RescheduleRequest
from sync.schools.models import School
from sync.weather.minimums import TrainingLevel

TOMORROW_9AM = datetime.now(UTC).replace(hour=15, minute=0, second=0, microsecond=0) + timedelta(days=1)


def _unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6].upper()}"


def _save(db: Session, row: Any) -> Any:
    db.add(row)
    db.flush()
    return row


def make_school(db: Session, **fields: Any) -> School:
    values = {"name": _unique("School "), "home_airport": "KAUS", "timezone": "America/Chicago"}
    return _save(db, School(**(values | fields)))


def make_student(db: Session, school: School, **fields: Any) -> Student:
    values = {"school_id": school.id, "name": _unique("Student "), "email": "s@example.com",
              "training_level": TrainingLevel.PRIVATE_PILOT}
    return _save(db, Student(**(values | fields)))


def make_instructor(db: Session, school: School, **fields: Any) -> Instructor:
    values = {"school_id": school.id, "name": _unique("CFI "), "email": "i@example.com",
              "ratings": [InstructorRating.CFI.value, InstructorRating.CFII.value]}
    return _save(db, Instructor(**(values | fields)))


def make_aircraft(db: Session, school: School, **fields: Any) -> Aircraft:
    values = {"school_id": school.id, "tail_number": _unique("N"), "model": "C172S",
              "home_airport": "KAUS", "max_crosswind_kt": 15}
    return _save(db, Aircraft(**(values | fields)))


def make_flight(db: Session, school: School, **fields: Any) -> Flight:
    """A two-hour dual lesson tomorrow; student, instructor and aircraft made unless given."""
    start = fields.get("start_at", TOMORROW_9AM)
    values: dict[str, Any] = {
        "school_id": school.id,
        "start_at": start,
        "end_at": start + timedelta(hours=2),
        "departure": "KAUS",
        "flight_type": FlightType.DUAL,
    }
    if "student_id" not in fields:
        values["student_id"] = make_student(db, school).id
    if "aircraft_id" not in fields:
        values["aircraft_id"] = make_aircraft(db, school).id
    if "instructor_id" not in fields and fields.get("flight_type") != FlightType.SOLO:
        values["instructor_id"] = make_instructor(db, school).id
    return _save(db, Flight(**(values | fields)))


def make_reschedule_request(db: Session, flight: Flight, **fields: Any) -> RescheduleRequest:
    now = datetime.now(UTC)
    values = {"school_id": flight.school_id, "flight_id": flight.id,
              "produced_by": ProducedBy.DETERMINISTIC, "detected_at": now,
              "expires_at": now + timedelta(hours=24)}
    return _save(db, RescheduleRequest(**(values | fields)))
