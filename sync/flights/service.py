"""Booking lessons: the rules every lesson obeys, whether it comes through REST or a sync push.

Every function is scoped to one school: a row of another school is ``NotFound``, exactly as if it
did not exist. ``actor`` is the signed-in ``Account`` (its role decides what it may change) or a
string naming a system actor ("sweep", "cli"), which may change anything in the school.

``policy``: the school's soft booking rules (``sync.policy.service.BookingRules``), judged after
every hard rule here has passed, on the paths where people book (REST and sync push); it may
refuse, and returns the warnings the request acknowledged, which the lesson keeps.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from sync.aircraft.models import Aircraft
from sync.audit import service as audit_service
from sync.auth.models import Account, AccountRole
from sync.database import scoped
from sync.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError
from sync.flights.models import RELEASED_STATUSES, CancelKind, Flight, FlightStatus, FlightType
from sync.flights.schemas import FlightCancel, FlightCreate, FlightUpdate
from sync.people.models import Instructor, InstructorRating, Student
from sync.policy.windows import local_moment
from sync.schools.models import School
from sync.weather.stations import is_known_station

Actor = Account | str


class Policy(Protocol):
    """The school's soft rules (``sync.policy.service.BookingRules``)."""

    def around(self, *, db: Session, flight: Flight) -> dict[str, Any]:
        """The other lessons the rules read, as ``lessons_around``'s parameters: read in the
        clash check's own query and handed back to the call as ``others``."""

    def __call__(self, *, db: Session, actor: Actor, flight: Flight, acknowledge: Any,
                 now: datetime, others: list[Any]) -> list[dict[str, Any]]:
        """The warnings acknowledged (see above)."""

# Statuses a lesson can still be cancelled from.
_CANCELLABLE = frozenset({FlightStatus.SCHEDULED, FlightStatus.AT_RISK})


# -- reading ---------------------------------------------------------------------------------


