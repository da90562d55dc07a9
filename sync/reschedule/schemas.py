"""What the rescheduling API accepts and returns (times in UTC, ISO 8601 with ``Z``)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StringConstraints

from sync.flights.schemas import UTCDateTime
from sync.reschedule.models import ProducedBy, RescheduleState


class RescheduleCreate(BaseModel):
    # The API says ``flightId``; ``flight_id`` is accepted too, as everywhere else is snake_case.
    model_config = ConfigDict(extra="forbid")

    flight_id: uuid.UUID = Field(validation_alias=AliasChoices("flightId", "flight_id"),
                                 serialization_alias="flightId")


class RescheduleSelect(BaseModel):
    model_config = ConfigDict(extra="forbid")

    option: int = Field(ge=1, description="the option's rank, 1 to 3")


class RescheduleReject(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class RescheduleOptionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    rank: int
    start_at: UTCDateTime
    end_at: UTCDateTime
    instructor_id: uuid.UUID | None
    aircraft_id: uuid.UUID
    # {"verdict": "GO" | "MARGINAL" | null, "summary": "…" or "no forecast yet"}
    expected_weather: dict[str, Any]
    justification: str


class RescheduleHistoryEntry(BaseModel):
    """One step of a request: when, who ("ann@school.example", "student (via e-mail link)",
    "sweep"), what (opened, picked, confirmed, rejected, superseded, expired) and the detail."""

    at: UTCDateTime
    actor: str
    action: str
    detail: str


class RescheduleRequestRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    school_id: uuid.UUID
    flight_id: uuid.UUID
    state: RescheduleState
    produced_by: ProducedBy
    weather_check_id: uuid.UUID | None
    new_flight_id: uuid.UUID | None
    selected_rank: int | None
    detected_at: UTCDateTime
    expires_at: UTCDateTime
    selected_at: UTCDateTime | None
    confirmed_at: UTCDateTime | None
    closed_at: UTCDateTime | None
    options: list[RescheduleOptionRead]
    version: int
    # Who acted when, oldest first (from the audit trail).
    history: list[RescheduleHistoryEntry] = Field(default_factory=list)


class RescheduleRequestsPage(BaseModel):
    items: list[RescheduleRequestRead]
