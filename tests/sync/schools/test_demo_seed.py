"""The demo school (``sync.schools.demo`` and ``fsp-sync seed --demo``), on SQLite and PostgreSQL.

The calendar is seeded around 2026-03-10, two days after the switch to daylight-saving time in
Chicago, so local hours are checked across a change of UTC offset.
"""

from __future__ import annotations

import json
import re
import uuid
import zoneinfo
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from sync.aircraft.models import Aircraft
from sync.audit import service as audit_service
from sync.audit.models import AuditEvent
from sync.auth import service as auth_service
from sync.auth.models import Account, AccountRole
from sync.auth.passwords import verify_password
from sync.cli import main
from sync.database import migrations
from sync.database.session import create_engine_for, session_scope
from sync.flights.models import RELEASED_STATUSES, Flight, FlightStatus, FlightType
from sync.people.models import Instructor, Student
from sync.schools import demo
from sync.schools.models import School
from sync.weather.daylight import dark_moments
from sync.weather.minimums import TrainingLevel
from sync.weather.stations import station_info

ZONE = zoneinfo.ZoneInfo("America/Chicago")
TODAY = date(2026, 3, 10)
NOW = datetime.combine(TODAY, time(12, 0), ZONE).astimezone(UTC)


def _seed(db, **kwargs):
    return demo.seed_demo(db, today=TODAY, now=NOW, **kwargs)


def _rows(db, model, school_id):
    return list(db.scalars(select(model).where(model.school_id == school_id)))


def _hhmm(text: str) -> time:
    return time(*map(int, text.split(":")))


def _inside(windows, start: datetime, end: datetime) -> bool:
    local_start, local_end = start.astimezone(ZONE), end.astimezone(ZONE)
    if local_start.date() != local_end.date():
        return False
    return any(w["weekday"] == local_start.isoweekday()
               and _hhmm(w["start"]) <= local_start.time() and local_end.time() <= _hhmm(w["end"])
               for w in windows)


def test_the_demo_school_has_its_fleet_staff_and_students(db_session):
    seeded = _seed(db_session)

    school = db_session.get(School, seeded.school_id)
    assert (school.name, school.home_airport, school.timezone) == (
        "Hill Country Flight Academy", "KAUS", "America/Chicago")
    assert {(h["open"], h["close"]) for h in school.operating_hours} == {("07:00", "19:00")}
    assert sorted(h["weekday"] for h in school.operating_hours) == list(range(1, 8))

    aircraft = _rows(db_session, Aircraft, school.id)
    assert Counter(a.model for a in aircraft) == {"C172S": 3, "PA-28-181": 2, "C152": 1}
    assert {a.model: a.max_crosswind_kt for a in aircraft} == {"C172S": 15, "PA-28-181": 17, "C152": 12}
    assert [a.home_airport for a in aircraft].count("KHYI") == 1
    assert [a.in_service for a in aircraft].count(False) == 1

    instructors = _rows(db_session, Instructor, school.id)
    assert len(instructors) == 5
    assert sum("CFII" in i.ratings for i in instructors) == 2
    assert all("CFI" in i.ratings and i.availability and i.account_id for i in instructors)

    students = _rows(db_session, Student, school.id)
    assert Counter(s.training_level for s in students) == {
        TrainingLevel.EARLY_STUDENT: 12, TrainingLevel.PRIVATE_PILOT: 12,
        TrainingLevel.INSTRUMENT_RATED: 6}
    assert all(s.availability for s in students)
    assert all(s.night_trained == (s.training_level is not TrainingLevel.EARLY_STUDENT)
               for s in students)
    assert sum(s.personal_minimums is not None for s in students) == 2
    assert len({s.name for s in students}) == 30

    assert (seeded.aircraft, seeded.instructors, seeded.students) == (6, 5, 30)


