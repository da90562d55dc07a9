"""Replication: what a desktop pulls (changes after its cursor) and how its pushed edits apply.

Pull reads every replicated table of the caller's school in ONE snapshot (REPEATABLE READ on
PostgreSQL, a read transaction on SQLite). Together with ``sync.database.server_seq`` (numbers are
taken under a row lock held to commit, so sequence order is commit order) the rows a snapshot sees
are exactly a prefix of the sequence: every change at or below the returned cursor is in this page
or an earlier one, and nothing committed later can land behind the cursor.

Push applies each mutation through the very service functions REST calls (same rules, same
permissions), each in its own SAVEPOINT so a refusal leaves the others standing, and records the
answer in ``SyncMutation`` inside that savepoint: the change and its record commit together, so a
retried mutation gets the stored answer and is never applied twice.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError
from pydantic_core import to_json
from sqlalchemy import (
    JSON, Boolean, DateTime, Engine, Float, Integer, String, Text, Uuid, cast, inspect, select,
    type_coerce,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from sync.aircraft import service as aircraft_service
from sync.aircraft.models import Aircraft
from sync.aircraft.schemas import AircraftCreate, AircraftRead, AircraftUpdate
from sync.auth.models import Account, AccountRole
from sync.database import scoped
from sync.database.core import UTCDateTime
from sync.database.session import READ_ONLY
from sync.errors import (
    Conflict, Forbidden, InvalidInput, NeedsAcknowledgement, NotFound, PreconditionRequired,
    ServiceError,
)
from sync.flights import service as flights_service
from sync.flights.models import Flight, FlightStatus
from sync.flights.schemas import FlightCancel, FlightCreate, FlightRead, FlightUpdate
from sync.notify.models import Notification
from sync.notify.schemas import NotificationRead
from sync.people import service as people_service
from sync.people.models import Instructor, Student
from sync.people.schemas import (
    InstructorCreate, InstructorRead, InstructorUpdate, StudentCreate, StudentRead, StudentUpdate,
)
from sync.replication.models import PULLED_MODELS, SyncMutation
from sync.replication.schemas import (
    Change, Mutation, MutationError, MutationResult, PullPage, PushRequest,
)
from sync.schools.models import School

if TYPE_CHECKING:  # (imported where used: a first demo's pull needs none of the booking policy)
    from sync.policy import service as policy_service

# -- serializing rows ------------------------------------------------------------------------

_READ_SCHEMAS: dict[type, type[BaseModel]] = {
    Student: StudentRead, Instructor: InstructorRead, Aircraft: AircraftRead, Flight: FlightRead,
    Notification: NotificationRead,
}
# Columns a pull never even reads: a mail's bodies hold the student's signed single-use links
# (and are its bulk). ``NotificationRead`` leaves them out too; this keeps them off the wire
# between database and service as well.
_NEVER_PULLED: dict[type, frozenset[str]] = {
    Notification: frozenset({"body_text", "body_html"}),
}
_TOMBSTONE_COLUMNS = ("id", "school_id", "deleted_at")


def _json_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _pulled_columns(table: Any, model: type) -> list[Any]:
    """``table``'s columns a pull reads: all but ``_NEVER_PULLED``'s."""
    never = _NEVER_PULLED.get(model, frozenset())
    return [column for column in table.c if column.key not in never]


def row_json(row: Any, model: type | None = None) -> dict[str, Any]:
    """The row as the API shows it: its domain ``…Read`` schema where there is one (for
    notifications, one without the mail's bodies), else every column (tables with no REST
    endpoint of their own: schools, weather checks, reschedules).

    ``row``: an ORM object, or a Core row of ``model``'s table (its columns as attributes)."""
    model = model or type(row)
    schema = _READ_SCHEMAS.get(model)
    if schema is not None:
        return schema.model_validate(row, from_attributes=True).model_dump(mode="json")
    return {attribute.key: _json_value(getattr(row, attribute.key))
            for attribute in inspect(model).column_attrs}


def change_json(row: Any, model: type | None = None) -> Change:
    model = model or type(row)
    deleted = row.deleted_at is not None
    data = ({key: _json_value(getattr(row, key)) for key in _TOMBSTONE_COLUMNS if hasattr(row, key)}
            if deleted else row_json(row, model))
    return Change(table=model.__tablename__, id=row.id, version=row.version,
                  server_seq=row.server_seq, deleted=deleted, data=data)


