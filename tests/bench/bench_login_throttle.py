"""Sign-in throttling under attack: two service processes, one PostgreSQL database.

Two ``fsp-sync serve`` processes (the real command, on free ports of 127.0.0.1) share a fresh
PostgreSQL database (created like tests/sync/conftest.py's ``DatabaseFactory`` does, migrated,
with one school and one admin account). 50 parallel clients, half on each process, send wrong
passwords for that one account for ``FSP_BENCH_LOGIN_SECONDS`` (default 60). Printed: how many
attempts each process answered 401 (admitted: the password was verified) and 429 (refused
without verifying), and the outcomes recorded in ``login_attempts``.

Goal: the attempts admitted across both processes equal ``login_max_failures_per_account`` (10
per 15 minutes by default), however many are sent and to whichever process.

Run on purpose (not part of the test suite; needs PostgreSQL)::

    FSP_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m pytest tests/bench/bench_login_throttle.py -o python_files='bench_*.py' -s -p no:randomly

docs/benchmarks.md ("Sign-in throttling") records a run.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from sync.auth import service as auth_service
from sync.auth.models import AccountRole, LoginAttempt
from sync.config import Settings
from sync.database import migrations
from sync.database.session import create_engine_for, session_scope
from sync.schools import service as schools_service
from tests.sync.conftest import DatabaseFactory

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 50
SECONDS = float(os.environ.get("FSP_BENCH_LOGIN_SECONDS", "60"))
EMAIL = "chief@bench.example"
PASSWORD = "correct horse battery staple"
WRONG = "not the password at all"


@dataclass
class Service:
    url: str
    process: subprocess.Popen[bytes]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    factory = DatabaseFactory("postgresql", tmp_path_factory.mktemp("databases"))
    url = factory.create()
    try:
        migrations.upgrade(url)
        engine = create_engine_for(url, pooled=False)
        try:
            with session_scope(engine) as db:
                school = schools_service.create(db=db, name="Bench Flight Academy",
                                                home_airport="KAUS", timezone="America/Chicago",
                                                actor="bench")
                auth_service.create_account(db=db, school_id=school.id, email=EMAIL,
                                            role=AccountRole.ADMIN, password=PASSWORD,
                                            actor="bench")
        finally:
            engine.dispose()
        yield url
    finally:
        factory.drop_all()


def _start(database_url: str, folder: Path, name: str) -> Service:
    """``fsp-sync serve`` in a process of its own; its output goes to a file (an unread pipe
    would fill up with access-log lines and stall the server)."""
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("FSP_")}
    env |= {"DATABASE_URL": database_url, "FSP_ENV": "development",
            "FSP_SWEEP_INTERVAL_SECONDS": "0", "FSP_MAIL": f"file:{folder / 'mail'}",
            "PYTHONPATH": str(ROOT)}
    log = (folder / f"{name}.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "sync.cli", "serve", "--host", "127.0.0.1",
                                "--port", str(port)], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    log.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{name} exited with {process.returncode}: "
                        f"{(folder / f'{name}.log').read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return Service(url=url, process=process)
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.terminate()
    pytest.fail(f"{name} did not answer /health within 60 s")


@pytest.fixture(scope="module")
def services(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Service]]:
    folder = tmp_path_factory.mktemp("services")
    started: list[Service] = []
    try:
        for name in ("first", "second"):
            started.append(_start(database, folder, name))
        yield started
    finally:
        for service in started:
            service.process.terminate()
        for service in started:
            try:
                service.process.wait(20)
            except subprocess.TimeoutExpired:
                service.process.kill()


def _attack(services: list[Service]) -> tuple[Counter[tuple[int, int]], float]:
    """50 clients, client n on process n % 2, wrong passwords until the time is up.
    Returns the answers per (process, status) and the seconds it took."""
    answers: Counter[tuple[int, int]] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def client(n: int) -> None:
        which = n % len(services)
        seen: Counter[tuple[int, int]] = Counter()
        with httpx.Client(base_url=services[which].url, timeout=60) as http:
            start.wait()
            deadline = time.monotonic() + SECONDS
            while time.monotonic() < deadline:
                try:
                    status = http.post("/auth/login",
                                       json={"email": EMAIL, "password": WRONG}).status_code
                except httpx.TransportError:
                    status = 0
                seen[(which, status)] += 1
        with lock:
            answers.update(seen)

    began = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client, range(CLIENTS)))
    return answers, time.perf_counter() - began


def test_two_processes_admit_the_limit_and_no_more(database: str, services: list[Service],
                                                   benchmark: Any) -> None:
    limit = Settings.explicit().login_max_failures_per_account
    benchmark.group = "sign-in throttling: 50 clients, two processes, one account"
    answers, elapsed = benchmark.pedantic(_attack, args=(services,), rounds=1, iterations=1)

    engine = create_engine_for(database, pooled=False)
    try:
        with session_scope(engine, read_only=True) as db:
            outcomes = dict(db.execute(select(LoginAttempt.outcome, func.count())
                                       .group_by(LoginAttempt.outcome)).all())
    finally:
        engine.dispose()

    lines = [f"sign-in throttling: {CLIENTS} parallel clients, wrong passwords for one account, "
             f"{elapsed:.1f} s, two `fsp-sync serve` processes on one PostgreSQL database "
             f"(limit {limit} per account per {Settings.explicit().login_window_seconds // 60} min)"]
    for which, service in enumerate(services):
        mine = {status: count for (process, status), count in answers.items() if process == which}
        lines.append(f"  process {which + 1} ({service.url}): 401 (verified) {mine.get(401, 0)}, "
                     f"429 (refused) {mine.get(429, 0)}, other {sum(mine.values()) - mine.get(401, 0) - mine.get(429, 0)}")
    admitted = sum(count for (_, status), count in answers.items() if status == 401)
    refused = sum(count for (_, status), count in answers.items() if status == 429)
    total = sum(answers.values())
    lines.append(f"  both: {total} attempts ({total / elapsed:.0f}/s), 401 {admitted}, "
                 f"429 {refused}, other {total - admitted - refused}")
    lines.append(f"  login_attempts: {outcomes}")
    print("\n" + "\n".join(lines))

    assert admitted == limit
    assert total - admitted - refused == 0
    assert outcomes.get("failed") == limit and not outcomes.get("pending")
