"""flights indexes for the double-booking check: (student_id | instructor_id | aircraft_id, end_at)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 16:00:00.000000+00:00

Every booking checks that its student, instructor and aircraft are free; with every policy rule
checked it also reads their neighbouring lessons (turnaround, instruction hours, lessons a day).
Those questions are "this resource's lessons still to end after a moment", which these indexes
answer with one range scan each, instead of the school's whole calendar (booking stays fast in a
school with years of history, docs/benchmarks.md). Runs on SQLite and PostgreSQL alike.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "flights"
COLUMNS = ("student_id", "instructor_id", "aircraft_id")


def upgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.create_index(f"ix_{TABLE}_{column}_end_at", [column, "end_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        for column in reversed(COLUMNS):
            batch_op.drop_index(f"ix_{TABLE}_{column}_end_at")
