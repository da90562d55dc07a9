"""``fsp-sync sweep --once [--now 2026-11-25T14:00Z]``: one sweep, then the mail it caused."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from sync.database.cli import SetupError, load_settings, open_current_database, report
from sync.database.core import utcnow
from sync.database.session import make_sessionmaker
from sync.notify.backends import MailConfigurationError
from sync.sweep.mail import deliver_all_due
from sync.sweep.models import SweepRun
from sync.sweep.service import run_sweep
from sync.weather.check import weather_source_from_settings


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    sweep = subparsers.add_parser(
        "sweep", help="check every upcoming lesson against the weather and act",
        description="Judge every SCHEDULED or AT_RISK lesson of the next 48 hours on the weather "
                    "for its own window: NO_GO inside the school's decision window cancels it and "
                    "starts rescheduling, NO_GO later marks it AT_RISK, better weather clears it. "
                    "Then deliver the mail that is due. Weather comes from FSP_WEATHER_URL "
                    "(default aviationweather.gov) or, with FSP_WEATHER_RECORDED=folder, from "
                    "recorded reports. `fsp-sync serve` sweeps every FSP_SWEEP_INTERVAL_SECONDS.",
    )
    sweep.add_argument("--once", action="store_true", required=True,
                       help="run one sweep and exit (required: the periodic sweep is part of "
                            "`fsp-sync serve`)")
    sweep.add_argument("--now", type=parse_now, default=None, metavar="TIME",
                       help="the sweep's clock in UTC, e.g. 2026-11-25T14:00Z (for replaying "
                            "recorded weather); default: the current time")
    sweep.set_defaults(handler=_sweep)


def parse_now(value: str) -> datetime:
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a time: write it like 2026-11-25T14:00Z (UTC)") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _sweep(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        settings = load_settings()
        engine = open_current_database()
    except SetupError as exc:
        return report(exc)
    try:
        session_factory = make_sessionmaker(engine)
        now = args.now or utcnow()
        source = weather_source_from_settings(settings, for_sweep=True)
        try:
            run = run_sweep(session_factory=session_factory, source=source, now=now)
        finally:
            close = getattr(source, "close", None)
            if callable(close):
                close()
        print(summary(run))
        try:
            mail = deliver_all_due(session_factory=session_factory, settings=settings, now=args.now)
        except MailConfigurationError as exc:
            print(f"Mail not sent: {exc}", file=sys.stderr)
            return 1
        print(f"Mail: {mail.sent} sent, {mail.retried} to retry, {mail.failed} failed.")
        for error in mail.errors[:10]:
            print(f"  mail error: {error}")
    finally:
        engine.dispose()
    return 1 if run.errors or mail.failed else 0


def summary(run: SweepRun) -> str:
    counts = run.counts or {}
    verdicts = counts.get("verdicts", {})
    actions = counts.get("actions", {})
    lines = [
        f"Swept {counts.get('lessons', 0)} lessons at {counts.get('stations', 0)} stations "
        f"in {counts.get('duration_seconds', 0):.1f} s.",
        "Verdicts: " + ", ".join(f"{verdict} {count}" for verdict, count in verdicts.items()),
        f"Cancelled {actions.get('cancelled', 0)}, at risk {actions.get('at_risk', 0)}, "
        f"cleared {actions.get('cleared', 0)}, unknown {verdicts.get('UNKNOWN', 0)}, "
        f"skipped {actions.get('skipped', 0)}, errors {len(run.errors or [])}.",
    ]
    for error in (run.errors or [])[:10]:
        where = f"lesson {error['flight_id']}: " if error.get("flight_id") else ""
        lines.append(f"  error: {where}{error['message']}")
    return "\n".join(lines)
