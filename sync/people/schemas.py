"""Students and instructors over the API: ``…Create``, ``…Update`` (PATCH), ``…Read``, ``…sPage``.

Weekdays are ISO numbers (1 = Monday … 7 = Sunday) and times "HH:MM" in the school's time zone,
as everywhere in the schema (``sync.schools.models``).
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sync.people.models import InstructorRating
from sync.preconditions import VersionSent
from sync.weather.minimums import TrainingLevel

_TIME_OF_DAY = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _time_of_day(value: str) -> str:
    if not _TIME_OF_DAY.fullmatch(value):
        raise ValueError(f'{value!r} is not a time of day: use "HH:MM", 24-hour, e.g. "07:30"')
    return value


def _email(value: str) -> str:
    value = value.strip().lower()
    if not _EMAIL.fullmatch(value):
        raise ValueError(f"{value or '(empty)'} is not an e-mail address")
    return value


def _name(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise ValueError("the name is empty")
    return value


class AvailabilityWindow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weekday: int = Field(ge=1, le=7, description="ISO weekday: 1 = Monday … 7 = Sunday")
    start: str = Field(description='"HH:MM", school time')
    end: str = Field(description='"HH:MM", after start')

    _check_times = field_validator("start", "end")(classmethod(lambda cls, v: _time_of_day(v)))

    @model_validator(mode="after")
    def _end_after_start(self) -> AvailabilityWindow:
        if self.end <= self.start:
            raise ValueError(f"the window ends ({self.end}) before it starts ({self.start})")
        return self


class AvailabilityException(BaseModel):
    """A day off (``available: false``), or extra hours that day (with start and end)."""

    model_config = ConfigDict(extra="forbid")

    date: date
    available: bool = False
    start: str | None = None
    end: str | None = None

    @field_validator("start", "end")
    @classmethod
    def _times(cls, value: str | None) -> str | None:
        return None if value is None else _time_of_day(value)

    @model_validator(mode="after")
    def _hours_match_availability(self) -> AvailabilityException:
        if self.available:
            if self.start is None or self.end is None:
                raise ValueError("extra hours need a start and an end")
            if self.end <= self.start:
                raise ValueError(f"the extra hours end ({self.end}) before they start ({self.start})")
        elif self.start is not None or self.end is not None:
            raise ValueError("a day off has no start or end: leave them out")
        return self


class PersonalMinimums(BaseModel):
    model_config = ConfigDict(extra="forbid")

    visibility_sm: float = Field(ge=0, le=50)
    ceiling_ft: int = Field(ge=0, le=20000)
    max_wind_kt: int = Field(ge=0, le=60)


class _Contact(BaseModel):
    @field_validator("name", check_fields=False)
    @classmethod
    def _clean_name(cls, value: str | None) -> str | None:
        return None if value is None else _name(value)

    @field_validator("email", check_fields=False)
    @classmethod
    def _clean_email(cls, value: str | None) -> str | None:
        return None if value is None else _email(value)


class StudentCreate(_Contact):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID | None = Field(default=None, description="a client-generated id (uuid4), optional")
    name: str = Field(max_length=200)
    email: str = Field(max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    training_level: TrainingLevel
    night_trained: bool | None = Field(default=None, description="default: by training level")
    availability: list[AvailabilityWindow] = Field(default_factory=list, max_length=100)
    availability_exceptions: list[AvailabilityException] = Field(default_factory=list, max_length=500)
    personal_minimums: PersonalMinimums | None = None
    account_id: uuid.UUID | None = None


class StudentUpdate(_Contact):
    """Only the fields sent change. ``version`` (or If-Match) must be the row's current version."""

    model_config = ConfigDict(extra="forbid")

    version: VersionSent = None
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    training_level: TrainingLevel | None = None
    night_trained: bool | None = None
    availability: list[AvailabilityWindow] | None = Field(default=None, max_length=100)
    availability_exceptions: list[AvailabilityException] | None = Field(default=None, max_length=500)
    personal_minimums: PersonalMinimums | None = None
    account_id: uuid.UUID | None = None


class _Row(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    school_id: uuid.UUID
    version: int
    server_seq: int
    created_at: datetime
    updated_at: datetime


class StudentRead(_Row):
    account_id: uuid.UUID | None
    name: str
    email: str
    phone: str | None
    training_level: TrainingLevel
    night_trained: bool
    availability: list[dict[str, Any]]
    availability_exceptions: list[dict[str, Any]]
    personal_minimums: dict[str, Any] | None


class StudentsPage(BaseModel):
    items: list[StudentRead]
    total: int
    offset: int
    limit: int


class InstructorCreate(_Contact):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID | None = None
    name: str = Field(max_length=200)
    email: str = Field(max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    ratings: list[InstructorRating] = Field(default_factory=lambda: [InstructorRating.CFI], min_length=1)
    availability: list[AvailabilityWindow] = Field(default_factory=list, max_length=100)
    availability_exceptions: list[AvailabilityException] = Field(default_factory=list, max_length=500)
    account_id: uuid.UUID | None = None


class InstructorUpdate(_Contact):
    model_config = ConfigDict(extra="forbid")

    version: VersionSent = None
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    ratings: list[InstructorRating] | None = Field(default=None, min_length=1)
    availability: list[AvailabilityWindow] | None = Field(default=None, max_length=100)
    availability_exceptions: list[AvailabilityException] | None = Field(default=None, max_length=500)
    account_id: uuid.UUID | None = None


class InstructorRead(_Row):
    account_id: uuid.UUID | None
    name: str
    email: str
    phone: str | None
    ratings: list[str]
    availability: list[dict[str, Any]]
    availability_exceptions: list[dict[str, Any]]


class InstructorsPage(BaseModel):
    items: list[InstructorRead]
    total: int
    offset: int
    limit: int
