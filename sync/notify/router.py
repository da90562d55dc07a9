"""/notifications: the school's outgoing mail (never its bodies). Every desktop user reads;
dispatchers and admins send a failed mail again; students are refused by ``CurrentUser``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from sync.deps import CurrentUser, DbSession, Offset, SchoolManager
from sync.notify import service as notify_service
from sync.notify.models import NotificationStatus
from sync.notify.schemas import NotificationRead, NotificationsPage

router = APIRouter()


@router.get("", response_model=NotificationsPage)
def list_notifications(
    db: DbSession,
    user: CurrentUser,
    notification_status: Annotated[NotificationStatus | None, Query(alias="status")] = None,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Any:
    items, total = notify_service.list(db=db, school_id=user.school_id,
                                       status=notification_status, offset=offset, limit=limit)
    return {"items": items, "total": total, "offset": offset, "limit": limit}


@router.post("/{notification_id}/retry", response_model=NotificationRead)
def retry_notification(notification_id: uuid.UUID, db: DbSession, user: SchoolManager) -> Any:
    return notify_service.retry(db=db, school_id=user.school_id, notification_id=notification_id,
                                actor=user, now=datetime.now(UTC))
