"""The one monotonic counter behind ``server_seq``, and the flush hook that stamps every write.

Why a single counter row and not a database sequence: a desktop pulls "every change after the
last ``server_seq`` I saw". With a PostgreSQL SEQUENCE, transaction A could take 10, transaction
B take 11 and commit first; a pull between the two commits returns 11, the client's cursor moves
to 11, and A's change (10), committed a moment later, is never pulled. Here every writer runs
``UPDATE sync_counter SET value = value + n RETURNING value``: the updated row stays locked until
the writer commits or rolls back, so the next writer waits, then reads the committed value. Taking
numbers is therefore serialized with committing them: sequence order equals commit order, and no
committed change can ever appear behind a cursor a puller already passed. On SQLite writers are
serialized by the database lock anyway (see ``sync.database.session``: writers BEGIN IMMEDIATE).

The price is that writers of synced rows queue on one row lock from their first flush to their
commit; keep such transactions short (no network calls between a flush and the commit).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, event, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from sync.database.core import Base, SyncedMixin

COUNTER_ID = 1


class SyncCounter(Base):
    """Exactly one row (id 1), created by the first migration."""

    __tablename__ = "sync_counter"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger)


_TAKE = text("UPDATE sync_counter SET value = value + :count WHERE id = :id RETURNING value")


def next_server_seq(session: Session, count: int = 1) -> int:
    """Reserve ``count`` consecutive numbers and return the last; the first is ``last - count + 1``.

    Holds the counter's row lock until the session's transaction ends (see the module docstring).
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    last = session.execute(_TAKE, {"count": count, "id": COUNTER_ID}).scalar_one_or_none()
    if last is None:
        raise RuntimeError("the sync_counter row is missing: run `fsp-sync db upgrade`")
    return int(last)


class SyncedRowDeleted(Exception):
    """A synced row was deleted outright instead of being given a tombstone."""


@event.listens_for(Session, "before_flush")
def _stamp_synced_rows(session: Session, flush_context: Any, instances: Any) -> None:
    """Give every inserted or changed synced row a fresh ``server_seq``, one counter update per flush.

    Only ORM unit-of-work writes pass through here: bulk ``update()``/``insert()`` statements on
    synced tables would bypass it, so the service never uses them on those tables.
    """
    deleted = [row for row in session.deleted if isinstance(row, SyncedMixin)]
    if deleted:
        raise SyncedRowDeleted(
            f"{type(deleted[0]).__name__} rows are replicated and are never deleted: call "
            ".tombstone() so that desktops learn of the delete"
        )
    changed = [row for row in session.new if isinstance(row, SyncedMixin)]
    changed += [
        row
        for row in session.dirty
        if isinstance(row, SyncedMixin) and session.is_modified(row, include_collections=False)
    ]
    if not changed:
        return
    last = next_server_seq(session, len(changed))
    for offset, row in enumerate(changed):
        row.server_seq = last - len(changed) + 1 + offset
