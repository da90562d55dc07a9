"""The demo school: "Hill Country Flight Academy" at KAUS (with a second field at KHYI).

``seed_demo()`` writes a realistic Part 61/141-style school into an upgraded database: six
aircraft of three models (one based at KHYI, one down for maintenance), five instructors (two
CFIIs), thirty students across the three training levels with weekly availability, about two
weeks of lessons around ``today``, and the staff's accounts.

The school, its people and the lesson calendar are deterministic: the same ``today`` gives the
same lessons (a fixed random seed, no clock). ``now`` only decides which of them are history and
which are still to come:

- lessons that ended before ``now`` are written directly as history, COMPLETED or (a few)
  CANCELLED, booked a few days before they flew;
- lessons that start after ``now`` are booked through ``sync.flights.service.create``, so every
  booking rule (no double booking, aircraft in service, instructor qualified…) is proven by the
  seed itself;
- a lesson under way at ``now`` is written directly, still SCHEDULED.

``bulk=True`` writes the same school faster (the embedded demo's first start): the upcoming
lessons are written as the booking service would write them rather than through it one by one —
the plan already keeps every rule it checks (``_plan_lessons``, ``_fit``) — and the audit trail is
recorded after one flush instead of one flush per row. tests/sync/schools/test_demo_seed.py checks
that both ways write the same rows, and each way against the booking rules.

Seeding is not repeated: when the demo school (or one of its staff e-mails) already exists,
``seed_demo`` raises ``DemoAlreadySeeded`` and changes nothing. Passwords are random per run
unless given, and are returned (they are stored only as argon2 hashes).
"""

from __future__ import annotations

import random
import secrets
import uuid
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.aircraft.models import Aircraft
from sync.audit import service as audit_service
from sync.auth import service as auth_service
from sync.auth.models import AccountRole
from sync.errors import Conflict
from sync.flights import service as flights_service
from sync.flights.models import Flight, FlightStatus, FlightType
from sync.flights.schemas import FlightCreate
from sync.people.models import Instructor, InstructorRating, Student
from sync.people.service import check_personal_minimums
from sync.schools import service as schools_service
from sync.schools.models import School
from sync.weather.daylight import dark_moments
from sync.weather.minimums import TrainingLevel
from sync.weather.stations import station_info

SCHOOL_NAME = "Hill Country Flight Academy"
HOME_AIRPORT = "KAUS"
SECOND_AIRPORT = "KHYI"
TIMEZONE = "America/Chicago"
OPEN, CLOSE = "07:00", "19:00"
EMAIL_DOMAIN = "hillcountry.example"
ADMIN_EMAIL = f"admin@{EMAIL_DOMAIN}"
DISPATCHER_EMAIL = f"dispatcher@{EMAIL_DOMAIN}"
ACTOR = "seed"
RANDOM_SEED = 141_061  # Part 141 and Part 61: any fixed number would do
DAYS_BEFORE, DAYS_AFTER = 7, 7  # the calendar runs from today - 7 to today + 7 (school days)
CROSS_COUNTRY_DESTINATIONS = ("KHYI", "KSAT", "KGTU")

# (tail number, model, home airport, max demonstrated crosswind kt, in service)
AIRCRAFT = (
    ("N172HC", "C172S", HOME_AIRPORT, 15, True),
    ("N538HC", "C172S", HOME_AIRPORT, 15, True),
    ("N714HC", "C172S", SECOND_AIRPORT, 15, True),
    ("N281PA", "PA-28-181", HOME_AIRPORT, 17, True),
    ("N433PA", "PA-28-181", HOME_AIRPORT, 17, False),  # in the shop: 100-hour inspection
    ("N152HC", "C152", HOME_AIRPORT, 12, True),
)

_WEEKDAYS = (1, 2, 3, 4, 5)
# (name, ratings, weekly availability [(weekdays, start, end)])
INSTRUCTORS = (
    ("Maria Delgado", ("CFI", "CFII"), [((1, 2, 3, 4, 5), "07:00", "15:00")]),
    ("James Whitaker", ("CFI", "CFII"), [((2, 3, 4, 5), "11:00", "19:00"), ((6,), "08:00", "16:00")]),
    ("Priya Raman", ("CFI",), [((1, 2, 3, 4, 5), "10:00", "19:00")]),
    ("Tom Brennan", ("CFI",), [((3, 4, 5), "07:00", "15:00"), ((6, 7), "08:00", "17:00")]),
    ("Ashley Nguyen", ("CFI",), [((1, 2, 4, 5), "12:00", "19:00"), ((6,), "07:00", "13:00")]),
)

