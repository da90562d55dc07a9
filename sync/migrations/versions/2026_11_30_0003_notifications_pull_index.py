"""notifications pull index: (school_id, server_seq) now that desktops replicate notifications

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 21:30:00.000000+00:00

The desktop shows a mail that failed as an alert, so ``notifications`` joined the tables
``GET /sync/pull`` reads (``sync.replication.models.PULLED_MODELS``); like the others it gets the
index that answers "one school's rows after a cursor, in ``server_seq`` order" with one range
scan (see 0002). Runs on SQLite and PostgreSQL alike.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "notifications"


def upgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index(f"ix_{TABLE}_school_id_server_seq", ["school_id", "server_seq"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index(f"ix_{TABLE}_school_id_server_seq")
