"""Booking rules of the flights service, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from sync.audit.models import AuditEvent
from sync.auth.models import Account, AccountRole
from sync.errors import Conflict, Forbidden, InvalidInput, NotFound, PreconditionRequired
from sync.flights import service
from sync.flights.models import Flight, FlightStatus, FlightType
from sync.flights.schemas import FlightCancel, FlightCreate, FlightUpdate
from sync.people.models import InstructorRating
from tests.sync.factories import (
    make_aircraft,
    make_flight,
    make_instructor,
    make_school,
    make_student,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TEN = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def school(db_session):
    return make_school(db_session)


@pytest.fixture
def people(db_session, school):
    return {
        "student": make_student(db_session, school),
        "instructor": make_instructor(db_session, school),
        "aircraft": make_aircraft(db_session, school),
    }


def booking(people, *, start=TEN, end=None, **fields) -> FlightCreate:
    values = {
        "student_id": people["student"].id,
        "instructor_id": people["instructor"].id,
        "aircraft_id": people["aircraft"].id,
        "start_at": start,
        "end_at": end or start + HOUR,
        "departure": "KAUS",
        "flight_type": FlightType.DUAL,
    }
    return FlightCreate(**(values | fields))


def book(db, school, data, actor="dispatcher@test"):
    return service.create(db=db, actor=actor, school_id=school.id, data=data, now=NOW)


def make_account(db, school, role: AccountRole, email: str | None = None) -> Account:
    account = Account(school_id=school.id, email=email or f"{uuid.uuid4().hex[:8]}@test.example",
                      password_hash="x", role=role)
    db.add(account)
    db.flush()
    return account


# -- creating --------------------------------------------------------------------------------


def test_a_valid_lesson_is_booked_in_utc_and_audited(db_session, school, people):
    chicago = timezone(timedelta(hours=-6))
    flight = book(db_session, school, booking(people, start=TEN.astimezone(chicago)))

    assert flight.start_at == TEN and flight.end_at == TEN + HOUR
    assert flight.status is FlightStatus.SCHEDULED
    stored = db_session.get(Flight, flight.id)
    assert stored.start_at.utcoffset() == timedelta(0)
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.row_id == flight.id)).one()
    assert (event.action, event.table_name, event.actor) == ("create", "flights", "dispatcher@test")
    assert event.before is None and event.after["start_at"].startswith("2026-11-26T10:00")


def test_naive_times_are_refused_by_the_schema(people):
    with pytest.raises(ValueError):
        booking(people, start=datetime(2026, 11, 26, 10, 0))


@pytest.mark.parametrize("resource", ["student", "instructor", "aircraft"])
def test_a_double_booking_names_the_rule_and_the_clashing_lesson(db_session, school, people, resource):
    first = book(db_session, school, booking(people))
    others = {
        "student": make_student(db_session, school),
        "instructor": make_instructor(db_session, school),
        "aircraft": make_aircraft(db_session, school),
    }
    # Only `resource` is shared with the first lesson.
    fields = {f"{name}_id": others[name].id for name in others if name != resource}

    with pytest.raises(Conflict) as raised:
        book(db_session, school, booking(people, start=TEN + HOUR / 2, **fields))

    assert raised.value.rule == f"{resource.upper()}_DOUBLE_BOOKED"
    assert raised.value.conflict["id"] == str(first.id)
    assert raised.value.conflict["start_at"] == "2026-11-26T10:00:00Z"
    assert raised.value.conflict["end_at"] == "2026-11-26T11:00:00Z"


def test_back_to_back_lessons_do_not_clash(db_session, school, people):
    book(db_session, school, booking(people, start=TEN))
    later = book(db_session, school, booking(people, start=TEN + HOUR))
    earlier = book(db_session, school, booking(people, start=TEN - HOUR))

    assert later.start_at == TEN + HOUR and earlier.end_at == TEN


def test_a_lesson_inside_or_around_another_clashes(db_session, school, people):
    book(db_session, school, booking(people, start=TEN, end=TEN + 2 * HOUR))
    with pytest.raises(Conflict):
        book(db_session, school, booking(people, start=TEN + HOUR / 4, end=TEN + HOUR / 2))
    with pytest.raises(Conflict):
        book(db_session, school, booking(people, start=TEN - HOUR, end=TEN + 3 * HOUR))


@pytest.mark.parametrize("status", [FlightStatus.CANCELLED, FlightStatus.WEATHER_CANCELLED,
                                    FlightStatus.RESCHEDULED])
def test_released_lessons_free_the_slot(db_session, school, people, status):
    first = book(db_session, school, booking(people))
    first.status = status
    db_session.flush()

    assert book(db_session, school, booking(people)).id != first.id


def test_a_cancelled_lesson_frees_the_slot(db_session, school, people):
    first = book(db_session, school, booking(people))
    service.cancel(db=db_session, actor="desk", school_id=school.id, flight_id=first.id,
                   data=FlightCancel(reason="student ill"), now=NOW)

    book(db_session, school, booking(people))


def test_another_schools_lessons_never_clash(db_session, school, people):
    other = make_school(db_session)
    make_flight(db_session, other, start_at=TEN)
    book(db_session, school, booking(people))


def test_a_lesson_in_the_past_is_refused(db_session, school, people):
    with pytest.raises(InvalidInput) as raised:
        book(db_session, school, booking(people, start=NOW - HOUR))
    assert raised.value.rule == "START_IN_PAST"
    with pytest.raises(InvalidInput):
        book(db_session, school, booking(people, start=NOW))


def test_a_lesson_must_end_after_it_starts(db_session, school, people):
    with pytest.raises(InvalidInput) as raised:
        book(db_session, school, booking(people, end=TEN))
    assert raised.value.rule == "ENDS_BEFORE_START"
    with pytest.raises(InvalidInput):
        book(db_session, school, booking(people, end=TEN - HOUR))


def test_an_aircraft_out_of_service_is_refused(db_session, school, people):
    people["aircraft"].in_service = False
    with pytest.raises(InvalidInput) as raised:
        book(db_session, school, booking(people))
    assert raised.value.rule == "AIRCRAFT_OUT_OF_SERVICE"


def test_instrument_lessons_need_a_cfii(db_session, school, people):
    cfi = make_instructor(db_session, school, ratings=[InstructorRating.CFI.value])
    with pytest.raises(InvalidInput) as raised:
        book(db_session, school, booking(people, instructor_id=cfi.id, flight_type=FlightType.INSTRUMENT))
    assert raised.value.rule == "INSTRUCTOR_NOT_QUALIFIED"

    book(db_session, school, booking(people, flight_type=FlightType.INSTRUMENT))  # a CFII
    book(db_session, school, booking(people, start=TEN + 2 * HOUR, instructor_id=cfi.id,
                                     flight_type=FlightType.CROSS_COUNTRY, destination="KSAT"))


def test_an_instructor_without_ratings_teaches_nothing(db_session, school, people):
    nobody = make_instructor(db_session, school, ratings=[])
    with pytest.raises(InvalidInput) as raised:
        book(db_session, school, booking(people, instructor_id=nobody.id))
    assert raised.value.rule == "INSTRUCTOR_NOT_QUALIFIED"


def test_only_a_solo_flies_without_an_instructor(db_session, school, people):
    with pytest.raises(InvalidInput) as raised:
        book(db_session, school, booking(people, instructor_id=None))
    assert raised.value.rule == "INSTRUCTOR_REQUIRED"
    with pytest.raises(InvalidInput) as raised:
        book(db_session, school, booking(people, flight_type=FlightType.SOLO))
    assert raised.value.rule == "SOLO_WITH_INSTRUCTOR"

    solo = book(db_session, school, booking(people, instructor_id=None, flight_type=FlightType.SOLO))
    assert solo.instructor_id is None


@pytest.mark.parametrize("field", ["departure", "destination", "route_points"])
def test_airports_must_be_known_to_the_engine(db_session, school, people, field):
    value = ["ZZZZ"] if field == "route_points" else "ZZZZ"
    with pytest.raises(InvalidInput) as raised:
        book(db_session, school, booking(people, **{field: value}))
    assert raised.value.rule == "UNKNOWN_AIRPORT"
    assert raised.value.field == field


@pytest.mark.parametrize("resource", ["student", "instructor", "aircraft"])
def test_another_schools_people_and_aircraft_are_not_found(db_session, school, people, resource):
    other = make_school(db_session)
    maker = {"student": make_student, "instructor": make_instructor, "aircraft": make_aircraft}[resource]
    foreign = maker(db_session, other)

    with pytest.raises(NotFound) as raised:
        book(db_session, school, booking(people, **{f"{resource}_id": foreign.id}))
    assert raised.value.rule == f"{resource.upper()}_NOT_FOUND"


# -- reading ---------------------------------------------------------------------------------


def test_another_schools_lesson_is_not_found(db_session, school):
    foreign = make_flight(db_session, make_school(db_session))
    with pytest.raises(NotFound):
        service.get(db=db_session, school_id=school.id, flight_id=foreign.id)
    with pytest.raises(NotFound):
        service.update(db=db_session, actor="desk", school_id=school.id, flight_id=foreign.id,
                       data=FlightUpdate(notes="x"), now=NOW)
    with pytest.raises(NotFound):
        service.cancel(db=db_session, actor="desk", school_id=school.id, flight_id=foreign.id,
                       data=FlightCancel(reason="x"), now=NOW)


def test_listing_filters_by_range_and_status(db_session, school, people):
    first = book(db_session, school, booking(people, start=TEN))
    second = book(db_session, school, booking(people, start=TEN + 3 * HOUR))
    service.cancel(db=db_session, actor="desk", school_id=school.id, flight_id=second.id,
                   data=FlightCancel(reason="x"), now=NOW)
    make_flight(db_session, make_school(db_session), start_at=TEN)

    every = service.list_flights(db=db_session, school_id=school.id)
    assert [flight.id for flight in every] == [first.id, second.id]
    # A lesson overlapping the range's edge is in it; one ending at its start is not.
    window = service.list_flights(db=db_session, school_id=school.id, start=TEN + HOUR / 2,
                                  end=TEN + 3 * HOUR)
    assert [flight.id for flight in window] == [first.id]
    assert service.list_flights(db=db_session, school_id=school.id, start=TEN + HOUR) == [second]
    cancelled = service.list_flights(db=db_session, school_id=school.id, status=FlightStatus.CANCELLED)
    assert cancelled == [second]


# -- changing --------------------------------------------------------------------------------


def test_an_update_is_checked_and_audited_with_before_and_after(db_session, school, people):
    flight = book(db_session, school, booking(people))
    version = flight.version
    updated = service.update(db=db_session, actor="desk", school_id=school.id, flight_id=flight.id,
                             data=FlightUpdate(version=version, start_at=TEN + HOUR,
                                               end_at=TEN + 2 * HOUR, notes="moved"),
                             now=NOW)
    db_session.flush()

    assert (updated.start_at, updated.notes, updated.version) == (TEN + HOUR, "moved", version + 1)
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.row_id == flight.id,
                                                        AuditEvent.action == "update")).one()
    assert event.before["start_at"].startswith("2026-11-26T10:00")
    assert event.after["start_at"].startswith("2026-11-26T11:00")


def test_a_lesson_moved_within_its_own_slot_does_not_clash_with_itself(db_session, school, people):
    flight = book(db_session, school, booking(people, end=TEN + 2 * HOUR))
    service.update(db=db_session, actor="desk", school_id=school.id, flight_id=flight.id,
                   data=FlightUpdate(version=flight.version, start_at=TEN + HOUR / 2), now=NOW)


def test_a_refused_update_changes_nothing(db_session, school, people):
    first = book(db_session, school, booking(people, start=TEN))
    second = book(db_session, school, booking(people, start=TEN + 2 * HOUR))

    with pytest.raises(Conflict) as raised:
        service.update(db=db_session, actor="desk", school_id=school.id, flight_id=second.id,
                       data=FlightUpdate(version=second.version, start_at=TEN + HOUR / 2), now=NOW)
    assert raised.value.rule == "STUDENT_DOUBLE_BOOKED"
    assert raised.value.conflict["id"] == str(first.id)
    db_session.flush()
    assert db_session.get(Flight, second.id).start_at == TEN + 2 * HOUR
    assert not db_session.scalars(select(AuditEvent).where(AuditEvent.action == "update",
                                                           AuditEvent.row_id == second.id)).all()


def test_a_stale_version_is_a_conflict(db_session, school, people):
    flight = book(db_session, school, booking(people))
    with pytest.raises(Conflict) as raised:
        service.update(db=db_session, actor="desk", school_id=school.id, flight_id=flight.id,
                       data=FlightUpdate(version=flight.version + 5, notes="x"), now=NOW)
    assert raised.value.rule == "STALE_VERSION"


def test_cancel_records_the_reason_and_closes_the_lesson(db_session, school, people):
    flight = book(db_session, school, booking(people))
    cancelled = service.cancel(db=db_session, actor="desk", school_id=school.id, flight_id=flight.id,
                               data=FlightCancel(reason="student ill"), now=NOW)
    db_session.flush()

    assert cancelled.status is FlightStatus.CANCELLED
    assert "student ill" in cancelled.notes
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "cancel")).one()
    assert event.before["status"] == "SCHEDULED" and event.after["status"] == "CANCELLED"
    with pytest.raises(Conflict) as raised:
        service.cancel(db=db_session, actor="desk", school_id=school.id, flight_id=flight.id,
                       data=FlightCancel(reason="again"), now=NOW)
    assert raised.value.rule == "FLIGHT_CLOSED"


# -- who may do what -------------------------------------------------------------------------


def test_instructors_change_only_the_lessons_they_teach(db_session, school, people):
    teacher = make_account(db_session, school, AccountRole.INSTRUCTOR)
    people["instructor"].account_id = teacher.id
    colleague = make_instructor(db_session, school)
    own = book(db_session, school, booking(people))
    theirs = book(db_session, school, booking(people, start=TEN + 3 * HOUR, instructor_id=colleague.id))

    service.update(db=db_session, actor=teacher, school_id=school.id, flight_id=own.id,
                   data=FlightUpdate(version=own.version, notes="bring the headset"), now=NOW)
    with pytest.raises(Forbidden) as raised:
        service.update(db=db_session, actor=teacher, school_id=school.id, flight_id=theirs.id,
                       data=FlightUpdate(version=theirs.version, notes="mine now"), now=NOW)
    assert raised.value.rule == "NOT_YOUR_LESSON"
    with pytest.raises(Forbidden):
        service.cancel(db=db_session, actor=teacher, school_id=school.id, flight_id=theirs.id,
                       data=FlightCancel(reason="x"), now=NOW)
    # Nor may they hand their own lesson to a colleague.
    with pytest.raises(Forbidden):
        service.update(db=db_session, actor=teacher, school_id=school.id, flight_id=own.id,
                       data=FlightUpdate(version=own.version, instructor_id=colleague.id), now=NOW)
    # Booking a lesson for a colleague is the front desk's job.
    with pytest.raises(Forbidden):
        book(db_session, school, booking(people, start=TEN + 6 * HOUR, instructor_id=colleague.id),
             actor=teacher)
    mine = book(db_session, school, booking(people, start=TEN + 6 * HOUR), actor=teacher)
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.row_id == mine.id)).one()
    assert (event.actor, event.actor_account_id) == (teacher.email, teacher.id)


def test_dispatchers_change_any_lesson_and_students_none(db_session, school, people):
    dispatcher = make_account(db_session, school, AccountRole.DISPATCHER)
    student = make_account(db_session, school, AccountRole.STUDENT)
    flight = book(db_session, school, booking(people), actor=dispatcher)

    service.update(db=db_session, actor=dispatcher, school_id=school.id, flight_id=flight.id,
                   data=FlightUpdate(version=flight.version, notes="ok"), now=NOW)
    with pytest.raises(Forbidden):
        service.update(db=db_session, actor=student, school_id=school.id, flight_id=flight.id,
                       data=FlightUpdate(version=flight.version, notes="no"), now=NOW)


def test_notes_can_be_added_to_a_lesson_whose_aircraft_left_service(db_session, school, people):
    flight = book(db_session, school, booking(people))
    people["aircraft"].in_service = False

    service.update(db=db_session, actor="desk", school_id=school.id, flight_id=flight.id,
                   data=FlightUpdate(version=flight.version, notes="needs another aircraft"), now=NOW)
    with pytest.raises(InvalidInput) as raised:
        service.update(db=db_session, actor="desk", school_id=school.id, flight_id=flight.id,
                       data=FlightUpdate(version=flight.version, start_at=TEN + HOUR / 2), now=NOW)
    assert raised.value.rule == "AIRCRAFT_OUT_OF_SERVICE"


def test_an_update_must_name_the_version_it_was_made_on(db_session, school, people):
    flight = book(db_session, school, booking(people))
    with pytest.raises(PreconditionRequired) as raised:
        service.update(db=db_session, actor="desk", school_id=school.id, flight_id=flight.id,
                       data=FlightUpdate(notes="blind"), now=NOW)
    assert (raised.value.rule, raised.value.field) == ("VERSION_REQUIRED", "version")
    assert "version" in raised.value.message and "If-Match" in raised.value.message
    assert db_session.get(Flight, flight.id).notes == ""


# -- how long, how far ahead -----------------------------------------------------------------


def test_a_lesson_lasts_at_most_the_schools_longest(db_session, school, people):
    assert school.max_lesson_hours == 12  # the default
    book(db_session, school, booking(people, end=TEN + 12 * HOUR))  # exactly the limit
    with pytest.raises(InvalidInput) as raised:
        book(db_session, school, booking(people, start=TEN + 24 * HOUR, end=TEN + 36 * HOUR + HOUR / 60))
    assert (raised.value.rule, raised.value.field) == ("LESSON_TOO_LONG", "end_at")
    assert "12 hours" in raised.value.message and "max_lesson_hours" in raised.value.message

    school.max_lesson_hours = 3
    with pytest.raises(InvalidInput) as raised:
        book(db_session, school, booking(people, start=TEN + 48 * HOUR, end=TEN + 52 * HOUR))
    assert raised.value.rule == "LESSON_TOO_LONG" and "3 hours" in raised.value.message
    with pytest.raises(InvalidInput) as raised:  # a year long
        book(db_session, school, booking(people, start=TEN, end=TEN + timedelta(days=365)))
    assert raised.value.rule == "LESSON_TOO_LONG" and "365 days" in raised.value.message


def test_a_lesson_starts_within_the_schools_booking_horizon(db_session, school, people):
    assert school.booking_horizon_days == 365  # the default
    book(db_session, school, booking(people, start=NOW + timedelta(days=365)))  # exactly the limit
    for start in (NOW + timedelta(days=365, minutes=1), datetime(9999, 12, 31, 20, tzinfo=UTC)):
        with pytest.raises(InvalidInput) as raised:
            book(db_session, school, booking(people, start=start))
        assert (raised.value.rule, raised.value.field) == ("BEYOND_BOOKING_HORIZON", "start_at")
        assert "365 days" in raised.value.message and "booking_horizon_days" in raised.value.message

    school.booking_horizon_days = 30
    with pytest.raises(InvalidInput) as raised:
        book(db_session, school, booking(people, start=NOW + timedelta(days=31)))
    assert raised.value.rule == "BEYOND_BOOKING_HORIZON" and "30 days" in raised.value.message


@pytest.mark.parametrize(("change", "rule"), [
    ({"end_at": TEN + 13 * HOUR}, "LESSON_TOO_LONG"),
    ({"start_at": NOW + timedelta(days=400), "end_at": NOW + timedelta(days=400) + HOUR},
     "BEYOND_BOOKING_HORIZON"),
    ({"end_at": datetime(9999, 1, 1, tzinfo=UTC)}, "LESSON_TOO_LONG"),
])
def test_an_update_keeps_to_the_same_bounds_and_changes_nothing_when_refused(
        db_session, school, people, change, rule):
    flight = book(db_session, school, booking(people))
    with pytest.raises(InvalidInput) as raised:
        service.update(db=db_session, actor="desk", school_id=school.id, flight_id=flight.id,
                       data=FlightUpdate(version=flight.version, **change), now=NOW)
    assert raised.value.rule == rule
    db_session.flush()
    stored = db_session.get(Flight, flight.id)
    assert (stored.start_at, stored.end_at, stored.version) == (TEN, TEN + HOUR, 1)


def test_times_left_alone_are_not_judged_again(db_session, school, people):
    flight = book(db_session, school, booking(people, end=TEN + 6 * HOUR))
    school.max_lesson_hours = 2  # narrowed after the booking
    service.update(db=db_session, actor="desk", school_id=school.id, flight_id=flight.id,
                   data=FlightUpdate(version=flight.version, notes="bring lunch",
                                     instructor_id=people["instructor"].id), now=NOW)
    with pytest.raises(InvalidInput) as raised:
        service.update(db=db_session, actor="desk", school_id=school.id, flight_id=flight.id,
                       data=FlightUpdate(version=flight.version, end_at=TEN + 5 * HOUR), now=NOW)
    assert raised.value.rule == "LESSON_TOO_LONG"
