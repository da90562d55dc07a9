"""/aircraft. Dispatchers and admins write; instructors read; students are refused."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from sync.aircraft import service as aircraft_service
from sync.aircraft.schemas import AircraftCreate, AircraftPage, AircraftRead, AircraftUpdate
from sync.deps import CurrentUser, DbSession, Offset, SchoolManager
from sync.preconditions import ETAG_HEADER, IfMatch, tagged, with_version

router = APIRouter()


@router.get("", response_model=AircraftPage)
def list_aircraft(db: DbSession, user: CurrentUser, offset: Offset = 0,
                  limit: Annotated[int, Query(ge=1, le=500)] = 100,
                  in_service: bool | None = None) -> Any:
    items, total = aircraft_service.list(db=db, school_id=user.school_id, offset=offset,
                                         limit=limit, in_service=in_service)
    return {"items": items, "total": total, "offset": offset, "limit": limit}


@router.post("", response_model=AircraftRead, status_code=status.HTTP_201_CREATED)
def create_aircraft(body: AircraftCreate, db: DbSession, user: SchoolManager) -> Any:
    return aircraft_service.create(db=db, school_id=user.school_id, data=body, actor=user)


@router.get("/{aircraft_id}", response_model=AircraftRead, responses=ETAG_HEADER)
def get_aircraft(aircraft_id: uuid.UUID, db: DbSession, user: CurrentUser,
                 response: Response) -> Any:
    return tagged(response, aircraft_service.get(db=db, school_id=user.school_id,
                                                 aircraft_id=aircraft_id))


@router.patch("/{aircraft_id}", response_model=AircraftRead, responses=ETAG_HEADER)
def update_aircraft(aircraft_id: uuid.UUID, body: AircraftUpdate, db: DbSession,
                    user: SchoolManager, if_match: IfMatch, response: Response) -> Any:
    aircraft = aircraft_service.update(db=db, school_id=user.school_id, aircraft_id=aircraft_id,
                                       data=with_version(body, if_match), actor=user)
    db.flush()  # the answer carries the new version
    return tagged(response, aircraft)
