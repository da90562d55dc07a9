"""``fsp-sync db …``: apply and inspect schema migrations; and opening the database for commands."""

from __future__ import annotations

import argparse
import sys

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from sync.config import Settings, get_settings
from sync.database import migrations
from sync.database.session import create_engine_for, display_url


class SetupError(Exception):
    """The command cannot reach a usable database: configuration, connection or schema."""


def load_settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        problems = "; ".join(error["msg"].removeprefix("Value error, ") for error in exc.errors())
        raise SetupError(f"the configuration is not usable: {problems}") from None


def open_current_database() -> Engine:
    """The configured database, checked to be at the revision this version needs."""
    settings = load_settings()
    engine = create_engine_for(settings.database_url)
    try:
        migrations.ensure_current(engine)
    except migrations.DatabaseSchemaError as exc:
        engine.dispose()
        raise SetupError(str(exc)) from None
    except OperationalError as exc:
        engine.dispose()
        raise SetupError(_unreachable(settings.database_url, exc)) from None
    return engine


def _unreachable(database_url: str, exc: OperationalError) -> str:
    return (f"cannot open the database at {display_url(database_url)}: {exc.orig}; "
            "check DATABASE_URL and that the database server is running")


def report(exc: SetupError) -> int:
    print(f"fsp-sync: {exc}", file=sys.stderr)
    return 1


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    db = subparsers.add_parser("db", help="create and upgrade the database schema")
    commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")

    upgrade = commands.add_parser(
        "upgrade",
        help="bring the database (DATABASE_URL) to this version's schema",
        description="Apply every migration the database lacks. Safe to run again.",
    )
    upgrade.set_defaults(handler=_upgrade)

    current = commands.add_parser("current", help="show the database's schema revision")
    current.set_defaults(handler=_current)

    revision = commands.add_parser(
        "revision", help="(developers) generate a migration from changed models"
    )
    revision.add_argument("-m", "--message", required=True, help="what the migration changes")
    revision.set_defaults(handler=_revision)


def _upgrade(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        settings = load_settings()
    except SetupError as exc:
        return report(exc)
    where = display_url(settings.database_url)
    try:
        reached = migrations.upgrade(settings.database_url)
    except OperationalError as exc:
        return report(SetupError(_unreachable(settings.database_url, exc)))
    except migrations.DatabaseSchemaError as exc:
        return report(SetupError(str(exc)))
    print(f"The database at {where} is at revision {reached} (current).")
    return 0


def _current(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        settings = load_settings()
        engine = create_engine_for(settings.database_url)
    except SetupError as exc:
        return report(exc)
    try:
        revision = migrations.current_revision(engine)
    except OperationalError as exc:
        return report(SetupError(_unreachable(settings.database_url, exc)))
    finally:
        engine.dispose()
    head = migrations.head_revision()
    state = "current" if revision == head else f"this version needs {head}"
    print(f"{display_url(settings.database_url)}: revision {revision or 'none'} ({state})")
    return 0 if revision == head else 1


def _revision(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        path = migrations.create_revision(args.message)
    except migrations.DatabaseSchemaError as exc:
        return report(SetupError(str(exc)))
    print(f"Wrote {path}: read it, then run the schema tests on SQLite and PostgreSQL.")
    return 0
