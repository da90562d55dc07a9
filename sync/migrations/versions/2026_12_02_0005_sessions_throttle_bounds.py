"""sessions, sign-in throttling, password resets, per-school sweep figures, booking bounds

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 12:00:00.000000+00:00

What the service needed after it was attacked on purpose:

- ``accounts.version``: an admin's change names the version it was made on;
- ``accounts.sessions_revoked_at``: signing out everywhere, a password change or disabling an
  account refuses the access tokens issued before it (not only when they expire);
- ``refresh_tokens.family_started_at``: a session lives a fixed time from its sign-in, however
  often it is refreshed;
- ``password_resets``: one-time links (hashed) an admin has mailed to an account;
- ``login_attempts``: sign-in attempts in the database, so every process and every Lambda
  instance counts the same ones;
- ``sweep_runs.school_counts``: a sweep's figures per school, so a school sees only its own;
- ``schools.max_lesson_hours`` / ``booking_horizon_days``: how long a lesson and how far ahead a
  booking may be;
- an index on ``flights (school_id, end_at)``: the slot search finds bookings still running at the
  start of its window however long ago they started.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sessions_revoked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))

    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('family_started_at', sa.DateTime(timezone=True), nullable=True))

    op.create_table('password_resets',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('school_id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_password_resets_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_password_resets_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_resets')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_resets_token_hash'))
    )
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_resets_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_password_resets_school_id'), ['school_id'], unique=False)

    op.create_table('login_attempts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts'))
    )
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_attempts_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempts_client_at'), ['client', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempts_email_at'), ['email', 'at'], unique=False)

    with op.batch_alter_table('sweep_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('school_counts', JSON, nullable=False, server_default='{}'))

    with op.batch_alter_table('flights', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flights_school_id_end_at'), ['school_id', 'end_at'], unique=False)

    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_lesson_hours', sa.Integer(), nullable=False, server_default='12'))
        batch_op.add_column(sa.Column('booking_horizon_days', sa.Integer(), nullable=False, server_default='365'))
        batch_op.create_check_constraint(
            'booking_bounds_positive', 'max_lesson_hours > 0 AND booking_horizon_days > 0')

    # The server defaults only filled the existing rows; the models give every new row its value.
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.alter_column('version', server_default=None)
    with op.batch_alter_table('sweep_runs', schema=None) as batch_op:
        batch_op.alter_column('school_counts', server_default=None)
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.alter_column('max_lesson_hours', server_default=None)
        batch_op.alter_column('booking_horizon_days', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.drop_constraint('booking_bounds_positive', type_='check')
        batch_op.drop_column('booking_horizon_days')
        batch_op.drop_column('max_lesson_hours')

    with op.batch_alter_table('flights', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flights_school_id_end_at'))

    with op.batch_alter_table('sweep_runs', schema=None) as batch_op:
        batch_op.drop_column('school_counts')

    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempts_email_at'))
        batch_op.drop_index(batch_op.f('ix_login_attempts_client_at'))
        batch_op.drop_index(batch_op.f('ix_login_attempts_at'))
    op.drop_table('login_attempts')

    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_resets_school_id'))
        batch_op.drop_index(batch_op.f('ix_password_resets_account_id'))
    op.drop_table('password_resets')

    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.drop_column('family_started_at')

    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('sessions_revoked_at')
