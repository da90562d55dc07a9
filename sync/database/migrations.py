"""Schema migrations: upgrade a database, read its revision, refuse to run on an old one."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from sync.database.session import create_engine_for, is_sqlite

SCRIPT_LOCATION = "sync:migrations"  # a package resource: works from an installed wheel too
UPGRADE_COMMAND = "fsp-sync db upgrade"


class DatabaseSchemaError(Exception):
    """The database's schema is not the one this version of the service was built for."""


class DatabaseBehind(DatabaseSchemaError):
    def __init__(self, current: str | None, needed: str) -> None:
        self.current = current
        self.needed = needed
        at = current if current is not None else "none (an empty database)"
        super().__init__(
            f"The database is at revision {at} but this version needs {needed}. "
            f"Run `{UPGRADE_COMMAND}`."
        )


class DatabaseAhead(DatabaseSchemaError):
    def __init__(self, current: str, needed: str) -> None:
        self.current = current
        self.needed = needed
        super().__init__(
            f"The database is at revision {current}, which this version does not know (it needs "
            f"{needed}): a newer version of FSP Dispatcher has upgraded it. Run that version or "
            "a newer one."
        )


class ForeignKeyViolations(DatabaseSchemaError):
    """A SQLite migration (run with foreign keys off) left rows pointing at nothing."""


def alembic_config(database_url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    # Date first so revision files sort in the order they were written: 2026_11_25_0001_initial.py
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    config.set_main_option("timezone", "UTC")
    # Passed as an attribute, not an option: config options interpolate "%", which passwords contain.
    config.attributes["database_url"] = database_url
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise DatabaseSchemaError("the migration history is empty")
    return head


def upgrade(database_url: str, revision: str = "head") -> str:
    """Bring the database to ``revision`` (default: the newest); returns the revision reached."""
    command.upgrade(alembic_config(database_url), revision)
    engine = create_engine_for(database_url, pooled=False)
    try:
        with engine.connect() as connection:
            if is_sqlite(database_url):
                _check_foreign_keys(connection)
            reached = current_revision(connection)
    finally:
        engine.dispose()
    return reached or "base"


def _check_foreign_keys(connection: Connection) -> None:
    violations = connection.execute(text("PRAGMA foreign_key_check")).all()
    if violations:
        tables = sorted({row[0] for row in violations})
        raise ForeignKeyViolations(
            f"after the migration, {len(violations)} rows in {', '.join(tables)} refer to rows "
            "that do not exist; restore the backup taken before the upgrade and report this"
        )


def current_revision(bind: Engine | Connection) -> str | None:
    """The database's revision, or None for a database that was never migrated."""
    if isinstance(bind, Engine):
        with bind.connect() as connection:
            return current_revision(connection)
    return MigrationContext.configure(bind).get_current_revision()


def ensure_current(engine: Engine) -> None:
    """Refuse to run on a database that is not exactly at this version's head revision."""
    needed = head_revision()
    current = current_revision(engine)
    if current == needed:
        return
    known = {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if current is not None and current not in known:
        raise DatabaseAhead(current, needed)
    raise DatabaseBehind(current, needed)


def create_revision(message: str, *, versions_folder: Path | None = None) -> Path:
    """Autogenerate a revision from the models (for developers: ``fsp-sync db revision``).

    Compares the models with a scratch SQLite database at the current head, so no server is
    needed; the result still has to be read, and run on PostgreSQL by the schema tests.

    ``versions_folder``: read the history from, and write the new file into, this folder instead
    of the package's ``sync/migrations/versions`` — tests pass a copy, so that a test can never
    add a file to the source tree.
    """
    config = alembic_config()
    if versions_folder is not None:
        config.set_main_option("path_separator", "os")
        config.set_main_option("version_locations", str(versions_folder))
    script_directory = ScriptDirectory.from_config(config)
    numbers = [int(rev) for rev in (s.revision for s in script_directory.walk_revisions())
               if re.fullmatch(r"\d{4}", rev)]
    rev_id = f"{max(numbers, default=0) + 1:04d}"
    with tempfile.TemporaryDirectory() as folder:
        scratch_url = f"sqlite:///{Path(folder) / 'scratch.sqlite3'}"
        upgrade(scratch_url)
        config.attributes["database_url"] = scratch_url
        config.attributes["autogenerate"] = True
        script = command.revision(config, message=message, autogenerate=True, rev_id=rev_id,
                                  version_path=str(versions_folder) if versions_folder else None)
    if script is None or isinstance(script, list):
        raise DatabaseSchemaError("the models match the migrations: there is nothing to generate")
    return Path(script.path)
