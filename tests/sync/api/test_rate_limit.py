"""Sign-in throttling over real HTTP, on SQLite and PostgreSQL (``sync.auth.rate_limit``).

Each test starts its own servers (``create_app`` under uvicorn, as ``fsp-sync serve`` runs it) with
small limits, on one database per module whose attempts are cleared before each test: every
client here is 127.0.0.1, so the per-client counts must start from nothing. Behind a "trusted
proxy" (127.0.0.1 itself, in ``FSP_TRUSTED_PROXIES``) the tests speak for many clients through
X-Forwarded-For.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine, delete, select

from sync.api import create_app
from sync.audit.models import AuditEvent
from sync.auth.models import Account, AccountRole, LoginAttempt
from sync.auth.passwords import hash_password
from sync.config import Settings
from sync.database import migrations
from sync.database.core import utcnow
from sync.database.session import create_engine_for, session_scope
from sync.schools import service as schools_service
from sync.server_cli import uvicorn_config
from tests.sync.api.conftest import PASSWORD
from tests.sync.conftest import DatabaseFactory

# Small, so that the few attempts argon2 verifies keep the tests quick.
PER_ACCOUNT = 3
PER_CLIENT = 6
WINDOW = 900
WRONG = "not the password at all"
TRUSTED_LOOPBACK = ("127.0.0.1/32", "::1/128")
_PASSWORD_HASH = hash_password(PASSWORD)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Database:
    url: str
    engine: Engine


@pytest.fixture(scope="module")
def database(database_factory: DatabaseFactory) -> Iterator[Database]:
    url = database_factory.create()
    migrations.upgrade(url)
    engine = create_engine_for(url)
    yield Database(url=url, engine=engine)
    engine.dispose()


@pytest.fixture(autouse=True)
def no_attempts_yet(database: Database) -> None:
    with session_scope(database.engine) as db:
        db.execute(delete(LoginAttempt))


@pytest.fixture
def start(database: Database) -> Iterator[Callable[..., str]]:
    """``start(**settings)``: another server on the module's database; its base URL."""
    running: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start_server(**overrides: object) -> str:
        limits = {"login_max_failures_per_account": PER_ACCOUNT,
                  "login_max_failures_per_client": PER_CLIENT, "login_window_seconds": WINDOW}
        settings = Settings.explicit(database_url=database.url, sweep_interval_seconds=0,
                                     **(limits | overrides))
        port = _free_port()
        server = uvicorn.Server(uvicorn_config(create_app(settings), host="127.0.0.1", port=port,
                                               log_level="warning", lifespan="on"))
        thread = threading.Thread(target=server.run, name=f"throttled-{port}", daemon=True)
        thread.start()
        running.append((server, thread))
        deadline = time.monotonic() + 20
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                pytest.fail("the API server did not start")
            time.sleep(0.02)
        return f"http://127.0.0.1:{port}"

    yield start_server
    for server, thread in running:
        server.should_exit = True
    for server, thread in running:
        thread.join(timeout=10)


@dataclass
class SchoolAccount:
    school_id: uuid.UUID
    email: str


def make_account(database: Database) -> SchoolAccount:
    tag = uuid.uuid4().hex[:8]
    with session_scope(database.engine) as db:
        school = schools_service.create(db=db, name=f"School {tag}", home_airport="KAUS",
                                        timezone="America/Chicago", actor="test")
        account = Account(school_id=school.id, email=f"admin-{tag}@school.example",
                          role=AccountRole.ADMIN, password_hash=_PASSWORD_HASH)
        db.add(account)
        db.flush()
        return SchoolAccount(school_id=school.id, email=account.email)


