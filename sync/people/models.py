"""Students and instructors.

Availability is a weekly pattern plus dated exceptions, in the school's local time (see
``sync.schools.models`` for the weekday and time formats):

- ``availability``: ``[{"weekday": 1-7, "start": "HH:MM", "end": "HH:MM"}]``
- ``availability_exceptions``: ``[{"date": "YYYY-MM-DD", "available": false}]`` for a day off, or
  ``[{"date": …, "available": true, "start": "HH:MM", "end": "HH:MM"}]`` for extra hours.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sync.database.core import Base, SyncedMixin, TimestampMixin, enum_type
from sync.schools.models import SchoolScopedMixin
from sync.weather.minimums import TrainingLevel


class InstructorRating(StrEnum):
    CFI = "CFI"  # may teach dual lessons
    CFII = "CFII"  # may also teach instrument lessons


class Student(SyncedMixin, SchoolScopedMixin, TimestampMixin, Base):
    __tablename__ = "students"

    # Optional: students act through signed links in their e-mail, most never have an account.
    account_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("accounts.id"), unique=True, default=None
    )
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40), default=None)
    training_level: Mapped[TrainingLevel] = mapped_column(enum_type(TrainingLevel, "training_level"))
    # Whether the student may fly after civil twilight; rescheduling keeps others in daylight.
    night_trained: Mapped[bool] = mapped_column(default=False)
    availability: Mapped[list[Any]] = mapped_column(default=list)
    availability_exceptions: Mapped[list[Any]] = mapped_column(default=list)
    # {visibility_sm, ceiling_ft, max_wind_kt} or None; only ever tightens the school's minimums.
    personal_minimums: Mapped[dict[str, Any] | None] = mapped_column(default=None)


class Instructor(SyncedMixin, SchoolScopedMixin, TimestampMixin, Base):
    __tablename__ = "instructors"

    # The account the instructor signs in with; it decides which lessons are "their own".
    account_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("accounts.id"), unique=True, default=None
    )
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40), default=None)
    ratings: Mapped[list[Any]] = mapped_column(default=lambda: [InstructorRating.CFI.value])
    availability: Mapped[list[Any]] = mapped_column(default=list)
    availability_exceptions: Mapped[list[Any]] = mapped_column(default=list)

    def holds(self, rating: InstructorRating) -> bool:
        return rating.value in (self.ratings or ())