# -- pull ------------------------------------------------------------------------------------


@contextmanager
def snapshot_session(engine: Engine) -> Iterator[Session]:
    """A read-only session whose every query sees one snapshot of the database (see module doc)."""
    if engine.dialect.name == "postgresql":
        bind = engine.execution_options(isolation_level="REPEATABLE READ")
    else:  # SQLite: a DEFERRED read transaction keeps one WAL snapshot from its first read
        bind = engine.execution_options(**{READ_ONLY: True})
    session = Session(bind=bind, expire_on_commit=False, autoflush=False)
    try:
        with session.begin():
            yield session
    finally:
        session.close()


def pull(*, db: Session, school_id: uuid.UUID, cursor: int, limit: int) -> PullPage:
    """The school's changes with ``server_seq > cursor``, the first ``limit`` in sequence order.

    One indexed range query per table, (school_id, server_seq), each asking for ``limit + 1``
    rows; the smallest ``limit`` of their union are the page, and one more says there is more.

    Rows are read as plain Core rows, not ORM objects: a new desktop pulls tens of thousands,
    and building and tracking an ORM instance for each was about a fifth of the pull's CPU time
    (docs/benchmarks.md, "Replication").
    """
    rows: list[tuple[type, Any]] = []
    school = db.get(School, school_id)
    if school is not None and school.server_seq > cursor:
        rows.append((School, school))
    for model in PULLED_MODELS:
        table = model.__table__  # type: ignore[attr-defined]
        columns = _pulled_columns(table, model)
        rows.extend((model, row) for row in db.execute(
            select(*columns)
            .where(table.c.school_id == school_id, table.c.server_seq > cursor)
            .order_by(table.c.server_seq)
            .limit(limit + 1)
        ))
    rows.sort(key=lambda pair: pair[1].server_seq)
    page = rows[:limit]
    return PullPage(changes=[change_json(row, model) for model, row in page],
                    cursor=page[-1][1].server_seq if page else cursor, has_more=len(rows) > limit)


# -- pull, serialised straight from the columns ----------------------------------------------
#
# ``pull`` above builds each row through its ``…Read`` schema and a ``PullPage``, and FastAPI then
# validates and serialises that page again: for a new desktop's tens of thousands of rows most of
# the pull's CPU time. ``pull_json`` answers the very same bytes (tests/sync/replication/
# test_pull_json.py compares the two) from per-table plans, made once per dialect: each column is
# read raw where the database's own text is already (or nearly) what the JSON shows, and turned
# into its JSON value by a small converter, with the keys in the order the schema gives them.

_Converter = Callable[[Any], Any] | None


