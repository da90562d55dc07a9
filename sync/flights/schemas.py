"""What the flights and weather-check API accepts and returns.

Times go in timezone-aware (any offset; a naive time is refused, because "10:00" at a school in
Chicago and on a server in UTC are different lessons) and come out in UTC, ISO 8601 with ``Z``.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    field_validator,
    model_validator,
)

from sync.flights.models import CancelKind, FlightStatus, FlightType
from sync.policy.models import RuleCode
from sync.policy.schemas import PolicyNotice, PolicyWarning
from sync.preconditions import VersionSent
from sync.weather.schemas import ReasonMeasureRead, ReasonSourceRead
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
# The school's booking-policy warnings the person booking accepts (``sync.policy``): the codes of a
# 409 NEEDS_ACKNOWLEDGEMENT's ``warnings``. Codes that do not apply are ignored.
Acknowledge = Annotated[list[RuleCode], Field(
    max_length=len(RuleCode),
    description="warning codes to book over, from the warnings of a 409 NEEDS_ACKNOWLEDGEMENT")]
# Hobbs and tach readings, hours.
MeterHours = Annotated[float, Field(ge=0, le=100_000)]


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
    acknowledge: Acknowledge = Field(default_factory=list)


class FlightUpdate(BaseModel):
    """Only the fields given change; ``version`` (or If-Match) must be the row's current one."""

    model_config = ConfigDict(extra="forbid")

    version: VersionSent = None
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
    acknowledge: Acknowledge | None = None
    scope: Literal["this", "following"] = Field(
        default="this", description='following: move the later lessons of its series the same way '
                                    "(start_at and end_at only; all or none)")


class FlightCancel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    reason_kind: CancelKind = Field(
        default=CancelKind.OTHER,
        description="weather, student (the student cancelled), no_show, school (aircraft, "
                    "instructor…) or other; counted apart in GET /metrics")
    scope: Literal["this", "following"] = Field(
        default="this", description="following: this lesson and every later one of its series")


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
    series_id: uuid.UUID | None = Field(description="the weekly series it was booked in")
    # Plain dicts, passed through as stored: the pull answers the stored JSON as it is.
    acknowledged_warnings: list[dict[str, Any]] = Field(
        description="booking-policy warnings it was booked over, [{code, text, by, at}] "
                    "(by: the account that acknowledged them; at: when, UTC); empty when none")
    cancel_kind: CancelKind | None = Field(description="why it was cancelled by hand")
    cancel_reason: str | None
    cancelled_at: UTCDateTime | None
    checked_out_at: UTCDateTime | None = Field(description="when the aircraft was taken out")
    hobbs_out: float | None
    tach_out: float | None
    hobbs_in: float | None
    tach_in: float | None
    actual_start_at: UTCDateTime | None
    actual_end_at: UTCDateTime | None
    flown_hours: float | None = Field(description="Hobbs in − Hobbs out, once checked in")
    check_in_remarks: str | None
    version: int
    server_seq: int
    updated_at: UTCDateTime


class FlightBooked(FlightRead):
    """A lesson as booked or changed, with what the answer must say besides."""

    # Left out when there are none: the lesson then reads exactly as GET answers it.
    notices: list[PolicyNotice] = Field(
        default_factory=list, exclude_if=lambda value: not value,
        description="only when there is something to say, e.g. FORECAST_NOT_CHECKED: the weather "
                    "could not be had, so the forecast rule could not be applied")


class FlightChanged(FlightBooked):
    also_changed: list[uuid.UUID] = Field(
        default_factory=list, exclude_if=lambda value: not value,
        description='with scope "following": the later lessons of the series moved with it')


class FlightCancelled(FlightRead):
    also_cancelled: list[uuid.UUID] = Field(
        default_factory=list, description='with scope "following": the later lessons of the '
                                          "series cancelled with it")


class FlightCheckOut(BaseModel):
    """The aircraft taken out for the lesson: its meters as read before the flight."""

    model_config = ConfigDict(extra="forbid")

    hobbs_out: MeterHours
    tach_out: MeterHours
    at: UTCDateTime | None = Field(default=None, description="when; default now")


