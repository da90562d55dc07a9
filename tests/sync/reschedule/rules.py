"""An independent check of every rule a proposed slot must satisfy (the search's contract)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.aircraft.models import Aircraft
from sync.flights.models import RELEASED_STATUSES, Flight, FlightType
from sync.people.models import Instructor, Student
from sync.schools.models import School
from sync.weather.daylight import is_daylight
from sync.weather.stations import station_info


def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _inside(windows, start_local: datetime, end_local: datetime) -> bool:
    day = start_local.isoweekday()
    return any(int(w["weekday"]) == day and _hhmm(w.get("open", w.get("start")))
               <= start_local.time() and end_local.time() <= _hhmm(w.get("close", w.get("end")))
               and end_local.date() == start_local.date() for w in windows)


def broken_rules(db: Session, flight: Flight, start: datetime, end: datetime, instructor_id,
                 aircraft_id, *, now: datetime, min_notice=timedelta(hours=12), horizon_days=7) -> list[str]:
    """The rules the slot breaks (empty: feasible)."""
    school = db.get(School, flight.school_id)
    zone = ZoneInfo(school.timezone)
    student = db.get(Student, flight.student_id)
    broken = []
    if end - start != flight.end_at - flight.start_at:
        broken.append("length")
    if start < now + min_notice or start >= now + timedelta(days=horizon_days):
        broken.append("horizon")
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    if not _inside(school.operating_hours, local_start, local_end):
        broken.append("school hours")
    if student.availability and not _inside(student.availability, local_start, local_end):
        broken.append("student availability")
    if start < flight.end_at and flight.start_at < end:
        broken.append("overlaps the lesson it replaces")

    def busy(column, value) -> bool:
        return db.scalar(select(Flight.id).where(
            column == value, Flight.start_at < end, Flight.end_at > start, Flight.id != flight.id,
            Flight.status.not_in(RELEASED_STATUSES), Flight.deleted_at.is_(None)).limit(1)) is not None

    if busy(Flight.student_id, flight.student_id):
        broken.append("student busy")
    if flight.flight_type is FlightType.SOLO:
        if instructor_id is not None:
            broken.append("solo with instructor")
    else:
        instructor = db.get(Instructor, instructor_id) if instructor_id else None
        needed = {"CFII"} if flight.flight_type is FlightType.INSTRUMENT else {"CFI", "CFII"}
        if instructor is None or not needed & set(instructor.ratings):
            broken.append("instructor not qualified")
        elif instructor.availability and not _inside(instructor.availability, local_start, local_end):
            broken.append("instructor availability")
        elif busy(Flight.instructor_id, instructor_id):
            broken.append("instructor busy")
    aircraft = db.get(Aircraft, aircraft_id)
    original = db.get(Aircraft, flight.aircraft_id)
    if aircraft.model != original.model or not aircraft.in_service:
        broken.append("aircraft model or service")
    if busy(Flight.aircraft_id, aircraft_id):
        broken.append("aircraft busy")
    if not student.night_trained:
        info = station_info(flight.departure)
        moment = start
        while moment <= end:
            if not is_daylight(info.latitude, info.longitude, moment):
                broken.append("night")
                break
            moment += timedelta(minutes=10)
    return broken


def policy_broken(db: Session, flight: Flight, start: datetime, end: datetime, instructor_id,
                  aircraft_id, *, turnaround: timedelta = timedelta(0),
                  instruction_hours_per_24h: int | None = None,
                  lessons_per_day: int | None = None) -> list[str]:
    """The booking policy's rules with other lessons the slot breaks, worked out the plain way:
    every other live lesson of the school read, 24-hour windows tried every 15 minutes (the
    tests' lessons start and end on the half hour). ``None``/zero: the rule is not checked."""
    school = db.get(School, flight.school_id)
    zone = ZoneInfo(school.timezone)
    others = db.scalars(select(Flight).where(
        Flight.school_id == school.id, Flight.id != flight.id,
        Flight.status.not_in(RELEASED_STATUSES), Flight.deleted_at.is_(None))).all()
    broken = []
    if turnaround:
        for other in others:
            if other.aircraft_id != aircraft_id and (instructor_id is None or other.instructor_id != instructor_id):
                continue
            gap = (start - other.end_at if other.end_at <= start
                   else other.start_at - end if other.start_at >= end else None)
            if gap is not None and gap < turnaround:
                broken.append("turnaround")
                break
    if instruction_hours_per_24h is not None and instructor_id is not None:
        taught = [(o.start_at, o.end_at) for o in others if o.instructor_id == instructor_id] + [(start, end)]
        window, limit = timedelta(hours=24), timedelta(hours=instruction_hours_per_24h)
        moment = start - window
        while moment <= end:
            inside = sum((min(b, moment + window) - max(a, moment) for a, b in taught
                          if a < moment + window and b > moment), timedelta(0))
            if inside > limit:
                broken.append("instruction in 24 hours")
                break
            moment += timedelta(minutes=15)
    if lessons_per_day is not None:
        day = start.astimezone(zone).date()
        that_day = [o for o in others if o.student_id == flight.student_id
                    and o.start_at.astimezone(zone).date() == day]
        if len(that_day) + 1 > lessons_per_day:
            broken.append("lessons per day")
    return broken
