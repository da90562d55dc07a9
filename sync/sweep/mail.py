"""After a sweep: deliver the mail that is due (the sweep's cancellations among it)."""

from __future__ import annotations

from datetime import datetime

from sync.config import Settings
from sync.notify.backends import backend_from_settings
from sync.notify.sender import DeliveryReport, deliver_due
from sync.sweep.service import SessionFactory

MAIL_BATCH = 50


def deliver_all_due(*, session_factory: SessionFactory, settings: Settings,
                    now: datetime | None = None) -> DeliveryReport:
    """Every due mail, batch after batch, through the backend ``FSP_MAIL`` names.

    Raises ``MailConfigurationError`` when ``FSP_MAIL`` names no usable backend.
    """
    backend = backend_from_settings(settings)
    total = DeliveryReport()
    while True:
        report = deliver_due(session_factory=session_factory, backend=backend, now=now,
                             batch=MAIL_BATCH, sender=settings.mail_from)
        total.claimed += report.claimed
        total.sent += report.sent
        total.retried += report.retried
        total.failed += report.failed
        total.errors += report.errors
        if report.claimed < MAIL_BATCH:
            return total
