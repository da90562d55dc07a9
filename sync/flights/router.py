"""/flights: the school's lessons. Dispatchers and admins book and change any; instructors read
the whole schedule and change only the lessons they teach (the service decides); students are
refused by ``CurrentUser``.

Booking and changing a lesson apply the school's booking policy (``sync.policy``): its forecast
is fetched here, before the request's write transaction (``policy_service.prepare``)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from sqlalchemy.orm import Session

from sync.deps import AppSettings, CurrentUser, DbSession, Offset
from sync.flights import logbook
from sync.flights import series as series_service
from sync.flights import service as flights_service
from sync.flights.models import Flight, FlightStatus
from sync.flights.schemas import (
    FlightBooked, FlightCancel, FlightCancelled, FlightChanged, FlightCheckIn, FlightCheckOut,
    FlightCreate, FlightRead, FlightSeriesCreate, FlightSeriesResult, FlightsPage, FlightUpdate,
    UTCDateTime,
)
from sync.policy import service as policy_service
from sync.preconditions import ETAG_HEADER, IfMatch, tagged, with_version

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


def _release(db: Session) -> None:
    """End the request's transaction before the network (SQLite's writers hold the database's
    lock from BEGIN); what was read is read again afterwards."""
    db.commit()
    db.expire_all()


def _rules(db: Session, user: Any, settings: Any, places: list[str]) -> policy_service.BookingRules:
    return policy_service.prepare(db=db, school_id=user.school_id, places=places, now=_now(),
                                  release=lambda: _release(db), settings=settings)


def _booked(db: Session, flight: Flight, rules: policy_service.BookingRules) -> dict[str, Any]:
    db.flush()  # the answer carries the new version and server_seq
    return FlightRead.model_validate(flight).model_dump() | {"notices": rules.notices}


@router.post("", response_model=FlightBooked, status_code=status.HTTP_201_CREATED)
def create_flight(body: FlightCreate, db: DbSession, user: CurrentUser, settings: AppSettings) -> Any:
    """Book a lesson. A booking that breaks only rules the school set to warn answers 409
    ``NEEDS_ACKNOWLEDGEMENT`` with ``warnings``; the same request with ``acknowledge`` (their
    codes) books it."""
    rules = _rules(db, user, settings, policy_service.places_of(
        departure=body.departure, destination=body.destination, route_points=body.route_points))
    flight = flights_service.create(db=db, actor=user, school_id=user.school_id, data=body,
                                    now=_now(), policy=rules)
    return _booked(db, flight, rules)


@router.post("/series", response_model=FlightSeriesResult, status_code=status.HTTP_201_CREATED,
             responses={200: {"model": FlightSeriesResult,
                              "description": "nothing was booked: refused says why"}})
def create_series(body: FlightSeriesCreate, db: DbSession, user: CurrentUser, settings: AppSettings,
                  response: Response) -> Any:
    """Book a weekly series; each occurrence on every rule. 201 when any was booked, else 200."""
    rules = _rules(db, user, settings, policy_service.places_of(
        departure=body.departure, destination=body.destination, route_points=body.route_points))
    result = series_service.book_series(db=db, actor=user, school_id=user.school_id, data=body,
                                        now=_now(), policy=rules)
    db.flush()
    if not result["booked"]:
        response.status_code = status.HTTP_200_OK
    return result | {"booked": [FlightRead.model_validate(flight) for flight in result["booked"]],
                     "notices": rules.notices}


@router.get("/{flight_id}", response_model=FlightRead, responses=ETAG_HEADER)
def get_flight(flight_id: uuid.UUID, db: DbSession, user: CurrentUser, response: Response) -> Any:
    return tagged(response, flights_service.get(db=db, school_id=user.school_id, flight_id=flight_id))


# What a PATCH may send that changes no booking (nothing for the policy to judge).
_NOT_BOOKING = frozenset({"version", "acknowledge", "notes", "scope"})


@router.patch("/{flight_id}", response_model=FlightChanged, responses=ETAG_HEADER)
def update_flight(flight_id: uuid.UUID, body: FlightUpdate, db: DbSession, user: CurrentUser,
                  if_match: IfMatch, response: Response, settings: AppSettings) -> Any:
    """Change a lesson (``version`` or If-Match required). A changed booking is judged on the
    school's policy again, as a new one is (``acknowledge`` as for POST). ``scope`` "following"
    moves the later lessons of its series the same way."""
    rules = policy_service.BookingRules(weather=None)
    if body.model_fields_set - _NOT_BOOKING:
        current = db.get(Flight, flight_id)
        if current is not None and current.school_id != user.school_id:
            current = None  # another school's lesson: the service answers as for no lesson
        rules = _rules(db, user, settings, policy_service.places_of(
            departure=body.departure or (current.departure if current else None),
            destination=(body.destination if "destination" in body.model_fields_set
                         else current.destination if current else None),
            route_points=(body.route_points if body.route_points is not None
                          else current.route_points if current else ())))
    flight, moved = flights_service.update_following(
        db=db, actor=user, school_id=user.school_id, flight_id=flight_id,
        data=with_version(body, if_match), now=_now(), policy=rules)
    booked = _booked(db, flight, rules) | {"also_changed": [other.id for other in moved]}
    tagged(response, flight)
    return booked


@router.post("/{flight_id}/cancel", response_model=FlightCancelled, responses=ETAG_HEADER)
def cancel_flight(flight_id: uuid.UUID, body: FlightCancel, db: DbSession, user: CurrentUser,
                  response: Response) -> Any:
    """Cancel with a kind (weather, student, no_show, school, other) and a reason; ``scope``
    "following" cancels the later lessons of its series too."""
    flight, later = flights_service.cancel_following(db=db, actor=user, school_id=user.school_id,
                                                     flight_id=flight_id, data=body, now=_now())
    db.flush()
    tagged(response, flight)
    return FlightRead.model_validate(flight).model_dump() | {"also_cancelled": [f.id for f in later]}


@router.post("/{flight_id}/check-out", response_model=FlightRead, responses=ETAG_HEADER)
def check_out(flight_id: uuid.UUID, body: FlightCheckOut, db: DbSession, user: CurrentUser,
              response: Response) -> Any:
    """The aircraft taken out for the lesson: Hobbs and tach as read."""
    flight = logbook.check_out(db=db, actor=user, school_id=user.school_id, flight_id=flight_id,
                               data=body, now=_now())
    db.flush()
    return tagged(response, flight)


@router.post("/{flight_id}/check-in", response_model=FlightRead, responses=ETAG_HEADER)
def check_in(flight_id: uuid.UUID, body: FlightCheckIn, db: DbSession, user: CurrentUser,
             response: Response) -> Any:
    """The lesson flown: it becomes COMPLETED with its flown time; the aircraft's meters advance."""
    flight = logbook.check_in(db=db, actor=user, school_id=user.school_id, flight_id=flight_id,
                              data=body, now=_now())
    db.flush()
    return tagged(response, flight)
