"""Hand-built schedules for the calendar's widget tests (plain dataclasses, school in Chicago)."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

from PySide6.QtCore import QPointF, QRectF

from app.models.lessons import Lesson, Schedule

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
AUSTIN = (30.19, -97.67)
DAY = date(2026, 12, 1)  # a Tuesday


def local(hour: float, minute: int = 0, day: date = DAY) -> datetime:
    """School time on ``day`` (hours past 24 run into the next day), as aware UTC."""
    start = datetime.combine(day, time(0), CHICAGO)
    return (start + timedelta(hours=hour, minutes=minute)).astimezone(UTC)


def lesson(lesson_id: str, *, start: datetime, hours: float = 1.0, aircraft_id: str = "A1",
           instructor_id: str | None = "I1", status: str = "SCHEDULED",
           verdict: str | None = None, student: str | None = None,
           reasons: tuple[str, ...] = (), version: int | None = 1) -> Lesson:
    return Lesson(id=lesson_id, start=start, end=start + timedelta(hours=hours),
                  aircraft_id=aircraft_id, aircraft=aircraft_id,
                  student=student or f"Student {lesson_id}",
                  instructor="" if instructor_id is None else f"Instructor {instructor_id}",
                  flight_type="DUAL", status=status, departure="KAUS", destination="",
                  verdict=verdict, reasons=reasons, student_id="S1",
                  instructor_id=instructor_id, version=version)


def schedule(*lessons: Lesson, aircraft: int = 2, instructors: int = 2,
             home_location: tuple[float, float] | None = AUSTIN) -> Schedule:
    return Schedule(school="Test school", home_airport="KAUS", timezone=CHICAGO,
                    aircraft=tuple((f"A{n}", f"N{n}{n}{n} · C172S")
                                   for n in range(1, aircraft + 1)),
                    instructors=tuple((f"I{n}", f"Instructor {n}")
                                      for n in range(1, instructors + 1)),
                    lessons=tuple(sorted(lessons, key=lambda item: item.start)),
                    home_location=home_location)


def centre(rect: QRectF) -> QPointF:
    return rect.center()
