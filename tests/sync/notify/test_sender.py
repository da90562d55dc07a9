"""Delivery: the file backend, retries with back-off, giving up visibly, and claims (leases)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from sync.config import Settings
from sync.notify.backends import (
    FileBackend, MailConfigurationError, MailDeliveryFailed, MailRejected, SesBackend, SmtpBackend,
    backend_from_settings,
)
from sync.notify.message import message_id
from sync.notify.models import Notification, NotificationStatus
from sync.notify.sender import DEFAULT_MAX_ATTEMPTS, deliver_due, retry_delay
from tests.sync.notify.conftest import NOW

SENDER = "Hill Country Aviation <dispatch@hill.example>"


def load(sessions, row_id) -> Notification:
    with sessions() as db:
        return db.get(Notification, row_id)


class RecordingBackend:
    def __init__(self, *, delay: float = 0.0, fail: Exception | None = None) -> None:
        self.sent: list = []
        self.delay, self.fail = delay, fail
        self.lock = threading.Lock()

    def send(self, message) -> str:
        time.sleep(self.delay)
        if self.fail:
            raise self.fail
        with self.lock:
            self.sent.append(message)
        return f"provider-{len(self.sent)}"


def test_the_file_backend_writes_one_eml_per_mail(sessions, queue_mail, tmp_path):
    first = queue_mail("ada@example.com")
    second = queue_mail("ben@example.com")
    report = deliver_due(session_factory=sessions, backend=FileBackend(tmp_path / "mail"),
                         now=NOW, sender=SENDER)
    assert (report.claimed, report.sent, report.retried, report.failed) == (2, 2, 0, 0)
    files = sorted((tmp_path / "mail").iterdir())
    assert len(files) == 2 and all(path.suffix == ".eml" for path in files)  # no temp files left
    parsed = {}
    for path in files:
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        parsed[str(message["To"])] = message
    ada = parsed["ada@example.com"]
    assert ada["Subject"] == "Weather cancellation" and ada["From"] == SENDER
    assert ada.get_body(("plain",)).get_content() == "Your lesson is cancelled.\n"
    assert "<b>cancelled</b>" in ada.get_body(("html",)).get_content()

    row = load(sessions, first)
    assert row.status == NotificationStatus.SENT and row.sent_at == NOW and row.attempts == 1
    assert row.provider_message_id == ada["Message-ID"] == message_id(row.dedupe_key, sender=SENDER)
    assert row.claimed_until is None
    assert load(sessions, second).status == NotificationStatus.SENT
    # Nothing is due any more.
    assert deliver_due(session_factory=sessions, backend=FileBackend(tmp_path / "mail"), now=NOW).claimed == 0


def test_a_resend_overwrites_the_same_file_with_the_same_message_id(sessions, queue_mail, tmp_path):
    row_id = queue_mail()
    backend = FileBackend(tmp_path)
    deliver_due(session_factory=sessions, backend=backend, now=NOW, sender=SENDER)
    # As if the sender had died before recording SENT: the lease lapses and it goes again.
    with sessions() as db, db.begin():
        row = db.get(Notification, row_id)
        row.status, row.claimed_until = NotificationStatus.SENDING, NOW
    deliver_due(session_factory=sessions, backend=backend, now=NOW + timedelta(minutes=1), sender=SENDER)
    assert len(list(tmp_path.iterdir())) == 1


def test_mail_not_yet_due_waits(sessions, queue_mail, tmp_path):
    queue_mail(now=NOW + timedelta(minutes=5))
    assert deliver_due(session_factory=sessions, backend=FileBackend(tmp_path), now=NOW).claimed == 0
    assert deliver_due(session_factory=sessions, backend=FileBackend(tmp_path),
                       now=NOW + timedelta(minutes=5)).sent == 1


def test_failures_retry_with_growing_delays_then_fail_visibly(sessions, queue_mail):
    row_id = queue_mail()
    backend = RecordingBackend(fail=MailDeliveryFailed("SMTP server down"))
    clock = NOW
    delays = []
    for attempt in range(1, DEFAULT_MAX_ATTEMPTS + 1):
        report = deliver_due(session_factory=sessions, backend=backend, now=clock)
        row = load(sessions, row_id)
        assert report.claimed == 1 and row.attempts == attempt and row.last_error == "SMTP server down"
        if attempt < DEFAULT_MAX_ATTEMPTS:
            assert report.retried == 1 and row.status == NotificationStatus.PENDING
            delays.append(row.next_attempt_at - clock)
            # Not before its time ...
            assert deliver_due(session_factory=sessions, backend=backend,
                               now=row.next_attempt_at - timedelta(seconds=1)).claimed == 0
            clock = row.next_attempt_at
        else:
            assert report.failed == 1 and row.status == NotificationStatus.FAILED
    assert delays == [retry_delay(n) for n in range(1, DEFAULT_MAX_ATTEMPTS)]
    assert delays == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16)]
    # FAILED stays FAILED, kept with its error for the desktop to show.
    assert deliver_due(session_factory=sessions, backend=backend, now=clock + timedelta(days=1)).claimed == 0
    assert load(sessions, row_id).last_error == "SMTP server down"


def test_a_permanent_rejection_fails_at_once(sessions, queue_mail):
    row_id = queue_mail()
    backend = RecordingBackend(fail=MailRejected("550 no such user"))
    report = deliver_due(session_factory=sessions, backend=backend, now=NOW)
    row = load(sessions, row_id)
    assert report.failed == 1 and row.status == NotificationStatus.FAILED and row.attempts == 1
    assert row.last_error == "550 no such user"


def test_an_unexpected_backend_error_is_recorded_not_lost(sessions, queue_mail):
    row_id = queue_mail()
    report = deliver_due(session_factory=sessions, backend=RecordingBackend(fail=RuntimeError("bug")), now=NOW)
    row = load(sessions, row_id)
    assert report.retried == 1 and row.status == NotificationStatus.PENDING
    assert row.last_error == "RuntimeError: bug"


def test_two_senders_never_deliver_a_claimed_row_twice(sessions, queue_mail):
    ids = [queue_mail(f"student{n}@example.com") for n in range(12)]
    backend = RecordingBackend(delay=0.02)
    reports = []

    def sender() -> None:
        reports.append(deliver_due(session_factory=sessions, backend=backend, now=NOW, batch=5))

    for _ in range(3):  # rounds, until everything is delivered
        threads = [threading.Thread(target=sender) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    recipients = [str(message["To"]) for message in backend.sent]
    assert sorted(recipients) == sorted(f"student{n}@example.com" for n in range(12))
    assert sum(report.sent for report in reports) == 12
    assert all(load(sessions, row_id).attempts == 1 for row_id in ids)


def test_a_lapsed_claim_is_taken_over(sessions, queue_mail):
    row_id = queue_mail()
    with sessions() as db, db.begin():
        row = db.get(Notification, row_id)
        row.status, row.claimed_until, row.attempts = NotificationStatus.SENDING, NOW + timedelta(minutes=5), 1
    backend = RecordingBackend()
    assert deliver_due(session_factory=sessions, backend=backend, now=NOW).claimed == 0  # held
    assert deliver_due(session_factory=sessions, backend=backend, now=NOW + timedelta(minutes=5)).sent == 1
    assert load(sessions, row_id).attempts == 2


@pytest.mark.parametrize("url, expected", [
    ("file:/var/mail/fsp", FileBackend),
    ("file:///var/mail/fsp", FileBackend),
    ("smtp://user:p%40ss@mail.example:2525", SmtpBackend),
    ("smtps://mail.example", SmtpBackend),
    ("ses", SesBackend),
])
def test_fsp_mail_names_the_backend(url, expected):
    backend = backend_from_settings(Settings.explicit(mail_url=url, ses_region="eu-west-1"))
    assert isinstance(backend, expected)
    if url.startswith("smtp://"):
        assert (backend.host, backend.port, backend.username, backend.password) == (
            "mail.example", 2525, "user", "p@ss")
        assert "p@ss" not in repr(backend)
    if expected is FileBackend:
        assert backend.folder == Path("/var/mail/fsp")


@pytest.mark.parametrize("url", ["", "gmail", "smtp://", "http://mail.example", "file:",
                                 "smtp://u:secret@host:notaport"])
def test_a_bad_fsp_mail_names_the_accepted_forms(url):
    with pytest.raises(MailConfigurationError) as caught:
        backend_from_settings(Settings.explicit(mail_url=url))
    message = str(caught.value)
    assert "file:/" in message and "smtp://user:password@host:port" in message and "ses" in message
    assert "secret" not in message


def test_the_default_is_a_folder_of_eml_files():
    assert isinstance(backend_from_settings(Settings.explicit()), FileBackend)
