"""A fresh SQLite database at the newest schema in one go: the migrations' result, replayed.

Running the migrations one by one on an empty file (Alembic, its environment, batch-mode table
copies) costs most of a second; a fresh demo database pays it before anything can be shown.
``sync/migrations/sqlite_head.json`` holds what the migrations leave in an empty SQLite file —
every ``CREATE`` statement as SQLite recorded it, in order, and the rows they insert (the
``sync_counter`` row, ``alembic_version``) — so ``create`` makes the very same database by
executing them: the same tables, columns, constraints and indexes, the same rows
(``tests/sync/database/test_sqlite_head.py`` compares the two dumps; the migrations themselves
write a table's constraints and its indexes in an order that varies from run to run — Alembic's
batch mode rebuilds tables from sets — so the test compares those as sets).

The file names the migrations it was made from by a digest of the revision files. When they
change (a new revision, an edited one), ``create`` says so by returning False and the caller
runs the migrations as before; ``python -m sync.database.sqlite_head`` makes the file again.

No Alembic and no models here: only the standard library, so it costs nothing to import.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path
from typing import Any

__all__ = ["SNAPSHOT_FILE", "VERSIONS_FOLDER", "create", "dump", "revisions_digest", "snapshot",
           "write_snapshot"]

_MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
VERSIONS_FOLDER = _MIGRATIONS / "versions"
SNAPSHOT_FILE = _MIGRATIONS / "sqlite_head.json"
# The rows the migrations write themselves; every other table is empty in a fresh database.
_DATA_TABLES = ("alembic_version", "sync_counter")


def revisions_digest(versions: Path = VERSIONS_FOLDER) -> str:
    """SHA-256 of the revision files (names and contents, line endings as in git)."""
    digest = hashlib.sha256()
    for path in sorted(versions.glob("*.py")):
        if path.name == "__init__.py":
            continue
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes().replace(b"\r\n", b"\n") + b"\0")
    return digest.hexdigest()


def dump(connection: sqlite3.Connection) -> dict[str, Any]:
    """A database's schema and the rows of the migrations' own tables: ``statements`` (each
    ``CREATE`` as SQLite keeps it, in the order they were made) and ``rows`` per table."""
    statements = [sql for (sql,) in connection.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid")]
    tables = {name for (name,) in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    rows = {table: [list(row) for row in connection.execute(
                f'SELECT * FROM "{table}" ORDER BY 1')]  # noqa: S608 (our own table names)
            for table in _DATA_TABLES if table in tables}
    return {"statements": statements, "rows": rows}


def snapshot(path: Path = SNAPSHOT_FILE) -> dict[str, Any] | None:
    """The stored snapshot, or None when there is none (or it cannot be read)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def create(database: Path, *, snapshot_file: Path = SNAPSHOT_FILE,
           versions: Path = VERSIONS_FOLDER) -> bool:
    """Make ``database`` (a path that does not exist yet) at the newest schema from the snapshot,
    in one transaction; False — and nothing made — when the snapshot is missing or was made from
    other migrations than these (run the migrations instead)."""
    stored = snapshot(snapshot_file)
    if stored is None or stored.get("revisions_sha256") != revisions_digest(versions):
        return False
    if database.exists():
        raise FileExistsError(f"{database} already exists")
    database.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(database, isolation_level=None)) as connection:
        connection.execute("BEGIN")
        for statement in stored["statements"]:
            connection.execute(statement)
        for table, rows in stored["rows"].items():
            for row in rows:
                marks = ", ".join("?" * len(row))
                connection.execute(f'INSERT INTO "{table}" VALUES ({marks})', row)  # noqa: S608
        connection.execute("COMMIT")
    return True


def write_snapshot(path: Path = SNAPSHOT_FILE, *, versions: Path = VERSIONS_FOLDER) -> Path:
    """Run the migrations on an empty SQLite file and store what they left (see the module
    docstring): after adding or changing a revision, run ``python -m sync.database.sqlite_head``."""
    from sync.database import migrations

    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder) / "head.sqlite3"
        migrations.upgrade(f"sqlite:///{scratch}")
        with closing(sqlite3.connect(scratch)) as connection:
            made = dump(connection)
    text = json.dumps({"revisions_sha256": revisions_digest(versions), **made}, indent=1,
                      ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    print(f"wrote {write_snapshot()}")
