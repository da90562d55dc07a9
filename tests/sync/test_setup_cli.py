"""``fsp-sync db upgrade``, ``schools create`` and ``accounts create|disable|enable|set-password``,
through ``sync.cli.main``."""

from __future__ import annotations

import io
import sys
import uuid

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from sync.auth.models import Account, AccountRole, RefreshToken
from sync.auth.tokens import issue_refresh_token
from sync.cli import main
from sync.config import get_settings
from sync.database import migrations
from sync.database.session import create_engine_for, session_scope
from sync.schools.models import School

PASSWORD = "correct horse battery staple"


@pytest.fixture
def migrated(engine, database_url, use_database) -> str:
    """The session's (migrated) database, configured as DATABASE_URL."""
    use_database(database_url)
    return database_url


def _create_school(capsys, *extra: str) -> uuid.UUID:
    assert main(["schools", "create", "--name", "Hill Country Aviation", "--airport", "KAUS",
                 "--timezone", "America/Chicago", *extra]) == 0
    return uuid.UUID(capsys.readouterr().out.strip())


def _create_account(monkeypatch, school: str, password: str, *, email="desk@hill.example",
                    role="dispatcher") -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    return main(["accounts", "create", "--school", school, "--email", email, "--role", role,
                 "--password-stdin"])


def test_db_upgrade_creates_the_schema(empty_database_url, use_database, capsys):
    use_database(empty_database_url)

    assert main(["db", "upgrade"]) == 0
    assert f"is at revision {migrations.head_revision()} (current)" in capsys.readouterr().out
    assert main(["db", "current"]) == 0
    assert f"revision {migrations.head_revision()} (current)" in capsys.readouterr().out


def test_commands_refuse_a_database_that_was_not_upgraded(empty_database_url, use_database, capsys):
    use_database(empty_database_url)

    status = main(["schools", "create", "--name", "X", "--airport", "KAUS",
                   "--timezone", "America/Chicago"])

    assert status == 1
    assert "Run `fsp-sync db upgrade`." in capsys.readouterr().err


def test_schools_create_prints_the_new_id(migrated, capsys):
    school_id = _create_school(capsys)

    engine = create_engine_for(migrated)
    with session_scope(engine, read_only=True) as db:
        school = db.get(School, school_id)
        assert (school.name, school.home_airport, school.timezone) == (
            "Hill Country Aviation", "KAUS", "America/Chicago")
    engine.dispose()


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--airport", "KZZZ", "KZZZ is not an airport the weather engine knows"),
        ("--airport", "AUS", "use its four-letter ICAO code"),
        ("--timezone", "Central", "Central is not a time zone: use an IANA name"),
        ("--name", "   ", "the school needs a name"),
    ],
)
def test_schools_create_names_what_to_fix(migrated, capsys, option, value, message):
    arguments = {"--name": "Hill Country Aviation", "--airport": "KAUS",
                 "--timezone": "America/Chicago"} | {option: value}

    status = main(["schools", "create", *[part for pair in arguments.items() for part in pair]])

    assert status == 2
    assert message in capsys.readouterr().err


def test_accounts_create_stores_an_argon2_hash(migrated, capsys, monkeypatch):
    school_id = _create_school(capsys)
    email = f"desk-{uuid.uuid4().hex[:6]}@Hill.example"

    assert _create_account(monkeypatch, str(school_id), PASSWORD, email=email) == 0

    assert "Created dispatcher account" in capsys.readouterr().out
    engine = create_engine_for(migrated)
    with session_scope(engine, read_only=True) as db:
        account = db.scalars(select(Account).where(Account.email == email.lower())).one()
    engine.dispose()
    assert account.role is AccountRole.DISPATCHER and account.school_id == school_id
    assert account.password_hash.startswith("$argon2id$")
    assert PasswordHasher().verify(account.password_hash, PASSWORD)


@pytest.mark.parametrize(
    ("password", "message"),
    [("", "the password is empty"), ("short", "is 5 characters long; use at least 12")],
)
def test_accounts_create_refuses_a_weak_password(migrated, capsys, monkeypatch, password, message):
    school_id = _create_school(capsys)

    assert _create_account(monkeypatch, str(school_id), password) == 2
    assert message in capsys.readouterr().err


def test_accounts_create_names_a_bad_school_or_email(migrated, capsys, monkeypatch):
    school_id = _create_school(capsys)

    assert _create_account(monkeypatch, "not-an-id", PASSWORD) == 2
    assert "--school not-an-id is not a school id" in capsys.readouterr().err
    assert _create_account(monkeypatch, str(uuid.uuid4()), PASSWORD) == 2
    assert "there is no school with id" in capsys.readouterr().err
    assert _create_account(monkeypatch, str(school_id), PASSWORD, email="desk.example") == 2
    assert "--email: desk.example is not an e-mail address" in capsys.readouterr().err


