"""What the calendar and the alerts show, read from the replica (blocking: call off the GUI thread).

``load_schedule(replica, start, end)`` joins each lesson with its student, instructor, aircraft and
latest weather verdict into plain ``Lesson`` values, so the Qt models stay thin.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.services.replica import Replica

__all__ = ["Lesson", "Schedule", "load_schedule", "parse_time"]


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


@dataclass(frozen=True)
class Lesson:
    id: str
    start: datetime
    end: datetime
    aircraft_id: str
    aircraft: str
    student: str
    instructor: str
    flight_type: str
    status: str
    departure: str
    destination: str
    verdict: str | None = None  # the latest weather check's verdict, if any
    reasons: tuple[str, ...] = ()
    pending: bool = False  # a local edit not yet accepted by the service


@dataclass(frozen=True)
class Schedule:
    school: str = ""
    home_airport: str = ""
    timezone: zoneinfo.ZoneInfo = field(default_factory=lambda: zoneinfo.ZoneInfo("UTC"))
    aircraft: tuple[tuple[str, str], ...] = ()  # (id, "N172HC · C172S"), by tail number
    lessons: tuple[Lesson, ...] = ()
    airports: tuple[str, ...] = ()


def _latest_checks(replica: Replica) -> dict[str, dict]:
    latest: dict[str, dict] = {}
    for row in replica.rows("weather_checks"):
        data = row.data
        known = latest.get(data["flight_id"])
        if known is None or data["checked_at"] > known["checked_at"]:
            latest[data["flight_id"]] = data
    return latest


def load_schedule(replica: Replica, start: datetime, end: datetime) -> Schedule:
    schools = replica.rows("schools")
    school = schools[0].data if schools else {}
    zone = zoneinfo.ZoneInfo(school.get("timezone") or "UTC")
    names = {table: {row.id: row.data for row in replica.rows(table)}
             for table in ("students", "instructors", "aircraft")}
    checks = _latest_checks(replica)
    aircraft = sorted(names["aircraft"].items(), key=lambda item: item[1].get("tail_number", ""))
    lessons = []
    for row in replica.flights_between(start, end):
        data = row.data
        plane = names["aircraft"].get(data["aircraft_id"], {})
        check = checks.get(row.id, {})
        lessons.append(Lesson(
            id=row.id, start=parse_time(data["start_at"]), end=parse_time(data["end_at"]),
            aircraft_id=data["aircraft_id"], aircraft=plane.get("tail_number", "?"),
            student=names["students"].get(data["student_id"], {}).get("name", "?"),
            instructor=names["instructors"].get(data.get("instructor_id") or "", {}).get("name", ""),
            flight_type=data.get("flight_type", ""), status=data.get("status", ""),
            departure=data.get("departure") or "", destination=data.get("destination") or "",
            verdict=check.get("verdict"),
            reasons=tuple(reason.get("text", "") for reason in check.get("reasons", [])),
            pending=row.state != "synced",
        ))
    airports = {school.get("home_airport") or ""}
    airports |= {plane.get("home_airport") or "" for plane in names["aircraft"].values()}
    airports |= {lesson.destination for lesson in lessons if lesson.status in ("SCHEDULED", "AT_RISK")}
    return Schedule(
        school=school.get("name", ""), home_airport=school.get("home_airport", ""), timezone=zone,
        aircraft=tuple((plane_id, f"{plane.get('tail_number', '?')} · {plane.get('model', '')}"
                        + ("" if plane.get("in_service", True) else " (out of service)"))
                       for plane_id, plane in aircraft),
        lessons=tuple(lessons), airports=tuple(sorted(code for code in airports if code)),
    )
