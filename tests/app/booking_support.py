"""Lessons the demo school will book: free people and aircraft, inside everyone's availability
(the booking policy refuses a lesson outside a student's or instructor's weekly hours)."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from app.services.replica import Replica


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def school_zone(replica: Replica) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(replica.rows("schools")[0].data.get("timezone") or "UTC")


def weekday_at(replica: Replica, days_ahead: int, hour: int = 14) -> datetime:
    """``hour`` o'clock school time on the first Tuesday–Thursday at least ``days_ahead`` days
    away (days when every demo person has afternoon hours), aware UTC."""
    zone = school_zone(replica)
    day: date = (datetime.now(zone) + timedelta(days=days_ahead)).date()
    while day.isoweekday() not in (2, 4):
        day += timedelta(days=1)
    return datetime.combine(day, time(hour), zone).astimezone(UTC)


def _available(person: dict[str, Any], start: datetime, end: datetime,
               zone: zoneinfo.ZoneInfo) -> bool:
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    return any(window.get("weekday") == local_start.isoweekday()
               and window["start"] <= f"{local_start:%H:%M}"
               and f"{local_end:%H:%M}" <= window["end"]
               for window in person.get("availability") or ())


def bookable(replica: Replica, start: datetime, *, hours: float = 1, **fields: Any) -> dict:
    """A lesson at ``start`` the service accepts, ``fields`` put over it."""
    end = start + timedelta(hours=hours)
    zone = school_zone(replica)
    busy = [row.data for row in replica.flights_between(start, end)
            if row.data.get("status") in ("SCHEDULED", "AT_RISK")]

    def free(table: str, column: str) -> str:
        taken = {lesson.get(column) for lesson in busy}
        for row in replica.rows(table):
            if row.id in taken:
                continue
            if table == "aircraft" and not row.data.get("in_service", True):
                continue
            if table == "instructors" and "CFI" not in row.data.get("ratings", []):
                continue
            if table != "aircraft" and not _available(row.data, start, end, zone):
                continue
            return row.id
        raise AssertionError(f"no free {table} at {start}")

    lesson = {"student_id": free("students", "student_id"),
              "instructor_id": free("instructors", "instructor_id"),
              "aircraft_id": free("aircraft", "aircraft_id"),
              "start_at": iso(start), "end_at": iso(end), "departure": "KAUS",
              "flight_type": "DUAL", "notes": ""}
    return lesson | fields


def weeks_later(replica: Replica, start: datetime, weeks: int) -> datetime:
    """The same wall-clock time in the school's zone ``weeks`` later (availability is weekly:
    whoever was available then is available again), aware UTC."""
    zone = school_zone(replica)
    local = start.astimezone(zone)
    day = local.date() + timedelta(weeks=weeks)
    return datetime.combine(day, local.time().replace(tzinfo=None), zone).astimezone(UTC)


def unavailable_instructor(replica: Replica, start: datetime, end: datetime) -> str:
    """A CFI free at [start, end) but outside their weekly availability then (the policy warns:
    INSTRUCTOR_UNAVAILABLE)."""
    zone = school_zone(replica)
    busy = {row.data.get("instructor_id") for row in replica.flights_between(start, end)
            if row.data.get("status") in ("SCHEDULED", "AT_RISK")}
    for row in replica.rows("instructors"):
        if row.id not in busy and "CFI" in row.data.get("ratings", []) \
                and not _available(row.data, start, end, zone):
            return row.id
    raise AssertionError(f"every free instructor is available at {start}")


def student_without_night_training(replica: Replica, start: datetime, end: datetime) -> str:
    """A student free at [start, end) who may not fly at night (the policy blocks a lesson in
    the dark for them: NIGHT_WITHOUT_TRAINING)."""
    busy = {row.data.get("student_id") for row in replica.flights_between(start, end)
            if row.data.get("status") in ("SCHEDULED", "AT_RISK")}
    for row in replica.rows("students"):
        if row.id not in busy and row.data.get("night_trained") is False:
            return row.id
    raise AssertionError("no free student without night training")


def is_available(replica: Replica, table: str, row_id: str, start: datetime,
                 end: datetime) -> bool:
    """Whether the student or instructor ``row_id`` has [start, end) inside their weekly hours."""
    row = replica.get(table, row_id)
    return row is not None and _available(row.data, start, end, school_zone(replica))
