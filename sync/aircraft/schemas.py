"""Aircraft over the API: ``AircraftCreate``, ``AircraftUpdate``, ``AircraftRead``, ``AircraftPage``."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sync.preconditions import VersionSent

_TAIL_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9-]{1,9}")


def _tail_number(value: str) -> str:
    value = value.strip().upper()
    if not _TAIL_NUMBER.fullmatch(value):
        raise ValueError(f"{value or '(empty)'} is not a tail number: 2-10 letters, digits or -, e.g. N12345")
    return value


def _model(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise ValueError("the aircraft model is empty")
    return value


class AircraftCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID | None = None
    tail_number: str = Field(max_length=10)
    model: str = Field(max_length=60, description="rescheduling swaps aircraft only within a model")
    home_airport: str = Field(max_length=4, description="ICAO code the weather engine knows")
    max_crosswind_kt: int = Field(gt=0, le=50, description="maximum demonstrated crosswind, knots")
    in_service: bool = True
    hobbs_hours: float = Field(default=0.0, ge=0, le=100_000, description="the Hobbs meter, hours")
    tach_hours: float = Field(default=0.0, ge=0, le=100_000, description="the tach meter, hours")

    _tail = field_validator("tail_number")(classmethod(lambda cls, v: _tail_number(v)))
    _model_name = field_validator("model")(classmethod(lambda cls, v: _model(v)))


class AircraftUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: VersionSent = None
    tail_number: str | None = Field(default=None, max_length=10)
    model: str | None = Field(default=None, max_length=60)
    home_airport: str | None = Field(default=None, max_length=4)
    max_crosswind_kt: int | None = Field(default=None, gt=0, le=50)
    in_service: bool | None = None
    # To set the meters when they were not kept here (check-ins advance them afterwards).
    hobbs_hours: float | None = Field(default=None, ge=0, le=100_000)
    tach_hours: float | None = Field(default=None, ge=0, le=100_000)

    @field_validator("tail_number")
    @classmethod
    def _tail(cls, value: str | None) -> str | None:
        return None if value is None else _tail_number(value)

    @field_validator("model")
    @classmethod
    def _model_name(cls, value: str | None) -> str | None:
        return None if value is None else _model(value)


class AircraftRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    school_id: uuid.UUID
    tail_number: str
    model: str
    home_airport: str
    max_crosswind_kt: int
    in_service: bool
    hobbs_hours: float
    tach_hours: float
    version: int
    server_seq: int
    created_at: datetime
    updated_at: datetime


class AircraftPage(BaseModel):
    items: list[AircraftRead]
    total: int
    offset: int
    limit: int
