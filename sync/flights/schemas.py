"""What the flights and weather-check API accepts and returns.

Times go in timezone-aware (any offset; a naive time is refused, because "10:00" at a school in
Chicago and on a server in UTC are different lessons) and come out in UTC, ISO 8601 with ``Z``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AliasChoices,
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
)

from sync.flights.models import FlightStatus, FlightType
from sync.weather.verdicts import Verdict


def _utc_iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _representable_in_utc(value: datetime) -> datetime:
    # 0001-01-01T00:00+01:00 is valid ISO 8601 but lies before year 1 in UTC: refuse it here
    # rather than fail (a 500) where the service converts it.
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time lies outside years 1 to 9999 once converted to UTC") from None
    return value


# Serialized as UTC whatever offset it was given in.
UTCDateTime = Annotated[AwareDatetime, AfterValidator(_representable_in_utc),
                        PlainSerializer(_utc_iso, return_type=str, when_used="json")]
AirportCode = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True,
                                               min_length=3, max_length=4)]
Notes = Annotated[str, StringConstraints(max_length=4000)]


class FlightCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # A client may choose the id (a lesson booked offline keeps its identity when pushed).
    id: uuid.UUID | None = None
    student_id: uuid.UUID
    instructor_id: uuid.UUID | None = None  # none only for a solo
    aircraft_id: uuid.UUID
    start_at: UTCDateTime
    end_at: UTCDateTime
    departure: AirportCode
    destination: AirportCode | None = None
    # Reporting stations along the route, ICAO codes in flying order.
    route_points: list[AirportCode] = Field(default_factory=list, max_length=20)
    flight_type: FlightType
    notes: Notes = ""


class FlightUpdate(BaseModel):
    """Only the fields given change; ``version``, when given, must be the row's current one."""

    model_config = ConfigDict(extra="forbid")

    version: int | None = None
    student_id: uuid.UUID | None = None
    instructor_id: uuid.UUID | None = None
    aircraft_id: uuid.UUID | None = None
    start_at: UTCDateTime | None = None
    end_at: UTCDateTime | None = None
    departure: AirportCode | None = None
    destination: AirportCode | None = None
    route_points: list[AirportCode] | None = Field(default=None, max_length=20)
    flight_type: FlightType | None = None
    notes: Notes | None = None


class FlightCancel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class FlightRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    school_id: uuid.UUID
    student_id: uuid.UUID
    instructor_id: uuid.UUID | None
    aircraft_id: uuid.UUID
    start_at: UTCDateTime
    end_at: UTCDateTime
    departure: str
    destination: str | None
    route_points: list[Any]
    flight_type: FlightType
    status: FlightStatus
    notes: str
    rescheduled_from_id: uuid.UUID | None
    version: int
    server_seq: int
    updated_at: UTCDateTime


class FlightsPage(BaseModel):
    items: list[FlightRead]
    total: int
    offset: int
    limit: int


class WeatherCheckRequest(BaseModel):
    # The API says ``flightId``; ``flight_id`` is accepted too, as everywhere else is snake_case.
    model_config = ConfigDict(extra="forbid")

    flight_id: uuid.UUID = Field(validation_alias=AliasChoices("flightId", "flight_id"),
                                 serialization_alias="flightId")


class WeatherReasonRead(BaseModel):
    code: str
    text: str
    effect: Verdict
    station: str | None = None


class WeatherCheckRead(BaseModel):
    """One stored judgement: the verdict, why, each place's part, and the evidence used."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    flight_id: uuid.UUID
    checked_at: UTCDateTime
    verdict: Verdict
    reasons: list[WeatherReasonRead]
    # Per place, in the lesson's order (departure first): verdict, reasons, observed and forecast.
    places: list[dict[str, Any]]
    # The raw reports read: [{station, product, raw}].
    reports: list[dict[str, Any]]
    minimums: dict[str, Any]
