"""Aircraft: list, get, create, update — always inside the caller's school."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.aircraft.models import Aircraft
from sync.aircraft.schemas import AircraftCreate, AircraftRead, AircraftUpdate
from sync.auth.models import Account
from sync.database import scoped
from sync.errors import Conflict
from sync.schools import service as schools_service

_REQUIRED = frozenset({"tail_number", "model", "home_airport", "max_crosswind_kt", "in_service",
                       "hobbs_hours", "tach_hours"})


def _as_json(row: Aircraft) -> dict[str, Any]:
    return AircraftRead.model_validate(row).model_dump(mode="json")


def _check_tail_number_free(db: Session, *, school_id: uuid.UUID, tail_number: str,
                            row_id: uuid.UUID | None) -> None:
    # Tombstoned aircraft count too: the unique constraint keeps their tail numbers.
    taken = db.scalars(select(Aircraft).where(
        Aircraft.school_id == school_id, Aircraft.tail_number == tail_number
    )).one_or_none()
    if taken is not None and taken.id != row_id:
        raise Conflict(f"your school already has an aircraft with tail number {tail_number}",
                       field="tail_number", rule="TAIL_NUMBER_TAKEN", conflict=_as_json(taken))


def list(*, db: Session, school_id: uuid.UUID, offset: int = 0, limit: int = 100,
         in_service: bool | None = None) -> tuple[Any, int]:
    filters = (Aircraft.in_service.is_(in_service),) if in_service is not None else ()
    return scoped.page_in_school(db, Aircraft, school_id=school_id, offset=offset, limit=limit,
                                 order_by=Aircraft.tail_number, filters=filters)


def get(*, db: Session, school_id: uuid.UUID, aircraft_id: uuid.UUID) -> Aircraft:
    return scoped.get_in_school(db, Aircraft, school_id=school_id, row_id=aircraft_id,
                                what="aircraft")


def create(*, db: Session, school_id: uuid.UUID, data: AircraftCreate, actor: Account) -> Aircraft:
    scoped.check_new_id(db, Aircraft, data.id)
    home_airport = schools_service.validated_airport(data.home_airport, field="home_airport")
    _check_tail_number_free(db, school_id=school_id, tail_number=data.tail_number, row_id=None)
    values = data.model_dump(exclude={"id"}) | {"home_airport": home_airport}
    aircraft = Aircraft(school_id=school_id, **values)
    if data.id is not None:
        aircraft.id = data.id
    db.add(aircraft)
    scoped.audit(db, actor=actor, action="create", row=aircraft)
    return aircraft


def update(*, db: Session, school_id: uuid.UUID, aircraft_id: uuid.UUID, data: AircraftUpdate,
           actor: Account) -> Aircraft:
    aircraft = get(db=db, school_id=school_id, aircraft_id=aircraft_id)
    scoped.check_version(aircraft, data.version, what="aircraft", as_json=_as_json)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    scoped.refuse_nulls(changes, _REQUIRED)
    if "home_airport" in changes:
        changes["home_airport"] = schools_service.validated_airport(
            changes["home_airport"], field="home_airport")
    if "tail_number" in changes:
        _check_tail_number_free(db, school_id=school_id, tail_number=changes["tail_number"],
                                row_id=aircraft.id)
    before = scoped.snapshot(aircraft)
    for name, value in changes.items():
        setattr(aircraft, name, value)
    scoped.audit(db, actor=actor, action="update", row=aircraft, before=before)
    return aircraft