@pytest.mark.parametrize("bulk", [False, True], ids=["booked", "bulk"])
def test_the_calendar_is_two_weeks_of_lessons_that_never_clash(db_session, bulk):
    seeded = _seed(db_session, bulk=bulk)
    school_id = seeded.school_id
    flights = _rows(db_session, Flight, school_id)
    students = {s.id: s for s in _rows(db_session, Student, school_id)}
    instructors = {i.id: i for i in _rows(db_session, Instructor, school_id)}
    aircraft = {a.id: a for a in _rows(db_session, Aircraft, school_id)}

    assert len(flights) >= 80
    assert Counter(f.status.value for f in flights) == seeded.lessons
    past = [f for f in flights if f.end_at <= NOW]
    future = [f for f in flights if f.start_at > NOW]
    assert {f.status for f in past} == {FlightStatus.COMPLETED, FlightStatus.CANCELLED}
    assert 1 <= sum(f.status is FlightStatus.CANCELLED for f in past) <= len(past) // 4
    assert {f.status for f in future} == {FlightStatus.SCHEDULED}
    assert len(past) >= 30 and len(future) >= 30
    days = {f.start_at.astimezone(ZONE).date() for f in flights}
    assert min(days) >= TODAY - timedelta(days=7) and max(days) <= TODAY + timedelta(days=7)
    assert set(FlightType) == {f.flight_type for f in flights}
    assert {f.destination for f in flights if f.flight_type is FlightType.CROSS_COUNTRY} <= {
        "KHYI", "KSAT", "KGTU", "KAUS"}
    assert "KHYI" in {f.departure for f in flights}

    held: dict[uuid.UUID, list[Flight]] = defaultdict(list)
    for flight in flights:
        duration = flight.end_at - flight.start_at
        assert timedelta(hours=1) <= duration <= timedelta(hours=2)
        # Inside school hours, the student's week and (dual) the instructor's.
        assert _inside([{"weekday": d, "start": "07:00", "end": "19:00"} for d in range(1, 8)],
                       flight.start_at, flight.end_at), flight
        student = students[flight.student_id]
        assert _inside(student.availability, flight.start_at, flight.end_at)
        plane = aircraft[flight.aircraft_id]
        assert plane.in_service and flight.departure == plane.home_airport
        if flight.flight_type is FlightType.SOLO:
            assert flight.instructor_id is None
        else:
            instructor = instructors[flight.instructor_id]
            assert _inside(instructor.availability, flight.start_at, flight.end_at)
            if flight.flight_type is FlightType.INSTRUMENT:
                assert "CFII" in instructor.ratings
        if not student.night_trained:
            info = station_info(flight.departure)
            assert not dark_moments(info.latitude, info.longitude, flight.start_at, flight.end_at)
        if flight.status not in RELEASED_STATUSES:
            for resource in (flight.student_id, flight.instructor_id, flight.aircraft_id):
                if resource is not None:
                    held[resource].append(flight)

    for resource, booked in held.items():
        booked.sort(key=lambda f: f.start_at)
        for earlier, later in zip(booked, booked[1:]):
            assert earlier.end_at <= later.start_at, (resource, earlier.id, later.id)


@pytest.mark.parametrize("bulk", [False, True], ids=["booked", "bulk"])
def test_upcoming_lessons_went_through_the_booking_service(db_session, bulk):
    seeded = _seed(db_session, bulk=bulk)
    future = {f.id for f in _rows(db_session, Flight, seeded.school_id) if f.start_at > NOW}
    audited = set(db_session.scalars(select(AuditEvent.row_id).where(
        AuditEvent.school_id == seeded.school_id, AuditEvent.table_name == "flights",
        AuditEvent.action == "create", AuditEvent.actor == "seed")))
    assert future and future <= audited
    # History is dated: booked a few days before it flew.
    for flight in _rows(db_session, Flight, seeded.school_id):
        if flight.end_at <= NOW:
            assert flight.created_at < flight.start_at


def test_the_calendar_is_the_same_for_the_same_day(db_session):
    def layout():
        seeded = _seed(db_session, passwords={})
        students = {s.id: s.name for s in _rows(db_session, Student, seeded.school_id)}
        planes = {a.id: a.tail_number for a in _rows(db_session, Aircraft, seeded.school_id)}
        return sorted((students[f.student_id], planes[f.aircraft_id], f.start_at, f.end_at,
                       f.flight_type.value, f.status.value)
                      for f in _rows(db_session, Flight, seeded.school_id))

    first = layout()
    db_session.rollback()
    assert layout() == first


# Written when seeded, not what was seeded: ids, clocks, sequence numbers, random hashes.
_WRITING = frozenset({"id", "created_at", "updated_at", "at", "server_seq", "password_hash"})


def _written(db, school_id) -> dict[str, Counter]:
    """Every row of the school, ids replaced by what they name (a student's name, a lesson's
    student and start…), without ``_WRITING``'s columns: what two seeds of one day must share."""
    names: dict[str, str] = {str(school_id): "school"}
    for model, label in ((Account, "email"), (Aircraft, "tail_number"), (Instructor, "name"),
                         (Student, "name")):
        names.update((str(row.id), getattr(row, label)) for row in _rows(db, model, school_id))
    flights = _rows(db, Flight, school_id)
    names.update((str(flight.id), f"{names[str(flight.student_id)]} {flight.start_at}")
                 for flight in flights)

    def plain(value):
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items() if key not in _WRITING}
        if isinstance(value, list):
            return [plain(item) for item in value]
        return names.get(value, value) if isinstance(value, str) else value

    written: dict[str, Counter] = {}
    rows = [db.get(School, school_id), *(row for model in (Account, Aircraft, Instructor, Student)
                                         for row in _rows(db, model, school_id)), *flights,
            *_rows(db, AuditEvent, school_id)]
    for row in rows:
        values = plain({key: (str(value) if isinstance(value, uuid.UUID) else value)
                        for key, value in audit_service.snapshot(row).items()})
        written.setdefault(type(row).__name__, Counter())[
            json.dumps(values, sort_keys=True, default=str)] += 1
    return written


