"""What the calendar and the alerts show, read from the replica (blocking: call off the GUI thread).

``load_schedule(replica, start, end)`` joins each lesson with its student, instructor, aircraft and
latest weather verdict into plain ``Lesson`` values, so the Qt models stay thin.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.models.availability import Band, instructor_bands
from app.services.policy_warnings import accepted_warnings
from app.services.replica import Replica

__all__ = ["LIVE_STATUSES", "Lesson", "Schedule", "load_school", "load_schedule", "parse_time"]

# Lessons still to be flown: what can be moved, cancelled, checked out or in.
LIVE_STATUSES = frozenset({"SCHEDULED", "AT_RISK"})


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
    student_id: str = ""
    instructor_id: str | None = None  # None: a solo lesson
    notes: str = ""
    version: int | None = None  # the version last pulled (None: booked here, not yet sent)
    # The school's booking-policy warnings it was booked over, in words ("The lesson … is outside
    # Sam Lee's availability … (accepted by dispatcher@…)."); () when none.
    acknowledged: tuple[str, ...] = ()
    series_id: str | None = None  # the weekly series it was booked in, if any
    checked_out_at: datetime | None = None  # the aircraft taken out for it (check-out)
    flown_hours: float | None = None  # Hobbs in − out, once checked in (COMPLETED)
    cancel_kind: str | None = None  # why it was cancelled by hand (student, no_show, …)

    @property
    def checked_out(self) -> bool:
        """Checked out and not yet checked in: in the air (or about to be)."""
        return self.checked_out_at is not None and self.status in LIVE_STATUSES

    @property
    def shown_status(self) -> str:
        """The status the desk shows: the service's, or ``FLYING`` for a lesson checked out and
        not yet checked in (the service keeps it SCHEDULED or AT_RISK until then)."""
        return "FLYING" if self.checked_out else self.status


@dataclass(frozen=True)
class Schedule:
    school: str = ""
    home_airport: str = ""
    timezone: zoneinfo.ZoneInfo = field(default_factory=lambda: zoneinfo.ZoneInfo("UTC"))
    aircraft: tuple[tuple[str, str], ...] = ()  # (id, "N172HC · C172S"), by tail number
    lessons: tuple[Lesson, ...] = ()
    airports: tuple[str, ...] = ()
    students: tuple[tuple[str, str], ...] = ()  # (id, name), by name: the editor's choices
    instructors: tuple[tuple[str, str], ...] = ()  # (id, name), by name; calendar rows too
    instructor_accounts: tuple[tuple[str, str], ...] = ()  # (account id, instructor id)
    home_location: tuple[float, float] | None = None  # home airport (lat, lon); None: unknown
    # When each instructor is not available in the range read (outside their weekly windows, a
    # day off): (instructor id, bands), bands as (start, end UTC timestamps, why), by time. An
    # instructor without any is left out. Computed once per read: the calendar shades from it.
    unavailable: tuple[tuple[str, tuple[Band, ...]], ...] = ()


def load_school(replica: Replica) -> Schedule:
    """Only the school (name, home airport and its location, time zone), no lessons: what places
    the week."""
    schools = replica.rows("schools")
    school = schools[0].data if schools else {}
    return Schedule(school=school.get("name", ""), home_airport=school.get("home_airport", ""),
                    timezone=zoneinfo.ZoneInfo(school.get("timezone") or "UTC"),
                    home_location=_home_location(school))


def load_schedule(replica: Replica, start: datetime, end: datetime) -> Schedule:
    schools = replica.rows("schools")
    school = schools[0].data if schools else {}
    zone = zoneinfo.ZoneInfo(school.get("timezone") or "UTC")
    names = {table: {row.id: row.data for row in replica.rows(table)}
             for table in ("students", "instructors", "aircraft")}
    rows = replica.lessons_between(start, end)
    # Only the latest check of the lessons shown: every sweep stores one per lesson, so the
    # table grows by the hour; SQLite picks them.
    checks = replica.latest_weather_checks(row.id for row in rows)
    aircraft = sorted(names["aircraft"].items(), key=lambda item: item[1].get("tail_number", ""))
    lessons = []
    for row in rows:
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
            pending=row.state != "synced", student_id=data["student_id"],
            instructor_id=data.get("instructor_id"), notes=data.get("notes") or "",
            version=row.version, acknowledged=tuple(
                f"{warning.sentence.rstrip('.')} (accepted by {warning.by})." if warning.by
                else warning.sentence for warning in accepted_warnings(data)),
            series_id=data.get("series_id"), checked_out_at=_moment(data.get("checked_out_at")),
            flown_hours=data.get("flown_hours"), cancel_kind=data.get("cancel_kind"),
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
        students=_by_name(names["students"]), instructors=_by_name(names["instructors"]),
        instructor_accounts=tuple((person["account_id"], person_id)
                                  for person_id, person in names["instructors"].items()
                                  if person.get("account_id")),
        home_location=_home_location(school),
        unavailable=instructor_bands(names["instructors"], zone, start, end),
    )


def _moment(text: object) -> datetime | None:
    try:
        return parse_time(str(text)) if text else None
    except ValueError:
        return None


def _home_location(school: dict) -> tuple[float, float] | None:
    """The home airport's (latitude, longitude), which the service keeps on the school row from
    its station data; None when the service does not know it (or has not sent it yet)."""
    latitude, longitude = school.get("home_latitude"), school.get("home_longitude")
    if latitude is None or longitude is None:
        return None
    return float(latitude), float(longitude)


def _by_name(people: dict[str, dict]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(((person_id, person.get("name", "?")) for person_id, person in people.items()),
                        key=lambda item: item[1].lower()))
