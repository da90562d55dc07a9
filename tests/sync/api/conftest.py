"""The real service over real HTTP, for API tests — on SQLite and PostgreSQL.

Fixtures to reuse:

- ``api_server`` (session): ``create_app()`` under uvicorn on 127.0.0.1, a free port, in a thread,
  on a database of its own migrated to head. ``api_server.url``, ``.engine``, ``.app``,
  ``.settings``. Rows persist for the whole session: isolate tests by creating a school each.
- ``api_client``: an ``httpx.Client`` on the server, signed in as nobody.
- ``signed_in_school``: a function making a fresh school with an admin, a dispatcher, an
  instructor (with an Instructor record linked to the account) and a student (with a Student
  record), all signed in (password ``PASSWORD``). For speed it writes the accounts with one
  precomputed argon2 hash and issues their tokens directly (argon2 is slow on purpose);
  ``test_auth.py`` covers signing in over HTTP. ::

      def test_x(signed_in_school):
          school = signed_in_school()
          school.dispatcher.get("/students")           # an httpx.Client with the Bearer token
          school.tokens["admin"].refresh_token          # TokenPair per role
          school.instructor_id, school.student_id       # the linked records
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine

from sync.api import create_app
from sync.auth import tokens as auth_tokens
from sync.auth.models import Account, AccountRole
from sync.auth.passwords import hash_password
from sync.config import Settings
from sync.database import migrations
from sync.database.session import create_engine_for, session_scope
from sync.people.models import Instructor, Student
from sync.schools import service as schools_service
from sync.server_cli import uvicorn_config
from sync.weather.minimums import TrainingLevel
from tests.sync.conftest import DatabaseFactory

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = hash_password(PASSWORD)
# One TLS context for every client: httpx builds a new one per client otherwise (tens of ms each),
# although these clients only ever speak plain HTTP to 127.0.0.1.
_TLS = ssl.create_default_context()


@dataclass
class ApiServer:
    url: str
    app: FastAPI
    settings: Settings
    engine: Engine

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, verify=_TLS)


@dataclass
class Tokens:
    access_token: str
    refresh_token: str
    account_id: str


@dataclass
class SignedInSchool:
    school_id: uuid.UUID
    emails: dict[str, str]
    tokens: dict[str, Tokens]
    clients: dict[str, httpx.Client]
    instructor_id: uuid.UUID
    student_id: uuid.UUID
    _opened: list[httpx.Client] = field(default_factory=list)

    admin = property(lambda self: self.clients["admin"])
    dispatcher = property(lambda self: self.clients["dispatcher"])
    instructor = property(lambda self: self.clients["instructor"])
    student = property(lambda self: self.clients["student"])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def api_server(database_factory: DatabaseFactory) -> Iterator[ApiServer]:
    database_url = database_factory.create()
    migrations.upgrade(database_url)
    # No in-process hourly sweep: tests decide when lessons are judged (and no thread outlives them).
    # Every test's client is 127.0.0.1: the per-client sign-in limit would let the session's
    # first 50 wrong passwords (the fuzz test sends many) refuse every later sign-in. That limit
    # is tested on servers of its own (test_rate_limit.py).
    settings = Settings.explicit(database_url=database_url, sweep_interval_seconds=0,
                                 login_max_failures_per_client=1_000_000)
    app = create_app(settings)
    port = _free_port()
    server = uvicorn.Server(uvicorn_config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, name="api-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the API server did not start")
        time.sleep(0.02)
    engine = create_engine_for(database_url)
    try:
        yield ApiServer(url=f"http://127.0.0.1:{port}", app=app, settings=settings, engine=engine)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


@pytest.fixture
def api_client(api_server: ApiServer) -> Iterator[httpx.Client]:
    with api_server.client() as client:
        yield client


def login(client: httpx.Client, email: str, password: str = PASSWORD) -> httpx.Response:
    return client.post("/auth/login", json={"email": email, "password": password})


@pytest.fixture
def signed_in_school(api_server: ApiServer) -> Iterator[Callable[..., SignedInSchool]]:
    opened: list[httpx.Client] = []

    def make(**school_fields: Any) -> SignedInSchool:
        tag = uuid.uuid4().hex[:8]
        emails = {role.value: f"{role.value}-{tag}@school.example" for role in AccountRole}
        with session_scope(api_server.engine) as db:
            school = schools_service.create(
                db=db, name=school_fields.get("name", f"School {tag}"),
                home_airport=school_fields.get("home_airport", "KAUS"),
                timezone=school_fields.get("timezone", "America/Chicago"), actor="test",
            )
            accounts = {role.value: Account(school_id=school.id, email=emails[role.value],
                                            role=role, password_hash=_PASSWORD_HASH)
                        for role in AccountRole}
            db.add_all(accounts.values())
            db.flush()
            instructor = Instructor(school_id=school.id, account_id=accounts["instructor"].id,
                                    name=f"CFI {tag}", email=emails["instructor"],
                                    ratings=["CFI", "CFII"])
            student = Student(school_id=school.id, account_id=accounts["student"].id,
                              name=f"Student {tag}", email=emails["student"],
                              training_level=TrainingLevel.PRIVATE_PILOT)
            db.add_all([instructor, student])
            db.flush()
            school_id, instructor_id, student_id = school.id, instructor.id, student.id
            tokens, clients = {}, {}
            for role, account in accounts.items():
                tokens[role] = Tokens(
                    auth_tokens.issue_access_token(account=account, settings=api_server.settings),
                    auth_tokens.issue_refresh_token(db=db, account=account,
                                                    settings=api_server.settings),
                    str(account.id),
                )
                clients[role] = api_server.client(tokens[role].access_token)
                opened.append(clients[role])
        return SignedInSchool(school_id=school_id, emails=emails, tokens=tokens, clients=clients,
                              instructor_id=instructor_id, student_id=student_id)

    yield make
    for client in opened:
        client.close()
