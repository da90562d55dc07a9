"""The local replica: the school's synced rows, the sync cursor, and the outbox of local edits, in
one SQLite file (stdlib ``sqlite3``).

Tables (schema version in ``PRAGMA user_version``, migrations in ``MIGRATIONS`` below):

- ``rows``: the server's rows as last pulled (``table_name, id, version, server_seq, deleted,
  data`` JSON), and for lessons ``start_ts``/``end_ts`` (UTC epoch seconds) for range reads.
- ``overlay``: the row as the person sees it with their unsent edits applied, and the worst state
  of those edits (``pending`` < ``rejected`` < ``conflict``). Written in the same transaction as
  the outbox entry, so a local edit shows at once, marked, and survives a crash.
- ``outbox``: local edits in order (``mutation_id, table_name, op, row_id, base_version, data,
  created_at, state, answer``); ``state`` is ``pending`` (to send), ``conflict`` (someone else
  changed the row: ``answer`` holds the server's row and message) or ``rejected`` (the service
  refused: ``answer`` holds its reason). Applied edits leave the outbox.
- ``sync_state``: one row: ``client_id`` (this installation), ``cursor``, ``last_sync_at``.

Durability: WAL with ``synchronous=FULL``, so a transaction that returned is on disk — an edit
``record_edit`` returned survives a crash or power loss. A pulled batch and its cursor commit
together (``apply_pull``), so a crash replays at most that batch; pulled batches commit without
their own fsync (a power cut may lose the last ones with their cursor: they are pulled again).

Errors (as in qutebrowser's ``misc/sql.py``): ``ReplicaEnvironmentError`` for faults of the
machine a person can act on — disk full, file locked by another program, read-only or
unreadable file, a replica written by a newer version of the app; ``ReplicaBugError`` for
everything else (wrong SQL: a bug in this code). Both are ``ReplicaError``.

Threads: one connection guarded by a lock; any thread may call any method (never the GUI thread
for anything slow). Reads return plain dataclasses, never cursors.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "CURRENT_SCHEMA_VERSION", "Changes", "LessonRow", "MIGRATIONS", "OutboxCounts", "OutboxEntry",
    "Replica",
    "ReplicaBugError", "ReplicaEnvironmentError", "ReplicaError", "ReplicaRow", "ReplicaTooNew",
    "replica_file",
]

Op = Literal["insert", "update", "delete"]
EditState = Literal["pending", "conflict", "rejected"]
RowState = Literal["synced", "pending", "conflict", "rejected"]
# Range reads look this far back for lessons that started before the window (a long
# cross-country lesson); no lesson is longer.
_LONGEST_LESSON_SECONDS = 7 * 24 * 3600
PUSHABLE_TABLES = frozenset({"students", "instructors", "aircraft", "flights"})
_STATE_RANK = {"pending": 1, "rejected": 2, "conflict": 3}


def replica_file(folder: str | Path, school_id: str) -> Path:
    """The local replica of one school in ``folder`` (one file per school)."""
    return Path(folder) / f"replica-{school_id}.sqlite3"


# -- errors ------------------------------------------------------------------------------------


class ReplicaError(Exception):
    """The local replica failed; ``str()`` is a sentence for a person."""

    def __init__(self, message: str, *, sqlite_error: sqlite3.Error | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.sqlite_error = sqlite_error


class ReplicaEnvironmentError(ReplicaError):
    """A fault of the machine, not of the code: disk full, locked, read-only, unreadable."""


class ReplicaTooNew(ReplicaEnvironmentError):
    """The file was written by a newer version of the app (its schema is ahead of this one)."""


class ReplicaBugError(ReplicaError):
    """SQLite refused what this code asked: a bug (report it)."""


# Primary result codes (extended codes carry them in the low byte) that the environment causes.
_ENVIRONMENT_CODES = {
    3: "permission denied",               # SQLITE_PERM
    5: "the file is busy (another program is writing to it)",  # SQLITE_BUSY
    6: "the file is locked",              # SQLITE_LOCKED
    7: "out of memory",                   # SQLITE_NOMEM
    8: "the file is read-only",           # SQLITE_READONLY
    10: "a disk read or write failed",    # SQLITE_IOERR
    11: "the file is damaged",            # SQLITE_CORRUPT
    13: "the disk is full",               # SQLITE_FULL
    14: "the file cannot be opened",      # SQLITE_CANTOPEN
    15: "the file lock protocol failed",  # SQLITE_PROTOCOL
    26: "the file is not a database",     # SQLITE_NOTADB
}


def _translate(exc: sqlite3.Error, path: Path) -> ReplicaError:
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary in _ENVIRONMENT_CODES:
        return ReplicaEnvironmentError(
            f"The local copy of the schedule at {path} cannot be used: {_ENVIRONMENT_CODES[primary]} "
            f"({exc}). Free disk space, close other copies of the app, or check the file's "
            "permissions; your unsent edits are kept in it.", sqlite_error=exc)
    if isinstance(exc, sqlite3.OperationalError) and "database is locked" in str(exc):
        return ReplicaEnvironmentError(
            f"The local copy of the schedule at {path} is locked by another program: close other "
            "copies of the app and try again.", sqlite_error=exc)
    return ReplicaBugError(f"The local copy of the schedule failed ({exc}): this is a bug in the "
                           "app, please report it.", sqlite_error=exc)


# -- values ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Changes:
    """What an operation touched: ``rows`` as (table, id), and whether the outbox changed (pending
    count, conflicts, rejections). Views check ``touches("flights")`` and refresh what they show."""

    rows: frozenset[tuple[str, str]] = frozenset()
    outbox: bool = False
    full_reload: bool = False  # e.g. the first pull: cheaper to reload than to diff

    @property
    def tables(self) -> frozenset[str]:
        return frozenset(table for table, _ in self.rows)

    def touches(self, table: str) -> bool:
        return self.full_reload or table in self.tables

    def ids(self, table: str) -> frozenset[str]:
        return frozenset(row_id for name, row_id in self.rows if name == table)

    def __or__(self, other: Changes) -> Changes:
        return Changes(self.rows | other.rows, self.outbox or other.outbox,
                       self.full_reload or other.full_reload)

    def __bool__(self) -> bool:
        return bool(self.rows) or self.outbox or self.full_reload


@dataclass(frozen=True)
class ReplicaRow:
    """A row as the person should see it.

    ``data``: the server's row with the unsent local edits applied. ``state``: ``synced`` (as on
    the server), or the worst state of its unsent edits. ``server_data``/``version``: the row as
    last pulled (None when the row exists only locally — a booking not yet sent)."""

    table: str
    id: str
    data: dict[str, Any]
    state: RowState
    version: int | None
    server_data: dict[str, Any] | None


@dataclass(frozen=True)
class LessonRow:
    """A lesson as the person sees it (``Replica.lessons_between``): ``data`` with local edits
    applied, ``state`` as in ``ReplicaRow``, ``version`` last pulled (None: only local)."""

    id: str
    data: dict[str, Any]
    state: RowState
    version: int | None


@dataclass(frozen=True)
class OutboxEntry:
    """One local edit. ``answer``, for ``conflict``: ``{"error": {...}, "server_row": {...}}``;
    for ``rejected``: ``{"error": {"detail", "rule", "field", "conflict", "status_code"}}``."""

    seq: int
    mutation_id: str
    table: str
    op: Op
    row_id: str
    base_version: int | None
    data: dict[str, Any]
    created_at: datetime
    state: EditState
    answer: dict[str, Any] | None = None

    def mutation(self) -> dict[str, Any]:
        """The mutation as ``POST /sync/push`` takes it."""
        return {"mutation_id": self.mutation_id, "table": self.table, "op": self.op,
                "row_id": self.row_id, "base_version": self.base_version, "data": self.data}

    @property
    def error(self) -> dict[str, Any] | None:
        return (self.answer or {}).get("error")

    @property
    def server_row(self) -> dict[str, Any] | None:
        return (self.answer or {}).get("server_row")


@dataclass(frozen=True)
class OutboxCounts:
    pending: int = 0
    conflict: int = 0
    rejected: int = 0


# -- schema ------------------------------------------------------------------------------------

# Version 1: the first release.
_SCHEMA_V1 = """
CREATE TABLE rows (
    table_name TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    server_seq INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL,
    PRIMARY KEY (table_name, id)
) WITHOUT ROWID;
CREATE TABLE overlay (
    table_name TEXT NOT NULL,
    id TEXT NOT NULL,
    data TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    PRIMARY KEY (table_name, id)
) WITHOUT ROWID;
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    mutation_id TEXT NOT NULL UNIQUE,
    table_name TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    row_id TEXT NOT NULL,
    base_version INTEGER,
    data TEXT NOT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'conflict', 'rejected')),
    answer TEXT
);
CREATE INDEX outbox_row ON outbox (table_name, row_id);
CREATE TABLE sync_state (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    client_id TEXT NOT NULL,
    cursor INTEGER NOT NULL DEFAULT 0,
    last_sync_at TEXT
);
"""


def _migrate_to_1(connection: sqlite3.Connection) -> None:
    for statement in _SCHEMA_V1.split(";"):
        if statement.strip():
            connection.execute(statement)
    connection.execute("INSERT INTO sync_state (singleton, client_id, cursor) VALUES (1, ?, 0)",
                       (str(uuid.uuid4()),))


def _migrate_to_2(connection: sqlite3.Connection) -> None:
    """Lesson times as numbers, indexed: the calendar reads a week of 20,000 lessons by range
    (ISO strings do not order correctly once fractions of seconds or offsets appear)."""
    for table in ("rows", "overlay"):
        connection.execute(f"ALTER TABLE {table} ADD COLUMN start_ts REAL")
        connection.execute(f"ALTER TABLE {table} ADD COLUMN end_ts REAL")
        for table_name, row_id, data in connection.execute(
                f"SELECT table_name, id, data FROM {table} WHERE table_name = 'flights'").fetchall():
            start, end = _times(json.loads(data))
            connection.execute(f"UPDATE {table} SET start_ts = ?, end_ts = ? "
                               "WHERE table_name = ? AND id = ?", (start, end, table_name, row_id))
    connection.execute("CREATE INDEX rows_flight_time ON rows (table_name, start_ts)")
    connection.execute("CREATE INDEX overlay_flight_time ON overlay (table_name, start_ts)")


# Index i migrates from version i to i + 1; each runs in the same transaction as its
# ``user_version`` bump, so an upgrade interrupted half-way leaves the old, intact version.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_migrate_to_1, _migrate_to_2]
CURRENT_SCHEMA_VERSION = len(MIGRATIONS)


# -- helpers -----------------------------------------------------------------------------------


def _timestamp(value: Any) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _times(data: Mapping[str, Any]) -> tuple[float | None, float | None]:
    return _timestamp(data.get("start_at")), _timestamp(data.get("end_at"))


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)


def _now() -> datetime:
    return datetime.now(UTC)


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


# -- the replica -------------------------------------------------------------------------------


class Replica:
    """The replica in the SQLite file at ``path`` (created, or migrated to the current schema).

    ``clock``: returns aware datetimes (timestamps of edits and syncs); injected for tests.
    ``busy_timeout``: seconds to wait for another writer (another copy of the app) before giving
    up with ``ReplicaEnvironmentError``.
    """

    def __init__(self, path: str | Path, *, clock: Callable[[], datetime] = _now,
                 busy_timeout: float = 5) -> None:
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ReplicaEnvironmentError(
                f"Cannot create the folder for the local copy of the schedule ({exc}): check "
                "the permissions of the app's data folder") from exc
        self._connection: sqlite3.Connection | None = None
        with self._errors():
            # isolation_level=None: transactions are explicit (``_transaction``), nothing implicit.
            self._connection = sqlite3.connect(self.path, isolation_level=None,
                                               check_same_thread=False,
                                               timeout=busy_timeout)
            self._connection.execute("PRAGMA journal_mode = WAL")
            # FULL: a committed edit is on disk, even after a power cut (NORMAL could lose it).
            self._connection.execute("PRAGMA synchronous = FULL")
            self._connection.execute("PRAGMA foreign_keys = ON")
            self._migrate()

    # -- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def __enter__(self) -> Replica:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        with self._errors():
            return self._db.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > CURRENT_SCHEMA_VERSION:
            raise ReplicaTooNew(
                f"The local copy of the schedule at {self.path} was written by a newer version of "
                f"the app (schema {version}, this app knows {CURRENT_SCHEMA_VERSION}): update the "
                "app, or move the file away to start afresh (unsent edits in it would be lost)")
        while version < CURRENT_SCHEMA_VERSION:
            with self._transaction() as db:
                MIGRATIONS[version](db)
                version += 1
                db.execute(f"PRAGMA user_version = {version}")

    @property
    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ReplicaBugError("The local replica was used after it was closed")
        return self._connection

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise _translate(exc, self.path) from exc

    @contextmanager
    def _transaction(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT under the lock; rolled back on any error.

        ``durable=False`` (pulled pages only): the commit skips its fsync (``synchronous =
        NORMAL`` for this transaction). A power cut may then lose the last pages together with
        their cursor — never one without the other — and they are pulled again; the next
        durable commit (an edit) syncs them too. A first pull of 40-odd pages saves as many
        fsyncs (tens of ms each on a busy disk)."""
        with self._lock, self._errors():
            db = self._db
            if not durable:
                db.execute("PRAGMA synchronous = NORMAL")
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
            finally:
                if not durable:
                    db.execute("PRAGMA synchronous = FULL")

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._errors():
            yield self._db

    # -- sync state ------------------------------------------------------------------------

    @property
    def client_id(self) -> str:
        """This installation's id (made when the file was created), sent with every push."""
        with self._reading() as db:
            return db.execute("SELECT client_id FROM sync_state").fetchone()[0]

    @property
    def cursor(self) -> int:
        """The last ``server_seq`` applied; 0 before the first pull."""
        with self._reading() as db:
            return db.execute("SELECT cursor FROM sync_state").fetchone()[0]

    @property
    def last_sync_at(self) -> datetime | None:
        with self._reading() as db:
            value = db.execute("SELECT last_sync_at FROM sync_state").fetchone()[0]
        return datetime.fromisoformat(value) if value else None

    def mark_synced(self, at: datetime) -> None:
        """Remember when the replica last caught up with the service."""
        with self._transaction() as db:
            db.execute("UPDATE sync_state SET last_sync_at = ?", (_utc_text(at),))

    # -- pull ------------------------------------------------------------------------------

    def apply_pull(self, changes: Iterable[Any], cursor: int) -> Changes:
        """Apply a pulled batch and store ``cursor``, in ONE transaction.

        ``changes``: ``api_client.Change`` values or dicts with the same keys. A change older than
        the stored row (a replayed batch) is skipped; a tombstone removes the row. Rows with
        unsent edits keep them on top (the overlay is recomputed).

        Set-wise, for a page of hundreds of rows: the stored versions are read in one query per
        table, the writes go out with ``executemany``, and only rows with local edits have their
        overlay rebuilt (the others have none)."""
        batch = []
        for change in changes:
            get = change.get if isinstance(change, Mapping) else change.__getattribute__
            batch.append((get("table"), str(get("id")), get("version"), get("server_seq"),
                          bool(get("deleted")), get("data")))
        touched: set[tuple[str, str]] = set()
        with self._transaction(durable=False) as db:
            stored = self._stored_sequences(db, {(table, row_id) for table, row_id, *_ in batch})
            edited = set(db.execute("SELECT table_name, row_id FROM outbox").fetchall())
            edited |= set(db.execute("SELECT table_name, id FROM overlay").fetchall())
            final: dict[tuple[str, str], tuple[Any, ...] | None] = {}  # None: delete
            for table, row_id, version, server_seq, deleted, data in batch:
                key = (table, row_id)
                known = stored.get(key)
                if known is not None and known >= server_seq:
                    continue
                if deleted:
                    if known is not None or key in edited:
                        touched.add(key)
                    stored[key] = None  # gone: a later change of it applies as new
                    final[key] = None
                    continue
                start, end = _times(data) if table == "flights" else (None, None)
                stored[key] = server_seq
                final[key] = (table, row_id, version, server_seq, _dumps(data), start, end)
                touched.add(key)
            db.executemany("DELETE FROM rows WHERE table_name = ? AND id = ?",
                           [key for key, values in final.items() if values is None])
            db.executemany(
                "INSERT INTO rows (table_name, id, version, server_seq, deleted, data, start_ts,"
                " end_ts) VALUES (?, ?, ?, ?, 0, ?, ?, ?) ON CONFLICT (table_name, id) DO UPDATE"
                " SET version = excluded.version, server_seq = excluded.server_seq, deleted = 0,"
                " data = excluded.data, start_ts = excluded.start_ts, end_ts = excluded.end_ts",
                [values for values in final.values() if values is not None])
            for table, row_id in touched & edited:
                self._rebuild_overlay(db, table, row_id)
            db.execute("UPDATE sync_state SET cursor = MAX(cursor, ?)", (cursor,))
        return Changes(frozenset(touched))

    @staticmethod
    def _stored_sequences(db: sqlite3.Connection,
                          keys: set[tuple[str, str]]) -> dict[tuple[str, str], int | None]:
        """``server_seq`` of the stored rows among ``keys`` (absent keys are left out)."""
        found: dict[tuple[str, str], int | None] = {}
        by_table: dict[str, list[str]] = {}
        for table, row_id in keys:
            by_table.setdefault(table, []).append(row_id)
        for table, ids in by_table.items():
            for first in range(0, len(ids), 500):
                part = ids[first:first + 500]
                found.update(((table, row_id), seq) for row_id, seq in db.execute(
                    f"SELECT id, server_seq FROM rows WHERE table_name = ? AND id IN"
                    f" ({','.join('?' * len(part))})", (table, *part)))
        return found

    def _store_server_row(self, db: sqlite3.Connection, table: str, row_id: str, *, version: int,
                          server_seq: int, deleted: bool, data: dict[str, Any]) -> bool:
        stored = db.execute("SELECT server_seq FROM rows WHERE table_name = ? AND id = ?",
                            (table, row_id)).fetchone()
        if stored is not None and stored[0] >= server_seq:
            return False
        if deleted:
            db.execute("DELETE FROM rows WHERE table_name = ? AND id = ?", (table, row_id))
            return stored is not None or self._has_edits(db, table, row_id)
        start, end = _times(data) if table == "flights" else (None, None)
        db.execute(
            "INSERT INTO rows (table_name, id, version, server_seq, deleted, data, start_ts, end_ts)"
            " VALUES (?, ?, ?, ?, 0, ?, ?, ?) ON CONFLICT (table_name, id) DO UPDATE SET"
            " version = excluded.version, server_seq = excluded.server_seq, deleted = 0,"
            " data = excluded.data, start_ts = excluded.start_ts, end_ts = excluded.end_ts",
            (table, row_id, version, server_seq, _dumps(data), start, end))
        return True

    # -- reads -----------------------------------------------------------------------------

    def get(self, table: str, row_id: str | uuid.UUID) -> ReplicaRow | None:
        """The row as the person sees it (local edits applied), or None if absent or deleted."""
        with self._reading() as db:
            found = db.execute(self._EFFECTIVE + " AND e.table_name = ? AND e.id = ?",
                               (table, str(row_id))).fetchone()
        return self._row(found) if found else None

    def rows(self, table: str) -> list[ReplicaRow]:
        """Every live row of a table as the person sees it."""
        with self._reading() as db:
            found = db.execute(self._EFFECTIVE + " AND e.table_name = ? ORDER BY e.id",
                               (table,)).fetchall()
        return [self._row(row) for row in found]

    def flights_between(self, start: datetime, end: datetime) -> list[ReplicaRow]:
        """Lessons overlapping [start, end) (aware datetimes), ordered by start, local edits
        applied — including cancelled ones (the calendar decides what to show). Lessons longer
        than a week are not expected (``_LONGEST_LESSON_SECONDS``)."""
        window = {"start": start.timestamp(), "end": end.timestamp(),
                  "earliest": start.timestamp() - _LONGEST_LESSON_SECONDS}
        with self._reading() as db:
            found = db.execute(self._FLIGHTS_BETWEEN, window).fetchall()
        return [self._row(row[:6]) for row in found]

    def lessons_between(self, start: datetime, end: datetime) -> list[LessonRow]:
        """What the calendar needs of ``flights_between``: the same lessons, in the same order,
        without the row as last pulled (``server_data``), whose second JSON decode per lesson
        was a third of the read."""
        window = {"start": start.timestamp(), "end": end.timestamp(),
                  "earliest": start.timestamp() - _LONGEST_LESSON_SECONDS}
        with self._reading() as db:
            found = db.execute(self._FLIGHTS_BETWEEN, window).fetchall()
        return [LessonRow(id=row_id, data=json.loads(data), state=state, version=version)
                for _table, row_id, data, state, version, _server, _start in found]

    def latest_weather_checks(self, flight_ids: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
        """The latest weather check of each lesson (by ``checked_at``), by lesson id; only those
        of ``flight_ids`` when given. SQLite picks the latest (without holding Python's GIL), so
        only one check per lesson is decoded however many sweeps have stored."""
        query = """
            SELECT data, MAX(json_extract(data, '$.checked_at')) FROM rows
            WHERE table_name = 'weather_checks' AND deleted = 0 {only}
            GROUP BY json_extract(data, '$.flight_id')
        """
        if flight_ids is None:
            sql, parameters = query.format(only=""), ()
        else:
            sql = query.format(only="AND json_extract(data, '$.flight_id') IN"
                                    " (SELECT value FROM json_each(?))")
            parameters = (json.dumps([str(flight_id) for flight_id in flight_ids]),)
        with self._reading() as db:
            found = db.execute(sql, parameters).fetchall()
        checks = [json.loads(data) for data, _checked_at in found]
        return {check["flight_id"]: check for check in checks}

    # Both halves use their (table_name, start_ts) index: a lesson overlapping the window starts
    # before its end and no earlier than the longest lesson before its start.
    _FLIGHTS_BETWEEN = """
        SELECT r.table_name, r.id, r.data, 'synced', r.version, r.data, r.start_ts
        FROM rows r
        WHERE r.table_name = 'flights' AND r.start_ts >= :earliest AND r.start_ts < :end
          AND r.end_ts > :start
          AND NOT EXISTS (SELECT 1 FROM overlay o WHERE o.table_name = r.table_name AND o.id = r.id)
        UNION ALL
        SELECT o.table_name, o.id, o.data, o.state, r.version, r.data, o.start_ts
        FROM overlay o LEFT JOIN rows r ON r.table_name = o.table_name AND r.id = o.id
        WHERE o.table_name = 'flights' AND o.deleted = 0 AND o.start_ts >= :earliest
          AND o.start_ts < :end AND o.end_ts > :start
        ORDER BY 7, 2
    """

    # One row per (table, id): the overlay when there is one, else the server row; deleted rows
    # and rows whose local edit deletes them are left out.
    _EFFECTIVE = """
        SELECT e.table_name, e.id, e.data, e.state, e.version, e.server_data FROM (
            SELECT r.table_name, r.id, COALESCE(o.data, r.data) AS data,
                   COALESCE(o.state, 'synced') AS state, r.version, r.data AS server_data,
                   COALESCE(o.deleted, 0) AS deleted,
                   COALESCE(o.start_ts, r.start_ts) AS start_ts,
                   COALESCE(o.end_ts, r.end_ts) AS end_ts
            FROM rows r LEFT JOIN overlay o ON o.table_name = r.table_name AND o.id = r.id
            UNION ALL
            SELECT o.table_name, o.id, o.data, o.state, NULL, NULL, o.deleted, o.start_ts, o.end_ts
            FROM overlay o WHERE NOT EXISTS (
                SELECT 1 FROM rows r WHERE r.table_name = o.table_name AND r.id = o.id)
        ) AS e WHERE e.deleted = 0
    """

    @staticmethod
    def _row(found: tuple[Any, ...]) -> ReplicaRow:
        table, row_id, data, state, version, server_data = found
        return ReplicaRow(table=table, id=row_id, data=json.loads(data), state=state,
                          version=version,
                          server_data=json.loads(server_data) if server_data else None)

    # -- the outbox ------------------------------------------------------------------------

    def record_edit(self, table: str, op: Op, *, data: Mapping[str, Any] | None = None,
                    row_id: str | uuid.UUID | None = None,
                    base_version: int | None = None) -> OutboxEntry:
        """Queue a local edit and show it at once (one durable transaction; when this returns,
        the edit survives a crash).

        ``insert``: ``data`` is the REST create body; ``row_id`` may be omitted (a new UUID is
        chosen and returned in the entry). ``update``: ``data`` holds only the changed fields.
        ``delete``: a lesson is cancelled (``data`` may give ``{"reason": …}``); other rows are
        removed. ``base_version`` defaults to the version of the row last pulled."""
        if table not in PUSHABLE_TABLES:
            raise ValueError(f"{table} cannot be edited on the desktop "
                             f"(only {', '.join(sorted(PUSHABLE_TABLES))})")
        if op not in ("insert", "update", "delete"):
            raise ValueError(f"unknown operation {op!r}: insert, update or delete")
        if op != "insert" and row_id is None:
            raise ValueError(f"an {op} needs the row_id of the row it changes")
        row_id = str(row_id or uuid.uuid4())
        payload = {key: value for key, value in (data or {}).items() if key not in ("id", "version")}
        created_at = self._clock()
        mutation_id = str(uuid.uuid4())
        with self._transaction() as db:
            if base_version is None and op != "insert":
                stored = db.execute("SELECT version FROM rows WHERE table_name = ? AND id = ?",
                                    (table, row_id)).fetchone()
                base_version = stored[0] if stored else None
            cursor = db.execute(
                "INSERT INTO outbox (mutation_id, table_name, op, row_id, base_version, data,"
                " created_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')",
                (mutation_id, table, op, row_id, base_version, _dumps(payload),
                 _utc_text(created_at)))
            self._rebuild_overlay(db, table, row_id)
            seq = cursor.lastrowid
        return OutboxEntry(seq=seq, mutation_id=mutation_id, table=table, op=op, row_id=row_id,
                           base_version=base_version, data=payload, created_at=created_at,
                           state="pending")

    def outbox(self, *states: EditState) -> list[OutboxEntry]:
        """The outbox in the order the edits were made; only the given states if any."""
        query = "SELECT * FROM outbox"
        if states:
            query += f" WHERE state IN ({','.join('?' * len(states))})"
        with self._reading() as db:
            found = db.execute(query + " ORDER BY seq", states).fetchall()
        return [self._entry(row) for row in found]

    def entry(self, mutation_id: str) -> OutboxEntry | None:
        with self._reading() as db:
            found = db.execute("SELECT * FROM outbox WHERE mutation_id = ?",
                               (str(mutation_id),)).fetchone()
        return self._entry(found) if found else None

    def pushable(self, limit: int = 200) -> list[OutboxEntry]:
        """Pending edits to send now: per row only the first unsent edit, and none for a row that
        has an earlier edit in conflict or rejected (later edits were made on top of it)."""
        taken: set[tuple[str, str]] = set()
        batch = []
        for entry in self.outbox():
            key = (entry.table, entry.row_id)
            if key in taken:
                continue
            taken.add(key)
            if entry.state == "pending":
                batch.append(entry)
                if len(batch) >= limit:
                    break
        return batch

    def counts(self) -> OutboxCounts:
        with self._reading() as db:
            found = dict(db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall())
        return OutboxCounts(pending=found.get("pending", 0), conflict=found.get("conflict", 0),
                            rejected=found.get("rejected", 0))

    def mark_applied(self, mutation_id: str, row: Mapping[str, Any] | None) -> Changes:
        """The service applied the edit: ``row`` (its answer) becomes the server row, the edit
        leaves the outbox, and later edits of the row are rebased on the new version."""
        with self._transaction() as db:
            entry = self._entry_in(db, mutation_id)
            if entry is None:
                return Changes()
            db.execute("DELETE FROM outbox WHERE mutation_id = ?", (entry.mutation_id,))
            if row is not None:
                self._store_answered_row(db, entry.table, entry.row_id, row)
                db.execute("UPDATE outbox SET base_version = ? WHERE table_name = ? AND row_id = ?"
                           " AND state = 'pending'", (row.get("version"), entry.table, entry.row_id))
            self._rebuild_overlay(db, entry.table, entry.row_id)
        return Changes(frozenset({(entry.table, entry.row_id)}), outbox=True)

    def mark_conflict(self, mutation_id: str, server_row: Mapping[str, Any] | None,
                      error: Mapping[str, Any] | None) -> Changes:
        """Someone else changed the row: keep the edit, with the server's row, for a choice."""
        with self._transaction() as db:
            entry = self._entry_in(db, mutation_id)
            if entry is None:
                return Changes()
            if server_row is not None:
                self._store_answered_row(db, entry.table, entry.row_id, server_row)
            db.execute("UPDATE outbox SET state = 'conflict', answer = ? WHERE mutation_id = ?",
                       (_dumps({"error": error, "server_row": server_row}), entry.mutation_id))
            self._rebuild_overlay(db, entry.table, entry.row_id)
        return Changes(frozenset({(entry.table, entry.row_id)}), outbox=True)

    def mark_rejected(self, mutation_id: str, error: Mapping[str, Any] | None) -> Changes:
        """The service refused the edit: keep it with the reason, for the person to fix or drop."""
        with self._transaction() as db:
            entry = self._entry_in(db, mutation_id)
            if entry is None:
                return Changes()
            db.execute("UPDATE outbox SET state = 'rejected', answer = ? WHERE mutation_id = ?",
                       (_dumps({"error": error}), entry.mutation_id))
            self._rebuild_overlay(db, entry.table, entry.row_id)
        return Changes(frozenset({(entry.table, entry.row_id)}), outbox=True)

    def resolve_conflict(self, mutation_id: str,
                         keep: Literal["mine", "theirs"]) -> OutboxEntry | None:
        """``theirs``: drop the local edit (the server's row stands). ``mine``: send the edit again
        on top of the server's current version, as a new mutation (the service remembers its
        answer to the old id); returns that entry."""
        if keep not in ("mine", "theirs"):
            raise ValueError(f'keep must be "mine" or "theirs", not {keep!r}')
        with self._transaction() as db:
            entry = self._entry_in(db, mutation_id)
            if entry is None or entry.state != "conflict":
                raise ValueError(f"edit {mutation_id} is not in conflict")
            if keep == "theirs":
                db.execute("DELETE FROM outbox WHERE mutation_id = ?", (entry.mutation_id,))
                self._rebuild_overlay(db, entry.table, entry.row_id)
                return None
            server_row = entry.server_row or {}
            version = server_row.get("version")
            if version is None:
                found = db.execute("SELECT version FROM rows WHERE table_name = ? AND id = ?",
                                   (entry.table, entry.row_id)).fetchone()
                version = found[0] if found else entry.base_version
            renewed = str(uuid.uuid4())
            db.execute("UPDATE outbox SET mutation_id = ?, base_version = ?, state = 'pending',"
                       " answer = NULL WHERE mutation_id = ?",
                       (renewed, version, entry.mutation_id))
            self._rebuild_overlay(db, entry.table, entry.row_id)
            return self._entry_in(db, renewed)

    def amend_edit(self, mutation_id: str, data: Mapping[str, Any]) -> OutboxEntry:
        """Change a rejected or conflicting edit (``data`` merged into it) and queue it again as a
        new mutation — e.g. a refused booking moved to a free time."""
        with self._transaction() as db:
            entry = self._entry_in(db, mutation_id)
            if entry is None:
                raise ValueError(f"edit {mutation_id} is not in the outbox")
            merged = entry.data | {k: v for k, v in data.items() if k not in ("id", "version")}
            renewed = str(uuid.uuid4())
            db.execute("UPDATE outbox SET mutation_id = ?, data = ?, state = 'pending', answer = NULL"
                       " WHERE mutation_id = ?", (renewed, _dumps(merged), entry.mutation_id))
            self._rebuild_overlay(db, entry.table, entry.row_id)
            amended = self._entry_in(db, renewed)
        assert amended is not None
        return amended

    def discard_edit(self, mutation_id: str) -> Changes:
        """Drop an unsent, refused or conflicting edit; the row shows the server's version again."""
        with self._transaction() as db:
            entry = self._entry_in(db, mutation_id)
            if entry is None:
                return Changes()
            db.execute("DELETE FROM outbox WHERE mutation_id = ?", (entry.mutation_id,))
            self._rebuild_overlay(db, entry.table, entry.row_id)
        return Changes(frozenset({(entry.table, entry.row_id)}), outbox=True)

    # -- outbox internals ------------------------------------------------------------------

    def _entry_in(self, db: sqlite3.Connection, mutation_id: str) -> OutboxEntry | None:
        found = db.execute("SELECT * FROM outbox WHERE mutation_id = ?",
                           (str(mutation_id),)).fetchone()
        return self._entry(found) if found else None

    @staticmethod
    def _entry(found: tuple[Any, ...]) -> OutboxEntry:
        (seq, mutation_id, table, op, row_id, base_version, data, created_at, state,
         answer) = found
        return OutboxEntry(seq=seq, mutation_id=mutation_id, table=table, op=op, row_id=row_id,
                           base_version=base_version, data=json.loads(data),
                           created_at=datetime.fromisoformat(created_at), state=state,
                           answer=json.loads(answer) if answer else None)

    @staticmethod
    def _has_edits(db: sqlite3.Connection, table: str, row_id: str) -> bool:
        return db.execute("SELECT 1 FROM outbox WHERE table_name = ? AND row_id = ? LIMIT 1",
                          (table, row_id)).fetchone() is not None

    def _store_answered_row(self, db: sqlite3.Connection, table: str, row_id: str,
                            row: Mapping[str, Any]) -> None:
        """A row a push answered with; pulled later too, so only newer than what is stored."""
        if "version" in row and "server_seq" in row:
            self._store_server_row(db, table, row_id, version=row["version"],
                                   server_seq=row["server_seq"],
                                   deleted=row.get("deleted_at") is not None, data=dict(row))

    def _rebuild_overlay(self, db: sqlite3.Connection, table: str, row_id: str) -> None:
        """The row as seen = the server row with every outbox edit of it applied, in order."""
        edits = [self._entry(found) for found in db.execute(
            "SELECT * FROM outbox WHERE table_name = ? AND row_id = ? ORDER BY seq",
            (table, row_id))]
        if not edits:
            db.execute("DELETE FROM overlay WHERE table_name = ? AND id = ?", (table, row_id))
            return
        server = db.execute("SELECT data FROM rows WHERE table_name = ? AND id = ?",
                            (table, row_id)).fetchone()
        data: dict[str, Any] = json.loads(server[0]) if server else {}
        deleted = False
        for edit in edits:
            if edit.op == "insert":
                data = data | edit.data | {"id": row_id}
                if table == "flights":
                    data.setdefault("status", "SCHEDULED")
            elif edit.op == "update":
                data = data | edit.data
            elif table == "flights":  # a lesson is cancelled, never removed
                data = data | {"status": "CANCELLED"}
            else:
                deleted = True
        state = max((edit.state for edit in edits), key=_STATE_RANK.__getitem__)
        start, end = _times(data) if table == "flights" else (None, None)
        db.execute(
            "INSERT INTO overlay (table_name, id, data, deleted, state, start_ts, end_ts)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (table_name, id) DO UPDATE SET"
            " data = excluded.data, deleted = excluded.deleted, state = excluded.state,"
            " start_ts = excluded.start_ts, end_ts = excluded.end_ts",
            (table, row_id, _dumps(data), int(deleted), state, start, end))