def test_the_bulk_seed_writes_what_the_booking_service_writes(db_session):
    """``bulk=True`` (the embedded demo's first start) writes the same school, staff, lessons and
    audit trail as booking each upcoming lesson through ``flights_service.create``."""
    booked = _written(db_session, _seed(db_session, random_passwords=False).school_id)
    db_session.rollback()
    bulk = _written(db_session, _seed(db_session, random_passwords=False, bulk=True).school_id)

    assert bulk.keys() == booked.keys() == {"School", "Account", "Aircraft", "Instructor",
                                            "Student", "Flight", "AuditEvent"}
    for table in booked:
        assert bulk[table] == booked[table], table
    assert sum(booked["Flight"].values()) >= 80
    # The school, 7 accounts, 6 aircraft, 5 instructors, 30 students, and 30-odd bookings.
    assert sum(booked["AuditEvent"].values()) >= 49 + 30


def test_the_staff_can_sign_in_with_the_printed_passwords(db_session):
    seeded = _seed(db_session, passwords={demo.DISPATCHER_EMAIL: "front desk password 1"})

    assert [s.role for s in seeded.sign_ins] == ["admin", "dispatcher"] + ["instructor"] * 5
    for sign_in in seeded.sign_ins:
        account = auth_service.get_by_email(db=db_session, email=sign_in.email)
        assert account.school_id == seeded.school_id
        assert account.role is AccountRole(sign_in.role)
        assert sign_in.email.endswith("@hillcountry.example")
        assert verify_password(account.password_hash, sign_in.password)
        assert not verify_password(account.password_hash, sign_in.password + "x")
    desk = next(s for s in seeded.sign_ins if s.role == "dispatcher")
    assert desk.password == "front desk password 1"
    linked = {i.account_id for i in _rows(db_session, Instructor, seeded.school_id)}
    instructor_accounts = {auth_service.get_by_email(db=db_session, email=s.email).id
                           for s in seeded.sign_ins if s.role == "instructor"}
    assert linked == instructor_accounts


def test_without_random_passwords_only_the_given_ones_sign_in(db_session):
    """The embedded demo's seed: the dispatcher's password only; the others set theirs through a
    mailed link, and until then no password (not even an empty one) opens their accounts."""
    seeded = _seed(db_session, passwords={demo.DISPATCHER_EMAIL: "front desk password 1"},
                   random_passwords=False)

    assert [s.role for s in seeded.sign_ins] == ["admin", "dispatcher"] + ["instructor"] * 5
    for sign_in in seeded.sign_ins:
        account = auth_service.get_by_email(db=db_session, email=sign_in.email)
        if sign_in.email == demo.DISPATCHER_EMAIL:
            assert verify_password(account.password_hash, "front desk password 1")
            continue
        assert sign_in.password == ""
        assert not verify_password(account.password_hash, "")
        assert not verify_password(account.password_hash, "front desk password 1")


def test_seeding_twice_is_refused_and_changes_nothing(db_session):
    seeded = _seed(db_session)
    before = db_session.scalar(select(func.count()).select_from(Flight))

    with pytest.raises(demo.DemoAlreadySeeded, match="already in this database"):
        _seed(db_session)

    assert db_session.scalar(select(func.count()).select_from(Flight)) == before
    assert db_session.scalar(select(func.count()).select_from(School).where(
        School.name == demo.SCHOOL_NAME)) == 1
    assert seeded.school_id


# -- the command -------------------------------------------------------------------------------


@pytest.fixture
def fresh_database(empty_database_url, use_database) -> str:
    migrations.upgrade(empty_database_url)
    use_database(empty_database_url)
    return empty_database_url


def test_seed_command_prints_the_sign_ins_and_refuses_a_second_run(fresh_database, capsys):
    assert main(["seed", "--demo", "--today", TODAY.isoformat()]) == 0
    out = capsys.readouterr().out
    assert 'Seeded the demo school "Hill Country Flight Academy"' in out
    assert "6 aircraft, 5 instructors, 30 students" in out
    match = re.search(r"Sign in as (dispatcher@hillcountry\.example) / (\S+)$", out, re.M)
    assert match, out
    for email in ("admin@hillcountry.example", "maria.delgado@hillcountry.example"):
        assert email in out

    engine = create_engine_for(fresh_database)
    try:
        with session_scope(engine) as db:
            account = auth_service.get_by_email(db=db, email=match.group(1))
            assert verify_password(account.password_hash, match.group(2))
            flights = db.scalar(select(func.count()).select_from(Flight))
            accounts = db.scalar(select(func.count()).select_from(Account))

        assert main(["seed", "--demo"]) == 2
        captured = capsys.readouterr()
        assert "already in this database" in captured.err and "nothing was changed" in captured.err
        assert captured.out == ""
        with session_scope(engine) as db:
            assert db.scalar(select(func.count()).select_from(Flight)) == flights
            assert db.scalar(select(func.count()).select_from(Account)) == accounts
    finally:
        engine.dispose()


def test_seed_command_refuses_a_database_that_was_not_upgraded(empty_database_url, use_database,
                                                               capsys):
    use_database(empty_database_url)
    assert main(["seed", "--demo"]) == 1
    assert "Run `fsp-sync db upgrade`." in capsys.readouterr().err


def test_seed_needs_the_demo_flag(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["seed"])
    assert exit_info.value.code == 2
