"""Audit events. Written in the same transaction as the change they describe."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sync.database.core import Base, utcnow, uuid_primary_key
from sync.schools.models import SchoolScopedMixin


class AuditEvent(SchoolScopedMixin, Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index(None, "school_id", "at"),)

    id: Mapped[uuid.UUID] = uuid_primary_key()
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # The signed-in account, or None for the system; ``actor`` always says who in words
    # ("dispatcher@school.example", "sweep", "cli", "student link").
    actor_account_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("accounts.id"), default=None)
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(40))  # create, update, cancel, tombstone, …
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    before: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(default=None)