def sign_in(client: httpx.Client, email: str, password: str = WRONG, *,
            forwarded_for: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post("/auth/login", json={"email": email, "password": password}, headers=headers)


def attempts(database: Database, **where: str) -> list[LoginAttempt]:
    with session_scope(database.engine, read_only=True) as db:
        return list(db.scalars(select(LoginAttempt).filter_by(**where).order_by(LoginAttempt.at)))


def audit_actions(database: Database, school_id: uuid.UUID) -> list[AuditEvent]:
    with session_scope(database.engine, read_only=True) as db:
        return list(db.scalars(select(AuditEvent).where(
            AuditEvent.school_id == school_id, AuditEvent.action.like("login%"))
            .order_by(AuditEvent.at)))


def age_attempts(database: Database, by: timedelta) -> None:
    """Move every attempt ``by`` into the past (instead of waiting for the window to pass)."""
    with session_scope(database.engine) as db:
        for attempt in db.scalars(select(LoginAttempt)):
            attempt.at -= by


def test_parallel_wrong_passwords_reach_argon2_at_most_the_limit(database, start):
    url = start()
    account = make_account(database)
    barrier = threading.Barrier(30)

    with httpx.Client(base_url=url, timeout=60, limits=httpx.Limits(max_connections=40)) as client:
        def guess(_: int) -> int:
            barrier.wait()
            return sign_in(client, account.email).status_code

        with ThreadPoolExecutor(30) as pool:
            answers = list(pool.map(guess, range(30)))
        # Attempts still being verified count as failures: however the 30 raced, exactly the
        # limit got to argon2.
        assert sorted(answers) == [401] * PER_ACCOUNT + [429] * (30 - PER_ACCOUNT)
        refused = sign_in(client, account.email, PASSWORD)  # even the right password waits
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= WINDOW
    assert "try again in" in refused.json()["detail"]

    outcomes = [attempt.outcome for attempt in attempts(database, email=account.email)]
    assert outcomes.count("failed") == PER_ACCOUNT
    assert outcomes.count("refused") == len(outcomes) - PER_ACCOUNT
    assert "pending" not in outcomes and "succeeded" not in outcomes
    actions = [event.action for event in audit_actions(database, account.school_id)]
    assert actions.count("login_failed") == PER_ACCOUNT
    assert actions.count("login_locked") == 1  # the first refusal of the window, not every one


def test_the_window_frees_and_a_success_after_a_lockout_is_audited(database, start):
    url = start()
    account = make_account(database)
    with httpx.Client(base_url=url, timeout=30) as client:
        for _ in range(PER_ACCOUNT):
            assert sign_in(client, account.email).status_code == 401
        assert sign_in(client, account.email).status_code == 429
        age_attempts(database, timedelta(seconds=WINDOW // 2))
        halfway = sign_in(client, account.email)
        assert halfway.status_code == 429
        assert 0 < int(halfway.headers["Retry-After"]) <= WINDOW // 2 + 1
        age_attempts(database, timedelta(seconds=WINDOW // 2 + 1))
        assert sign_in(client, account.email, PASSWORD).status_code == 200

    events = audit_actions(database, account.school_id)
    assert [event.action for event in events] == (
        ["login_failed"] * PER_ACCOUNT + ["login_locked", "login_after_lockout"])
    locked, after = events[-2:]
    assert locked.after["limit"] == "account" and locked.after["client"] == "127.0.0.1"
    assert locked.actor == "sign-in from 127.0.0.1" and locked.table_name == "login_attempts"
    assert after.after["refused_attempts"] == 2 and after.actor == account.email


def test_a_success_forgives_only_its_own_clients_earlier_failures(database, start):
    url = start(trusted_proxies=TRUSTED_LOOPBACK)
    account = make_account(database)
    owner, stranger = "198.51.100.10", "203.0.113.20"
    with httpx.Client(base_url=url, timeout=30) as client:
        assert sign_in(client, account.email, forwarded_for=stranger).status_code == 401
        assert sign_in(client, account.email, forwarded_for=owner).status_code == 401
        assert sign_in(client, account.email, PASSWORD, forwarded_for=owner).status_code == 200
        # The owner's typo no longer counts; the stranger's still does: one failure fewer than
        # the limit fits, not the whole limit (all forgotten) nor one fewer still (none).
        answers = [sign_in(client, account.email, forwarded_for=owner).status_code
                   for _ in range(PER_ACCOUNT)]
    assert answers == [401] * (PER_ACCOUNT - 1) + [429]


def test_rotating_forwarded_for_from_an_untrusted_peer_changes_nothing(database, start):
    url = start()  # no trusted proxies: 127.0.0.1 is a client like any other
    account = make_account(database)
    with httpx.Client(base_url=url, timeout=30) as client:
        answers = [sign_in(client, account.email, forwarded_for=f"192.0.2.{n}").status_code
                   for n in range(PER_ACCOUNT + 3)]
        sprayed = [sign_in(client, f"nobody-{n}@school.example",
                           forwarded_for=f"192.0.2.{100 + n}").status_code
                   for n in range(PER_CLIENT - PER_ACCOUNT + 1)]
    assert answers == [401] * PER_ACCOUNT + [429] * 3
    assert sprayed == [401] * (PER_CLIENT - PER_ACCOUNT) + [429]  # one client all along
    assert {attempt.client for attempt in attempts(database)} == {"127.0.0.1"}


def test_behind_a_trusted_proxy_the_forwarded_address_counts(database, start):
    url = start(trusted_proxies=TRUSTED_LOOPBACK, login_max_failures_per_client=3)
    with httpx.Client(base_url=url, timeout=30) as client:
        first = [sign_in(client, f"nobody-{n}@school.example", forwarded_for="203.0.113.5")
                 .status_code for n in range(4)]
        # What the client wrote to the left of what the proxy appended is not believed.
        spoofed = sign_in(client, "nobody-4@school.example", forwarded_for="192.0.2.1, 203.0.113.5")
        other = sign_in(client, "nobody-5@school.example", forwarded_for="203.0.113.6")
        # A chain of trusted proxies: the address before them.
        chained = sign_in(client, "nobody-6@school.example",
                          forwarded_for="203.0.113.7, 127.0.0.1")
    assert first == [401, 401, 401, 429]
    assert spoofed.status_code == 429
    assert other.status_code == chained.status_code == 401
    clients = [attempt.client for attempt in attempts(database)]
    assert clients == ["203.0.113.5"] * 5 + ["203.0.113.6", "203.0.113.7"]


def test_spraying_many_emails_from_one_address_hits_the_per_client_limit(database, start):
    url = start()
    account = make_account(database)
    with httpx.Client(base_url=url, timeout=30) as client:
        answers = [sign_in(client, f"sprayed-{n}@school.example").status_code for n in range(5)]
        # An account of one's own signing in between guesses resets nothing.
        assert sign_in(client, account.email, PASSWORD).status_code == 200
        answers += [sign_in(client, f"sprayed-{n}@school.example").status_code
                    for n in range(5, 60)]
        refused_right_password = sign_in(client, account.email, PASSWORD)
    assert answers == [401] * PER_CLIENT + [429] * (60 - PER_CLIENT)
    assert refused_right_password.status_code == 429
    # Unknown e-mails belong to no school: in login_attempts only, never in an audit log.
    assert len(attempts(database, email="sprayed-0@school.example")) == 1
    assert [event.action for event in audit_actions(database, account.school_id)] == [
        "login_locked"]  # the account's own refusal, by the per-client limit
    assert audit_actions(database, account.school_id)[0].after["limit"] == "client"


def test_two_app_instances_on_one_database_share_the_counters(database, start):
    first, second = start(), start()
    account = make_account(database)
    with httpx.Client(base_url=first, timeout=30) as one, \
            httpx.Client(base_url=second, timeout=30) as two:
        answers = [sign_in(one if n % 2 else two, account.email).status_code
                   for n in range(PER_ACCOUNT)]
        assert answers == [401] * PER_ACCOUNT
        assert sign_in(one, account.email).status_code == 429
        assert sign_in(two, account.email).status_code == 429


def test_rows_older_than_a_day_are_pruned_as_attempts_come_in(database, start):
    url = start()
    old = LoginAttempt(email="long-ago@school.example", client="192.0.2.1", outcome="failed",
                       at=utcnow() - timedelta(days=1, minutes=1))
    recent = LoginAttempt(email="this-morning@school.example", client="192.0.2.1",
                          outcome="failed", at=utcnow() - timedelta(hours=20))
    with session_scope(database.engine) as db:
        db.add_all([old, recent])
    with httpx.Client(base_url=url, timeout=30) as client:
        assert sign_in(client, "nobody@school.example").status_code == 401
    assert {attempt.email for attempt in attempts(database)} == {
        "this-morning@school.example", "nobody@school.example"}
