"""The one declarative base, the portable column types and the mixins every table builds on.

The same models must produce the same schema on SQLite (embedded) and PostgreSQL (servers), so
everything here is chosen to mean the same on both: UUIDs and UTC timestamps that round-trip
unchanged, enums stored as checked strings rather than native PostgreSQL enums (which SQLite
lacks, and whose new values cannot be used in the transaction that adds them), and named
constraints so migrations can refer to them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, MetaData, Uuid
from sqlalchemy import Enum as SAEnum
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

# Explicit names: Alembic can only alter or drop a constraint it can name, and SQLite's batch
# migrations recreate tables from these names. Kept short: PostgreSQL cuts names at 63 bytes.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is timezone-aware UTC going in and coming out, on every database.

    PostgreSQL stores ``timestamptz`` and hands back the session's zone; SQLite stores text and
    hands back naive values. Both are normalised here, and naive input is refused: a naive
    datetime in a scheduling system is a bug waiting for the next daylight-saving change.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware value (UTC)")
        value = value.astimezone(UTC)
        # SQLite's text format has no offset; storing UTC without it keeps values comparable.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# JSONB on PostgreSQL: comparable (DISTINCT, UNION work) and smaller; plain JSON text on SQLite.
JSONDocument = JSON().with_variant(JSONB(), "postgresql")


def enum_type(enum_class: type[Enum], name: str) -> SAEnum:
    """A string column restricted to the enum's values by a CHECK constraint, on both databases.

    Adding a member later needs a hand-written migration that recreates the CHECK constraint
    (``ck_<table>_<name>``): Alembic's autogenerate does not compare CHECK constraints.
    """
    return SAEnum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum_class) + 8,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


# Column order in CREATE TABLE (cosmetic, but it is what people read in a database browser):
# the id first, then the owning school, the model's own columns, and the bookkeeping last.
FIRST = -100
SECOND = -90
_LAST = 100


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime(),
        uuid.UUID: Uuid(as_uuid=True),
        dict[str, Any]: JSONDocument,
        list[Any]: JSONDocument,
    }


def uuid_primary_key() -> Mapped[uuid.UUID]:
    """A UUID primary key, generated in Python (uuid4) so a client may also generate it."""
    return mapped_column(primary_key=True, default=uuid.uuid4, sort_order=FIRST)


class TimestampMixin:
    """When a row was created and last changed (for people and audits, not for sync order)."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow, sort_order=_LAST + 10)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, sort_order=_LAST + 11)


class SyncedMixin:
    """Rows the desktop replicates (ARCHITECTURE.md, "Sync between desktop and service").

    - ``id``: a UUID the desktop may generate itself (uuid4), so a row created offline keeps its
      identity when pushed.
    - ``version``: 1 on insert, +1 on every update, checked by SQLAlchemy in the UPDATE's WHERE
      clause, so a stale write fails instead of silently overwriting (see ``__mapper_args__``).
    - ``server_seq``: taken from one monotonic counter on every write (``sync.database.server_seq``);
      a client pulls the changes after the last one it saw.
    - ``deleted_at``: a tombstone; synced rows are never deleted, or clients could not learn of it.
    """

    id: Mapped[uuid.UUID] = uuid_primary_key()
    version: Mapped[int] = mapped_column(default=1, sort_order=_LAST)
    # 64-bit: the counter grows for the life of a deployment.
    server_seq: Mapped[int] = mapped_column(BigInteger, index=True, sort_order=_LAST + 1)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None, sort_order=_LAST + 2)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # SQLAlchemy's optimistic concurrency: sets version on insert and bumps it on each update.
        return {"version_id_col": cls.__table__.c.version}

    def tombstone(self, at: datetime | None = None) -> None:
        self.deleted_at = at or utcnow()

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
