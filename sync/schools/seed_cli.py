"""``fsp-sync seed --demo``: write the demo school and print how to sign in.

Runs once per database: a second run finds the demo school, says so, changes nothing and exits
with status 2.
"""

from __future__ import annotations

import argparse
import sys
import zoneinfo
from datetime import UTC, date, datetime, time

from sqlalchemy.exc import IntegrityError

from sync.database.cli import SetupError, open_current_database, report
from sync.database.session import session_scope
from sync.errors import ServiceError
from sync.schools import demo

ALREADY_SEEDED_STATUS = 2


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    seed = subparsers.add_parser(
        "seed", help="fill the database with the demo school",
        description=f'Write the demo school "{demo.SCHOOL_NAME}" (KAUS and KHYI, 6 aircraft, '
                    "5 instructors, 30 students, two weeks of lessons around today) into the "
                    "database (DATABASE_URL, which must be upgraded) and print its sign-ins. "
                    "Runs once per database: a second run changes nothing and exits with 2.",
    )
    seed.add_argument("--demo", action="store_true", required=True,
                      help="the demo school (the only seed there is)")
    seed.add_argument("--today", type=_date, metavar="YYYY-MM-DD",
                      help="the day the calendar centres on (default: today at the school)")
    seed.set_defaults(handler=_seed)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD") from None


def reference_moment(today: date | None, *, clock: datetime | None = None) -> tuple[date, datetime]:
    """The calendar's day and the moment that separates history from upcoming lessons.

    Without ``--today`` both come from the clock; with a different day, noon at the school."""
    zone = zoneinfo.ZoneInfo(demo.TIMEZONE)
    clock = (clock or datetime.now(UTC)).astimezone(zone)
    if today is None or today == clock.date():
        return clock.date(), clock.astimezone(UTC)
    return today, datetime.combine(today, time(12, 0), zone).astimezone(UTC)


def _seed(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        engine = open_current_database()
    except SetupError as exc:
        return report(exc)
    today, now = reference_moment(args.today)
    try:
        with session_scope(engine) as db:
            seeded = demo.seed_demo(db, today=today, now=now)
    except demo.DemoAlreadySeeded as exc:
        print(f"fsp-sync seed: {exc.message}", file=sys.stderr)
        return ALREADY_SEEDED_STATUS
    except IntegrityError:
        # Another seed committed the same school at the same moment.
        print(f'fsp-sync seed: the demo school "{demo.SCHOOL_NAME}" was just written by another '
              "run; nothing was changed", file=sys.stderr)
        return ALREADY_SEEDED_STATUS
    except ServiceError as exc:
        print(f"fsp-sync seed: {exc.message}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(_summary(seeded, today))
    return 0


def _summary(seeded: demo.DemoSeed, today: date) -> str:
    lessons = ", ".join(f"{count} {status.lower().replace('_', ' ')}"
                        for status, count in sorted(seeded.lessons.items()))
    width = max(len(sign_in.email) for sign_in in seeded.sign_ins)
    lines = [
        f'Seeded the demo school "{demo.SCHOOL_NAME}" ({demo.HOME_AIRPORT} and {demo.SECOND_AIRPORT}, '
        f"{demo.TIMEZONE}), school id {seeded.school_id}:",
        f"  {seeded.aircraft} aircraft, {seeded.instructors} instructors, {seeded.students} students, "
        f"{seeded.lesson_total} lessons around {today.isoformat()} ({lessons}).",
        "Accounts (the passwords are shown only now; only their hashes are stored):",
    ]
    for sign_in in seeded.sign_ins:
        lines.append(f"  {sign_in.role:<11} {sign_in.email:<{width}}  {sign_in.password}"
                     + (f"  ({sign_in.name})" if sign_in.role == "instructor" else ""))
    desk = next(sign_in for sign_in in seeded.sign_ins if sign_in.role == "dispatcher")
    lines.append(f"Sign in as {desk.email} / {desk.password}")
    return "\n".join(lines)
