"""The school: home airport, time zone, hours, and the weather rules it applies to its lessons.

Weekdays are ISO numbers everywhere in the schema (1 = Monday … 7 = Sunday, ``date.isoweekday()``)
and times of day are "HH:MM" in the school's own time zone: opening hours and availability are
rules about local clocks, which stay put when daylight-saving time moves UTC under them.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sync.database.core import SECOND, Base, SyncedMixin, TimestampMixin
from sync.weather.minimums import DEFAULT_MARGIN, DEFAULT_MINIMUMS


def default_operating_hours() -> list[dict[str, Any]]:
    return [{"weekday": day, "open": "07:00", "close": "19:00"} for day in range(1, 8)]


def default_minimums() -> dict[str, Any]:
    # Stored in full, not as "no override": the desktop shows and edits the actual numbers.
    # The weather engine still tightens the product defaults with these, never loosens them.
    return {level.value: minimums.as_dict() for level, minimums in DEFAULT_MINIMUMS.items()}


class School(SyncedMixin, TimestampMixin, Base):
    """Synced so that a desktop's replica has the time zone, hours and rules it displays."""

    __tablename__ = "schools"
    __table_args__ = (
        CheckConstraint("decision_window_hours > 0", name="decision_window_positive"),
        CheckConstraint(
            "margin_visibility_sm >= 0 AND margin_ceiling_ft >= 0 AND margin_wind_kt >= 0",
            name="margins_not_negative",
        ),
        CheckConstraint(
            "reschedule_horizon_days > 0 AND reschedule_option_count > 0 "
            "AND reschedule_reply_hours > 0",
            name="reschedule_settings_positive",
        ),
        CheckConstraint("max_lesson_hours > 0 AND booking_horizon_days > 0",
                        name="booking_bounds_positive"),
    )

    name: Mapped[str] = mapped_column(String(200))
    home_airport: Mapped[str] = mapped_column(String(4))  # ICAO
    # Where the home airport is, from the weather engine's station data (None: a station it does
    # not know). Kept in step with ``home_airport`` by ``sync.schools.service``; the desktop reads
    # it from its replica (it shades twilight) instead of loading that data itself.
    home_latitude: Mapped[float | None] = mapped_column(default=None)
    home_longitude: Mapped[float | None] = mapped_column(default=None)
    timezone: Mapped[str] = mapped_column(String(64))  # IANA, e.g. America/Chicago
    # [{weekday: 1-7, open: "HH:MM", close: "HH:MM"}]; a weekday missing from the list is closed.
    operating_hours: Mapped[list[Any]] = mapped_column(default=default_operating_hours)
    # {level: {visibility_sm, ceiling_ft, max_wind_kt}} for each TrainingLevel.
    minimums: Mapped[dict[str, Any]] = mapped_column(default=default_minimums)

    # NO_GO this close to departure cancels and reschedules; further out it only marks AT_RISK.
    decision_window_hours: Mapped[int] = mapped_column(default=24)
    # A passing value this close to a limit makes the lesson MARGINAL (sync.weather.minimums.Margin).
    margin_visibility_sm: Mapped[float] = mapped_column(default=DEFAULT_MARGIN.visibility_sm)
    margin_ceiling_ft: Mapped[int] = mapped_column(default=DEFAULT_MARGIN.ceiling_ft)
    margin_wind_kt: Mapped[int] = mapped_column(default=DEFAULT_MARGIN.wind_kt)

    # How far ahead to look for new slots, how many to offer, how long the student has to choose.
    reschedule_horizon_days: Mapped[int] = mapped_column(default=7)
    reschedule_option_count: Mapped[int] = mapped_column(default=3)
    reschedule_reply_hours: Mapped[int] = mapped_column(default=48)

    # Bounds on a booking: no lesson longer than this, none starting further ahead than this.
    max_lesson_hours: Mapped[int] = mapped_column(default=12)
    booking_horizon_days: Mapped[int] = mapped_column(default=365)

    # The school's soft booking rules and their numbers (``sync.policy.models``); {} = defaults.
    booking_policy: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SchoolScopedMixin:
    """Rows that belong to one school. Every query the service runs filters on this column."""

    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("schools.id"), index=True, sort_order=SECOND
    )
