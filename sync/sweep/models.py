"""A record of each sweep, for the operator and the metrics."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Mapped, mapped_column

from sync.database.core import Base, utcnow, uuid_primary_key


class SweepRun(Base):
    """One sweep over every school (so not school-scoped). ``finished_at`` stays NULL if it died."""

    __tablename__ = "sweep_runs"

    id: Mapped[uuid.UUID] = uuid_primary_key()
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)  # lessons checked, cancelled, …
    errors: Mapped[list[Any]] = mapped_column(default=list)  # [{flight_id, station, message}]
    # The same figures per school ({school_id: {lessons, verdicts, actions, errors}}): a school
    # sees only its own (``GET /metrics``), never the whole run's.
    school_counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
