"""Databases for the service's tests: every test that asks for one runs on SQLite and PostgreSQL.

PostgreSQL comes from ``FSP_TEST_DATABASE_URL`` (CI: the machine's server, trust auth). A fresh,
uniquely named database is created for the session and dropped at its end, so runs never see each
other's rows. Without the variable, or without a server, the PostgreSQL half is skipped and the
skip says why.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from sync.config import get_settings
from sync.database import migrations
from sync.database.session import create_engine_for, display_url

POSTGRES_URL_VARIABLE = "FSP_TEST_DATABASE_URL"
DATABASE_KINDS = ["sqlite", "postgresql"]


def _postgres_admin_url() -> URL:
    """The server's maintenance database URL, or skip with the reason."""
    raw = os.environ.get(POSTGRES_URL_VARIABLE, "").strip()
    if not raw:
        pytest.skip(
            f"PostgreSQL tests skipped: {POSTGRES_URL_VARIABLE} is not set "
            "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres)"
        )
    url = make_url(raw)
    if url.get_backend_name() != "postgresql":
        pytest.fail(f"{POSTGRES_URL_VARIABLE} must be a postgresql URL, not {display_url(url)}")
    url = url.set(drivername="postgresql+psycopg")
    engine = _admin_engine(url)
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        pytest.skip(
            f"PostgreSQL not reachable at {display_url(url)} ({reason}): "
            f"set {POSTGRES_URL_VARIABLE} / start the server"
        )
    finally:
        engine.dispose()
    return url


def _admin_engine(url: URL) -> Engine:
    # AUTOCOMMIT: CREATE/DROP DATABASE cannot run inside a transaction.
    return create_engine(
        url, isolation_level="AUTOCOMMIT", poolclass=NullPool, connect_args={"connect_timeout": 3}
    )


class DatabaseFactory:
    """Creates empty databases of one kind and removes them all at the end of the session."""

    def __init__(self, kind: str, folder: Path) -> None:
        self.kind = kind
        self._folder = folder
        self._admin_url = _postgres_admin_url() if kind == "postgresql" else None
        self._created: list[str] = []

    def create(self) -> str:
        name = f"fsp_test_{os.getpid()}_{uuid.uuid4().hex[:10]}"
        if self._admin_url is None:
            return f"sqlite:///{self._folder / (name + '.sqlite3')}"
        engine = _admin_engine(self._admin_url)
        try:
            with engine.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        self._created.append(name)
        return self._admin_url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if self._admin_url is None or not self._created:
            return
        engine = _admin_engine(self._admin_url)
        try:
            with engine.connect() as connection:
                for name in self._created:
                    # FORCE: a test that failed half-way may have left a connection open.
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            engine.dispose()


@pytest.fixture(scope="session", params=DATABASE_KINDS)
def database_factory(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(request.param, tmp_path_factory.mktemp("databases"))
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def database_kind(database_factory: DatabaseFactory) -> str:
    return database_factory.kind


@pytest.fixture(scope="session")
def database_url(database_factory: DatabaseFactory) -> str:
    """The session's database (fresh and empty when created; ``engine`` migrates it)."""
    return database_factory.create()


@pytest.fixture
def empty_database_url(database_factory: DatabaseFactory) -> str:
    """A database of its own for one test, never migrated (for upgrade and version tests)."""
    return database_factory.create()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the session's database, migrated to the newest revision."""
    migrations.upgrade(database_url)
    engine = create_engine_for(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db_session(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test, commits included.

    The test's commits release SAVEPOINTs inside one outer transaction that is never committed
    (``join_transaction_mode="create_savepoint"``), so tests cannot see each other's rows.
    """
    connection = engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint",
                      expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def use_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Point the configuration (``DATABASE_URL``) at a test database, for CLI tests."""

    def use(url: str) -> None:
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("FSP_ENV", "development")
        get_settings.cache_clear()

    yield use
    get_settings.cache_clear()
