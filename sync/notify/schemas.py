"""Notifications over the API and in the desktop's replica: ``NotificationRead``,
``NotificationsPage``.

The mail's bodies, its dedupe key and the provider's bookkeeping are never sent: the bodies carry
the student's signed single-use links, and a desktop needs only to see whether the mail went out
and, if not, why.
"""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict

from sync.flights.schemas import UTCDateTime
from sync.notify.models import NotificationStatus


class NotificationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    school_id: uuid.UUID
    flight_id: uuid.UUID | None
    kind: str
    recipient: str
    subject: str
    status: NotificationStatus
    attempts: int
    next_attempt_at: UTCDateTime
    sent_at: UTCDateTime | None
    last_error: str | None
    created_at: UTCDateTime
    updated_at: UTCDateTime
    version: int
    server_seq: int


class NotificationsPage(BaseModel):
    items: list[NotificationRead]
    total: int
    offset: int
    limit: int
