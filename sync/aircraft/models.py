"""Aircraft: what can be booked, and the crosswind it can take."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sync.database.core import Base, SyncedMixin, TimestampMixin
from sync.schools.models import SchoolScopedMixin


class Aircraft(SyncedMixin, SchoolScopedMixin, TimestampMixin, Base):
    __tablename__ = "aircraft"
    __table_args__ = (
        # Per school: two schools may each have an N12345 in their books (a leased aircraft).
        # A tombstoned aircraft keeps its tail number; re-adding it means restoring that row.
        UniqueConstraint("school_id", "tail_number"),
        CheckConstraint("max_crosswind_kt > 0", name="max_crosswind_positive"),
        CheckConstraint("hobbs_hours >= 0 AND tach_hours >= 0", name="meters_not_negative"),
    )

    tail_number: Mapped[str] = mapped_column(String(10))
    model: Mapped[str] = mapped_column(String(60))  # rescheduling swaps only within one model
    home_airport: Mapped[str] = mapped_column(String(4))  # ICAO
    # Maximum demonstrated crosswind, knots: above it on the best runway is NO_GO.
    max_crosswind_kt: Mapped[int]
    in_service: Mapped[bool] = mapped_column(default=True)
    # The meters as of the latest check-in (or as set by staff): hours.
    hobbs_hours: Mapped[float] = mapped_column(default=0.0)
    tach_hours: Mapped[float] = mapped_column(default=0.0)
