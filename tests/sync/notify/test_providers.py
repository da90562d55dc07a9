"""Delivery to real local servers: SMTP (aiosmtpd, with STARTTLS and login) and SES (moto)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from email import policy
from email.parser import BytesParser
from pathlib import Path

import boto3
import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from sync.notify.backends import SesBackend, SmtpBackend
from sync.notify.message import message_id
from sync.notify.models import NotificationStatus
from sync.notify.sender import deliver_due, retry_delay
from tests.sync.notify.conftest import NOW, free_port

SENDER = "Hill Country Aviation <dispatch@hill.example>"


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append(envelope)
        return "250 2.0.0 Ok: queued"

    def messages(self) -> list:
        return [BytesParser(policy=policy.default).parsebytes(envelope.original_content)
                for envelope in self.envelopes]


def _self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def smtp_server(tmp_path):
    """A real SMTP server on 127.0.0.1 offering STARTTLS and requiring login after it."""
    cert, key = _self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    client_tls = ssl.create_default_context(cafile=str(cert))
    inbox = Inbox()
    logins: list[tuple[bytes, bytes]] = []

    def authenticate(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.login == b"dispatch" and auth_data.password == b"s3cret")

    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), tls_context=server_tls,
                            require_starttls=True, authenticator=authenticate, auth_require_tls=True)
    controller.start()
    try:
        yield controller, inbox, client_tls, logins
    finally:
        controller.stop()


def test_smtp_delivers_over_starttls_with_login_and_records_the_message_id(sessions, queue_mail, smtp_server):
    controller, inbox, client_tls, logins = smtp_server
    row_id = queue_mail("ada@example.com", subject="Weather cancellation: choose a new time")
    backend = SmtpBackend(host="127.0.0.1", port=controller.port, username="dispatch",
                          password="s3cret", ssl_context=client_tls, timeout=5)
    report = deliver_due(session_factory=sessions, backend=backend, now=NOW, sender=SENDER)
    assert report.sent == 1, report.errors
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["ada@example.com"] and envelope.mail_from == "dispatch@hill.example"
    assert logins == [(b"dispatch", b"s3cret")]  # only possible after STARTTLS (auth_require_tls)
    [message] = inbox.messages()
    assert message["Subject"] == "Weather cancellation: choose a new time"
    assert message.get_body(("plain",)).get_content().splitlines() == ["Your lesson is cancelled."]
    with sessions() as db:
        from sync.notify.models import Notification
        row = db.get(Notification, row_id)
        assert row.status == NotificationStatus.SENT
        assert row.provider_message_id == message["Message-ID"] == message_id(row.dedupe_key, sender=SENDER)


def test_an_smtp_server_refusing_the_recipient_fails_the_mail_for_good(sessions, queue_mail, smtp_server):
    from sync.notify.models import Notification

    controller, inbox, client_tls, _ = smtp_server

    async def refuse(server, session, envelope, address, rcpt_options):
        return "550 5.1.1 no such user"

    inbox.handle_RCPT = refuse
    row_id = queue_mail("nobody@example.com")
    backend = SmtpBackend(host="127.0.0.1", port=controller.port, username="dispatch",
                          password="s3cret", ssl_context=client_tls, timeout=5)
    report = deliver_due(session_factory=sessions, backend=backend, now=NOW)
    assert report.failed == 1 and inbox.envelopes == []
    with sessions() as db:
        row = db.get(Notification, row_id)
        assert row.status == NotificationStatus.FAILED and "550" in row.last_error
        assert "no such user" in row.last_error


def test_a_refused_smtp_connection_is_retried_with_back_off(sessions, queue_mail):
    from sync.notify.models import Notification

    row_id = queue_mail()
    backend = SmtpBackend(host="127.0.0.1", port=free_port(), timeout=2)  # nobody listens there
    report = deliver_due(session_factory=sessions, backend=backend, now=NOW)
    assert report.retried == 1 and report.sent == 0
    with sessions() as db:
        row = db.get(Notification, row_id)
        assert row.status == NotificationStatus.PENDING and row.attempts == 1
        assert row.next_attempt_at == NOW + retry_delay(1)
        assert "could not deliver through SMTP server 127.0.0.1" in row.last_error
        assert "refused" in row.last_error.lower()
    later = deliver_due(session_factory=sessions, backend=backend, now=NOW + retry_delay(1))
    assert later.retried == 1
    with sessions() as db:
        row = db.get(Notification, row_id)
        assert row.attempts == 2 and row.next_attempt_at == NOW + retry_delay(1) + retry_delay(2)


@pytest.fixture
def moto_ses(monkeypatch):
    from moto.server import ThreadedMotoServer

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        httpx.post(f"{endpoint}/moto-api/reset")
        yield endpoint
    finally:
        server.stop()


def test_ses_delivers_the_raw_message_and_records_its_id(sessions, queue_mail, moto_ses):
    from sync.notify.models import Notification

    client = boto3.client("sesv2", region_name="eu-west-1", endpoint_url=moto_ses)
    client.create_email_identity(EmailIdentity="dispatch@hill.example")  # SES sends only from these
    row_id = queue_mail("ada@example.com", subject="Lesson booked")
    backend = SesBackend(region="eu-west-1", endpoint_url=moto_ses)
    report = deliver_due(session_factory=sessions, backend=backend, now=NOW, sender=SENDER)
    assert report.sent == 1, report.errors

    data = httpx.get(f"{moto_ses}/moto-api/data.json").json()
    [raw] = [message for message in data["ses"]["RawMessage"] if "Lesson booked" in message["raw_data"]]
    assert "ada@example.com" in raw["destinations"]
    with sessions() as db:
        row = db.get(Notification, row_id)
        assert row.status == NotificationStatus.SENT and row.provider_message_id == raw["id"]
        assert message_id(row.dedupe_key, sender=SENDER) in raw["raw_data"]


def test_ses_refuses_an_unverified_sender_for_good(sessions, queue_mail, moto_ses):
    from sync.notify.models import Notification

    row_id = queue_mail()
    backend = SesBackend(region="eu-west-1", endpoint_url=moto_ses)
    report = deliver_due(session_factory=sessions, backend=backend, now=NOW,
                         sender="Nobody <nobody@unverified.example>")
    assert report.failed == 1
    with sessions() as db:
        row = db.get(Notification, row_id)
        assert row.status == NotificationStatus.FAILED and "MessageRejected" in row.last_error
