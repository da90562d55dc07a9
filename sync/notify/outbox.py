"""Writing mail into the outbox: one row per (lesson, kind, recipient, weather window), ever.

``enqueue`` runs inside the caller's transaction — the sweep's decision, the student's choice —
and never commits: the mail exists exactly when the decision does. Delivery is
``sync.notify.sender``'s job.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sync.database.core import utcnow
from sync.notify.models import Notification, NotificationStatus


def dedupe_key(*, flight_id: uuid.UUID | None, kind: str, recipient: str, window_key: str) -> str:
    """The outbox's unique key: readable kind, then a digest (a recipient alone may be 320 chars)."""
    identity = "\x1f".join([str(flight_id or "-"), kind, recipient.strip().lower(), window_key])
    return f"{kind}:{hashlib.sha256(identity.encode()).hexdigest()}"


def enqueue(
    *,
    db: Session,
    school_id: uuid.UUID,
    flight_id: uuid.UUID | None,
    kind: str,
    recipient: str,
    window_key: str,
    subject: str,
    body_text: str,
    body_html: str | None,
    now: datetime | None = None,
) -> Notification | None:
    """Add one mail to the outbox, or nothing if this key was written before.

    Returns the new row, or None when the key already exists — a second sweep, a sweep rerun
    after a crash, or a concurrent sweep that got there first.
    """
    key = dedupe_key(flight_id=flight_id, kind=kind, recipient=recipient, window_key=window_key)
    if _exists(db, key):
        return None
    row = Notification(
        school_id=school_id,
        flight_id=flight_id,
        dedupe_key=key,
        kind=kind,
        recipient=recipient.strip(),
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        status=NotificationStatus.PENDING,
        next_attempt_at=now or utcnow(),
    )
    # The check above is only the fast path: two sweeps can both pass it. The unique constraint
    # decides, inside a savepoint so that losing the race leaves the caller's transaction usable.
    # The caller's own pending changes are flushed first, outside the savepoint, so that rolling
    # the savepoint back can only ever discard this one row.
    db.flush()
    try:
        with db.begin_nested():
            db.add(row)
            db.flush()
    except IntegrityError:
        if _exists(db, key):
            return None
        raise  # some other constraint: a real error
    return row


def _exists(db: Session, key: str) -> bool:
    return db.scalar(select(Notification.id).where(Notification.dedupe_key == key)) is not None
