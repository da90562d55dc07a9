"""Flights (lesson bookings) and their weather checks."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sync.database.core import Base, SyncedMixin, TimestampMixin, enum_type
from sync.schools.models import SchoolScopedMixin
from sync.weather.verdicts import Verdict


class FlightType(StrEnum):
    DUAL = "DUAL"
    SOLO = "SOLO"
    CROSS_COUNTRY = "CROSS_COUNTRY"
    INSTRUMENT = "INSTRUMENT"


class FlightStatus(StrEnum):
    SCHEDULED = "SCHEDULED"
    AT_RISK = "AT_RISK"  # NO_GO forecast, but still outside the decision window
    WEATHER_CANCELLED = "WEATHER_CANCELLED"
    RESCHEDULED = "RESCHEDULED"  # replaced by the flight whose rescheduled_from points here
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class CancelKind(StrEnum):
    """Why a lesson was cancelled by hand (``POST /flights/{id}/cancel``), counted apart in the
    metrics; the sweep's own weather cancellations are ``WEATHER_CANCELLED`` and have none."""

    WEATHER = "weather"
    STUDENT = "student"
    NO_SHOW = "no_show"
    SCHOOL = "school"
    OTHER = "other"


# Lessons that no longer hold their student, instructor and aircraft (double-booking checks skip them).
RELEASED_STATUSES = frozenset(
    {FlightStatus.WEATHER_CANCELLED, FlightStatus.RESCHEDULED, FlightStatus.CANCELLED}
)


class Flight(SyncedMixin, SchoolScopedMixin, TimestampMixin, Base):
    __tablename__ = "flights"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        # Only a solo flies without an instructor.
        CheckConstraint("instructor_id IS NOT NULL OR flight_type = 'SOLO'", name="instructor_unless_solo"),
        # The calendar's range query, and the overlap checks per student, instructor and aircraft.
        Index(None, "school_id", "start_at"),
        Index(None, "student_id", "start_at"),
        Index(None, "instructor_id", "start_at"),
        Index(None, "aircraft_id", "start_at"),
        # Bookings still running at a moment, however long ago they started (the slot search).
        Index(None, "school_id", "end_at"),
        # The double-booking check: a student's, instructor's or aircraft's lessons ending after
        # a moment (their future, not their history; sync.flights.service._check_overlaps).
        Index(None, "student_id", "end_at"),
        Index(None, "instructor_id", "end_at"),
        Index(None, "aircraft_id", "end_at"),
        # Meters never run backwards (check-in, sync.flights.logbook).
        CheckConstraint("hobbs_in IS NULL OR hobbs_out IS NULL OR hobbs_in >= hobbs_out",
                        name="hobbs_in_not_below_out"),
        CheckConstraint("tach_in IS NULL OR tach_out IS NULL OR tach_in >= tach_out",
                        name="tach_in_not_below_out"),
    )

    student_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("students.id"))
    instructor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("instructors.id"), default=None)
    aircraft_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("aircraft.id"))
    start_at: Mapped[datetime]  # UTC; [start_at, end_at) is the booked interval
    end_at: Mapped[datetime]
    departure: Mapped[str] = mapped_column(String(4))  # ICAO
    destination: Mapped[str | None] = mapped_column(String(4), default=None)
    # Stations and waypoints between departure and destination: ICAO codes or {"lat": …, "lon": …}.
    route_points: Mapped[list[Any]] = mapped_column(default=list)
    flight_type: Mapped[FlightType] = mapped_column(enum_type(FlightType, "flight_type"))
    status: Mapped[FlightStatus] = mapped_column(
        enum_type(FlightStatus, "flight_status"), default=FlightStatus.SCHEDULED
    )
    notes: Mapped[str] = mapped_column(Text, default="")
    # The lesson this one replaces, when it was booked by rescheduling.
    rescheduled_from_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("flights.id"), default=None
    )
    # The weekly series it was booked in (``POST /flights/series``): its occurrences share the id.
    series_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    # The school's booking-policy warnings it was booked over, and who accepted them:
    # [{code, text, by, at}] (``sync.policy``); empty when it broke none.
    acknowledged_warnings: Mapped[list[Any]] = mapped_column(default=list)

    # A cancellation by hand: what kind, the words given, and when.
    cancel_kind: Mapped[CancelKind | None] = mapped_column(enum_type(CancelKind, "cancel_kind"),
                                                           default=None)
    cancel_reason: Mapped[str | None] = mapped_column(Text, default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)

    # Check-out (the aircraft taken: meters out) and check-in (meters in, times flown): hours.
    checked_out_at: Mapped[datetime | None] = mapped_column(default=None)
    hobbs_out: Mapped[float | None] = mapped_column(default=None)
    tach_out: Mapped[float | None] = mapped_column(default=None)
    hobbs_in: Mapped[float | None] = mapped_column(default=None)
    tach_in: Mapped[float | None] = mapped_column(default=None)
    actual_start_at: Mapped[datetime | None] = mapped_column(default=None)
    actual_end_at: Mapped[datetime | None] = mapped_column(default=None)
    flown_hours: Mapped[float | None] = mapped_column(default=None)  # Hobbs in − out
    check_in_remarks: Mapped[str | None] = mapped_column(Text, default=None)


class WeatherCheck(SyncedMixin, SchoolScopedMixin, Base):
    """One assessment of one flight, kept as evidence: what was read, what limits, what verdict."""

    __tablename__ = "weather_checks"
    __table_args__ = (Index(None, "flight_id", "checked_at"),)

    flight_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("flights.id"))
    checked_at: Mapped[datetime]
    verdict: Mapped[Verdict] = mapped_column(enum_type(Verdict, "verdict"))
    reasons: Mapped[list[Any]] = mapped_column(default=list)  # [{code, text, effect, station}]
    reports: Mapped[list[Any]] = mapped_column(default=list)  # the raw METAR/TAF texts used
    decoded: Mapped[dict[str, Any]] = mapped_column(default=dict)  # decoded values per station
    minimums: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the minimums applied
