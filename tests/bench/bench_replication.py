"""A desktop's pulls over loopback HTTP from the real server, on SQLite and PostgreSQL.

- Initial pull: a new client (cursor 0) pulls every page of a school with 20,000 lessons, at the
  desktop's page size, and decodes each page's JSON (goal: ≤ 3 s for all pages).
- Incremental pull: 10 lessons change, then a client at the head pulls them (goal: ≤ 30 ms).

Wall-clock time is the goal; the CPU time of the test process (the server runs in it, in a
thread, so this is server and client together, PostgreSQL's own work aside) is printed too,
because it stays meaningful when the machine is shared.

The school: 40 students, 8 instructors, 6 aircraft, 20,000 lessons, written through the ORM in one
session (``add_all``: the flush hook stamps ``server_seq``; bulk ``insert()`` would skip it).

    FSP_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
    .venv/bin/python -m pytest tests/bench/bench_replication.py -o python_files='bench_*.py' -s
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from sync.database.session import session_scope
from sync.flights.models import Flight, FlightType
from sync.replication.schemas import DEFAULT_PULL_LIMIT
from sync.schools.models import School
from tests.sync.api.conftest import ApiServer, SignedInSchool, api_server, signed_in_school  # noqa: F401
from tests.sync.conftest import database_factory  # noqa: F401
from tests.sync.factories import make_aircraft, make_instructor, make_student

LESSONS = 20_000
CHANGES = 10
INITIAL_GOAL_SECONDS = 3.0
INCREMENTAL_GOAL_SECONDS = 0.030
PAGE_SIZE = DEFAULT_PULL_LIMIT  # what the desktop asks for (app.services.api_client.pull)
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def _fill_school(server: ApiServer, school_id: uuid.UUID) -> list[uuid.UUID]:
    """20,000 lessons, six at a time (one per aircraft) in two-hour slots: none clash."""
    started = time.perf_counter()
    with session_scope(server.engine) as db:
        school = db.get(School, school_id)
        students = [make_student(db, school) for _ in range(40)]
        instructors = [make_instructor(db, school) for _ in range(8)]
        aircraft = [make_aircraft(db, school) for _ in range(6)]
        lessons = []
        for n in range(LESSONS):
            slot, lane = divmod(n, 6)
            start = NOW + timedelta(days=1, hours=2 * slot)
            lessons.append(Flight(
                school_id=school.id, student_id=students[(slot * 6 + lane) % 40].id,
                instructor_id=instructors[(slot + lane) % 8].id, aircraft_id=aircraft[lane].id,
                start_at=start, end_at=start + timedelta(hours=2), departure="KAUS",
                flight_type=FlightType.DUAL,
            ))
        db.add_all(lessons)
        db.flush()
        ids = [lesson.id for lesson in lessons]
    print(f"\n{server.engine.dialect.name}: wrote {LESSONS} lessons in "
          f"{time.perf_counter() - started:.1f} s")
    return ids


def _pull_all(client: httpx.Client, cursor: int = 0) -> tuple[int, int, int]:
    """Every page after ``cursor``: (changes, pages, new cursor)."""
    changes = pages = 0
    while True:
        response = client.get("/sync/pull", params={"cursor": cursor, "limit": PAGE_SIZE})
        response.raise_for_status()
        page = response.json()
        changes += len(page["changes"])
        pages += 1
        cursor = page["cursor"]
        if not page["has_more"]:
            return changes, pages, cursor


def test_pulls_of_a_school_with_20000_lessons(
    api_server: ApiServer,  # noqa: F811
    signed_in_school: Callable[..., SignedInSchool],  # noqa: F811
    benchmark: Any,
) -> None:
    kind = api_server.engine.dialect.name
    school = signed_in_school()
    lesson_ids = _fill_school(api_server, school.school_id)
    client = school.dispatcher

    # Initial pull: a new client, cursor 0, every page.
    _pull_all(client)  # warm up (connections, caches)
    initial: list[float] = []
    initial_cpu: list[float] = []
    results: list[tuple[int, int, int]] = []

    def initial_pull() -> None:
        started, cpu_started = time.perf_counter(), time.process_time()
        results.append(_pull_all(client))
        initial.append(time.perf_counter() - started)
        initial_cpu.append(time.process_time() - cpu_started)

    benchmark.pedantic(initial_pull, rounds=5, iterations=1)
    changes, pages, head = results[-1]
    assert changes >= LESSONS

    # Incremental pull: 10 lessons change, a client at the head pulls them.
    incremental: list[float] = []
    round_number = iter(range(10_000))

    def change_ten() -> None:
        n = next(round_number)
        changed = lesson_ids[n * CHANGES:(n + 1) * CHANGES]
        with session_scope(api_server.engine) as db:
            for lesson in db.scalars(select(Flight).where(Flight.id.in_(changed))):
                lesson.notes = f"changed in round {n}"

    state = {"cursor": head}

    def incremental_pull() -> None:
        started = time.perf_counter()
        response = client.get("/sync/pull", params={"cursor": state["cursor"], "limit": PAGE_SIZE})
        page = response.json()
        incremental.append(time.perf_counter() - started)
        assert len(page["changes"]) == CHANGES and not page["has_more"]
        state["cursor"] = page["cursor"]

    for _ in range(5):  # warm up
        change_ten()
        incremental_pull()
    incremental.clear()
    benchmark.extra_info.update(lessons=LESSONS, page_size=PAGE_SIZE)
    for _ in range(50):
        change_ten()
        incremental_pull()

    initial_median = statistics.median(initial)
    incremental_median = statistics.median(incremental)
    print(f"\n{kind}: initial pull of {changes} changes in {pages} pages of {PAGE_SIZE}: "
          f"median {initial_median:.2f} s (best {min(initial):.2f} s, worst {max(initial):.2f} s); "
          f"CPU of this process (server and client) median {statistics.median(initial_cpu):.2f} s")
    print(f"{kind}: incremental pull of {CHANGES} changes: median {incremental_median * 1000:.1f} ms, "
          f"p95 {sorted(incremental)[int(len(incremental) * 0.95)] * 1000:.1f} ms")
    assert initial_median <= INITIAL_GOAL_SECONDS
    assert incremental_median <= INCREMENTAL_GOAL_SECONDS
