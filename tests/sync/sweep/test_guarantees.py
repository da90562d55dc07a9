"""What a sweep guarantees when it is killed, re-run, or run twice at once.

Against committed databases (a SQLite file and PostgreSQL): the sweeps run in other processes or
threads with their own connections, as in production. After the last full sweep:
no mail twice (one outbox row per lesson, kind and recipient), no lesson WEATHER_CANCELLED
without its request, no request without its mails, at most one request per lesson, and every
lesson decided exactly as the storm says.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from sync.database.session import create_engine_for, make_sessionmaker, session_scope
from sync.flights.models import Flight, FlightStatus, WeatherCheck
from sync.notify.models import Notification
from sync.reschedule.models import RescheduleRequest
from sync.sweep.models import SweepRun
from sync.sweep.service import run_sweep
from tests.sync.sweep.conftest import client_for
from tests.sync.sweep.storm import NOW, expected_status

KILLS = 20
REPO = Path(__file__).resolve().parents[3]


def assert_guarantees(url: str, hours_of: dict) -> None:
    engine = create_engine_for(url)
    try:
        with session_scope(engine, read_only=True) as db:
            flights = {flight.id: flight for flight in db.scalars(select(Flight))}
            requests = db.scalars(select(RescheduleRequest)).all()
            mails = db.scalars(select(Notification)).all()
            checked = {flight_id for flight_id in db.scalars(select(WeatherCheck.flight_id))}
    finally:
        engine.dispose()

    # Every lesson decided as the storm says.
    assert {flight_id: flights[flight_id].status for flight_id in hours_of} == {
        flight_id: expected_status(hours) for flight_id, hours in hours_of.items()}
    assert checked >= set(hours_of)
    # No mail twice.
    assert len({mail.dedupe_key for mail in mails}) == len(mails)
    per_kind = Counter((mail.flight_id, mail.kind, mail.recipient) for mail in mails)
    assert max(per_kind.values(), default=0) <= 1, per_kind.most_common(3)
    # One request per cancelled lesson, none for the others, and each request with its mails.
    requested = Counter(request.flight_id for request in requests)
    cancelled = {fid for fid, flight in flights.items()
                 if flight.status is FlightStatus.WEATHER_CANCELLED}
    assert set(requested) == cancelled and max(requested.values()) == 1
    mailed = {mail.flight_id for mail in mails}
    assert cancelled <= mailed
    assert mailed <= cancelled


def test_a_sweep_killed_at_random_points_and_run_again_decides_everything_once(seeded, storm_server):
    hours_of = seeded(copies=4)  # 56 lessons, 20 of them cancelled with requests and mails
    rng = random.Random(4)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "tests.sync.sweep.sweep_driver", seeded.url, storm_server.url,
               NOW.isoformat(), "0.01"]
    finished = 0
    for _ in range(KILLS):
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        try:
            assert process.stdout.readline().strip() == "ready", process.stderr.read()
            time.sleep(rng.uniform(0.0, 1.0))
            if process.poll() is not None:
                finished += 1
            process.send_signal(signal.SIGKILL)
        finally:
            process.wait(timeout=30)
            process.stdout.close()
            process.stderr.close()

    engine = create_engine_for(seeded.url)
    try:
        with session_scope(engine, read_only=True) as db:
            runs = db.scalars(select(SweepRun)).all()
        # The kills landed mid-sweep: most runs never finished.
        assert sum(run.finished_at is None for run in runs) >= KILLS // 2, (finished, len(runs))
        with client_for(storm_server.url) as source:
            final = run_sweep(session_factory=make_sessionmaker(engine), source=source, now=NOW)
    finally:
        engine.dispose()
    assert final.errors == []
    assert_guarantees(seeded.url, hours_of)


def test_two_sweeps_at_once_decide_every_lesson_once(seeded, storm_server):
    hours_of = seeded(copies=6)
    runs, failures = [], []
    start = threading.Barrier(3)

    def sweep() -> None:
        engine = create_engine_for(seeded.url)
        try:
            with client_for(storm_server.url) as source:
                start.wait()
                runs.append(run_sweep(session_factory=make_sessionmaker(engine), source=source,
                                      now=NOW))
        except Exception as exc:  # reported below, in the test's thread
            failures.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures and len(runs) == 3
    assert [run.errors for run in runs] == [[], [], []]
    cancelled = sum(run.counts["actions"]["cancelled"] for run in runs)
    assert cancelled == sum(expected_status(h) is FlightStatus.WEATHER_CANCELLED
                            for h in hours_of.values())
    assert_guarantees(seeded.url, hours_of)
