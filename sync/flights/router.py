"""/flights: the school's lessons. Dispatchers and admins book and change any; instructors read
the whole schedule and change only the lessons they teach (the service decides); students are
refused by ``CurrentUser``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from sync.deps import CurrentUser, DbSession, Offset
from sync.flights import service as flights_service
from sync.flights.models import FlightStatus
from sync.flights.schemas import (
    FlightCancel, FlightCreate, FlightRead, FlightsPage, FlightUpdate, UTCDateTime,
)

router = APIRouter()


def _now() -> datetime:
    return datetime.now(UTC)


@router.get("", response_model=FlightsPage)
def list_flights(
    db: DbSession,
    user: CurrentUser,
    start: Annotated[UTCDateTime | None, Query(alias="from", description="lessons ending after this")] = None,
    end: Annotated[UTCDateTime | None, Query(alias="to", description="lessons starting before this")] = None,
    flight_status: Annotated[FlightStatus | None, Query(alias="status")] = None,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> Any:
    filters = {"start": start, "end": end, "status": flight_status}
    items = flights_service.list_flights(db=db, school_id=user.school_id, offset=offset, limit=limit,
                                         **filters)
    total = flights_service.count_flights(db=db, school_id=user.school_id, **filters)
    return {"items": items, "total": total, "offset": offset, "limit": limit}


@router.post("", response_model=FlightRead, status_code=status.HTTP_201_CREATED)
def create_flight(body: FlightCreate, db: DbSession, user: CurrentUser) -> Any:
    return flights_service.create(db=db, actor=user, school_id=user.school_id, data=body, now=_now())


@router.get("/{flight_id}", response_model=FlightRead)
def get_flight(flight_id: uuid.UUID, db: DbSession, user: CurrentUser) -> Any:
    return flights_service.get(db=db, school_id=user.school_id, flight_id=flight_id)


@router.patch("/{flight_id}", response_model=FlightRead)
def update_flight(flight_id: uuid.UUID, body: FlightUpdate, db: DbSession, user: CurrentUser) -> Any:
    flight = flights_service.update(db=db, actor=user, school_id=user.school_id, flight_id=flight_id,
                                    data=body, now=_now())
    db.flush()  # the response carries the new version and server_seq
    return flight


@router.post("/{flight_id}/cancel", response_model=FlightRead)
def cancel_flight(flight_id: uuid.UUID, body: FlightCancel, db: DbSession, user: CurrentUser) -> Any:
    flight = flights_service.cancel(db=db, actor=user, school_id=user.school_id, flight_id=flight_id,
                                    data=body, now=_now())
    db.flush()
    return flight