def list_flights(
    *,
    db: Session,
    school_id: uuid.UUID,
    start: datetime | None = None,
    end: datetime | None = None,
    status: FlightStatus | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[Flight]:
    """The school's lessons overlapping [start, end), in start order (tombstones left out)."""
    query = _listing(school_id, start, end, status).order_by(Flight.start_at, Flight.id)
    if offset:
        query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(db.scalars(query))


def count_flights(
    *,
    db: Session,
    school_id: uuid.UUID,
    start: datetime | None = None,
    end: datetime | None = None,
    status: FlightStatus | None = None,
) -> int:
    query = _listing(school_id, start, end, status).with_only_columns(func.count(Flight.id))
    return int(db.scalar(query.order_by(None)) or 0)


def _listing(school_id: uuid.UUID, start: datetime | None, end: datetime | None,
             status: FlightStatus | None) -> Select[tuple[Flight]]:
    query = select(Flight).where(Flight.school_id == school_id, Flight.deleted_at.is_(None))
    start = _aware(start, "from") if start is not None else None
    end = _aware(end, "to") if end is not None else None
    if start is not None and end is not None and end <= start:
        raise InvalidInput("the range must end after it starts", field="to",
                           rule="RANGE_ENDS_BEFORE_START")
    if start is not None:
        query = query.where(Flight.end_at > start)
    if end is not None:
        query = query.where(Flight.start_at < end)
    if status is not None:
        query = query.where(Flight.status == status)
    return query


def get(*, db: Session, school_id: uuid.UUID, flight_id: uuid.UUID) -> Flight:
    flight = db.get(Flight, flight_id)
    if flight is None or flight.school_id != school_id or flight.is_deleted:
        raise NotFound(f"there is no lesson {flight_id}", field="id", rule="FLIGHT_NOT_FOUND")
    return flight


# -- writing ---------------------------------------------------------------------------------


def create(*, db: Session, actor: Actor, school_id: uuid.UUID, data: FlightCreate, now: datetime,
           policy: Policy | None = None, series_id: uuid.UUID | None = None) -> Flight:
    _require_staff(actor, school_id)
    scoped.check_new_id(db, Flight, data.id)
    flight = Flight(
        school_id=school_id,
        student_id=data.student_id,
        instructor_id=data.instructor_id,
        aircraft_id=data.aircraft_id,
        start_at=data.start_at.astimezone(UTC),
        end_at=data.end_at.astimezone(UTC),
        departure=data.departure,
        destination=data.destination,
        route_points=list(data.route_points),
        flight_type=data.flight_type,
        notes=data.notes,
        series_id=series_id,
    )
    if data.id is not None:
        flight.id = data.id
    if flight.start_at <= now:
        raise InvalidInput(
            f"the lesson starts at {_show(flight.start_at)}, which is not in the future",
            field="start_at", rule="START_IN_PAST",
        )
    # The school, people and aircraft read (and the booking lock taken) in one statement, then
    # judged from memory. Held until the policy has judged the lesson: the session's identity
    # map keeps rows only while they are referenced, and the policy reads the same ones.
    read = _read_parties_and_lock(db, school_id, flight)
    school = _check_times(db, school_id, flight, now)
    parties = _check(db, school_id, flight, policy, read=read)
    _require_may_change(actor, instructor_id=flight.instructor_id, instructor=parties.instructor, db=db)
    if policy is not None:
        flight.acknowledged_warnings = policy(db=db, actor=actor, flight=flight,
                                              acknowledge=data.acknowledge, now=now,
                                              others=parties.others)
    db.add(flight)
    _audit(db, school_id=school_id, actor=actor, action="create", flight=flight)
    return flight



def _changeable(db: Session, *, actor: Actor, school_id: uuid.UUID, flight_id: uuid.UUID) -> Flight:
    """The lesson, once the actor is shown to be staff who may change it (update and cancel)."""
    _require_staff(actor, school_id)
    flight = get(db=db, school_id=school_id, flight_id=flight_id)
    _require_may_change(actor, instructor_id=flight.instructor_id, db=db)
    return flight


def _audit(db: Session, *, school_id: uuid.UUID, actor: Actor, action: str, flight: Flight,
           before: dict | None = None) -> None:
    audit_service.record(db=db, school_id=school_id, actor=_actor_name(actor), action=action,
                         row=flight, before=before, actor_account_id=_actor_id(actor))

def update(
    *, db: Session, actor: Actor, school_id: uuid.UUID, flight_id: uuid.UUID, data: FlightUpdate,
    now: datetime, policy: Policy | None = None,
) -> Flight:
    """Change the lesson; with ``scope`` "following", move the later lessons of its series too
    (see ``update_following``)."""
    return update_following(db=db, actor=actor, school_id=school_id, flight_id=flight_id, data=data,
                            now=now, policy=policy)[0]


def update_following(
    *, db: Session, actor: Actor, school_id: uuid.UUID, flight_id: uuid.UUID, data: FlightUpdate,
    now: datetime, policy: Policy | None = None,
) -> tuple[Flight, list[Flight]]:
    """Change the lesson. With ``scope`` "following" (times only), every later lesson of its
    series still to fly moves the same way on the school's clock — to the same new time of day,
    as many days later or earlier — each judged on every rule, all or none. Returns the lesson
    and the others moved."""
    flight = _changeable(db, actor=actor, school_id=school_id, flight_id=flight_id)
    # The UPDATE is conditional on this version too (``SyncedMixin``'s version_id_col), so of
    # updates made on the same version at once exactly one is applied.
    if scoped.require_version(data.version, what="lesson") != flight.version:
        raise Conflict(
            f"the lesson was changed by someone else (version {flight.version}, not {data.version}); "
            "reload it and try again",
            field="version", rule="STALE_VERSION", conflict=_summary(flight),
        )
    if data.scope != "following" or flight.series_id is None:
        return _update_one(db, actor=actor, school_id=school_id, flight=flight, data=data, now=now,
                           policy=policy), []
    changed = set(data.model_dump(exclude_unset=True, exclude={"version", "acknowledge", "scope"}))
    if not changed or changed - {"start_at", "end_at"}:
        raise InvalidInput('scope "following" moves lessons in time: send start_at and end_at only '
                           "(change the others one at a time)", field="scope", rule="SCOPE_TIMES_ONLY")
    later = list(db.scalars(
        select(Flight).where(Flight.school_id == school_id, Flight.series_id == flight.series_id,
                             Flight.start_at > flight.start_at, Flight.status.in_(_CANCELLABLE),
                             Flight.deleted_at.is_(None), Flight.checked_out_at.is_(None),
                             Flight.id != flight.id)
        .order_by(Flight.start_at)))
    for other in later:
        _require_may_change(actor, instructor_id=other.instructor_id, db=db)
    zone = ZoneInfo(_school(db, school_id).timezone)
    old_start = flight.start_at.astimezone(zone)
    new_start = (data.start_at or flight.start_at).astimezone(zone)
    length = (data.end_at or flight.end_at) - (data.start_at or flight.start_at)
    days = new_start.date() - old_start.date()
    moves = [(flight, data)]
    for other in later:
        start = local_moment(other.start_at.astimezone(zone).date() + days, new_start.time(), zone)
        moves.append((other, FlightUpdate(version=other.version, start_at=start, end_at=start + length,
                                          acknowledge=data.acknowledge)))
    # Later first when moving later (earlier first when moving earlier): no lesson of the series
    # is ever moved onto one that has yet to move.
    if new_start > old_start:
        moves.reverse()
    for row, change in moves:
        try:
            _update_one(db, actor=actor, school_id=school_id, flight=row, data=change, now=now,
                        policy=policy)
            db.flush()
        except ServiceError as exc:
            if row is flight:
                raise
            raise type(exc)(f"the lesson of {_show(row.start_at)} in this series cannot move: "
                            f"{exc.message}", field=exc.field, rule=exc.rule,
                            conflict=exc.conflict or _summary(row), warnings=exc.warnings) from None
    return flight, later


# What a lesson whose aircraft is checked out may still change.
_CHANGEABLE_IN_FLIGHT = frozenset({"notes"})


def _update_one(db: Session, *, actor: Actor, school_id: uuid.UUID, flight: Flight,
                data: FlightUpdate, now: datetime, policy: Policy | None) -> Flight:
    if flight.status not in _CANCELLABLE:
        raise Conflict(f"the lesson is {flight.status.value} and can no longer be changed",
                       field="status", rule="FLIGHT_CLOSED", conflict=_summary(flight))
    changes = data.model_dump(exclude_unset=True, exclude={"version", "acknowledge", "scope"})
    if not changes:
        return flight
    if flight.checked_out_at is not None and set(changes) - _CHANGEABLE_IN_FLIGHT:
        # The aircraft is out with this student and instructor: what the lesson says is what is
        # flying now, and check-in records what was actually flown.
        raise Conflict("the aircraft is checked out for this lesson: only its notes can change "
                       "until it is checked in (POST /flights/{id}/check-in records the times "
                       "actually flown)", field=sorted(set(changes) - _CHANGEABLE_IN_FLIGHT)[0],
                       rule="FLIGHT_CHECKED_OUT", conflict=_summary(flight))
    before = audit_service.snapshot(flight)
    old_start = flight.start_at
    # A refused change must leave nothing behind in the session: on any error the row is
    # expired, so its unflushed new values are thrown away and it reloads as stored.
    try:
        with db.no_autoflush:
            for key, value in changes.items():
                if key in ("student_id", "aircraft_id", "start_at", "end_at", "departure",
                           "flight_type") and value is None:
                    raise InvalidInput(f"{key} cannot be emptied", field=key, rule="REQUIRED")
                if key in ("start_at", "end_at"):
                    value = value.astimezone(UTC)
                elif key == "route_points":
                    value = list(value or [])
                elif key == "notes":
                    value = value or ""
                setattr(flight, key, value)
            if flight.start_at != old_start and flight.start_at <= now:
                raise InvalidInput(
                    f"the lesson would start at {_show(flight.start_at)}, which is not in the future",
                    field="start_at", rule="START_IN_PAST",
                )
            # Times left alone are not judged again: a lesson booked before the school narrowed
            # its bounds can still be changed otherwise.
            if {"start_at", "end_at"} & set(changes):
                _check_times(db, school_id, flight, now)
            # Notes alone change no booking: a lesson whose aircraft has since gone out of
            # service can still be annotated (say, to note the swap that is needed).
            if set(changes) - {"notes"}:
                parties = _check(db, school_id, flight, policy)
                # An instructor may not hand their lesson over to someone else.
                _require_may_change(actor, instructor_id=flight.instructor_id,
                                    instructor=parties.instructor, db=db)
                if policy is not None:
                    # Judged afresh on every change of the booking: what was accepted for the
                    # old time or people says nothing about the new ones.
                    flight.acknowledged_warnings = policy(db=db, actor=actor, flight=flight,
                                                          acknowledge=data.acknowledge or (),
                                                          now=now, others=parties.others)
    except Exception:
        db.expire(flight)
        raise
    _audit(db, school_id=school_id, actor=actor, action="update", flight=flight, before=before)
    return flight


def cancel(
    *, db: Session, actor: Actor, school_id: uuid.UUID, flight_id: uuid.UUID, data: FlightCancel,
    now: datetime,
) -> Flight:
    """Cancel the lesson, recording why (``reason_kind``, ``reason``) and when. With ``scope``
    "following", every later lesson of its series still to fly is cancelled with it: see
    ``cancel_following``."""
    return cancel_following(db=db, actor=actor, school_id=school_id, flight_id=flight_id, data=data,
                            now=now)[0]


def cancel_following(
    *, db: Session, actor: Actor, school_id: uuid.UUID, flight_id: uuid.UUID, data: FlightCancel,
    now: datetime,
) -> tuple[Flight, list[Flight]]:
    """Cancel the lesson and, with ``scope`` "following", the later lessons of its series that are
    still to fly (one kind and reason for all; all or none). Returns the lesson and the others."""
    flight = _changeable(db, actor=actor, school_id=school_id, flight_id=flight_id)
    _require_cancellable(flight)
    later: list[Flight] = []
    if data.scope == "following" and flight.series_id is not None:
        later = list(db.scalars(
            select(Flight).where(Flight.school_id == school_id, Flight.series_id == flight.series_id,
                                 Flight.start_at > flight.start_at, Flight.status.in_(_CANCELLABLE),
                                 Flight.deleted_at.is_(None), Flight.checked_out_at.is_(None),
                                 Flight.id != flight.id)
            .order_by(Flight.start_at)))
        for other in later:
            _require_may_change(actor, instructor_id=other.instructor_id, db=db)
    _cancel_one(db, actor=actor, school_id=school_id, flight=flight, data=data, now=now)
    for other in later:
        _cancel_one(db, actor=actor, school_id=school_id, flight=other, data=data, now=now)
    return flight, later


def _require_cancellable(flight: Flight) -> None:
    if flight.status not in _CANCELLABLE:
        raise Conflict(f"the lesson is {flight.status.value} and cannot be cancelled",
                       field="status", rule="FLIGHT_CLOSED", conflict=_summary(flight))
    if flight.checked_out_at is not None:
        raise Conflict("the aircraft is checked out for this lesson: check it in instead "
                       "(POST /flights/{id}/check-in)", field="status", rule="FLIGHT_CHECKED_OUT",
                       conflict=_summary(flight))


def _cancel_one(db: Session, *, actor: Actor, school_id: uuid.UUID, flight: Flight,
                data: FlightCancel, now: datetime) -> None:
    _require_cancellable(flight)
    before = audit_service.snapshot(flight)
    flight.status = FlightStatus.CANCELLED
    flight.cancel_kind = CancelKind(data.reason_kind)
    flight.cancel_reason = data.reason
    flight.cancelled_at = now
    note = f"Cancelled {_show(now)} by {_actor_name(actor)} ({flight.cancel_kind.value}): {data.reason}"
    flight.notes = f"{flight.notes}\n{note}" if flight.notes else note
    _audit(db, school_id=school_id, actor=actor, action="cancel", flight=flight, before=before)


# -- the rules -------------------------------------------------------------------------------


def _school(db: Session, school_id: uuid.UUID) -> School:
    school = db.get(School, school_id)
    if school is None:
        raise NotFound("no such school", rule="SCHOOL_NOT_FOUND")
    return school


def _check_times(db: Session, school_id: uuid.UUID, flight: Flight, now: datetime) -> School:
    """The lesson ends after it starts, lasts no longer than the school allows, and starts no
    further ahead than it books (``School.max_lesson_hours``, ``School.booking_horizon_days``).
    Returns the school."""
    if flight.end_at <= flight.start_at:
        raise InvalidInput(
            f"the lesson ends ({_show(flight.end_at)}) before or when it starts ({_show(flight.start_at)})",
            field="end_at", rule="ENDS_BEFORE_START",
        )
    school = db.get(School, school_id)
    if school is None:
        raise NotFound("no such school", rule="SCHOOL_NOT_FOUND")
    longest = timedelta(hours=school.max_lesson_hours)
    if flight.end_at - flight.start_at > longest:
        raise InvalidInput(
            f"the lesson would last {_duration(flight.end_at - flight.start_at)}, longer than this "
            f"school's limit of {school.max_lesson_hours} hours: end it earlier, or book it as "
            "several lessons (the limit is the school setting max_lesson_hours, which the "
            "service's administrator can change)",
            field="end_at", rule="LESSON_TOO_LONG",
        )
    horizon = now + timedelta(days=school.booking_horizon_days)
    if flight.start_at > horizon:
        raise InvalidInput(
            f"the lesson would start {_show(flight.start_at)}, more than {school.booking_horizon_days} "
            "days from now: this school books lessons at most that far ahead (the school setting "
            "booking_horizon_days, which the service's administrator can change)",
            field="start_at", rule="BEYOND_BOOKING_HORIZON",
        )
    return school


class _Parties(NamedTuple):
    student: Student
    instructor: Instructor | None  # None for a solo
    aircraft: Aircraft
    others: list[Any]  # the other lessons the policy asked for (``lessons_around``'s rows)


def _check(db: Session, school_id: uuid.UUID, flight: Flight, policy: Policy | None = None, *,
           read: Any = None) -> _Parties:
    """Every rule on who and what the lesson needs, and no clash; returns them, with the other
    lessons ``policy`` reads (fetched in the clash check's own query). ``read``: the caller has
    already read them and taken the lock (``_read_parties_and_lock``)."""
    if read is None:
        read = _read_parties_and_lock(db, school_id, flight)
    student = _in_school(db, Student, flight.student_id, school_id, "student")
    aircraft = _in_school(db, Aircraft, flight.aircraft_id, school_id, "aircraft")
    instructor = (_in_school(db, Instructor, flight.instructor_id, school_id, "instructor")
                  if flight.instructor_id is not None else None)
    del read  # held until here: the identity map keeps rows only while they are referenced

    if not aircraft.in_service:
        raise InvalidInput(f"aircraft {aircraft.tail_number} is out of service",
                           field="aircraft_id", rule="AIRCRAFT_OUT_OF_SERVICE")
    _check_instructor(flight.flight_type, instructor)
    _check_airport(flight.departure, "departure")
    if flight.destination is not None:
        _check_airport(flight.destination, "destination")
    for point in flight.route_points or ():
        if isinstance(point, str):
            _check_airport(point, "route_points")

    around = policy.around(db=db, flight=flight) if policy is not None else None
    others = _check_overlaps(db, school_id, flight, around)
    return _Parties(student, instructor, aircraft, others)


def _read_parties_and_lock(db: Session, school_id: uuid.UUID, flight: Flight) -> Any:
    """Read the school and the lesson's student, aircraft and instructor into the session and
    take the booking lock (``_lock_bookings``), in one statement: a booking is hot, and on a
    server each statement is a round trip. The people's and aircraft's school is checked
    afterwards (``_in_school``, from memory). Returns the row, which the caller holds: the
    session's identity map keeps rows only while something references them.

    When one of them does not exist at all, the join finds nothing: the lock is then taken on its
    own, and ``_in_school`` says which is missing."""
    params = {"school_id": school_id, "student_id": flight.student_id, "aircraft_id": flight.aircraft_id}
    if flight.instructor_id is not None:
        params["instructor_id"] = flight.instructor_id
    row = db.execute(_parties_statement(flight.instructor_id is not None), params).first()
    if row is None:
        _lock_bookings(db, school_id)
    return row


@lru_cache(maxsize=2)
def _parties_statement(with_instructor: bool) -> Any:
    """``_read_parties_and_lock``'s statement, built once per shape (with bound parameters)."""
    entities: list[Any] = [School, Student, Aircraft]
    if with_instructor:
        entities.append(Instructor)
    query = (select(*entities).select_from(School)
             .join(Student, Student.id == bindparam("student_id"))
             .join(Aircraft, Aircraft.id == bindparam("aircraft_id")))
    if with_instructor:
        query = query.join(Instructor, Instructor.id == bindparam("instructor_id"))
    return query.where(School.id == bindparam("school_id")).with_for_update(of=School)


def _lock_bookings(db: Session, school_id: uuid.UUID) -> None:
    """Serialize bookings per school until commit, so two at once cannot both pass the checks.

    Without it, two requests for the same slot could each find it free and both commit. The
    school's row lock (PostgreSQL ``FOR UPDATE``) makes the second wait for the first to commit,
    then see its lesson. SQLite needs nothing: its writers hold the database lock from BEGIN.
    """
    db.execute(select(School.id).where(School.id == school_id).with_for_update())


def _check_instructor(flight_type: FlightType, instructor: Instructor | None) -> None:
    if flight_type is FlightType.SOLO:
        if instructor is not None:
            raise InvalidInput("a solo lesson has no instructor", field="instructor_id",
                               rule="SOLO_WITH_INSTRUCTOR")
        return
    if instructor is None:
        raise InvalidInput(f"a {flight_type.value.lower().replace('_', '-')} lesson needs an instructor",
                           field="instructor_id", rule="INSTRUCTOR_REQUIRED")
    needed = ((InstructorRating.CFII,) if flight_type is FlightType.INSTRUMENT
              else (InstructorRating.CFI, InstructorRating.CFII))
    if not any(instructor.holds(rating) for rating in needed):
        raise InvalidInput(
            f"{instructor.name} is not qualified for a {flight_type.value.lower().replace('_', '-')} "
            f"lesson (needs {' or '.join(rating.value for rating in needed)})",
            field="instructor_id", rule="INSTRUCTOR_NOT_QUALIFIED",
        )


def _check_airport(code: str, field: str) -> None:
    if not is_known_station(code):
        raise InvalidInput(
            f"{code} is not an airport the weather engine knows: use its four-letter ICAO code, e.g. KAUS",
            field=field, rule="UNKNOWN_AIRPORT",
        )


def check_free(db: Session, school_id: uuid.UUID, lesson: Any,
               around: Mapping[str, Any] | None = None) -> list[Any]:
    """A lesson not booked yet (a slot, with a ``Flight``'s columns) that no other lesson clashes
    with, judged as a booking is: under the booking lock (taken here, held to the end of the
    transaction), then the clash check. Returns the other lessons ``around`` asks for (the
    policy's, ``lessons_around``'s parameters) from the same query; raises ``Conflict``."""
    _lock_bookings(db, school_id)
    return _check_overlaps(db, school_id, lesson, around)


# Which column of a clashing lesson makes which rule, checked in this order.
_RESOURCES = (
    ("student_id", "STUDENT_DOUBLE_BOOKED", "the student"),
    ("instructor_id", "INSTRUCTOR_DOUBLE_BOOKED", "the instructor"),
    ("aircraft_id", "AIRCRAFT_DOUBLE_BOOKED", "the aircraft"),
)


def _check_overlaps(db: Session, school_id: uuid.UUID, flight: Any,
                    around: Mapping[str, Any] | None = None) -> list[Any]:
    """No other live lesson holds the student, instructor or aircraft during [start, end).

    Two intervals overlap when each starts before the other ends, so back-to-back lessons
    ([10:00, 11:00) and [11:00, 12:00)) do not. ``around``: what else the booking's policy reads
    (``lessons_around``'s parameters), read in the same query and returned (the school's own
    lessons only). ``flight`` is a ``Flight`` or anything with its columns (a slot being checked).
    """
    params = dict(around or {})
    for column, _, _ in _RESOURCES:
        if getattr(flight, column) is not None:
            params[column] = getattr(flight, column)
    params |= {"start": flight.start_at, "end": flight.end_at}
    if flight.id is not None:
        params["flight_id"] = flight.id
    rows = sorted((row for row in lessons_around(db, params) if row.school_id == school_id),
                  key=lambda row: (row.start_at, str(row.id)))
    for column, rule, who in _RESOURCES:
        value = getattr(flight, column)
        if value is None:
            continue
        for other in rows:
            if getattr(other, column) == value and other.start_at < flight.end_at \
                    and other.end_at > flight.start_at:
                raise Conflict(
                    f"{who} is already booked from {_show(other.start_at)} to {_show(other.end_at)} "
                    f"(lesson {other.id})",
                    field=column, rule=rule, conflict=_summary(other),
                )
    return rows


def lessons_around(db: Session, params: Mapping[str, Any]) -> list[Any]:
    """Live lessons, of any school (check ``school_id`` on the rows), as named by ``params``:

    - ``start``, ``end``: those overlapping [start, end) of every ``student_id``,
      ``instructor_id`` and ``aircraft_id`` given (the clash check);
    - ``{who}_from``, ``{who}_to`` beside ``{who}_id``: those of that student, instructor or
      aircraft starting in [from, to) (the booking policy's rules with other lessons);
    - ``flight_id``: that lesson left out (the one being changed or replaced).

    Rows of (id, school_id, student_id, instructor_id, aircraft_id, start_at, end_at, status), in
    no particular order. One statement: each OR branch matches an index — (…, end_at) for a
    clash, so the cost is that of the resource's lessons still to end, never its history;
    (…, start_at) for a range. The school is left out of the WHERE clause on purpose: there,
    SQLite's planner would read the school's whole calendar through (school_id, start_at)
    instead; the ids are the school's own (the caller checked them) and the rows are checked.
    """
    return list(db.connection().execute(_around_statement(frozenset(params)), dict(params)))


@lru_cache(maxsize=128)
def _around_statement(names: frozenset[str]) -> Any:
    """``lessons_around``'s statement for one set of parameter names: built once per shape as
    Core with bound parameters (building and compiling an ORM query on every booking cost more
    than running it)."""
    flights = Flight.__table__
    branches = []
    for who in ("student", "instructor", "aircraft"):
        key = f"{who}_id"
        if key not in names:
            continue
        if "start" in names:
            branches.append(and_(flights.c[key] == bindparam(key), flights.c.end_at > bindparam("start"),
                                 flights.c.start_at < bindparam("end")))
        if f"{who}_from" in names:
            branches.append(and_(flights.c[key] == bindparam(key),
                                 flights.c.start_at >= bindparam(f"{who}_from"),
                                 flights.c.start_at < bindparam(f"{who}_to")))
    if not branches:
        raise ValueError(f"lessons_around needs a student, instructor or aircraft: {sorted(names)}")
    query = select(flights.c.id, flights.c.school_id, flights.c.student_id, flights.c.instructor_id,
                   flights.c.aircraft_id, flights.c.start_at, flights.c.end_at, flights.c.status).where(
        or_(*branches), flights.c.status.not_in([status.value for status in RELEASED_STATUSES]),
        flights.c.deleted_at.is_(None))
    if "flight_id" in names:
        query = query.where(flights.c.id != bindparam("flight_id"))
    return query


# No lesson is booked for longer than the school allows (``School.max_lesson_hours``); this is the
# floor for a school whose limit is shorter: lessons booked before the limit existed may be up
# to 2 days.
LONGEST_LESSON = timedelta(days=2)


def longest_lesson(school: School) -> timedelta:
    """How long a booking can be: the school's limit, and never less than two days (lessons booked
    before the limit existed). A lesson that reaches a moment starts no earlier than this before."""
    return max(LONGEST_LESSON, timedelta(hours=school.max_lesson_hours or 0))


def _in_school(db: Session, model: type, row_id: uuid.UUID, school_id: uuid.UUID, what: str) -> Any:
    row = db.get(model, row_id)
    if row is None or row.school_id != school_id or row.is_deleted:
        raise NotFound(f"there is no {what} {row_id}", field=f"{what}_id", rule=f"{what.upper()}_NOT_FOUND")
    return row


# -- who may do what -------------------------------------------------------------------------


def _require_staff(actor: Actor, school_id: uuid.UUID) -> None:
    if isinstance(actor, str):
        return
    if actor.school_id != school_id:
        raise NotFound("no such school", rule="SCHOOL_NOT_FOUND")
    if AccountRole(actor.role) is AccountRole.STUDENT:
        raise Forbidden("students book and change lessons through the front desk",
                        rule="STUDENT_NOT_ALLOWED")


def _require_may_change(
    actor: Actor, *, instructor_id: uuid.UUID | None, db: Session,
    instructor: Instructor | None = None,
) -> None:
    """Instructors change only lessons they teach; dispatchers, admins and the system anything."""
    if isinstance(actor, str) or AccountRole(actor.role) is not AccountRole.INSTRUCTOR:
        return
    if instructor is None and instructor_id is not None:
        instructor = db.get(Instructor, instructor_id)
    if instructor is None or instructor.account_id != actor.id:
        raise Forbidden("instructors may change only the lessons they teach",
                        field="instructor_id", rule="NOT_YOUR_LESSON")


def _actor_name(actor: Actor) -> str:
    return actor if isinstance(actor, str) else actor.email


def _actor_id(actor: Actor) -> uuid.UUID | None:
    return None if isinstance(actor, str) else actor.id


# -- small helpers ---------------------------------------------------------------------------


def _summary(flight: Flight) -> dict[str, Any]:
    return {
        "id": str(flight.id),
        "start_at": _show(flight.start_at),
        "end_at": _show(flight.end_at),
        "status": FlightStatus(flight.status).value,
    }


def _duration(length: timedelta) -> str:
    minutes = int(length.total_seconds() // 60)
    if minutes >= 2 * 24 * 60:
        return f"{minutes // (24 * 60)} days"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _show(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _aware(moment: datetime, field: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(f"{field} needs a time zone (e.g. 2026-11-25T15:00:00Z)", field=field,
                           rule="NAIVE_TIME")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise InvalidInput(f"{field} lies outside years 1 to 9999 once converted to UTC",
                           field=field, rule="TIME_OUT_OF_RANGE") from None
