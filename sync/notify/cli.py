"""``fsp-sync mail send-due``: deliver the outbox through the backend ``FSP_MAIL`` names."""

from __future__ import annotations

import argparse
import sys
import time

from sync.database.cli import SetupError, load_settings, open_current_database, report
from sync.database.session import make_sessionmaker
from sync.notify.backends import MailConfigurationError, backend_from_settings
from sync.notify.sender import DeliveryReport, deliver_due

DEFAULT_INTERVAL_SECONDS = 30.0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    mail = subparsers.add_parser("mail", help="deliver the notification outbox")
    commands = mail.add_subparsers(dest="mail_command", required=True, metavar="COMMAND")
    send_due = commands.add_parser(
        "send-due", help="deliver due mail (FSP_MAIL: file:/folder, smtp://…, ses)",
        description="Deliver the mail that is due, retrying failures with back-off. Without "
                    "--once, keeps running and delivers new mail as it comes due.",
    )
    send_due.add_argument("--once", action="store_true",
                          help="deliver what is due now, then exit")
    send_due.add_argument("--batch", type=int, default=50, metavar="N",
                          help="mails claimed at a time (default 50)")
    send_due.add_argument("--interval", type=float, default=DEFAULT_INTERVAL_SECONDS, metavar="SECONDS",
                          help=f"pause between rounds without --once (default {DEFAULT_INTERVAL_SECONDS:g})")
    send_due.set_defaults(handler=_send_due)


def _send_due(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.batch < 1:
        parser.error("--batch must be at least 1")
    try:
        settings = load_settings()
        backend = backend_from_settings(settings)
        engine = open_current_database()
    except (SetupError, MailConfigurationError) as exc:
        return report(SetupError(str(exc)))
    sessions = make_sessionmaker(engine)
    try:
        while True:
            total = DeliveryReport()
            # Batch after batch until what is due now is done; rows that fail move to later.
            while True:
                batch = deliver_due(session_factory=sessions, backend=backend, batch=args.batch,
                                    sender=settings.mail_from)
                _add(total, batch)
                if batch.claimed < args.batch:
                    break
            for error in total.errors:
                print(f"fsp-sync mail: {error}", file=sys.stderr)
            if args.once or total.claimed:
                print(f"mail: {total}")
            if args.once:
                return 0
            time.sleep(args.interval)
    except KeyboardInterrupt:
        return 130
    finally:
        engine.dispose()


def _add(total: DeliveryReport, batch: DeliveryReport) -> None:
    total.claimed += batch.claimed
    total.sent += batch.sent
    total.retried += batch.retried
    total.failed += batch.failed
    total.errors.extend(batch.errors)
