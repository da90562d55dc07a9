"""booking policy, recurring lessons, check-out and check-in, cancellation kinds

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 13:00:00.000000+00:00

- ``schools.booking_policy``: the school's soft booking rules (block, warn or off) and their
  numbers (``sync.policy.models``); ``{}`` keeps every default;
- ``flights.acknowledged_warnings``: the warnings a lesson was booked over, and who accepted them;
- ``flights.series_id``: the weekly series a lesson was booked in (indexed: "this and following");
- ``flights.cancel_kind`` / ``cancel_reason`` / ``cancelled_at``: why and when a lesson was
  cancelled by hand (weather, student, no-show, school, other);
- ``flights`` check-out and check-in: ``checked_out_at``, Hobbs and tach out and in, the times
  actually flown, ``flown_hours`` and the remarks; meters never run backwards (CHECKs);
- ``aircraft.hobbs_hours`` / ``tach_hours``: the aircraft's meters, advanced by check-ins.

Lessons cancelled before this revision keep no kind (``cancel_kind`` NULL): nobody recorded one.

Runs on SQLite and PostgreSQL alike: table changes go through ``op.batch_alter_table``, which
SQLite needs (it cannot ALTER most things) and PostgreSQL runs as plain ALTER statements.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')
CANCEL_KIND = sa.Enum('weather', 'student', 'no_show', 'school', 'other', name='cancel_kind',
                      native_enum=False, create_constraint=True, length=15)


def upgrade() -> None:
    with op.batch_alter_table('aircraft', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hobbs_hours', sa.Double(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('tach_hours', sa.Double(), nullable=False, server_default='0'))
        batch_op.create_check_constraint('meters_not_negative', 'hobbs_hours >= 0 AND tach_hours >= 0')

    with op.batch_alter_table('flights', schema=None) as batch_op:
        batch_op.add_column(sa.Column('series_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('acknowledged_warnings', JSON, nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('cancel_kind', CANCEL_KIND, nullable=True))
        batch_op.add_column(sa.Column('cancel_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('checked_out_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('hobbs_out', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('tach_out', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('hobbs_in', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('tach_in', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('actual_start_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('actual_end_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('flown_hours', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('check_in_remarks', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_flights_series_id'), ['series_id'], unique=False)
        batch_op.create_check_constraint(
            'hobbs_in_not_below_out', 'hobbs_in IS NULL OR hobbs_out IS NULL OR hobbs_in >= hobbs_out')
        batch_op.create_check_constraint(
            'tach_in_not_below_out', 'tach_in IS NULL OR tach_out IS NULL OR tach_in >= tach_out')

    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.add_column(sa.Column('booking_policy', JSON, nullable=False, server_default='{}'))

    # The server defaults only filled the existing rows; the models give every new row its value.
    with op.batch_alter_table('aircraft', schema=None) as batch_op:
        batch_op.alter_column('hobbs_hours', server_default=None)
        batch_op.alter_column('tach_hours', server_default=None)
    with op.batch_alter_table('flights', schema=None) as batch_op:
        batch_op.alter_column('acknowledged_warnings', server_default=None)
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.alter_column('booking_policy', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.drop_column('booking_policy')

    with op.batch_alter_table('flights', schema=None) as batch_op:
        batch_op.drop_constraint('tach_in_not_below_out', type_='check')
        batch_op.drop_constraint('hobbs_in_not_below_out', type_='check')
        batch_op.drop_constraint('cancel_kind', type_='check')
        batch_op.drop_index(batch_op.f('ix_flights_series_id'))
        batch_op.drop_column('check_in_remarks')
        batch_op.drop_column('flown_hours')
        batch_op.drop_column('actual_end_at')
        batch_op.drop_column('actual_start_at')
        batch_op.drop_column('tach_in')
        batch_op.drop_column('hobbs_in')
        batch_op.drop_column('tach_out')
        batch_op.drop_column('hobbs_out')
        batch_op.drop_column('checked_out_at')
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('cancel_kind')
        batch_op.drop_column('acknowledged_warnings')
        batch_op.drop_column('series_id')

    with op.batch_alter_table('aircraft', schema=None) as batch_op:
        batch_op.drop_constraint('meters_not_negative', type_='check')
        batch_op.drop_column('tach_hours')
        batch_op.drop_column('hobbs_hours')
