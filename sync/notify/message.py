"""An outbox row as an e-mail message: both bodies, and a Message-ID fixed by the dedupe key."""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

MESSAGE_ID_DOMAIN = "fsp-dispatcher.invalid"


def message_id(dedupe_key: str, *, sender: str) -> str:
    """The same for every attempt at one outbox row, so a receiver can drop a resend as a duplicate."""
    digest = hashlib.sha256(dedupe_key.encode()).hexdigest()[:40]
    _, address = parseaddr(sender)
    domain = address.rpartition("@")[2] if "@" in address else MESSAGE_ID_DOMAIN
    return f"<{digest}@{domain or MESSAGE_ID_DOMAIN}>"


def build_message(
    *, dedupe_key: str, sender: str, recipient: str, subject: str, body_text: str,
    body_html: str | None, date: datetime,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id(dedupe_key, sender=sender)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a robot
    message.set_content(body_text)
    if body_html:
        message.add_alternative(body_html, subtype="html")
    return message
