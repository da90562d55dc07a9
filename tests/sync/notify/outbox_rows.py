"""Outbox rows in a given state, made by the real outbox and the real sender, on a database other
tests share (the API server's).

The sender claims every due row of every school. To touch only the rows made here, they are
queued due in 2001 and delivered with the sender's clock set to then: nothing else any test
writes is due that early (a retried row is due at the real now).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Engine

from sync.database.session import make_sessionmaker, session_scope
from sync.notify import outbox
from sync.notify.backends import FileBackend, SmtpBackend
from sync.notify.sender import deliver_due
from tests.sync.notify.conftest import free_port

LONG_AGO = datetime(2001, 1, 1, 12, 0, tzinfo=UTC)
SENDER = "Hill Country Aviation <dispatch@hill.example>"
SECRET_LINK = "https://fsp.example/r/signed-single-use-token-0123456789"


def queue(engine: Engine, school_id: uuid.UUID, *, recipient: str = "student@example.com",
          subject: str = "Your lesson was cancelled for weather") -> uuid.UUID:
    """Commit one PENDING mail (its bodies carry a signed link); its id."""
    with session_scope(engine) as db:
        row = outbox.enqueue(
            db=db, school_id=school_id, flight_id=None, kind="weather_cancellation",
            recipient=recipient, window_key=uuid.uuid4().hex, subject=subject,
            body_text=f"Pick a new slot: {SECRET_LINK}\n",
            body_html=f'<p><a href="{SECRET_LINK}">Pick a new slot</a></p>', now=LONG_AGO)
        assert row is not None
        return row.id


def fail_due_mail(engine: Engine, *, now: datetime = LONG_AGO):
    """The sender's pass through an SMTP server nobody listens on, giving up at once."""
    backend = SmtpBackend(host="127.0.0.1", port=free_port(), timeout=2)
    return deliver_due(session_factory=make_sessionmaker(engine), backend=backend, now=now,
                       sender=SENDER, max_attempts=1)


def send_due_mail(engine: Engine, folder, *, now: datetime = LONG_AGO):
    """The sender's pass through the file backend (one .eml per mail in ``folder``)."""
    return deliver_due(session_factory=make_sessionmaker(engine), backend=FileBackend(folder),
                       now=now, sender=SENDER)


def failed_mail(engine: Engine, school_id: uuid.UUID, **fields) -> uuid.UUID:
    row_id = queue(engine, school_id, **fields)
    report = fail_due_mail(engine)
    assert report.failed >= 1, report
    return row_id


def sent_mail(engine: Engine, school_id: uuid.UUID, folder, **fields) -> uuid.UUID:
    row_id = queue(engine, school_id, **fields)
    report = send_due_mail(engine, folder)
    assert report.sent >= 1, report
    return row_id
