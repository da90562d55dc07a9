"""Where mail goes, from ``FSP_MAIL``: a folder of .eml files, an SMTP server, or Amazon SES v2.

Every backend takes a finished ``EmailMessage`` and returns the provider's message id, or raises
``MailDeliveryFailed`` (worth retrying) or ``MailRejected`` (retrying cannot help).
"""

from __future__ import annotations

import hashlib
import os
import smtplib
import ssl
import tempfile
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from sync.config import Settings

ACCEPTED_FORMS = (
    "file:/path/to/folder (one .eml file per mail), "
    "smtp://user:password@host:port (STARTTLS when the server offers it; smtps:// for TLS from the start), "
    "or ses (Amazon SES v2, region FSP_SES_REGION, sender FSP_MAIL_FROM)"
)
SMTP_TIMEOUT_SECONDS = 20.0


class MailError(Exception):
    """Base of the mail errors."""


class MailConfigurationError(MailError):
    """``FSP_MAIL`` (or a setting it needs) cannot be used."""


class MailDeliveryFailed(MailError):
    """The mail did not go out this time; a later attempt may succeed."""


class MailRejected(MailDeliveryFailed):
    """The provider refused the mail for good (e.g. an unknown recipient): do not retry."""


class MailBackend(Protocol):
    def send(self, message: EmailMessage) -> str:
        """Deliver ``message``; return the provider's message id."""
        ...


def message_file_name(message: EmailMessage) -> str:
    """A stable name per mail, so a resend after a crash overwrites instead of duplicating."""
    return hashlib.sha256(str(message["Message-ID"]).encode()).hexdigest()[:32] + ".eml"


class FileBackend:
    """One .eml per mail in a folder: the embedded default, and what a demo reads."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage) -> str:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            target = self.folder / message_file_name(message)
            # Written beside the target, then renamed over it: a reader never sees half a mail.
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(message.as_bytes())
                    stream.flush()
                    os.fsync(stream.fileno())
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise MailDeliveryFailed(f"could not write the mail to {self.folder}: {exc}") from exc
        return str(message["Message-ID"])

    def __repr__(self) -> str:
        return f"FileBackend({str(self.folder)!r})"


class SmtpBackend:
    """An SMTP server; STARTTLS whenever the server offers it, login when credentials are given."""

    def __init__(self, *, host: str, port: int, username: str | None = None,
                 password: str | None = None, implicit_tls: bool = False,
                 timeout: float = SMTP_TIMEOUT_SECONDS,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.host, self.port = host, port
        self.username, self.password = username, password
        self.implicit_tls = implicit_tls
        self.timeout = timeout
        self.ssl_context = ssl_context or ssl.create_default_context()

    def send(self, message: EmailMessage) -> str:
        try:
            with self._connect() as smtp:
                smtp.ehlo()
                if not self.implicit_tls and smtp.has_extn("starttls"):
                    smtp.starttls(context=self.ssl_context)
                    smtp.ehlo()
                if self.username:
                    smtp.login(self.username, self.password or "")
                refused = smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise MailRejected(f"{self._where()} refused every recipient: {_smtp_replies(exc.recipients)}") from exc
        except smtplib.SMTPDataError as exc:
            # A 5xx to this one message (content refused) will not change; anything else —
            # a wrong password, a refused sender — is the setup's fault and affects every mail,
            # so those are retried while someone fixes FSP_MAIL.
            failure = MailRejected if 500 <= exc.smtp_code < 600 else MailDeliveryFailed
            raise failure(f"{self._where()} answered {exc.smtp_code} {_text(exc.smtp_error)}") from exc
        except smtplib.SMTPResponseException as exc:
            raise MailDeliveryFailed(f"{self._where()} answered {exc.smtp_code} {_text(exc.smtp_error)}") from exc
        except (smtplib.SMTPException, OSError) as exc:  # refused, timed out, TLS, dropped
            raise MailDeliveryFailed(f"could not deliver through {self._where()}: {exc or type(exc).__name__}") from exc
        if refused:
            raise MailRejected(f"{self._where()} refused {_smtp_replies(refused)}")
        return str(message["Message-ID"])

    def _connect(self) -> smtplib.SMTP:
        if self.implicit_tls:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.ssl_context)
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)

    def _where(self) -> str:
        return f"SMTP server {self.host}:{self.port}"

    def __repr__(self) -> str:  # never the password
        return f"SmtpBackend({self.host!r}, {self.port})"


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def _smtp_replies(recipients: dict[str, Any]) -> str:
    return "; ".join(f"{address}: {code} {_text(reply)}" for address, (code, reply) in recipients.items())


class SesBackend:
    """Amazon SES v2 ``send_email`` with the raw MIME message (both bodies, our Message-ID)."""

    def __init__(self, *, region: str, client: Any | None = None, endpoint_url: str | None = None) -> None:
        self.region = region
        if client is None:
            import boto3  # only a deployment that mails through SES pays for importing boto3

            client = boto3.client("sesv2", region_name=region, endpoint_url=endpoint_url)
        self.client = client

    def send(self, message: EmailMessage) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        recipients = [address for _, address in getaddresses(message.get_all("To", []))]
        try:
            response = self.client.send_email(
                FromEmailAddress=str(message["From"]),
                Destination={"ToAddresses": recipients},
                Content={"Raw": {"Data": message.as_bytes()}},
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            text = f"SES ({self.region}) refused the mail: {code} {exc.response.get('Error', {}).get('Message', '')}"
            # Throttling and service faults pass; a bad address or an unverified sender do not.
            if code in {"MessageRejected", "MailFromDomainNotVerifiedException", "BadRequestException",
                        "AccountSuspendedException", "SendingPausedException"}:
                raise MailRejected(text) from exc
            raise MailDeliveryFailed(text) from exc
        except BotoCoreError as exc:  # no credentials, endpoint unreachable, timeouts
            raise MailDeliveryFailed(f"could not reach SES ({self.region}): {exc}") from exc
        return str(response["MessageId"])

    def __repr__(self) -> str:
        return f"SesBackend({self.region!r})"


def backend_from_settings(settings: Settings) -> MailBackend:
    """The backend ``FSP_MAIL`` names; ``MailConfigurationError`` naming the accepted forms if none."""
    raw = (settings.mail_url or "").strip()
    if raw.lower() == "ses":
        if not settings.ses_region:
            raise MailConfigurationError("FSP_MAIL=ses needs FSP_SES_REGION, e.g. us-east-1")
        return SesBackend(region=settings.ses_region)
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    if scheme == "file":
        # file:/abs/path, file:///abs/path and file:relative/path all name a folder.
        folder = unquote(parts.path if parts.netloc in ("", "localhost") else parts.netloc + parts.path)
        if folder:
            return FileBackend(Path(folder).expanduser())
    elif scheme in ("smtp", "smtps") and parts.hostname:
        try:
            port = parts.port or (465 if scheme == "smtps" else 587)
        except ValueError:
            port = None
        if port is not None:
            return SmtpBackend(
                host=parts.hostname, port=port,
                username=unquote(parts.username) if parts.username else None,
                password=unquote(parts.password) if parts.password else None,
                implicit_tls=scheme == "smtps",
            )
    raise MailConfigurationError(
        f"FSP_MAIL={_masked(raw)!r} is not a mail destination this service knows; use {ACCEPTED_FORMS}"
    )


def _masked(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.password:
        return raw.replace(f":{parts.password}@", ":***@", 1)
    return raw

