"""Recurring lessons: a weekly series booked in one request, each occurrence on every rule.

Each occurrence is booked through ``service.create`` (every hard rule, and the school's policy
when given) in a savepoint of its own, so one refusal leaves the others booked — unless
``all_or_nothing``, when any refusal books none. Occurrences see the ones booked before them
(a student's lessons per week, an instructor's hours). They share a ``series_id``, which lets
them be cancelled one at a time or "this and following" (``service.cancel_following``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.errors import InvalidInput, NotFound, ServiceError, http_status
from sync.flights import service as flights_service
from sync.flights.models import Flight
from sync.flights.schemas import MAX_SERIES_OCCURRENCES, FlightCreate, FlightSeriesCreate
from sync.policy.windows import clock, local_moment
from sync.schools.models import School


def occurrences(data: FlightSeriesCreate, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """(start, end) in UTC of every occurrence: the series' weekdays from ``first_date`` for
    ``weeks`` weeks or until ``until``, at ``start_time`` school time (so daylight-saving time
    moves nothing on the school's clock)."""
    last = data.until if data.until is not None else data.first_date + timedelta(days=7 * data.weeks - 1)
    length = timedelta(minutes=data.duration_minutes)
    starts_at = clock(data.start_time)
    found = []
    day: date = data.first_date
    while day <= last:
        if day.isoweekday() in data.weekdays:
            start = local_moment(day, starts_at, zone)
            found.append((start, start + length))
        day += timedelta(days=1)
    if not found:
        raise InvalidInput("none of the series' weekdays falls between first_date and its end: "
                           "check weekdays, first_date and weeks or until", field="weekdays",
                           rule="SERIES_EMPTY")
    if len(found) > MAX_SERIES_OCCURRENCES:
        raise InvalidInput(f"the series has {len(found)} lessons, more than the "
                           f"{MAX_SERIES_OCCURRENCES} booked at once: book it in parts",
                           field="weeks", rule="SERIES_TOO_LONG")
    return found


def book_series(*, db: Session, actor: flights_service.Actor, school_id: uuid.UUID,
                data: FlightSeriesCreate, now: datetime,
                policy: flights_service.Policy | None = None) -> dict[str, Any]:
    """Book every occurrence it can (see the module docstring): ``{series_id, booked, refused}``."""
    flights_service._require_staff(actor, school_id)
    school = db.get(School, school_id)
    if school is None:
        raise InvalidInput("no such school", rule="SCHOOL_NOT_FOUND")
    times = occurrences(data, ZoneInfo(school.timezone))
    series_id = _joined_series(db, school_id, data) if data.series_id is not None else uuid.uuid4()
    booked: list[Flight] = []
    refused: list[dict[str, Any]] = []
    whole = db.begin_nested() if data.all_or_nothing else None
    for start, end in times:
        lesson = FlightCreate(
            student_id=data.student_id, instructor_id=data.instructor_id,
            aircraft_id=data.aircraft_id, start_at=start, end_at=end, departure=data.departure,
            destination=data.destination, route_points=list(data.route_points),
            flight_type=data.flight_type, notes=data.notes, acknowledge=list(data.acknowledge),
        )
        try:
            with db.begin_nested():
                flight = flights_service.create(db=db, actor=actor, school_id=school_id, data=lesson,
                                                now=now, policy=policy, series_id=series_id)
                db.flush()
            booked.append(flight)
        except ServiceError as exc:
            refused.append({"start_at": start, "end_at": end, "status_code": http_status(exc),
                            "detail": exc.message, "rule": exc.rule, "field": exc.field,
                            "conflict": exc.conflict, "warnings": exc.warnings})
    if whole is not None:
        if refused:
            whole.rollback()
            booked = []
        else:
            whole.commit()
    kept = booked or data.series_id is not None
    return {"series_id": series_id if kept else None, "booked": booked, "refused": refused}


def _joined_series(db: Session, school_id: uuid.UUID, data: FlightSeriesCreate) -> uuid.UUID:
    """The series named by ``data.series_id``, when it is this school's and this student's: the
    lessons of a series booked in two requests (the second with its warnings acknowledged) stay
    one series, so "this and following" reaches all of them. Another school's series looks like
    one that does not exist."""
    found = db.scalar(select(Flight.series_id).where(
        Flight.school_id == school_id, Flight.series_id == data.series_id,
        Flight.student_id == data.student_id).limit(1))
    if found is None:
        raise NotFound(f"there is no series {data.series_id} of this student", field="series_id",
                       rule="SERIES_NOT_FOUND")
    return found

