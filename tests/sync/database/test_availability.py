"""Which database errors mean "cannot be used right now" (503) and which are bugs (500).

Every error here is a real one, raised by the real driver in the real situation.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from sync.database.availability import Unavailability, unavailability


def raised(action) -> Exception:
    with pytest.raises(Exception) as caught:
        action()
    return caught.value


def test_an_sqlite_file_that_cannot_be_opened_is_unreachable(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'unplugged' / 'fsp.sqlite3'}")
    try:
        error = raised(lambda: engine.connect().close())
    finally:
        engine.dispose()
    assert isinstance(error, DBAPIError) and "unable to open database file" in str(error)
    assert unavailability(error) is Unavailability.UNREACHABLE


def test_an_sqlite_database_locked_past_the_busy_timeout_is_busy(tmp_path: Path) -> None:
    path = tmp_path / "locked.sqlite3"
    holder = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
    waiter = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
    try:
        with holder.connect() as holding:
            holding.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            holding.commit()
            holding.exec_driver_sql("BEGIN EXCLUSIVE")
            with waiter.connect() as waiting:
                error = raised(lambda: waiting.exec_driver_sql("SELECT * FROM t"))
            holding.rollback()
    finally:
        holder.dispose()
        waiter.dispose()
    assert "database is locked" in str(error)
    assert unavailability(error) is Unavailability.BUSY


def test_a_postgresql_server_that_refuses_connections_is_unreachable() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    engine = create_engine(f"postgresql+psycopg://nobody@127.0.0.1:{port}/nothing")
    try:
        error = raised(lambda: engine.connect().close())
    finally:
        engine.dispose()
    assert isinstance(error, DBAPIError)
    assert unavailability(error) is Unavailability.UNREACHABLE


def test_a_wrong_query_is_a_bug_not_an_outage(engine: Engine) -> None:
    with engine.connect() as connection:
        missing_table = raised(lambda: connection.execute(text("SELECT * FROM no_such_table")))
        connection.rollback()
        syntax = raised(lambda: connection.execute(text("SELEKT 1")))
        connection.rollback()
    assert unavailability(missing_table) is None
    assert unavailability(syntax) is None


def test_no_pooled_connection_coming_free_in_time_is_busy(database_url: str) -> None:
    small = create_engine(database_url, pool_size=1, max_overflow=0, pool_timeout=0.1)
    try:
        with small.connect():
            error = raised(lambda: small.connect().close())
    finally:
        small.dispose()
    assert isinstance(error, PoolTimeout)
    assert unavailability(error) is Unavailability.BUSY


def test_an_error_that_is_not_the_databases_is_none_of_its_business() -> None:
    assert unavailability(ValueError("not a database error")) is None
