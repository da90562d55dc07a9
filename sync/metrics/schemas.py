"""What ``GET /metrics`` answers."""

from __future__ import annotations

import uuid
import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from sync.flights.schemas import UTCDateTime


class Cancellations(BaseModel):
    """Lessons cancelled by hand, by the kind given (POST /flights/{id}/cancel reason_kind)."""

    weather: int
    student: int
    no_show: int
    school: int
    other: int


class DayMetrics(BaseModel):
    date: dt.date = Field(description="a day in the school's time zone")
    bookings_created: int = Field(description="lessons booked that day (created_at)")
    weather_conflicts: int = Field(
        description="lessons with at least one NO_GO weather check that day (each lesson once per day)")
    reschedules_accepted: int = Field(
        description="reschedule requests confirmed (ACCEPTED) that day")
    average_reschedule_minutes: float | None = Field(
        description="mean time from detection to confirmation of that day's accepted requests; "
                    "null when there were none")
    cancellations: Cancellations = Field(
        description="lessons cancelled by hand that day, by kind (the sweep's own weather "
                    "cancellations are counted in weather_conflicts)")


class MetricsTotals(BaseModel):
    bookings_created: int
    weather_conflicts: int
    reschedules_accepted: int
    average_reschedule_minutes: float | None
    cancellations: Cancellations


class SweepSummary(BaseModel):
    id: uuid.UUID
    started_at: UTCDateTime
    finished_at: UTCDateTime | None = Field(description="null while running, or if it died")
    counts: dict[str, Any]


class Metrics(BaseModel):
    school_id: uuid.UUID
    timezone: str
    days: list[DayMetrics] = Field(description="the last 30 days, oldest first, today last")
    totals: MetricsTotals
    last_sweep: SweepSummary | None
