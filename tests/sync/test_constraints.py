"""Rules the database itself holds, on both databases, whatever code writes the rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from sync.auth.models import Account, AccountRole
from sync.flights.models import FlightType
from sync.reschedule.models import RescheduleState
from tests.sync.factories import (
    TOMORROW_9AM,
    make_aircraft,
    make_flight,
    make_reschedule_request,
    make_school,
    make_student,
)


def _refused(db, constraint_name: str):
    """Expect the flush inside to break ``constraint_name``; the test's transaction survives."""

    class Expectation:
        def __enter__(self):
            self._nested = db.begin_nested()
            return self

        def __exit__(self, kind, error, traceback):
            if kind is None:
                self._nested.rollback()
                pytest.fail(f"{constraint_name} was not enforced")
            self._nested.rollback()
            assert issubclass(kind, IntegrityError), error
            # PostgreSQL names every constraint it enforces; SQLite names only CHECK constraints
            # (for UNIQUE it lists the columns, for foreign keys it says nothing more).
            if db.bind.dialect.name == "postgresql" or constraint_name.startswith("ck_"):
                assert constraint_name in str(error.orig), error.orig
            return True

    return Expectation()


def test_a_tail_number_is_unique_within_a_school_only(db_session):
    school, other_school = make_school(db_session), make_school(db_session)
    make_aircraft(db_session, school, tail_number="N172SP")

    make_aircraft(db_session, other_school, tail_number="N172SP")
    with _refused(db_session, "uq_aircraft_school_id_tail_number"):
        make_aircraft(db_session, school, tail_number="N172SP")


def test_a_flight_ends_after_it_starts(db_session):
    school = make_school(db_session)
    with _refused(db_session, "ck_flights_ends_after_start"):
        make_flight(db_session, school, start_at=TOMORROW_9AM, end_at=TOMORROW_9AM)
    with _refused(db_session, "ck_flights_ends_after_start"):
        make_flight(db_session, school, start_at=TOMORROW_9AM, end_at=TOMORROW_9AM - timedelta(hours=1))


def test_only_a_solo_flies_without_an_instructor(db_session):
    school = make_school(db_session)
    make_flight(db_session, school, flight_type=FlightType.SOLO)
    with _refused(db_session, "ck_flights_instructor_unless_solo"):
        make_flight(db_session, school, flight_type=FlightType.DUAL, instructor_id=None)


def test_a_flight_has_at_most_one_open_reschedule_request(db_session):
    flight = make_flight(db_session, make_school(db_session))
    first = make_reschedule_request(db_session, flight)
    assert first.open_key == flight.id

    with _refused(db_session, "uq_reschedule_requests_open_key"):
        make_reschedule_request(db_session, flight, state=RescheduleState.PENDING_INSTRUCTOR)

    first.state = RescheduleState.EXPIRED
    db_session.flush()
    assert first.open_key is None
    second = make_reschedule_request(db_session, flight)
    closed = make_reschedule_request(db_session, flight, state=RescheduleState.REJECTED)
    assert second.open_key == flight.id and closed.open_key is None


def test_open_key_cannot_disagree_with_the_state(db_session):
    request = make_reschedule_request(db_session, make_flight(db_session, make_school(db_session)))
    with _refused(db_session, "ck_reschedule_requests_open_key_matches_state"):
        db_session.execute(
            text("UPDATE reschedule_requests SET open_key = NULL WHERE server_seq = :seq"),
            {"seq": request.server_seq},
        )


def test_enum_columns_accept_only_their_values(db_session):
    student = make_student(db_session, make_school(db_session))
    with _refused(db_session, "ck_students_training_level"):
        db_session.execute(
            text("UPDATE students SET training_level = 'ACE' WHERE server_seq = :seq"),
            {"seq": student.server_seq},
        )


def test_foreign_keys_are_enforced(db_session):
    school = make_school(db_session)
    with _refused(db_session, "fk_students_school_id_schools"):
        db_session.execute(
            text("UPDATE students SET school_id = :other WHERE server_seq = :seq"),
            {"other": "0" * 32 if db_session.bind.dialect.name == "sqlite" else "00000000-0000-0000-0000-000000000000",
             "seq": make_student(db_session, school).server_seq},
        )


def test_account_emails_are_unique_and_lower_case(db_session):
    school = make_school(db_session)

    def account(email: str) -> Account:
        row = Account(school_id=school.id, email=email, role=AccountRole.DISPATCHER, password_hash="x")
        db_session.add(row)
        db_session.flush()
        return row

    account("desk@school.example")
    with _refused(db_session, "uq_accounts_email"):
        account("desk@school.example")
    with _refused(db_session, "ck_accounts_email_lowercase"):
        account("Front@school.example")
