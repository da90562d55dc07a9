"""Reschedule requests and their options.

A request moves PENDING_STUDENT → PENDING_INSTRUCTOR → ACCEPTED, or ends REJECTED or EXPIRED.
Its timestamps (detected, selected, confirmed) feed the "average rescheduling time" metric.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sync.database.core import Base, SyncedMixin, TimestampMixin, enum_type
from sync.schools.models import SchoolScopedMixin


class RescheduleState(StrEnum):
    PENDING_STUDENT = "PENDING_STUDENT"
    PENDING_INSTRUCTOR = "PENDING_INSTRUCTOR"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATES


OPEN_STATES = frozenset({RescheduleState.PENDING_STUDENT, RescheduleState.PENDING_INSTRUCTOR})


class ProducedBy(StrEnum):
    DETERMINISTIC = "deterministic"
    AI = "ai"


_OPEN_SQL = ", ".join(f"'{state.value}'" for state in sorted(OPEN_STATES))


class RescheduleRequest(SyncedMixin, SchoolScopedMixin, TimestampMixin, Base):
    __tablename__ = "reschedule_requests"
    __table_args__ = (
        # At most one open request per flight, portably: ``open_key`` equals the flight's id while
        # the request is open and is NULL once it closes. A UNIQUE column admits many NULLs on both
        # SQLite and PostgreSQL, so closed requests never collide, and two open ones always do —
        # even when two sweeps race, which a check-then-insert in Python could not guarantee.
        CheckConstraint(
            # IS NOT NULL spelled out: a CHECK whose result is NULL passes.
            f"(state IN ({_OPEN_SQL}) AND open_key IS NOT NULL AND open_key = flight_id) "
            f"OR (state NOT IN ({_OPEN_SQL}) AND open_key IS NULL)",
            name="open_key_matches_state",
        ),
        CheckConstraint("selected_rank IS NULL OR selected_rank >= 1", name="selected_rank_positive"),
    )

    flight_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("flights.id"), index=True)
    state: Mapped[RescheduleState] = mapped_column(
        enum_type(RescheduleState, "reschedule_state"), default=RescheduleState.PENDING_STUDENT
    )
    open_key: Mapped[uuid.UUID | None] = mapped_column(unique=True, default=None)
    produced_by: Mapped[ProducedBy] = mapped_column(enum_type(ProducedBy, "produced_by"))
    # The weather check that cancelled the lesson, and the lesson booked in its place.
    weather_check_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("weather_checks.id"), default=None
    )
    new_flight_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("flights.id"), default=None)
    # The student's choice, by the option's rank (an id would make the two tables refer to each
    # other, which SQLite migrations cannot create).
    selected_rank: Mapped[int | None] = mapped_column(default=None)

    detected_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    selected_at: Mapped[datetime | None] = mapped_column(default=None)
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)  # accepted, rejected or expired

    options: Mapped[list[RescheduleOption]] = relationship(
        back_populates="request", order_by="RescheduleOption.rank"
    )


@event.listens_for(RescheduleRequest, "before_insert")
@event.listens_for(RescheduleRequest, "before_update")
def _derive_open_key(mapper: Any, connection: Any, request: RescheduleRequest) -> None:
    if request.state is None:  # column defaults apply only later, inside the INSERT
        request.state = RescheduleState.PENDING_STUDENT
    request.open_key = request.flight_id if RescheduleState(request.state).is_open else None


class RescheduleOption(SyncedMixin, SchoolScopedMixin, Base):
    """One proposed slot; written once with its request and never changed."""

    __tablename__ = "reschedule_options"
    __table_args__ = (
        UniqueConstraint("request_id", "rank"),
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        CheckConstraint("rank >= 1", name="rank_positive"),
    )

    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reschedule_requests.id"))
    rank: Mapped[int]  # 1 is the best
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    instructor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("instructors.id"), default=None)
    aircraft_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("aircraft.id"))
    expected_weather: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {verdict, summary}
    justification: Mapped[str] = mapped_column(Text, default="")

    request: Mapped[RescheduleRequest] = relationship(back_populates="options")