def test_accounts_create_refuses_a_taken_email(migrated, capsys, monkeypatch):
    school_id = _create_school(capsys)
    email = f"taken-{uuid.uuid4().hex[:6]}@hill.example"
    assert _create_account(monkeypatch, str(school_id), PASSWORD, email=email) == 0
    capsys.readouterr()

    assert _create_account(monkeypatch, str(school_id), PASSWORD, email=email.upper()) == 2
    assert f"an account with the e-mail {email} already exists" in capsys.readouterr().err


def test_accounts_create_refuses_an_unknown_role(migrated, capsys, monkeypatch):
    with pytest.raises(SystemExit) as exited:
        _create_account(monkeypatch, str(uuid.uuid4()), PASSWORD, role="pilot")

    assert exited.value.code == 2
    assert "invalid choice: 'pilot'" in capsys.readouterr().err


def test_accounts_create_refuses_a_guessable_password_and_says_why(migrated, capsys, monkeypatch):
    school_id = _create_school(capsys)

    assert _create_account(monkeypatch, str(school_id), "password1234") == 2
    err = capsys.readouterr().err
    assert "standard input (--password-stdin): the password is too easy to guess" in err
    assert "common password" in err
    # The school's name is one of the words a password must not lean on.
    assert _create_account(monkeypatch, str(school_id), "hillcountryaviation") == 2
    assert "too easy to guess" in capsys.readouterr().err


def _account_command(monkeypatch, *args: str, stdin: str = "") -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(["accounts", *args])


def _account(url: str, email: str) -> Account:
    engine = create_engine_for(url)
    with session_scope(engine, read_only=True) as db:
        account = db.scalars(select(Account).where(Account.email == email)).one()
    engine.dispose()
    return account


def _live_refresh_tokens(url: str, account_id: uuid.UUID) -> int:
    engine = create_engine_for(url)
    with session_scope(engine, read_only=True) as db:
        count = len(db.scalars(select(RefreshToken).where(
            RefreshToken.account_id == account_id, RefreshToken.revoked_at.is_(None))).all())
    engine.dispose()
    return count


def _signed_in(url: str, email: str) -> None:
    engine = create_engine_for(url)
    with session_scope(engine) as db:
        account = db.scalars(select(Account).where(Account.email == email)).one()
        issue_refresh_token(db=db, account=account, settings=get_settings())
    engine.dispose()


def test_accounts_disable_and_enable(migrated, capsys, monkeypatch):
    school_id = _create_school(capsys)
    email = f"desk-{uuid.uuid4().hex[:6]}@hill.example"
    assert _create_account(monkeypatch, str(school_id), PASSWORD, email=email) == 0
    _signed_in(migrated, email)
    capsys.readouterr()

    assert _account_command(monkeypatch, "disable", "--email", email.upper()) == 0

    assert f"Disabled {email}; its sign-ins have ended." in capsys.readouterr().out
    account = _account(migrated, email)
    assert account.active is False and account.sessions_revoked_at is not None
    assert _live_refresh_tokens(migrated, account.id) == 0
    assert _account_command(monkeypatch, "enable", "--email", email) == 0
    assert f"Enabled {email}." in capsys.readouterr().out
    assert _account(migrated, email).active is True


def test_accounts_set_password_checks_it_and_ends_sign_ins(migrated, capsys, monkeypatch):
    school_id = _create_school(capsys)
    email = f"desk-{uuid.uuid4().hex[:6]}@hill.example"
    assert _create_account(monkeypatch, str(school_id), PASSWORD, email=email) == 0
    _signed_in(migrated, email)
    capsys.readouterr()

    assert _account_command(monkeypatch, "set-password", "--email", email, "--password-stdin",
                            stdin="password1234\n") == 2
    assert "set-password: standard input (--password-stdin): the password is too easy to guess" \
        in capsys.readouterr().err
    assert PasswordHasher().verify(_account(migrated, email).password_hash, PASSWORD)

    new_password = "a quieter runway at dusk"
    assert _account_command(monkeypatch, "set-password", "--email", email, "--password-stdin",
                            stdin=new_password + "\n") == 0

    assert "its sign-ins have ended" in capsys.readouterr().out
    account = _account(migrated, email)
    assert PasswordHasher().verify(account.password_hash, new_password)
    assert _live_refresh_tokens(migrated, account.id) == 0


def test_account_commands_name_an_unknown_email(migrated, capsys, monkeypatch):
    assert _account_command(monkeypatch, "disable", "--email", "nobody@hill.example") == 2
    assert ("fsp-sync accounts disable: --email: there is no account with the e-mail "
            "nobody@hill.example") in capsys.readouterr().err
    assert _account_command(monkeypatch, "enable", "--email", "not-an-address") == 2
    assert "--email: not-an-address is not an e-mail address" in capsys.readouterr().err