class FlightCheckIn(BaseModel):
    """The lesson flown: meters in (and out, when it was not checked out), the times actually
    flown, remarks. The lesson becomes COMPLETED; the aircraft's meters advance."""

    model_config = ConfigDict(extra="forbid")

    hobbs_in: MeterHours
    tach_in: MeterHours
    hobbs_out: MeterHours | None = Field(default=None, description="only if not checked out")
    tach_out: MeterHours | None = Field(default=None, description="only if not checked out")
    actual_start_at: UTCDateTime | None = Field(
        default=None, description="default: the check-out time, else the booked start")
    actual_end_at: UTCDateTime | None = Field(default=None, description="default: now")
    remarks: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


_TIME_OF_DAY = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
MAX_SERIES_OCCURRENCES = 200


class FlightSeriesCreate(BaseModel):
    """A weekly series: the same lesson on ``weekdays`` at ``start_time`` (school time) for
    ``weeks`` weeks from ``first_date``, or until ``until`` (inclusive)."""

    model_config = ConfigDict(extra="forbid")

    student_id: uuid.UUID
    instructor_id: uuid.UUID | None = None
    aircraft_id: uuid.UUID
    departure: AirportCode
    destination: AirportCode | None = None
    route_points: list[AirportCode] = Field(default_factory=list, max_length=20)
    flight_type: FlightType
    notes: Notes = ""
    weekdays: list[Annotated[int, Field(ge=1, le=7)]] = Field(
        min_length=1, max_length=7, description="ISO weekdays: 1 = Monday … 7 = Sunday")
    start_time: str = Field(description='"HH:MM", school time')
    duration_minutes: int = Field(ge=15, le=24 * 60)
    first_date: date = Field(description="the first day the series may start (school time)")
    weeks: int | None = Field(default=None, ge=1, le=52, description="how many weeks; or until")
    until: date | None = Field(default=None, description="the last day (inclusive); or weeks")
    all_or_nothing: bool = Field(default=False, description="book none if any occurrence is refused")
    acknowledge: Acknowledge = Field(default_factory=list)
    series_id: uuid.UUID | None = Field(
        default=None, description="add the lessons to this series of the same student (e.g. the "
        "occurrences that needed an acknowledgement, sent again with acknowledge) instead of "
        "starting a new one")

    @field_validator("start_time")
    @classmethod
    def _time_of_day(cls, value: str) -> str:
        if not _TIME_OF_DAY.fullmatch(value):
            raise ValueError(f'{value!r} is not a time of day: use "HH:MM", 24-hour, e.g. "07:30"')
        return value

    @field_validator("weekdays")
    @classmethod
    def _distinct(cls, value: list[int]) -> list[int]:
        return sorted(set(value))

    @model_validator(mode="after")
    def _one_end(self) -> FlightSeriesCreate:
        if (self.weeks is None) == (self.until is None):
            raise ValueError("say how long the series runs: weeks or until, not both")
        if self.until is not None and self.until < self.first_date:
            raise ValueError(f"until ({self.until}) is before first_date ({self.first_date})")
        if self.until is not None and (self.until - self.first_date).days > 52 * 7:
            raise ValueError("a series runs at most 52 weeks: book a second one after it")
        return self


class SeriesRefusal(BaseModel):
    """One occurrence that was not booked, and why (the refusal a single booking would get)."""

    start_at: UTCDateTime
    end_at: UTCDateTime
    status_code: int
    detail: str
    rule: str | None = None
    field: str | None = None
    conflict: dict[str, Any] | None = None
    warnings: list[PolicyWarning] | None = None


class FlightSeriesResult(BaseModel):
    series_id: uuid.UUID | None = Field(description="shared by the booked lessons; null if none")
    booked: list[FlightRead]
    refused: list[SeriesRefusal]
    notices: list[PolicyNotice] = Field(default_factory=list)


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
    """A sentence for people, and the same facts as data (both null in checks stored before
    they were kept, and ``measure`` for a reason about no value, such as darkness)."""

    code: str
    text: str
    effect: Verdict
    station: str | None = None
    finding: str | None = Field(None, description="the sentence without the place and the report "
                                                  "period in front of it")
    measure: ReasonMeasureRead | None = None
    source: ReasonSourceRead | None = None


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
