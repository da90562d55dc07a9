"""A fresh SQLite database from the migrations' snapshot (``sync.database.sqlite_head``) is the
database the migrations make: the same schema dump, the same rows, at the head revision — and a
snapshot of other migrations is never used."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from sync.database import migrations, sqlite_head
from sync.database.session import create_engine_for


def _dump(path: Path) -> dict:
    with closing(sqlite3.connect(path)) as connection:
        return sqlite_head.dump(connection)


def _items(body: str) -> list[str]:
    """A CREATE TABLE's column definitions and constraints: split at its top-level commas."""
    items, depth, quote, current = [], 0, "", []
    for char in body:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            items.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    items.append("".join(current).strip())
    return items


def _schema(dump: dict) -> dict:
    """A dump as a schema, whatever order the migrations happened to write it in (Alembic's batch
    mode rebuilds tables and their indexes from sets): per statement, a table's columns in their
    order and its constraints as a set; the statements as a set."""
    schema = set()
    for statement in dump["statements"]:
        head, _, rest = statement.partition("(")
        if head.startswith("CREATE TABLE"):
            items = _items(rest.rstrip()[:-1])
            columns = tuple(item for item in items if not item.startswith(
                ("CONSTRAINT", "PRIMARY KEY", "UNIQUE", "CHECK", "FOREIGN KEY")))
            constraints = frozenset(items) - frozenset(columns)
            schema.add((head.replace('"', "").strip(), columns, constraints))
        else:
            schema.add((statement, (), frozenset()))
    return {"schema": schema, "rows": dump["rows"]}


def test_the_stored_snapshot_is_of_these_migrations() -> None:
    stored = sqlite_head.snapshot()
    assert stored is not None, "run `python -m sync.database.sqlite_head`"
    assert stored["revisions_sha256"] == sqlite_head.revisions_digest(), (
        "the migrations changed since sync/migrations/sqlite_head.json was made: run "
        "`python -m sync.database.sqlite_head` (until then a fresh demo runs the migrations)")


def test_the_snapshot_makes_the_database_the_migrations_make(tmp_path: Path) -> None:
    migrated, made = tmp_path / "migrated.sqlite3", tmp_path / "made.sqlite3"
    migrations.upgrade(f"sqlite:///{migrated}")

    assert sqlite_head.create(made)

    expected = _schema(_dump(migrated))
    assert _schema(_dump(made)) == expected
    # Not an empty comparison: every table of the models, the counter row, the head revision.
    assert len(expected["schema"]) == len(_dump(migrated)["statements"]) > 20
    assert expected["rows"] == {"alembic_version": [[migrations.head_revision()]],
                                "sync_counter": [[1, 0]]}
    engine = create_engine_for(f"sqlite:///{made}")
    try:
        migrations.ensure_current(engine)  # the service accepts it as it is
    finally:
        engine.dispose()
    assert migrations.upgrade(f"sqlite:///{made}") == migrations.head_revision()
    assert _schema(_dump(made)) == expected  # and the migrations find nothing left to do


def test_a_snapshot_of_other_migrations_is_not_used(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    shutil.copytree(sqlite_head.VERSIONS_FOLDER, versions,
                    ignore=shutil.ignore_patterns("__pycache__"))
    snapshot = tmp_path / "sqlite_head.json"
    sqlite_head.write_snapshot(snapshot, versions=versions)
    target = tmp_path / "demo.sqlite3"
    assert sqlite_head.create(target, snapshot_file=snapshot, versions=versions)

    # A revision added (or one changed) after the snapshot was made: the caller migrates.
    (versions / "2099_01_01_9999_later.py").write_text('revision = "9999"\n')
    other = tmp_path / "other.sqlite3"
    assert not sqlite_head.create(other, snapshot_file=snapshot, versions=versions)
    assert not other.exists()
    assert not sqlite_head.create(other, snapshot_file=tmp_path / "missing.json",
                                  versions=sqlite_head.VERSIONS_FOLDER)


def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "demo.sqlite3"
    target.write_bytes(b"someone's data")
    with pytest.raises(FileExistsError):
        sqlite_head.create(target)
    assert target.read_bytes() == b"someone's data"