_LEVELS = (
    (TrainingLevel.EARLY_STUDENT, 12),
    (TrainingLevel.PRIVATE_PILOT, 12),
    (TrainingLevel.INSTRUMENT_RATED, 6),
)
STUDENT_NAMES = (
    # early students
    "Ethan Caldwell", "Sofia Ramirez", "Noah Patel", "Olivia Brooks", "Liam O'Connor",
    "Ava Thompson", "Mason Reyes", "Isabella Chen", "Lucas Hartley", "Mia Fischer",
    "Benjamin Ortiz", "Charlotte Kim",
    # private pilot
    "Daniel Morales", "Emily Sanders", "Jacob Wright", "Harper Lewis", "Michael Gutierrez",
    "Abigail Foster", "Samuel Price", "Ella Jenkins", "David Alvarez", "Grace Sullivan",
    "Joseph Ward", "Chloe Bennett",
    # instrument
    "Andrew Collins", "Natalie Flores", "Ryan Mitchell", "Hannah Rivera", "Kevin Tran",
    "Lauren Hayes",
)
# Weekly windows a student can fly: a few typical lives.
AVAILABILITY_PATTERNS = (
    [((1, 2, 3, 4, 5), "07:00", "12:00")],                         # weekday mornings
    [((1, 2, 3, 4, 5), "13:00", "19:00")],                         # weekday afternoons
    [((2, 4), "16:00", "19:00"), ((6,), "08:00", "14:00")],        # after work and Saturday
    [((6, 7), "08:00", "17:00")],                                  # weekends
    [((1, 2, 3, 4, 5, 6), "08:00", "18:00")],                      # flexible
    [((1, 3, 5), "09:00", "15:00"), ((6,), "09:00", "13:00")],     # part-time job
)
# A couple of students who set stricter limits than the school's.
PERSONAL_MINIMUMS = {
    "Emily Sanders": {"visibility_sm": 5.0, "ceiling_ft": 2000, "max_wind_kt": 12},
    "Kevin Tran": {"visibility_sm": 1.0, "ceiling_ft": 500, "max_wind_kt": 20},
}
# Lesson mix per level: (type, weight, durations in half hours)
LESSON_MIX = {
    TrainingLevel.EARLY_STUDENT: ((FlightType.DUAL, 8, (2, 3)), (FlightType.SOLO, 2, (2,))),
    TrainingLevel.PRIVATE_PILOT: ((FlightType.DUAL, 3, (2, 3)), (FlightType.SOLO, 3, (2, 3)),
                                  (FlightType.CROSS_COUNTRY, 4, (4,))),
    TrainingLevel.INSTRUMENT_RATED: ((FlightType.INSTRUMENT, 7, (3, 4)),
                                     (FlightType.CROSS_COUNTRY, 3, (4,))),
}
FLY_CHANCE = 0.42  # per student per day they are available
CANCEL_CHANCE = 0.1  # of past lessons (sick, car trouble, checkride prep…)
CANCEL_REASONS = ("student sick", "student called out: work", "instructor sick",
                  "student no-show")


class DemoAlreadySeeded(Conflict):
    """The demo school (or one of its accounts) is already in this database."""


@dataclass(frozen=True)
class SignIn:
    role: str
    email: str
    password: str
    name: str = ""


@dataclass
class DemoSeed:
    school_id: uuid.UUID
    sign_ins: list[SignIn]
    aircraft: int = 0
    instructors: int = 0
    students: int = 0
    lessons: dict[str, int] = field(default_factory=dict)  # status → count

    @property
    def lesson_total(self) -> int:
        return sum(self.lessons.values())


@dataclass
class _Plan:
    """One lesson as planned, before it is written."""

    student: Student
    instructor: Instructor | None
    aircraft: Aircraft
    start: datetime
    end: datetime
    flight_type: FlightType
    destination: str | None
    cancel_roll: float
    booked_days_ahead: int
    reason: str


def instructor_email(name: str) -> str:
    return f"{name.lower().replace(' ', '.')}@{EMAIL_DOMAIN}"


def _student_email(name: str) -> str:
    return f"{name.lower().replace(' ', '.').replace(chr(39), '')}@example.com"


def _windows(spec: list[tuple[tuple[int, ...], str, str]]) -> list[dict[str, Any]]:
    return [{"weekday": day, "start": start, "end": end}
            for days, start, end in spec for day in days]


