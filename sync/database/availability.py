"""Whether a database error means "the database cannot be used right now" rather than a bug.

The HTTP layer answers the first with 503 and ``Retry-After`` (the client tries again, nothing is
wrong with its request) and lets the second be the 500 it is. The distinction follows the
drivers' own:

- PostgreSQL (psycopg 3): an error without a SQLSTATE is the client library's own — the server
  refused the connection, the connection was lost, or is closed. From the server, SQLSTATE class
  08 (connection exception), class 53 (insufficient resources: too many connections, out of
  memory, disk full) and 57P01-57P03 (the server is shutting down or starting up) are not the
  query's fault. A syntax error, an unknown column or a constraint are: those are bugs.
- SQLite: the file cannot be opened or read (``SQLITE_CANTOPEN``, ``SQLITE_IOERR``: its folder
  vanished, an unplugged disk) is unreachable; a writer that waited its whole busy timeout for
  the lock (``SQLITE_BUSY``, ``SQLITE_LOCKED``) is busy, which a client should also retry.
  "no such table" or a syntax error are bugs.
- Either: SQLAlchemy noticed the connection was lost (``connection_invalidated``), or no pooled
  connection came free in time (``sqlalchemy.exc.TimeoutError``: the service is overloaded).
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# PostgreSQL SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html).
_CONNECTION_EXCEPTION = "08"
_INSUFFICIENT_RESOURCES = "53"
_SHUTTING_DOWN_OR_STARTING = frozenset({"57P01", "57P02", "57P03"})
# SQLite primary result codes (https://sqlite.org/rescode.html); extended codes keep them in the
# low byte (SQLITE_IOERR_READ is 266 = 10 | 1 << 8).
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_IOERR, _SQLITE_CANTOPEN = 5, 6, 10, 14


class Unavailability(StrEnum):
    UNREACHABLE = "unreachable"  # cannot connect, the connection was lost, the file cannot be opened
    BUSY = "busy"  # reachable, but no connection or lock came free in time


def unavailability(exc: BaseException) -> Unavailability | None:
    """Why the database cannot be used right now, or None when ``exc`` is not that (a bug, bad
    data, a constraint)."""
    if isinstance(exc, PoolTimeout):
        return Unavailability.BUSY
    if not isinstance(exc, DBAPIError):
        return None
    if exc.connection_invalidated:
        return Unavailability.UNREACHABLE
    if not isinstance(exc, (OperationalError, InterfaceError)):
        return None
    original = exc.orig
    code = getattr(original, "sqlite_errorcode", None)
    if isinstance(code, int):
        primary = code & 0xFF
        if primary in (_SQLITE_BUSY, _SQLITE_LOCKED):
            return Unavailability.BUSY
        if primary in (_SQLITE_CANTOPEN, _SQLITE_IOERR):
            return Unavailability.UNREACHABLE
        return None
    if hasattr(original, "sqlstate"):  # psycopg
        state = original.sqlstate
        if state is None:  # the client library's own: refused, lost or closed
            return Unavailability.UNREACHABLE
        if state.startswith(_CONNECTION_EXCEPTION) or state in _SHUTTING_DOWN_OR_STARTING:
            return Unavailability.UNREACHABLE
        if state.startswith(_INSUFFICIENT_RESOURCES):
            return Unavailability.BUSY
    return None
