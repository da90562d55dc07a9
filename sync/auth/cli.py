"""``fsp-sync accounts …``: create sign-ins from the command line (the first admin, say)."""

from __future__ import annotations

import argparse
import sys
import uuid

from sync.auth import service as auth_service
from sync.auth.models import AccountRole
from sync.auth.passwords import check_password_rules
from sync.database.cli import SetupError, open_current_database, report
from sync.database.session import session_scope
from sync.errors import InvalidInput, ServiceError


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    accounts = subparsers.add_parser("accounts", help="manage sign-in accounts")
    commands = accounts.add_subparsers(dest="accounts_command", required=True, metavar="COMMAND")

    create = commands.add_parser(
        "create", help="create an account; the password is read from standard input",
        description="Create an account. The password comes from standard input so that it never "
                    "appears in the shell history or the process list: "
                    "`printf %%s \"$PASSWORD\" | fsp-sync accounts create … --password-stdin`.",
    )
    create.add_argument("--school", required=True, metavar="ID",
                        help="the school's id, as printed by `fsp-sync schools create`")
    create.add_argument("--email", required=True, help="the e-mail address to sign in with")
    create.add_argument("--role", required=True, choices=[role.value for role in AccountRole])
    create.add_argument("--password-stdin", action="store_true", required=True,
                        help="read the password from standard input (required)")
    create.set_defaults(handler=_create)


def _create(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        school_id = uuid.UUID(args.school)
    except ValueError:
        return _refuse(f"--school {args.school} is not a school id (a UUID, as printed by "
                       "`fsp-sync schools create`)")
    # One line, without its line ending: `echo secret |` must mean the password "secret".
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        auth_service.normalized_email(args.email)
        check_password_rules(password)
    except InvalidInput as exc:
        return _refuse(_with_flag(exc))
    try:
        engine = open_current_database()
    except SetupError as exc:
        return report(exc)
    try:
        with session_scope(engine) as db:
            account = auth_service.create_account(
                db=db, school_id=school_id, email=args.email, role=AccountRole(args.role),
                password=password, actor="cli",
            )
    except ServiceError as exc:
        return _refuse(_with_flag(exc))
    finally:
        engine.dispose()
    print(f"Created {account.role.value} account {account.email} ({account.id}).")
    return 0


def _with_flag(exc: ServiceError) -> str:
    flag = {"password": "standard input (--password-stdin)", "email": "--email",
            "school": "--school"}.get(exc.field or "")
    return f"{flag}: {exc.message}" if flag else exc.message


def _refuse(message: str) -> int:
    print(f"fsp-sync accounts create: {message}", file=sys.stderr)
    return 2
