"""A generated busy school for the search tests and the benchmark: deterministic from a seed."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from sync.aircraft.models import Aircraft
from sync.flights.models import Flight, FlightStatus, FlightType
from sync.people.models import Instructor, Student
from sync.schools.models import School
from tests.sync.factories import make_aircraft, make_instructor, make_school, make_student

CHICAGO = ZoneInfo("America/Chicago")


@dataclass
class BusySchool:
    school: School
    students: list[Student]
    instructors: list[Instructor]
    aircraft: list[Aircraft]
    lessons: list[Flight]


def build_busy_school(db: Session, *, now: datetime, aircraft: int = 6, instructors: int = 5,
                      students: int = 30, lessons: int = 400, days: int = 10, seed: int = 7,
                      models: tuple[str, ...] = ("C172S", "PA-28")) -> BusySchool:
    """Lessons on random two-hour slots inside school hours over ``days``; none double-booked."""
    rng = random.Random(seed)
    school = make_school(db)
    people = []
    for n in range(students):
        windows = []
        if n % 3 == 0:  # a third only fly some mornings and afternoons
            windows = [{"weekday": d, "start": "08:00", "end": "13:00"} for d in (1, 2, 3, 4, 5)] + \
                      [{"weekday": 6, "start": "09:00", "end": "18:00"}]
        people.append(make_student(db, school, night_trained=(n % 4 == 0), availability=windows))
    teachers = [make_instructor(db, school, ratings=(["CFI", "CFII"] if n % 2 else ["CFI"]),
                                availability=([] if n % 3 else
                                              [{"weekday": d, "start": "07:00", "end": "17:00"}
                                               for d in range(1, 8)]))
                for n in range(instructors)]
    fleet = [make_aircraft(db, school, model=models[n % len(models)]) for n in range(aircraft)]
    busy: dict = {}
    booked: list[Flight] = []
    first_day = now.astimezone(CHICAGO).date()
    attempts = 0
    while len(booked) < lessons and attempts < lessons * 20:
        attempts += 1
        day = first_day + timedelta(days=rng.randrange(days))
        hour = rng.randrange(7, 17)
        start = datetime(day.year, day.month, day.day, hour, rng.choice((0, 30)), tzinfo=CHICAGO)
        end = start + timedelta(hours=2)
        student, teacher, plane = rng.choice(people), rng.choice(teachers), rng.choice(fleet)
        if any(_clash(busy.get(k, []), start, end) for k in (student.id, teacher.id, plane.id)):
            continue
        for k in (student.id, teacher.id, plane.id):
            busy.setdefault(k, []).append((start, end))
        flight = Flight(school_id=school.id, student_id=student.id, instructor_id=teacher.id,
                        aircraft_id=plane.id, start_at=start, end_at=end, departure="KAUS",
                        flight_type=FlightType.DUAL, status=FlightStatus.SCHEDULED)
        db.add(flight)
        booked.append(flight)
    db.flush()
    return BusySchool(school, people, teachers, fleet, booked)


def _clash(intervals, start, end) -> bool:
    return any(s < end and start < e for s, e in intervals)
