"""``fsp-sync schools …``: set up a school from the command line."""

from __future__ import annotations

import argparse
import sys

from sync.database.cli import SetupError, open_current_database, report
from sync.database.session import session_scope
from sync.errors import ServiceError
from sync.schools import service as schools_service


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    schools = subparsers.add_parser("schools", help="set up schools")
    commands = schools.add_subparsers(dest="schools_command", required=True, metavar="COMMAND")

    create = commands.add_parser(
        "create", help="create a school and print its id",
        description="Create a school; prints its id, which `fsp-sync accounts create` needs.",
    )
    create.add_argument("--name", required=True, help='the school\'s name, e.g. "Hill Country Aviation"')
    create.add_argument("--airport", required=True, metavar="ICAO",
                        help="home airport, four-letter ICAO code, e.g. KAUS")
    create.add_argument("--timezone", required=True, metavar="ZONE",
                        help="IANA time zone of the school, e.g. America/Chicago")
    create.set_defaults(handler=_create)


def _create(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        engine = open_current_database()
    except SetupError as exc:
        return report(exc)
    try:
        with session_scope(engine) as db:
            school = schools_service.create(
                db=db, name=args.name, home_airport=args.airport, timezone=args.timezone,
                actor="cli",
            )
    except ServiceError as exc:
        print(f"fsp-sync schools create: {exc.message}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(school.id)
    return 0
