"""The one migration history builds the models' schema on SQLite and PostgreSQL, and the service
refuses a database whose schema is not the one it was built for."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

import sync.migrations
from sync.database import migrations
from sync.database.models import metadata
from sync.database.session import create_engine_for


@pytest.fixture
def empty_engine(empty_database_url: str):
    engine = create_engine_for(empty_database_url)
    yield engine
    engine.dispose()


def test_upgrade_creates_every_table_and_the_counter_row(empty_database_url, empty_engine):
    reached = migrations.upgrade(empty_database_url)

    assert reached == migrations.head_revision()
    tables = set(inspect(empty_engine).get_table_names())
    assert set(metadata.tables) <= tables
    with empty_engine.connect() as connection:
        assert connection.execute(text("SELECT id, value FROM sync_counter")).all() == [(1, 0)]


def test_upgrade_again_changes_nothing(empty_database_url, empty_engine):
    migrations.upgrade(empty_database_url)
    migrations.upgrade(empty_database_url)

    assert migrations.current_revision(empty_engine) == migrations.head_revision()
    with empty_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM sync_counter")).scalar_one() == 1


def test_migrated_schema_matches_the_models(engine: Engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)

    assert differences == [], "models and migrations differ: run `fsp-sync db revision -m …`"


def test_ensure_current_accepts_a_database_at_head(engine: Engine):
    migrations.ensure_current(engine)


def test_ensure_current_refuses_an_empty_database(empty_engine):
    with pytest.raises(migrations.DatabaseBehind) as raised:
        migrations.ensure_current(empty_engine)

    head = migrations.head_revision()
    assert str(raised.value) == (
        f"The database is at revision none (an empty database) but this version needs {head}. "
        "Run `fsp-sync db upgrade`."
    )


def test_ensure_current_refuses_a_database_behind(engine: Engine, monkeypatch):
    # Pretend this version has a newer revision than the one the database is at.
    current = migrations.head_revision()
    monkeypatch.setattr(migrations, "head_revision", lambda: "9998")

    with pytest.raises(migrations.DatabaseBehind) as raised:
        migrations.ensure_current(engine)

    assert str(raised.value) == (
        f"The database is at revision {current} but this version needs 9998. "
        "Run `fsp-sync db upgrade`."
    )


def test_ensure_current_refuses_a_database_from_a_newer_version(empty_database_url, empty_engine):
    migrations.upgrade(empty_database_url)
    with empty_engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))

    with pytest.raises(migrations.DatabaseAhead, match="revision 9999, which this version does not know"):
        migrations.ensure_current(empty_engine)


def test_revision_generation_writes_nothing_when_models_and_history_agree(tmp_path):
    # A copy of the history: were the models ahead of it, the new file lands here, not in sync/.
    versions = tmp_path / "versions"
    shutil.copytree(Path(sync.migrations.__file__).parent / "versions", versions,
                    ignore=shutil.ignore_patterns("__pycache__"))
    before = sorted(path.name for path in versions.iterdir())

    with pytest.raises(migrations.DatabaseSchemaError, match="nothing to generate"):
        migrations.create_revision("no changes", versions_folder=versions)
    assert sorted(path.name for path in versions.iterdir()) == before


def test_the_second_waves_revisions_go_down_and_up_again(empty_database_url, empty_engine):
    """0005, 0006 and 0007 undo cleanly (a release can be rolled back) and apply again."""
    from alembic import command

    migrations.upgrade(empty_database_url)
    command.downgrade(migrations.alembic_config(empty_database_url), "0004")
    assert migrations.current_revision(empty_engine) == "0004"
    assert "login_attempts" not in inspect(empty_engine).get_table_names()

    assert migrations.upgrade(empty_database_url) == migrations.head_revision()
