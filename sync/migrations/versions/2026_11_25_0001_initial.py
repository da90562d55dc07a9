"""initial: every table of the service, and the sync counter's one row

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 12:55:51.041930+00:00

Runs on SQLite and PostgreSQL alike: table changes go through ``op.batch_alter_table``, which
SQLite needs (it cannot ALTER most things) and PostgreSQL runs as plain ALTER statements.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('schools',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('home_airport', sa.String(length=4), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('operating_hours', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('minimums', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('decision_window_hours', sa.Integer(), nullable=False),
    sa.Column('margin_visibility_sm', sa.Double(), nullable=False),
    sa.Column('margin_ceiling_ft', sa.Integer(), nullable=False),
    sa.Column('margin_wind_kt', sa.Integer(), nullable=False),
    sa.Column('reschedule_horizon_days', sa.Integer(), nullable=False),
    sa.Column('reschedule_option_count', sa.Integer(), nullable=False),
    sa.Column('reschedule_reply_hours', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('server_seq', sa.BigInteger(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('decision_window_hours > 0', name=op.f('ck_schools_decision_window_positive')),
    sa.CheckConstraint('margin_visibility_sm >= 0 AND margin_ceiling_ft >= 0 AND margin_wind_kt >= 0', name=op.f('ck_schools_margins_not_negative')),
    sa.CheckConstraint('reschedule_horizon_days > 0 AND reschedule_option_count > 0 AND reschedule_reply_hours > 0', name=op.f('ck_schools_reschedule_settings_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schools'))
    )
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_schools_server_seq'), ['server_seq'], unique=False)

    op.create_table('sweep_runs',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('counts', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('errors', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sweep_runs'))
    )
    with op.batch_alter_table('sweep_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sweep_runs_started_at'), ['started_at'], unique=False)

    op.create_table('sync_counter',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_sync_counter_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_counter'))
    )
    # The counter's single row (sync.database.server_seq): the first write takes 1.
    op.execute("INSERT INTO sync_counter (id, value) VALUES (1, 0)")
    op.create_table('accounts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('school_id', sa.Uuid(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.Enum('admin', 'dispatcher', 'instructor', 'student', name='account_role', native_enum=False, create_constraint=True, length=18), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_accounts_email_lowercase')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_accounts_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('email', name=op.f('uq_accounts_email'))
    )
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accounts_school_id'), ['school_id'], unique=False)

    op.create_table('aircraft',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('school_id', sa.Uuid(), nullable=False),
    sa.Column('tail_number', sa.String(length=10), nullable=False),
    sa.Column('model', sa.String(length=60), nullable=False),
    sa.Column('home_airport', sa.String(length=4), nullable=False),
    sa.Column('max_crosswind_kt', sa.Integer(), nullable=False),
    sa.Column('in_service', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('server_seq', sa.BigInteger(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('max_crosswind_kt > 0', name=op.f('ck_aircraft_max_crosswind_positive')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_aircraft_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aircraft')),
    sa.UniqueConstraint('school_id', 'tail_number', name=op.f('uq_aircraft_school_id_tail_number'))
    )
    with op.batch_alter_table('aircraft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aircraft_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_aircraft_server_seq'), ['server_seq'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('school_id', sa.Uuid(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_account_id', sa.Uuid(), nullable=True),
    sa.Column('actor', sa.String(length=320), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('table_name', sa.String(length=64), nullable=False),
    sa.Column('row_id', sa.Uuid(), nullable=True),
    sa.Column('before', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True),
    sa.Column('after', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True),
    sa.ForeignKeyConstraint(['actor_account_id'], ['accounts.id'], name=op.f('fk_audit_events_actor_account_id_accounts')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_audit_events_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_school_id_at'), ['school_id', 'at'], unique=False)

    op.create_table('instructors',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('school_id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('ratings', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('availability', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('availability_exceptions', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('server_seq', sa.BigInteger(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_instructors_account_id_accounts')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_instructors_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instructors')),
    sa.UniqueConstraint('account_id', name=op.f('uq_instructors_account_id'))
    )
    with op.batch_alter_table('instructors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instructors_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_instructors_server_seq'), ['server_seq'], unique=False)

    op.create_table('refresh_tokens',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('family_id', sa.Uuid(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rotated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_refresh_tokens_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refresh_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_refresh_tokens_token_hash'))
    )
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refresh_tokens_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refresh_tokens_family_id'), ['family_id'], unique=False)

    op.create_table('students',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('school_id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('training_level', sa.Enum('EARLY_STUDENT', 'PRIVATE_PILOT', 'INSTRUMENT_RATED', name='training_level', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('night_trained', sa.Boolean(), nullable=False),
    sa.Column('availability', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('availability_exceptions', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('personal_minimums', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('server_seq', sa.BigInteger(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_students_account_id_accounts')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_students_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_students')),
    sa.UniqueConstraint('account_id', name=op.f('uq_students_account_id'))
    )
    with op.batch_alter_table('students', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_students_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_students_server_seq'), ['server_seq'], unique=False)

    op.create_table('sync_mutations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('school_id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('mutation_id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('result', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_sync_mutations_account_id_accounts')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_sync_mutations_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_mutations')),
    sa.UniqueConstraint('mutation_id', name=op.f('uq_sync_mutations_mutation_id'))
    )
    with op.batch_alter_table('sync_mutations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_mutations_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sync_mutations_school_id'), ['school_id'], unique=False)

    op.create_table('flights',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('school_id', sa.Uuid(), nullable=False),
    sa.Column('student_id', sa.Uuid(), nullable=False),
    sa.Column('instructor_id', sa.Uuid(), nullable=True),
    sa.Column('aircraft_id', sa.Uuid(), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('departure', sa.String(length=4), nullable=False),
    sa.Column('destination', sa.String(length=4), nullable=True),
    sa.Column('route_points', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('flight_type', sa.Enum('DUAL', 'SOLO', 'CROSS_COUNTRY', 'INSTRUMENT', name='flight_type', native_enum=False, create_constraint=True, length=21), nullable=False),
    sa.Column('status', sa.Enum('SCHEDULED', 'AT_RISK', 'WEATHER_CANCELLED', 'RESCHEDULED', 'COMPLETED', 'CANCELLED', name='flight_status', native_enum=False, create_constraint=True, length=25), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('rescheduled_from_id', sa.Uuid(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('server_seq', sa.BigInteger(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("instructor_id IS NOT NULL OR flight_type = 'SOLO'", name=op.f('ck_flights_instructor_unless_solo')),
    sa.CheckConstraint('end_at > start_at', name=op.f('ck_flights_ends_after_start')),
    sa.ForeignKeyConstraint(['aircraft_id'], ['aircraft.id'], name=op.f('fk_flights_aircraft_id_aircraft')),
    sa.ForeignKeyConstraint(['instructor_id'], ['instructors.id'], name=op.f('fk_flights_instructor_id_instructors')),
    sa.ForeignKeyConstraint(['rescheduled_from_id'], ['flights.id'], name=op.f('fk_flights_rescheduled_from_id_flights')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_flights_school_id_schools')),
    sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_flights_student_id_students')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flights'))
    )
    with op.batch_alter_table('flights', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flights_aircraft_id_start_at'), ['aircraft_id', 'start_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_flights_instructor_id_start_at'), ['instructor_id', 'start_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_flights_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_flights_school_id_start_at'), ['school_id', 'start_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_flights_server_seq'), ['server_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_flights_student_id_start_at'), ['student_id', 'start_at'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('school_id', sa.Uuid(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=255), nullable=False),
    sa.Column('flight_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('PENDING', 'SENDING', 'SENT', 'FAILED', name='notification_status', native_enum=False, create_constraint=True, length=15), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('provider_message_id', sa.String(length=255), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('server_seq', sa.BigInteger(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['flight_id'], ['flights.id'], name=op.f('fk_notifications_flight_id_flights')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_notifications_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_notifications_dedupe_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_flight_id'), ['flight_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_server_seq'), ['server_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_status_next_attempt_at'), ['status', 'next_attempt_at'], unique=False)

    op.create_table('weather_checks',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('school_id', sa.Uuid(), nullable=False),
    sa.Column('flight_id', sa.Uuid(), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('verdict', sa.Enum('GO', 'MARGINAL', 'UNKNOWN', 'NO_GO', name='verdict', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('reasons', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('reports', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('decoded', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('minimums', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('server_seq', sa.BigInteger(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['flight_id'], ['flights.id'], name=op.f('fk_weather_checks_flight_id_flights')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_weather_checks_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_weather_checks'))
    )
    with op.batch_alter_table('weather_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_weather_checks_flight_id_checked_at'), ['flight_id', 'checked_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_weather_checks_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_weather_checks_server_seq'), ['server_seq'], unique=False)

    op.create_table('reschedule_requests',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('school_id', sa.Uuid(), nullable=False),
    sa.Column('flight_id', sa.Uuid(), nullable=False),
    sa.Column('state', sa.Enum('PENDING_STUDENT', 'PENDING_INSTRUCTOR', 'ACCEPTED', 'REJECTED', 'EXPIRED', name='reschedule_state', native_enum=False, create_constraint=True, length=26), nullable=False),
    sa.Column('open_key', sa.Uuid(), nullable=True),
    sa.Column('produced_by', sa.Enum('deterministic', 'ai', name='produced_by', native_enum=False, create_constraint=True, length=21), nullable=False),
    sa.Column('weather_check_id', sa.Uuid(), nullable=True),
    sa.Column('new_flight_id', sa.Uuid(), nullable=True),
    sa.Column('selected_rank', sa.Integer(), nullable=True),
    sa.Column('detected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('selected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('server_seq', sa.BigInteger(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(state IN ('PENDING_INSTRUCTOR', 'PENDING_STUDENT') AND open_key IS NOT NULL AND open_key = flight_id) OR (state NOT IN ('PENDING_INSTRUCTOR', 'PENDING_STUDENT') AND open_key IS NULL)", name=op.f('ck_reschedule_requests_open_key_matches_state')),
    sa.CheckConstraint('selected_rank IS NULL OR selected_rank >= 1', name=op.f('ck_reschedule_requests_selected_rank_positive')),
    sa.ForeignKeyConstraint(['flight_id'], ['flights.id'], name=op.f('fk_reschedule_requests_flight_id_flights')),
    sa.ForeignKeyConstraint(['new_flight_id'], ['flights.id'], name=op.f('fk_reschedule_requests_new_flight_id_flights')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_reschedule_requests_school_id_schools')),
    sa.ForeignKeyConstraint(['weather_check_id'], ['weather_checks.id'], name=op.f('fk_reschedule_requests_weather_check_id_weather_checks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reschedule_requests')),
    sa.UniqueConstraint('open_key', name=op.f('uq_reschedule_requests_open_key'))
    )
    with op.batch_alter_table('reschedule_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reschedule_requests_flight_id'), ['flight_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reschedule_requests_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reschedule_requests_server_seq'), ['server_seq'], unique=False)

    op.create_table('reschedule_options',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('school_id', sa.Uuid(), nullable=False),
    sa.Column('request_id', sa.Uuid(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('instructor_id', sa.Uuid(), nullable=True),
    sa.Column('aircraft_id', sa.Uuid(), nullable=False),
    sa.Column('expected_weather', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('justification', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('server_seq', sa.BigInteger(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('end_at > start_at', name=op.f('ck_reschedule_options_ends_after_start')),
    sa.CheckConstraint('rank >= 1', name=op.f('ck_reschedule_options_rank_positive')),
    sa.ForeignKeyConstraint(['aircraft_id'], ['aircraft.id'], name=op.f('fk_reschedule_options_aircraft_id_aircraft')),
    sa.ForeignKeyConstraint(['instructor_id'], ['instructors.id'], name=op.f('fk_reschedule_options_instructor_id_instructors')),
    sa.ForeignKeyConstraint(['request_id'], ['reschedule_requests.id'], name=op.f('fk_reschedule_options_request_id_reschedule_requests')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_reschedule_options_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reschedule_options')),
    sa.UniqueConstraint('request_id', 'rank', name=op.f('uq_reschedule_options_request_id_rank'))
    )
    with op.batch_alter_table('reschedule_options', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reschedule_options_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reschedule_options_server_seq'), ['server_seq'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reschedule_options', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reschedule_options_server_seq'))
        batch_op.drop_index(batch_op.f('ix_reschedule_options_school_id'))

    op.drop_table('reschedule_options')
    with op.batch_alter_table('reschedule_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reschedule_requests_server_seq'))
        batch_op.drop_index(batch_op.f('ix_reschedule_requests_school_id'))
        batch_op.drop_index(batch_op.f('ix_reschedule_requests_flight_id'))

    op.drop_table('reschedule_requests')
    with op.batch_alter_table('weather_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_weather_checks_server_seq'))
        batch_op.drop_index(batch_op.f('ix_weather_checks_school_id'))
        batch_op.drop_index(batch_op.f('ix_weather_checks_flight_id_checked_at'))

    op.drop_table('weather_checks')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_status_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_notifications_server_seq'))
        batch_op.drop_index(batch_op.f('ix_notifications_school_id'))
        batch_op.drop_index(batch_op.f('ix_notifications_flight_id'))

    op.drop_table('notifications')
    with op.batch_alter_table('flights', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flights_student_id_start_at'))
        batch_op.drop_index(batch_op.f('ix_flights_server_seq'))
        batch_op.drop_index(batch_op.f('ix_flights_school_id_start_at'))
        batch_op.drop_index(batch_op.f('ix_flights_school_id'))
        batch_op.drop_index(batch_op.f('ix_flights_instructor_id_start_at'))
        batch_op.drop_index(batch_op.f('ix_flights_aircraft_id_start_at'))

    op.drop_table('flights')
    with op.batch_alter_table('sync_mutations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_mutations_school_id'))
        batch_op.drop_index(batch_op.f('ix_sync_mutations_client_id'))

    op.drop_table('sync_mutations')
    with op.batch_alter_table('students', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_students_server_seq'))
        batch_op.drop_index(batch_op.f('ix_students_school_id'))

    op.drop_table('students')
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refresh_tokens_family_id'))
        batch_op.drop_index(batch_op.f('ix_refresh_tokens_account_id'))

    op.drop_table('refresh_tokens')
    with op.batch_alter_table('instructors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instructors_server_seq'))
        batch_op.drop_index(batch_op.f('ix_instructors_school_id'))

    op.drop_table('instructors')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_school_id_at'))
        batch_op.drop_index(batch_op.f('ix_audit_events_school_id'))

    op.drop_table('audit_events')
    with op.batch_alter_table('aircraft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_aircraft_server_seq'))
        batch_op.drop_index(batch_op.f('ix_aircraft_school_id'))

    op.drop_table('aircraft')
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accounts_school_id'))

    op.drop_table('accounts')
    op.drop_table('sync_counter')
    with op.batch_alter_table('sweep_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sweep_runs_started_at'))

    op.drop_table('sweep_runs')
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_schools_server_seq'))

    op.drop_table('schools')