def _hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def existing_demo(db: Session) -> School | None:
    return db.scalars(select(School).where(School.name == SCHOOL_NAME,
                                           School.deleted_at.is_(None))).first()


def _check_not_seeded(db: Session, emails: list[str]) -> None:
    school = existing_demo(db)
    if school is not None:
        raise DemoAlreadySeeded(
            f'the demo school "{SCHOOL_NAME}" is already in this database (school {school.id}); '
            "nothing was changed. Seeding runs once per database: use a fresh database to start over",
            rule="DEMO_ALREADY_SEEDED",
        )
    for email in emails:
        if auth_service.get_by_email(db=db, email=email) is not None:
            raise DemoAlreadySeeded(
                f"an account {email} already exists in this database; nothing was changed",
                field="email", rule="DEMO_ALREADY_SEEDED",
            )


def seed_demo(
    db: Session,
    *,
    today: date,
    now: datetime,
    passwords: Mapping[str, str] | None = None,
    random_passwords: bool = True,
    bulk: bool = False,
) -> DemoSeed:
    """Write the demo school in ``db`` (the caller commits). ``passwords``: e-mail → password,
    for any account that should not get a random one. ``random_passwords=False``: the accounts
    not in ``passwords`` get none (their ``SignIn.password`` is empty; they sign in once they
    have set one through a mailed link) — the embedded demo signs in only as its dispatcher, and
    each random password would cost an argon2 hash that nobody ever uses. ``bulk``: the same
    rows, written at once (see the module docstring)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)
    staff = [("admin", ADMIN_EMAIL, "Academy admin"), ("dispatcher", DISPATCHER_EMAIL, "Front desk")]
    staff += [("instructor", instructor_email(name), name) for name, _, _ in INSTRUCTORS]
    _check_not_seeded(db, [email for _, email, _ in staff])
    passwords = dict(passwords or {})
    rng = random.Random(RANDOM_SEED)

    school = School(
        name=SCHOOL_NAME, timezone=TIMEZONE,
        operating_hours=[{"weekday": day, "open": OPEN, "close": CLOSE} for day in range(1, 8)],
    )
    schools_service.place_home(school, HOME_AIRPORT)
    db.add(school)
    db.flush()
    audit_service.record(db=db, school_id=school.id, actor=ACTOR, action="create", row=school)

    sign_ins: list[SignIn] = []
    accounts = {}
    for role, email, name in staff:
        password = passwords.get(email) or (secrets.token_urlsafe(12) if random_passwords else None)
        accounts[email] = auth_service.create_account(
            db=db, school_id=school.id, email=email, role=AccountRole(role), password=password,
            actor=ACTOR,
        )
        sign_ins.append(SignIn(role=role, email=email, password=password or "", name=name))
    db.flush()

    audited: list[Any] = []  # bulk: rows whose creation is recorded after one flush

    def add(row: Any) -> Any:
        db.add(row)
        if bulk:
            audited.append(row)
        else:
            audit_service.record(db=db, school_id=school.id, actor=ACTOR, action="create", row=row)
        return row

    aircraft = [add(Aircraft(school_id=school.id, tail_number=tail, model=model,
                             home_airport=home, max_crosswind_kt=crosswind, in_service=in_service))
                for tail, model, home, crosswind, in_service in AIRCRAFT]

    instructors = []
    for index, (name, ratings, availability) in enumerate(INSTRUCTORS):
        email = instructor_email(name)
        instructors.append(add(Instructor(
            school_id=school.id, account_id=accounts[email].id, name=name, email=email,
            phone=f"+1 512 555 01{10 + index:02d}", ratings=sorted(ratings),
            availability=_windows(availability),
        )))

    students = []
    names = iter(STUDENT_NAMES)
    for level, count in _LEVELS:
        for _ in range(count):
            name = next(names)
            personal = PERSONAL_MINIMUMS.get(name)
            check_personal_minimums(db, school_id=school.id, level=level, personal=personal)
            pattern = AVAILABILITY_PATTERNS[rng.randrange(len(AVAILABILITY_PATTERNS))]
            students.append(add(Student(
                school_id=school.id, name=name, email=_student_email(name),
                phone=f"+1 512 555 0{150 + len(students):03d}", training_level=level,
                night_trained=level.night_trained_by_default, availability=_windows(pattern),
                personal_minimums=personal,
            )))
    db.flush()

    plans = _plan_lessons(rng, today=today, students=students, instructors=instructors,
                          aircraft=aircraft)
    counts: dict[str, int] = {}
    for plan in plans:
        status = _write(db, school, plan, now=now, booked=audited.append if bulk else None)
        counts[status.value] = counts.get(status.value, 0) + 1
    db.flush()
    for row in audited:
        audit_service.record(db=db, school_id=school.id, actor=ACTOR, action="create", row=row,
                             flush=False)
    db.flush()
    return DemoSeed(school_id=school.id, sign_ins=sign_ins, aircraft=len(aircraft),
                    instructors=len(instructors), students=len(students), lessons=counts)


# -- the calendar ------------------------------------------------------------------------------


def _plan_lessons(rng: random.Random, *, today: date, students: list[Student],
                  instructors: list[Instructor], aircraft: list[Aircraft]) -> list[_Plan]:
    zone = zoneinfo.ZoneInfo(TIMEZONE)
    busy: dict[uuid.UUID, list[tuple[datetime, datetime]]] = {}
    flyable = [plane for plane in aircraft if plane.in_service]
    plans: list[_Plan] = []

    def free(resource: uuid.UUID, start: datetime, end: datetime) -> bool:
        return all(end <= other_start or start >= other_end
                   for other_start, other_end in busy.get(resource, ()))

    for offset in range(-DAYS_BEFORE, DAYS_AFTER + 1):
        day = today + timedelta(days=offset)
        open_at = datetime.combine(day, _hhmm(OPEN), zone)
        close_at = datetime.combine(day, _hhmm(CLOSE), zone)
        order = list(students)
        rng.shuffle(order)
        for student in order:
            windows = [w for w in student.availability if w["weekday"] == day.isoweekday()]
            # Every draw happens whatever the outcome, so one change does not reshuffle the rest.
            fly_roll, cancel_roll = rng.random(), rng.random()
            booked_ahead, kind_roll = rng.randint(1, 6), rng.random()
            slot_seed = rng.random()
            if not windows or fly_roll >= FLY_CHANCE:
                continue
            flight_type, durations = _pick_type(student.training_level, kind_roll)
            duration = timedelta(minutes=30 * durations[int(slot_seed * len(durations))])
            destination = (CROSS_COUNTRY_DESTINATIONS[int(slot_seed * 10) % 3]
                           if flight_type is FlightType.CROSS_COUNTRY else None)
            starts = []
            for window in windows:
                first = max(open_at, datetime.combine(day, _hhmm(window["start"]), zone))
                last = min(close_at, datetime.combine(day, _hhmm(window["end"]), zone)) - duration
                while first <= last:
                    starts.append(first)
                    first += timedelta(minutes=30)
            random.Random(slot_seed).shuffle(starts)
            plan = None
            for local_start in starts:
                start = local_start.astimezone(UTC)
                end = start + duration
                plan = _fit(student, flight_type, start, end, local_start, destination, busy,
                            free, instructors, flyable, cancel_roll, booked_ahead)
                if plan is not None:
                    break
            if plan is None:
                continue
            for resource in (plan.student.id, plan.aircraft.id,
                             plan.instructor.id if plan.instructor else None):
                if resource is not None:
                    busy.setdefault(resource, []).append((plan.start, plan.end))
            plans.append(plan)
    return plans


def _pick_type(level: TrainingLevel, roll: float) -> tuple[FlightType, tuple[int, ...]]:
    mix = LESSON_MIX[level]
    total = sum(weight for _, weight, _ in mix)
    threshold = roll * total
    for flight_type, weight, durations in mix:
        if threshold < weight:
            return flight_type, durations
        threshold -= weight
    return mix[-1][0], mix[-1][2]


def _fit(student: Student, flight_type: FlightType, start: datetime, end: datetime,
         local_start: datetime, destination: str | None, busy: dict, free: Any,
         instructors: list[Instructor], aircraft: list[Aircraft], cancel_roll: float,
         booked_ahead: int) -> _Plan | None:
    if not free(student.id, start, end):
        return None
    instructor = None
    if flight_type is not FlightType.SOLO:
        needed = InstructorRating.CFII if flight_type is FlightType.INSTRUMENT else None
        for candidate in instructors:
            if needed is not None and not candidate.holds(needed):
                continue
            if _available(candidate.availability, local_start, end - start) and \
                    free(candidate.id, start, end):
                instructor = candidate
                break
        if instructor is None:
            return None
    # Early students train in the trainers (the 152 first); everyone else prefers the Skyhawks
    # and Archers. The plane at KHYI takes lessons that start there.
    order = sorted(aircraft, key=lambda plane: (
        (plane.model != "C152") if student.training_level is TrainingLevel.EARLY_STUDENT
        else (plane.model == "C152"),
        plane.home_airport != HOME_AIRPORT,
    ))
    for plane in order:
        if not free(plane.id, start, end):
            continue
        departure = plane.home_airport
        chosen_destination = destination
        if chosen_destination == departure:
            chosen_destination = HOME_AIRPORT
        if not student.night_trained:
            info = station_info(departure)
            if dark_moments(info.latitude, info.longitude, start, end):
                return None
        return _Plan(student=student, instructor=instructor, aircraft=plane, start=start, end=end,
                     flight_type=flight_type, destination=chosen_destination,
                     cancel_roll=cancel_roll, booked_days_ahead=booked_ahead,
                     reason=CANCEL_REASONS[int(cancel_roll * 1000) % len(CANCEL_REASONS)])
    return None


def _available(availability: list[dict[str, Any]], local_start: datetime,
               duration: timedelta) -> bool:
    local_end = local_start + duration
    for window in availability:
        if window["weekday"] != local_start.isoweekday():
            continue
        begin = datetime.combine(local_start.date(), _hhmm(window["start"]), local_start.tzinfo)
        finish = datetime.combine(local_start.date(), _hhmm(window["end"]), local_start.tzinfo)
        if begin <= local_start and local_end <= finish:
            return True
    return False


def _notes(plan: _Plan) -> str:
    if plan.flight_type is FlightType.CROSS_COUNTRY:
        return f"Cross-country {plan.aircraft.home_airport}–{plan.destination} and back"
    if plan.flight_type is FlightType.INSTRUMENT:
        return "Approaches and holds (ILS, RNAV)"
    if plan.flight_type is FlightType.SOLO:
        return "Solo: pattern work and maneuvers"
    return "Dual: maneuvers, landings"


def _write(db: Session, school: School, plan: _Plan, *, now: datetime,
           booked: Callable[[Flight], object] | None = None) -> FlightStatus:
    """Write one planned lesson; its status. ``booked`` (bulk): an upcoming lesson is written
    as ``flights_service.create`` writes it, without its checks, and handed to ``booked`` (whose
    audit row the caller records)."""
    if plan.start > now and booked is not None:
        flight = Flight(
            school_id=school.id, student_id=plan.student.id,
            instructor_id=plan.instructor.id if plan.instructor else None,
            aircraft_id=plan.aircraft.id, start_at=plan.start, end_at=plan.end,
            departure=plan.aircraft.home_airport, destination=plan.destination, route_points=[],
            flight_type=plan.flight_type, notes=_notes(plan), series_id=None,
        )
        db.add(flight)
        booked(flight)
        return FlightStatus.SCHEDULED
    if plan.start > now:
        flight = flights_service.create(
            db=db, actor=ACTOR, school_id=school.id, now=now,
            data=FlightCreate(
                student_id=plan.student.id,
                instructor_id=plan.instructor.id if plan.instructor else None,
                aircraft_id=plan.aircraft.id, start_at=plan.start, end_at=plan.end,
                departure=plan.aircraft.home_airport, destination=plan.destination,
                flight_type=plan.flight_type, notes=_notes(plan),
            ),
        )
        return flight.status
    # History (or a lesson under way): written as it was, booked some days before it flew.
    if plan.end > now:
        status = FlightStatus.SCHEDULED
    else:
        status = FlightStatus.CANCELLED if plan.cancel_roll < CANCEL_CHANCE else FlightStatus.COMPLETED
    booked_at = plan.start - timedelta(days=plan.booked_days_ahead, hours=3)
    notes = _notes(plan)
    if status is FlightStatus.CANCELLED:
        notes += f"\nCancelled: {plan.reason}"
    flight = Flight(
        school_id=school.id, student_id=plan.student.id,
        instructor_id=plan.instructor.id if plan.instructor else None,
        aircraft_id=plan.aircraft.id, start_at=plan.start, end_at=plan.end,
        departure=plan.aircraft.home_airport, destination=plan.destination,
        flight_type=plan.flight_type, status=status, notes=notes,
        created_at=booked_at, updated_at=min(plan.end, now),
    )
    db.add(flight)
    return status
