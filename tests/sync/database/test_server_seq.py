"""server_seq: every write of a synced row takes the next number, in commit order, so a client
pulling "after N" never misses a change — the property the desktop's replica relies on."""

from __future__ import annotations

import random
import threading
import time
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from sync.aircraft.models import Aircraft
from sync.database.server_seq import SyncedRowDeleted, next_server_seq
from sync.database.session import session_scope
from sync.schools.models import School
from tests.sync.factories import make_aircraft, make_school


@pytest.fixture
def committed_school(engine) -> School:
    """A school committed for real: other connections (threads) must see it."""
    with session_scope(engine) as db:
        return make_school(db)


def _new_aircraft(school_id: uuid.UUID) -> Aircraft:
    return Aircraft(school_id=school_id, tail_number=f"N{uuid.uuid4().hex[:8]}", model="C172S",
                    home_airport="KAUS", max_crosswind_kt=15)


def test_every_write_takes_a_higher_number(db_session):
    school = make_school(db_session)
    aircraft = make_aircraft(db_session, school)
    created_seq = aircraft.server_seq

    aircraft.model = "C172R"
    db_session.flush()
    updated_seq = aircraft.server_seq
    aircraft.tombstone()
    db_session.flush()

    assert school.server_seq < created_seq < updated_seq < aircraft.server_seq
    assert aircraft.version == 3


def test_rows_flushed_together_get_distinct_consecutive_numbers(db_session):
    school = make_school(db_session)
    fleet = [_new_aircraft(school.id) for _ in range(5)]
    db_session.add_all(fleet)
    db_session.flush()

    numbers = sorted(aircraft.server_seq for aircraft in fleet)
    assert numbers == list(range(numbers[0], numbers[0] + 5))


def test_an_unchanged_row_keeps_its_number_and_version(db_session):
    aircraft = make_aircraft(db_session, make_school(db_session))
    before = (aircraft.server_seq, aircraft.version)

    aircraft.model = aircraft.model  # touched, not changed
    db_session.flush()

    assert (aircraft.server_seq, aircraft.version) == before


def test_next_server_seq_counts_up(db_session):
    first = next_server_seq(db_session)
    last = next_server_seq(db_session, 3)

    assert last == first + 3


def test_synced_rows_are_never_deleted_outright(db_session):
    aircraft = make_aircraft(db_session, make_school(db_session))
    db_session.delete(aircraft)

    with pytest.raises(SyncedRowDeleted, match=r"call \.tombstone\(\)"):
        db_session.flush()


def test_a_write_based_on_a_stale_version_fails(engine, committed_school):
    with session_scope(engine) as db:
        aircraft = _new_aircraft(committed_school.id)
        db.add(aircraft)
        db.flush()
        aircraft_id = aircraft.id
    stale = Session(engine, expire_on_commit=False)
    stale_copy = stale.get(Aircraft, aircraft_id)
    stale.commit()  # ends its transaction (SQLite would hold the write lock), keeps version 1

    with session_scope(engine) as db:
        db.get(Aircraft, aircraft_id).model = "C172R"

    stale_copy.model = "PA-28"
    with pytest.raises(StaleDataError):
        stale.commit()
    stale.close()


def test_a_writer_waits_for_the_transaction_holding_the_counter(engine, committed_school):
    """The row lock (PostgreSQL) or write lock (SQLite) orders writers: the second takes its
    number only after the first has committed."""
    first_flushed, release_first, second_done = threading.Event(), threading.Event(), threading.Event()
    numbers: dict[str, int] = {}
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with session_scope(engine) as db:
                aircraft = _new_aircraft(committed_school.id)
                db.add(aircraft)
                db.flush()
                numbers["first"] = aircraft.server_seq
                first_flushed.set()
                release_first.wait(10)
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)
            first_flushed.set()

    def second() -> None:
        try:
            with session_scope(engine) as db:
                aircraft = _new_aircraft(committed_school.id)
                db.add(aircraft)
                db.flush()
                numbers["second"] = aircraft.server_seq
        except BaseException as exc:
            errors.append(exc)
        finally:
            second_done.set()

    threads = [threading.Thread(target=first)]
    threads[0].start()
    assert first_flushed.wait(10)
    threads.append(threading.Thread(target=second))
    threads[1].start()

    blocked = not second_done.wait(0.5)
    release_first.set()
    for thread in threads:
        thread.join(20)

    assert not errors
    assert blocked, "the second writer took a number while the first had not committed"
    assert numbers["second"] > numbers["first"]


def test_a_puller_never_skips_a_change_committed_concurrently(engine, committed_school):
    """Writers in threads commit while a puller follows the cursor, as a desktop does: every
    committed row must be pulled, and the numbers seen must have no holes at any moment (a hole
    would be a later number committed before an earlier one)."""
    writers, rows_each = 4, 8
    committed: set[uuid.UUID] = set()
    errors: list[BaseException] = []
    lock = threading.Lock()
    writing = threading.Event()
    writing.set()

    def write() -> None:
        try:
            for _ in range(rows_each):
                with session_scope(engine) as db:
                    aircraft = _new_aircraft(committed_school.id)
                    db.add(aircraft)
                    db.flush()
                    time.sleep(random.uniform(0, 0.01))  # commit a little after taking the number
                with lock:
                    committed.add(aircraft.id)
        except BaseException as exc:
            errors.append(exc)

    pulled: dict[uuid.UUID, int] = {}
    cursor = 0

    def pull() -> None:
        nonlocal cursor
        with session_scope(engine, read_only=True) as db:
            rows = db.execute(
                select(Aircraft.id, Aircraft.server_seq)
                .where(Aircraft.school_id == committed_school.id, Aircraft.server_seq > cursor)
                .order_by(Aircraft.server_seq)
            ).all()
        for row_id, seq in rows:
            pulled[row_id] = seq
            cursor = seq
        numbers = sorted(pulled.values())
        if numbers:
            holes = set(range(numbers[0], numbers[-1] + 1)) - set(numbers)
            assert not holes, f"numbers {sorted(holes)} were committed after higher ones were pulled"

    threads = [threading.Thread(target=write) for _ in range(writers)]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        pull()
        time.sleep(0.002)
    for thread in threads:
        thread.join()
    pull()

    assert not errors
    assert len(committed) == writers * rows_each
    assert set(pulled) == committed
