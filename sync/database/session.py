"""Engines and sessions for SQLite (embedded) and PostgreSQL (psycopg 3), configured alike."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

# Execution option marking a connection that only reads (see ``_begin_sqlite``).
READ_ONLY = "fsp_read_only"

SQLITE_BUSY_TIMEOUT_MS = 15_000
# PostgreSQL: how long to wait for a connection to be set up (psycopg's connect_timeout).
CONNECT_TIMEOUT_SECONDS = 10


def is_sqlite(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def display_url(url: str | URL) -> str:
    """The URL with any password masked, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def create_engine_for(
    database_url: str | URL, *, enforce_foreign_keys: bool = True, pooled: bool = True
) -> Engine:
    """An engine for ``database_url`` with the settings this service relies on.

    ``enforce_foreign_keys=False`` is for SQLite schema migrations only: Alembic's batch mode
    rebuilds a table by copying it and dropping the original, which SQLite's foreign key
    enforcement would turn into cascaded deletes or failures.
    """
    url = make_url(database_url)
    options: dict[str, Any] = {}
    if not pooled:
        options["poolclass"] = NullPool
    if url.get_backend_name() == "sqlite":
        _create_parent_folder(url)
        engine = create_engine(url, **options)
        _configure_sqlite(engine, enforce_foreign_keys=enforce_foreign_keys)
        return engine
    if url.get_backend_name() == "postgresql" and url.get_driver_name() != "psycopg":
        url = url.set(drivername="postgresql+psycopg")
    # pre_ping: a server restart (RDS failover, maintenance) must not surface as one failed request.
    # A lost connection found mid-query invalidates the pool (SQLAlchemy does that on a
    # disconnect error), so the service recovers by itself when the server is back.
    if "connect_timeout" not in url.query:
        # A server that does not answer at all (a dropped route) would otherwise hold a request
        # for the operating system's TCP timeout, minutes; this is a 503 in seconds instead.
        options["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    return create_engine(url, pool_pre_ping=True, **options)


def _create_parent_folder(url: URL) -> None:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: Engine, *, enforce_foreign_keys: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        # Take transaction control away from Python's sqlite3 module (it would BEGIN lazily, only
        # before the first write, so reads would run outside any transaction and SAVEPOINTs would
        # misbehave); ``_begin_sqlite`` emits BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # SQLite ignores foreign keys unless asked, per connection.
        cursor.execute(f"PRAGMA foreign_keys = {'ON' if enforce_foreign_keys else 'OFF'}")
        # WAL: readers never block the writer nor the writer the readers (the sweep writes while
        # the desktop's API calls read).
        cursor.execute("PRAGMA journal_mode = WAL")
        # Wait for a competing writer instead of failing at once with "database is locked".
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_sqlite(connection: Any) -> None:
        # Writers BEGIN IMMEDIATE: they take the write lock up front and wait (busy_timeout) for
        # it. A DEFERRED transaction that reads and then writes fails at once with SQLITE_BUSY
        # if another writer committed in between, and busy_timeout cannot help it. Read-only
        # sessions stay DEFERRED so that long reads (a first pull) do not hold writers up.
        mode = "DEFERRED" if connection.get_execution_options().get(READ_ONLY) else "IMMEDIATE"
        connection.exec_driver_sql(f"BEGIN {mode}")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: callers read ids and values of what they just committed (to print
    # or return them) without a second round trip.
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine, *, read_only: bool = False) -> Iterator[Session]:
    """A session in one transaction: committed if the block succeeds, rolled back if it raises.

    ``read_only=True`` promises not to write, which on SQLite lets the transaction run beside a
    writer instead of queueing for the write lock.
    """
    bind = engine.execution_options(**{READ_ONLY: True}) if read_only else engine
    session = Session(bind=bind, expire_on_commit=False)
    try:
        with session.begin():
            yield session
    finally:
        session.close()
