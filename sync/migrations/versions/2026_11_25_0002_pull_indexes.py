"""pull indexes: (school_id, server_seq) on every table the desktops replicate

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 13:30:00.000000+00:00

``GET /sync/pull`` asks each replicated table for one school's rows after a cursor, in
``server_seq`` order; this index answers that with one range scan (``sync.replication.models``).
Runs on SQLite and PostgreSQL alike.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("students", "instructors", "aircraft", "flights", "weather_checks",
          "reschedule_requests", "reschedule_options")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(f"ix_{table}_school_id_server_seq", ["school_id", "server_seq"],
                                  unique=False)


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_school_id_server_seq")
