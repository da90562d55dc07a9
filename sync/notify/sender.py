"""Delivering the outbox: claim due rows, send them outside any transaction, record the outcome.

A row goes PENDING → SENDING (claimed until ``claimed_until``) → SENT, or back to PENDING with a
later ``next_attempt_at`` (exponential back-off), or FAILED after ``max_attempts`` with its
``last_error`` kept — the desktop shows it; nothing is dropped.

Claims are short transactions: on PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets senders running side
by side take disjoint rows; on SQLite the claim's ``BEGIN IMMEDIATE`` serialises them. Delivery
happens after the claim has committed, so no database lock (nor the sync counter) is held while a
mail server thinks.

At-least-once, not exactly-once: a sender that dies after the backend accepted a mail but before
it recorded SENT leaves the row SENDING; once the lease lapses another sender claims and sends it
again. The resend carries the same Message-ID (``sync.notify.message.message_id`` is derived
from the dedupe key) and the file backend overwrites the same file, so receivers can drop the
duplicate. No scheme can do better without the provider taking part in our transaction.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from sync.config import get_settings
from sync.database.core import utcnow
from sync.notify.backends import MailBackend, MailDeliveryFailed, MailRejected
from sync.notify.message import build_message
from sync.notify.models import Notification, NotificationStatus

log = logging.getLogger(__name__)

DEFAULT_MAX_ATTEMPTS = 6
DEFAULT_RETRY_BASE = timedelta(minutes=1)
MAX_RETRY_DELAY = timedelta(hours=2)
# Longer than a whole batch can take (SMTP timeout × batch), so a live sender keeps its claim.
DEFAULT_LEASE = timedelta(minutes=30)


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0  # failed this time, another attempt is scheduled
    failed: int = 0  # given up: FAILED, shown to the school
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"{self.claimed} due: {self.sent} sent, {self.retried} to retry, "
                f"{self.failed} failed")


@dataclass(frozen=True)
class _Claimed:
    """What a delivery needs, copied out of the claim's transaction."""

    id: uuid.UUID
    dedupe_key: str
    recipient: str
    subject: str
    body_text: str
    body_html: str | None
    created_at: datetime
    attempts: int


def retry_delay(attempts: int, *, base: timedelta = DEFAULT_RETRY_BASE) -> timedelta:
    """1, 2, 4, 8 … times ``base`` after the 1st, 2nd, 3rd … failed attempt, at most two hours."""
    return min(base * (2 ** max(attempts - 1, 0)), MAX_RETRY_DELAY)


def deliver_due(
    *,
    session_factory: Callable[[], Session],
    backend: MailBackend,
    now: datetime | None = None,
    batch: int = 50,
    sender: str | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    retry_base: timedelta = DEFAULT_RETRY_BASE,
    lease: timedelta = DEFAULT_LEASE,
) -> DeliveryReport:
    """Deliver up to ``batch`` due mails through ``backend``; see the module's docstring.

    ``now`` fixes the clock (tests, replays); by default each step reads the real one.
    ``sender`` is the From address, by default ``FSP_MAIL_FROM``.
    """
    sender = sender or get_settings().mail_from
    report = DeliveryReport()
    claimed = _claim(session_factory, now=now or utcnow(), batch=batch, lease=lease)
    report.claimed = len(claimed)
    for row in claimed:
        message = build_message(
            dedupe_key=row.dedupe_key, sender=sender, recipient=row.recipient, subject=row.subject,
            body_text=row.body_text, body_html=row.body_html, date=row.created_at,
        )
        try:
            provider_id = backend.send(message)
        except Exception as exc:  # noqa: BLE001 - any failure is recorded on the row, never lost
            if not isinstance(exc, MailDeliveryFailed):
                log.exception("mail backend %r failed unexpectedly", backend)
                exc = MailDeliveryFailed(f"{type(exc).__name__}: {exc}")
            give_up = isinstance(exc, MailRejected) or row.attempts >= max_attempts
            _record_failure(session_factory, row, error=str(exc), give_up=give_up,
                            retry_at=(now or utcnow()) + retry_delay(row.attempts, base=retry_base))
            report.errors.append(f"{row.recipient}: {exc}")
            if give_up:
                report.failed += 1
                log.error("mail %s to %s failed for good after %d attempt(s): %s",
                          row.id, row.recipient, row.attempts, exc)
            else:
                report.retried += 1
                log.warning("mail %s to %s failed (attempt %d of %d), will retry: %s",
                            row.id, row.recipient, row.attempts, max_attempts, exc)
            continue
        _record_sent(session_factory, row, provider_id=provider_id, sent_at=now or utcnow())
        report.sent += 1
    return report


def _claim(session_factory: Callable[[], Session], *, now: datetime, batch: int,
           lease: timedelta) -> list[_Claimed]:
    with session_factory() as db, db.begin():
        due = or_(
            and_(Notification.status == NotificationStatus.PENDING, Notification.next_attempt_at <= now),
            # A sender died while holding these: its lease has lapsed.
            and_(Notification.status == NotificationStatus.SENDING, Notification.claimed_until <= now),
        )
        query = (select(Notification).where(due, Notification.deleted_at.is_(None))
                 .order_by(Notification.next_attempt_at, Notification.id).limit(batch))
        if db.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = db.scalars(query).all()
        for row in rows:
            row.status = NotificationStatus.SENDING
            row.claimed_until = now + lease
            row.attempts += 1
        return [
            _Claimed(id=row.id, dedupe_key=row.dedupe_key, recipient=row.recipient,
                     subject=row.subject, body_text=row.body_text, body_html=row.body_html,
                     created_at=row.created_at, attempts=row.attempts)
            for row in rows
        ]


def _record_sent(session_factory: Callable[[], Session], claimed: _Claimed, *, provider_id: str,
                 sent_at: datetime) -> None:
    with session_factory() as db, db.begin():
        row = db.get(Notification, claimed.id, with_for_update=True)
        if row is None:
            return
        row.status = NotificationStatus.SENT
        row.sent_at = sent_at
        row.provider_message_id = provider_id[:255]
        row.claimed_until = None
        row.last_error = None


def _record_failure(session_factory: Callable[[], Session], claimed: _Claimed, *, error: str,
                    give_up: bool, retry_at: datetime) -> None:
    with session_factory() as db, db.begin():
        row = db.get(Notification, claimed.id, with_for_update=True)
        if row is None or row.status == NotificationStatus.SENT:  # another sender got it through
            return
        row.status = NotificationStatus.FAILED if give_up else NotificationStatus.PENDING
        row.next_attempt_at = retry_at
        row.claimed_until = None
        row.last_error = error