def _utc_iso_or_none(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # what ``UTCDateTime.process_result_value`` does
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _processed(column: Any, dialect: Any) -> Callable[[Any], Any]:
    """The column's own (SQLAlchemy) reading of a raw value, as JSON: the fallback of the fast
    converters below, for any value not in the form they expect."""
    processor = column.type.dialect_impl(dialect).result_processor(dialect, None)
    if processor is None:
        return _json_value
    return lambda raw: _json_value(processor(raw))


def _sqlite_uuid(slow: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def convert(raw: Any) -> Any:  # stored as 32 hex digits
        if raw.__class__ is str and len(raw) == 32:
            raw = raw.lower()
            return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"
        return None if raw is None else slow(raw)
    return convert


def _sqlite_datetime(slow: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def convert(raw: Any) -> Any:  # stored as "YYYY-MM-DD HH:MM:SS.ffffff", UTC
        if raw.__class__ is str and len(raw) == 26 and raw[10] == " " and raw[19] == ".":
            if raw.endswith(".000000"):
                return f"{raw[:10]}T{raw[11:19]}Z"
            return f"{raw[:10]}T{raw[11:]}Z"
        return None if raw is None else slow(raw)
    return convert


def _sqlite_json(raw: Any) -> Any:
    if raw is None:
        return None
    if raw == "[]":
        return []
    return json.loads(raw)


def _reader(column: Any, dialect: Any) -> tuple[Any, _Converter]:
    """What to select for ``column`` and how its value becomes JSON (None: as it comes)."""
    kind, name = column.type, dialect.name
    if name not in ("sqlite", "postgresql"):
        return column, _json_value
    if isinstance(kind, Uuid):
        if name == "postgresql":  # the database's text form is str(uuid.UUID)
            return cast(column, Text).label(column.key), None
        return type_coerce(column, String).label(column.key), _sqlite_uuid(_processed(column, dialect))
    if isinstance(kind, UTCDateTime):
        if name == "postgresql":
            return type_coerce(column, DateTime(timezone=True)).label(column.key), _utc_iso_or_none
        return (type_coerce(column, String).label(column.key),
                _sqlite_datetime(_processed(column, dialect)))
    if isinstance(kind, SAEnum):  # stored as the member's value, which the JSON shows
        return type_coerce(column, String).label(column.key), None
    if isinstance(kind, JSON):
        if name == "postgresql":  # psycopg decodes jsonb itself
            return column, None
        return type_coerce(column, String).label(column.key), _sqlite_json
    if isinstance(kind, (Boolean, Integer, Float)) or type(kind) in (String, Text):
        return column, None
    return column, _json_value


class _Plan:
    """How one table's rows are read and written for a pull, on one dialect."""

    def __init__(self, model: type, dialect: Any) -> None:
        table = model.__table__  # type: ignore[attr-defined]
        columns = _pulled_columns(table, model)
        readers = [_reader(column, dialect) for column in columns]
        self.table = table
        self.name = model.__tablename__  # type: ignore[attr-defined]
        self.select = [expression for expression, _ in readers]
        index = {column.key: i for i, column in enumerate(columns)}
        converters = [converter for _, converter in readers]
        schema = _READ_SCHEMAS.get(model)
        keys = (list(schema.model_fields) if schema is not None
                else [attribute.key for attribute in inspect(model).column_attrs])
        self.fields = [(key, index[key], converters[index[key]]) for key in keys]
        self.tombstone = [(key, index[key], converters[index[key]])
                          for key in _TOMBSTONE_COLUMNS if key in index]
        self.id, self.version, self.server_seq = index["id"], index["version"], index["server_seq"]
        self.deleted_at = index["deleted_at"]
        self.id_converter = converters[self.id]

    def change(self, row: Any) -> dict[str, Any]:
        deleted = row[self.deleted_at] is not None
        data = {key: (row[i] if convert is None else convert(row[i]))
                for key, i, convert in (self.tombstone if deleted else self.fields)}
        row_id = row[self.id]
        return {"table": self.name,
                "id": row_id if self.id_converter is None else self.id_converter(row_id),
                "version": row[self.version], "server_seq": row[self.server_seq],
                "deleted": deleted, "data": data}


_PLANS: dict[tuple[str, str], list[_Plan]] = {}


def _plans(db: Session) -> list[_Plan]:
    dialect = db.get_bind().dialect
    key = (dialect.name, dialect.driver)
    plans = _PLANS.get(key)
    if plans is None:
        plans = _PLANS[key] = [_Plan(model, dialect) for model in PULLED_MODELS]
    return plans


def pull_json(*, db: Session, school_id: uuid.UUID, cursor: int, limit: int) -> bytes:
    """``pull``'s page as the JSON bytes FastAPI would answer for it (``response_model=PullPage``),
    built without the ``…Read`` schemas and pydantic models (see above). Same queries, same
    snapshot rules, same order."""
    entries: list[tuple[int, Any, Any]] = []  # (server_seq, plan or None for the school, row)
    school = db.get(School, school_id)
    if school is not None and school.server_seq > cursor:
        entries.append((school.server_seq, None, school))
    for plan in _plans(db):
        table = plan.table
        seq = plan.server_seq
        entries.extend((row[seq], plan, row) for row in db.execute(
            select(*plan.select)
            .where(table.c.school_id == school_id, table.c.server_seq > cursor)
            .order_by(table.c.server_seq)
            .limit(limit + 1)
        ))
    entries.sort(key=lambda entry: entry[0])  # stable, like ``pull``'s sort
    page = entries[:limit]
    changes = [change_json(row, School).model_dump(mode="json") if plan is None else plan.change(row)
               for _, plan, row in page]
    return to_json({"changes": changes, "cursor": page[-1][0] if page else cursor,
                    "has_more": len(entries) > limit})


# -- push ------------------------------------------------------------------------------------

_MANAGERS = frozenset({AccountRole.ADMIN, AccountRole.DISPATCHER})
_LIVE = (FlightStatus.SCHEDULED, FlightStatus.AT_RISK)
_STATUS = {InvalidInput: 422, NotFound: 404, Conflict: 409, Forbidden: 403,
           PreconditionRequired: 428}


def _status_of(exc: ServiceError) -> int:
    for kind in type(exc).__mro__:
        if kind in _STATUS:
            return _STATUS[kind]
    return 400


def _error(exc: ServiceError) -> MutationError:
    return MutationError(status_code=_status_of(exc), detail=exc.message, rule=exc.rule,
                         field=exc.field, conflict=exc.conflict, warnings=exc.warnings)


def _require_manager(actor: Account) -> None:
    """What REST's ``SchoolManager`` dependency enforces on these endpoints, with its words."""
    if AccountRole(actor.role) not in _MANAGERS:
        raise Forbidden(f"Only a admin or dispatcher may do this; you are signed in as "
                        f"{AccountRole(actor.role).value}", rule="ROLE_NOT_ALLOWED")


class _Stale(Exception):
    def __init__(self, row: Any) -> None:
        self.row = row


def _get(db: Session, table: str, school_id: uuid.UUID, row_id: uuid.UUID) -> Any:
    if table == "flights":
        return flights_service.get(db=db, school_id=school_id, flight_id=row_id)
    if table == "students":
        return people_service.get_student(db=db, school_id=school_id, student_id=row_id)
    if table == "instructors":
        return people_service.get_instructor(db=db, school_id=school_id, instructor_id=row_id)
    return aircraft_service.get(db=db, school_id=school_id, aircraft_id=row_id)


def _insert(db: Session, actor: Account, school_id: uuid.UUID, mutation: Mutation,
            data: dict[str, Any], now: datetime, policy: policy_service.BookingRules | None) -> Any:
    data = data | {"id": mutation.row_id}
    if mutation.table == "flights":
        return flights_service.create(db=db, actor=actor, school_id=school_id,
                                      data=FlightCreate.model_validate(data), now=now, policy=policy)
    _require_manager(actor)
    if mutation.table == "students":
        return people_service.create_student(db=db, school_id=school_id,
                                             data=StudentCreate.model_validate(data), actor=actor)
    if mutation.table == "instructors":
        return people_service.create_instructor(
            db=db, school_id=school_id, data=InstructorCreate.model_validate(data), actor=actor)
    return aircraft_service.create(db=db, school_id=school_id,
                                   data=AircraftCreate.model_validate(data), actor=actor)


def _update(db: Session, actor: Account, school_id: uuid.UUID, mutation: Mutation,
            data: dict[str, Any], now: datetime, policy: policy_service.BookingRules | None) -> Any:
    data = data | {"version": mutation.base_version}
    row_id = mutation.row_id
    if mutation.table == "flights":
        return flights_service.update(db=db, actor=actor, school_id=school_id, flight_id=row_id,
                                      data=FlightUpdate.model_validate(data), now=now, policy=policy)
    if mutation.table == "instructors":  # the service lets instructors change their availability
        return people_service.update_instructor(
            db=db, school_id=school_id, instructor_id=row_id,
            data=InstructorUpdate.model_validate(data), actor=actor)
    _require_manager(actor)
    if mutation.table == "students":
        return people_service.update_student(db=db, school_id=school_id, student_id=row_id,
                                             data=StudentUpdate.model_validate(data), actor=actor)
    return aircraft_service.update(db=db, school_id=school_id, aircraft_id=row_id,
                                   data=AircraftUpdate.model_validate(data), actor=actor)


def _delete(db: Session, actor: Account, school_id: uuid.UUID, mutation: Mutation, row: Any,
            data: dict[str, Any], now: datetime) -> Any:
    if mutation.table == "flights":  # a lesson is cancelled, never removed
        reason = str(data.get("reason") or "deleted on the desktop")
        kind = data.get("reason_kind") or "other"
        return flights_service.cancel(db=db, actor=actor, school_id=school_id,
                                      flight_id=mutation.row_id,
                                      data=FlightCancel(reason=reason, reason_kind=kind), now=now)
    _require_manager(actor)
    column = {"students": Flight.student_id, "instructors": Flight.instructor_id,
              "aircraft": Flight.aircraft_id}[mutation.table]
    booked = db.scalars(
        select(Flight).where(Flight.school_id == school_id, column == row.id,
                             Flight.status.in_(_LIVE), Flight.deleted_at.is_(None),
                             Flight.end_at > now)
        .order_by(Flight.start_at).limit(1)
    ).first()
    if booked is not None:
        raise Conflict(
            f"this {mutation.table.rstrip('s')} still has a lesson from "
            f"{_json_value(booked.start_at)} (lesson {booked.id}): cancel or move it first",
            rule="STILL_BOOKED", conflict={"id": str(booked.id),
                                           "start_at": _json_value(booked.start_at),
                                           "end_at": _json_value(booked.end_at),
                                           "status": FlightStatus(booked.status).value},
        )
    before = scoped.snapshot(row)
    row.tombstone(now)
    scoped.audit(db, actor=actor, action="delete", row=row, before=before)
    return row


def _apply(db: Session, actor: Account, school_id: uuid.UUID, mutation: Mutation,
           now: datetime, policy: policy_service.BookingRules | None) -> Any:
    data = {key: value for key, value in mutation.data.items() if key not in ("id", "version")}
    if mutation.op == "insert":
        row = _insert(db, actor, school_id, mutation, data, now, policy)
    else:
        current = _get(db, mutation.table, school_id, mutation.row_id)
        if mutation.op == "update" and mutation.base_version is None:
            # What REST's PATCH refuses too (``scoped.require_version``), in the push's words.
            raise PreconditionRequired(
                "say which version of the row this edit was made on: send base_version, the "
                "version from your last pull of it", field="base_version", rule="VERSION_REQUIRED")
        if mutation.base_version is not None and mutation.base_version != current.version:
            raise _Stale(current)
        if mutation.op == "update":
            row = _update(db, actor, school_id, mutation, data, now, policy)
        else:
            row = _delete(db, actor, school_id, mutation, current, data, now)
    db.flush()  # takes the server_seq and the new version, and surfaces constraint failures
    return row


def _stale_result(mutation: Mutation, row: Any) -> MutationResult:
    return MutationResult(
        mutation_id=mutation.mutation_id, status="conflict", row=row_json(row),
        error=MutationError(
            status_code=409, rule="STALE_VERSION", field="version",
            detail=(f"this row was changed by someone else (you edited version "
                    f"{mutation.base_version}, it is now at version {row.version}): review the "
                    "current values and try again"),
        ),
    )


def _invalid(mutation: Mutation, exc: ValidationError) -> MutationResult:
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first.get("loc", ())) or None
    detail = "; ".join(
        f"{'.'.join(str(part) for part in error.get('loc', ())) or 'data'}: {error['msg']}"
        for error in exc.errors()
    )
    return MutationResult(mutation_id=mutation.mutation_id, status="rejected",
                          error=MutationError(status_code=422, detail=detail,
                                              rule="INVALID_INPUT", field=field))


def _stored(db: Session, mutation_id: uuid.UUID) -> SyncMutation | None:
    return db.scalars(
        select(SyncMutation).where(SyncMutation.mutation_id == mutation_id)
    ).one_or_none()


def _replay(stored: SyncMutation, school_id: uuid.UUID, client_id: uuid.UUID,
            mutation: Mutation) -> MutationResult:
    """The stored answer, for a retry by the desktop that sent the mutation. Anyone else gets one
    refusal, whoever used the id: the answer (or a different refusal for another school's id)
    would tell a caller which mutation ids exist, and where."""
    if stored.school_id == school_id and stored.client_id == client_id:
        return MutationResult.model_validate(stored.result)
    return MutationResult(mutation_id=mutation.mutation_id, status="rejected", error=MutationError(
        status_code=409, rule="MUTATION_ID_TAKEN", field="mutation_id",
        detail="this mutation id cannot be used: generate a new one (a random UUID) for each edit "
               "and send again"))


def _record(db: Session, *, school_id: uuid.UUID, client_id: uuid.UUID, account_id: uuid.UUID,
            result: MutationResult) -> None:
    db.add(SyncMutation(school_id=school_id, client_id=client_id, mutation_id=result.mutation_id,
                        account_id=account_id, result=result.model_dump(mode="json")))
    db.flush()


def lesson_places(*, db: Session, school_id: uuid.UUID, request: PushRequest) -> list[str]:
    """The stations the pushed lessons go to (the forecast rule judges them): an insert's own,
    an update's as changed (the stored lesson's where unchanged). Read before the push applies
    anything, so the weather is fetched outside its transaction; nothing here is validated."""
    from sync.policy import service as policy_service

    places: list[str] = []
    for mutation in request.mutations:
        if mutation.table != "flights" or mutation.op == "delete":
            continue
        data = mutation.data
        current = db.get(Flight, mutation.row_id) if mutation.op == "update" else None
        if current is not None and current.school_id != school_id:
            current = None
        def value(key: str, default: Any = None) -> Any:
            if key in data:
                return data[key]
            return getattr(current, key) if current is not None else default
        places += policy_service.places_of(departure=value("departure"),
                                           destination=value("destination"),
                                           route_points=value("route_points", ()))
    return places


def push(*, db: Session, actor: Account, request: PushRequest, now: datetime,
         policy: policy_service.BookingRules | None = None) -> list[MutationResult]:
    """Apply the mutations in order; one answer each (see the module docstring). ``policy``: the
    school's booking rules for the lessons pushed (``policy_service.prepare``), as REST's."""
    school_id, account_id = actor.school_id, actor.id
    if any(mutation.table == "flights" for mutation in request.mutations):
        # The lock REST's bookings take (``flights.service._lock_bookings``), taken first, before
        # any flush takes the server_seq counter: the same order as REST, so a push and a REST
        # booking wait for each other instead of deadlocking (school row, then counter row).
        db.execute(select(School.id).where(School.id == school_id).with_for_update())
    results = []
    for mutation in request.mutations:
        results.append(_push_one(db, actor, school_id, account_id, request.client_id, mutation, now,
                                 policy))
    return results


def _push_one(db: Session, actor: Account, school_id: uuid.UUID, account_id: uuid.UUID,
              client_id: uuid.UUID, mutation: Mutation, now: datetime,
              policy: policy_service.BookingRules | None) -> MutationResult:
    stored = _stored(db, mutation.mutation_id)
    if stored is not None:
        return _replay(stored, school_id, client_id, mutation)
    record: Callable[[MutationResult], None] = lambda result: _record(  # noqa: E731
        db, school_id=school_id, client_id=client_id, account_id=account_id, result=result)

    result: MutationResult | None = None
    try:
        notices_before = len(policy.notices) if policy is not None else 0
        with db.begin_nested():
            row = _apply(db, actor, school_id, mutation, now, policy)
            notices = policy.notices[notices_before:] if policy is not None else []
            result = MutationResult(mutation_id=mutation.mutation_id, status="applied",
                                    row=row_json(row), notices=notices or None)
            record(result)
        return result
    except _Stale as stale:
        result = _stale_result(mutation, stale.row)
    except NeedsAcknowledgement as exc:
        # Not remembered: the person decides, and the same mutation comes back acknowledged.
        return MutationResult(mutation_id=mutation.mutation_id, status="rejected", error=_error(exc))
    except ServiceError as exc:
        if exc.rule == "STALE_VERSION":
            result = _current_or_error(db, school_id, mutation, exc)
        else:
            result = MutationResult(mutation_id=mutation.mutation_id, status="rejected",
                                    error=_error(exc))
    except ValidationError as exc:
        result = _invalid(mutation, exc)
    except StaleDataError:
        # Another transaction changed the row between our read and our UPDATE.
        result = _current_or_error(db, school_id, mutation, Conflict(
            "someone else changed this row at the same moment", rule="STALE_VERSION"))
    except IntegrityError:
        # Either the same mutation arriving twice at once (its record lost the race: answer
        # what the winner stored), or a concurrent change to the same data.
        stored = _stored(db, mutation.mutation_id)
        if stored is not None:
            return _replay(stored, school_id, client_id, mutation)
        result = MutationResult(mutation_id=mutation.mutation_id, status="rejected", error=MutationError(
            status_code=409, rule="CONCURRENT_CHANGE",
            detail="this clashes with a change someone made at the same moment: reload and try again"))
    # Nothing was changed; remember the answer so a retry gets the same one.
    try:
        with db.begin_nested():
            record(result)
    except IntegrityError:
        stored = _stored(db, mutation.mutation_id)
        if stored is not None:
            return _replay(stored, school_id, client_id, mutation)
        raise
    return result


def _current_or_error(db: Session, school_id: uuid.UUID, mutation: Mutation,
                      exc: ServiceError) -> MutationResult:
    try:
        current = _get(db, mutation.table, school_id, mutation.row_id)
    except ServiceError as missing:
        return MutationResult(mutation_id=mutation.mutation_id, status="rejected",
                              error=_error(missing))
    result = _stale_result(mutation, current)
    result.error = _error(exc) if exc.message else result.error
    return result
