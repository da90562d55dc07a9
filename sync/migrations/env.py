"""Alembic's environment, driven by ``sync.database.migrations`` (there is no alembic.ini)."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from sync.database.models import metadata
from sync.database.session import create_engine_for

config = context.config


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write our column types into revision files as plain SQLAlchemy types.

    A revision file must keep meaning the same schema after the application's classes change;
    ``UTCDateTime`` is a Python-side conversion over ``DateTime(timezone=True)``.
    """
    from sqlalchemy import JSON

    from sync.database.core import UTCDateTime

    if type_ != "type":
        return False
    if isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, JSON) and "postgresql" in getattr(obj, "_variant_mapping", {}):
        # Alembic's own rendering of this variant refers to a ``Text`` it never imports.
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')"
    return False


def skip_empty_revisions(migration_context: Any, revision: Any, directives: list[Any]) -> None:
    """Autogenerate writes no file when the models and the migrations already agree."""
    if getattr(config.cmd_opts, "autogenerate", False) or config.attributes.get("autogenerate"):
        script = directives[0]
        if script.upgrade_ops.is_empty():
            directives[:] = []


def _configure(**options: Any) -> None:
    context.configure(
        target_metadata=metadata,
        compare_type=True,
        # Every generated revision uses batch operations so the one history runs on SQLite too.
        render_as_batch=True,
        render_item=render_item,
        process_revision_directives=skip_empty_revisions,
        **options,
    )


def run_migrations_offline() -> None:
    """Emit SQL instead of running it (``alembic upgrade --sql``), for a DBA to review."""
    _configure(url=config.attributes["database_url"], literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def _run_on(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    # Foreign keys off on SQLite: batch mode copies and drops tables (see create_engine_for).
    engine = create_engine_for(
        config.attributes["database_url"], enforce_foreign_keys=False, pooled=False
    )
    try:
        with engine.connect() as connection:
            _run_on(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
