"""The notification outbox.

A row is written in the same transaction as the decision that causes it, under a unique
``dedupe_key`` — lesson, kind, recipient and weather window — so a second sweep, or a sweep
killed and restarted, finds the row already there instead of mailing twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sync.database.core import Base, SyncedMixin, TimestampMixin, enum_type, utcnow
from sync.schools.models import SchoolScopedMixin


class NotificationStatus(StrEnum):
    PENDING = "PENDING"
    SENDING = "SENDING"  # claimed by a sender until ``claimed_until``
    SENT = "SENT"
    FAILED = "FAILED"  # gave up after the last attempt


class Notification(SyncedMixin, SchoolScopedMixin, TimestampMixin, Base):
    """Synced so the desktop can show whether the student's mail went out."""

    __tablename__ = "notifications"
    __table_args__ = (
        # The sender's claim query: due rows in one status, oldest first.
        Index(None, "status", "next_attempt_at"),
    )

    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    flight_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("flights.id"), index=True, default=None)
    kind: Mapped[str] = mapped_column(String(40))  # e.g. weather_alert, options, confirmation
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text, default=None)
    status: Mapped[NotificationStatus] = mapped_column(
        enum_type(NotificationStatus, "notification_status"), default=NotificationStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A sender that dies while SENDING leaves its claim to lapse; another sender may then retry.
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    provider_message_id: Mapped[str | None] = mapped_column(String(255), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
