"""Notifications as the front desk sees them: list the school's mail, send a failed one again.

Every lookup is scoped to the caller's school (another school's mail is NotFound). A retry is
audited; the audit trail never holds the mail's bodies (``sync.audit.service.REDACTED_COLUMNS``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sync.auth.models import Account
from sync.database import scoped
from sync.errors import Conflict
from sync.notify.models import Notification, NotificationStatus
from sync.notify.schemas import NotificationRead

# Why a mail that is not FAILED cannot be sent again, and what to do instead.
_NOT_RETRYABLE = {
    NotificationStatus.PENDING: "it is already waiting to be sent: the sender sends it at its "
                                "next pass, nothing to do",
    NotificationStatus.SENDING: "it is being sent right now: wait a minute and look at its status "
                                "again",
    NotificationStatus.SENT: "it was sent already: if the recipient did not get it, check the "
                             "address and their spam folder",
}


def _as_json(row: Notification) -> dict[str, Any]:
    return NotificationRead.model_validate(row).model_dump(mode="json")


def list(*, db: Session, school_id: uuid.UUID, status: NotificationStatus | None = None,
         offset: int = 0, limit: int = 100) -> tuple[Any, int]:
    """The school's mail, newest first; only ``status`` when given."""
    filters = (Notification.status == status,) if status is not None else ()
    return scoped.page_in_school(db, Notification, school_id=school_id, offset=offset,
                                 limit=limit, order_by=Notification.created_at.desc(),
                                 filters=filters)


def get(*, db: Session, school_id: uuid.UUID, notification_id: uuid.UUID) -> Notification:
    return scoped.get_in_school(db, Notification, school_id=school_id, row_id=notification_id,
                                what="notification")


def retry(*, db: Session, school_id: uuid.UUID, notification_id: uuid.UUID, actor: Account,
          now: datetime) -> Notification:
    """Put a FAILED mail back in the outbox, due ``now`` with a fresh set of attempts.

    The row's ``last_error`` stays until the sender records the outcome, so the desk can still
    see what went wrong last time. Refuses (Conflict, rule ``NOTIFICATION_NOT_FAILED``) any mail
    that is not FAILED: a pending or sending mail would be sent twice, a sent one again.
    """
    row = get(db=db, school_id=school_id, notification_id=notification_id)
    status = NotificationStatus(row.status)
    if status is not NotificationStatus.FAILED:
        raise Conflict(
            f"only a mail that failed can be sent again; this one is {status.value}: "
            f"{_NOT_RETRYABLE[status]}",
            field="status", rule="NOTIFICATION_NOT_FAILED", conflict=_as_json(row),
        )
    before = scoped.snapshot(row)
    row.status = NotificationStatus.PENDING
    row.next_attempt_at = now
    row.attempts = 0
    row.claimed_until = None
    scoped.audit(db, actor=actor, action="retry", row=row, before=before)  # flushes: new version
    return row
