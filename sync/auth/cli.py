"""``fsp-sync accounts …``: create sign-ins from the command line (the first admin, say), disable
and enable them, and set a password. Disabling and a new password end the account's sign-ins."""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Callable

from sqlalchemy.orm import Session

from sync.auth import service as auth_service
from sync.auth.models import Account, AccountRole
from sync.auth.passwords import check_password_rules
from sync.database.cli import SetupError, open_current_database, report
from sync.database.session import session_scope
from sync.errors import InvalidInput, NotFound, ServiceError


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    accounts = subparsers.add_parser("accounts", help="manage sign-in accounts")
    commands = accounts.add_subparsers(dest="accounts_command", required=True, metavar="COMMAND")

    create = commands.add_parser(
        "create", help="create an account; the password is read from standard input",
        description="Create an account. The password comes from standard input so that it never "
                    "appears in the shell history or the process list: "
                    "`printf %s \"$PASSWORD\" | fsp-sync accounts create … --password-stdin`.",
    )
    create.add_argument("--school", required=True, metavar="ID",
                        help="the school's id, as printed by `fsp-sync schools create`")
    create.add_argument("--email", required=True, help="the e-mail address to sign in with")
    create.add_argument("--role", required=True, choices=[role.value for role in AccountRole])
    create.add_argument("--password-stdin", action="store_true", required=True,
                        help="read the password from standard input (required)")
    create.set_defaults(handler=_create)

    for name, active, summary in (
        ("disable", False, "disable an account: it can no longer sign in, and every sign-in it "
                           "has ends (access tokens at their next request)"),
        ("enable", True, "enable a disabled account again (it signs in anew)"),
    ):
        command = commands.add_parser(name, help=summary.split(":")[0].split(" (")[0],
                                      description=summary[0].upper() + summary[1:] + ".")
        command.add_argument("--email", required=True, help="the account's e-mail address")
        command.set_defaults(handler=_set_active, active=active)

    set_password = commands.add_parser(
        "set-password", help="give an account a new password, read from standard input",
        description="Give an account a new password; every sign-in it has ends. The password "
                    "comes from standard input: "
                    "`printf %s \"$PASSWORD\" | fsp-sync accounts set-password --email … "
                    "--password-stdin`.",
    )
    set_password.add_argument("--email", required=True, help="the account's e-mail address")
    set_password.add_argument("--password-stdin", action="store_true", required=True,
                              help="read the password from standard input (required)")
    set_password.set_defaults(handler=_set_password)


def _create(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        school_id = uuid.UUID(args.school)
    except ValueError:
        return _refuse(f"--school {args.school} is not a school id (a UUID, as printed by "
                       "`fsp-sync schools create`)")
    password = _read_password()
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


def _set_active(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    command = "enable" if args.active else "disable"

    def change(db: Session, account: Account) -> None:
        auth_service.set_active(db=db, account=account, active=args.active, actor="cli")

    status = _on_account(args.email, change, command=command)
    if status == 0:
        print(f"{'Enabled' if args.active else 'Disabled'} {args.email.strip().lower()}"
              + ("" if args.active else "; its sign-ins have ended") + ".")
    return status


def _set_password(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    password = _read_password()
    try:
        check_password_rules(password)
    except InvalidInput as exc:
        return _refuse(_with_flag(exc), command="set-password")

    def change(db: Session, account: Account) -> None:
        auth_service.set_password(db=db, account=account, password=password, actor="cli",
                                  action="password_set")

    status = _on_account(args.email, change, command="set-password")
    if status == 0:
        print(f"Set a new password for {args.email.strip().lower()}; its sign-ins have ended.")
    return status


def _on_account(email: str, change: Callable[[Session, Account], None], *, command: str) -> int:
    """Find the account by ``email`` and apply ``change`` in one transaction (all or nothing)."""
    try:
        email = auth_service.normalized_email(email)
    except InvalidInput as exc:
        return _refuse(_with_flag(exc), command=command)
    try:
        engine = open_current_database()
    except SetupError as exc:
        return report(exc)
    try:
        with session_scope(engine) as db:
            account = auth_service.get_by_email(db=db, email=email)
            if account is None:
                raise NotFound(f"there is no account with the e-mail {email}", field="email")
            change(db, account)
    except ServiceError as exc:
        return _refuse(_with_flag(exc), command=command)
    finally:
        engine.dispose()
    return 0


def _read_password() -> str:
    # One line, without its line ending: `echo secret |` must mean the password "secret".
    return sys.stdin.readline().rstrip("\r\n")


def _with_flag(exc: ServiceError) -> str:
    flag = {"password": "standard input (--password-stdin)", "email": "--email",
            "school": "--school"}.get(exc.field or "")
    return f"{flag}: {exc.message}" if flag else exc.message


def _refuse(message: str, *, command: str = "create") -> int:
    print(f"fsp-sync accounts {command}: {message}", file=sys.stderr)
    return 2
