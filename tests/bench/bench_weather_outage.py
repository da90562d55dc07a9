"""``GET /weather/current`` and ``/health`` while the weather upstream is silent (goal: ≤ 5 s).

Before the request deadline and circuit breaker, a silent aviationweather.gov (connections
accepted, never answered) made ``/weather/current`` take 87 s (10 s timeout × 4 attempts × 2
products) and ``/health`` 12 s under load. Here the service runs as in the API tests (uvicorn,
real HTTP, default settings: a 4 s request deadline, a breaker opening after 3 failures for 30 s)
with FSP_WEATHER_URL at ``tests/support/silent_server.py``:

1. one after another: requests until the breaker opens, then requests it answers by itself;
2. a burst: 20 dispatchers ask at once with a fresh breaker, while ``/health`` is polled.

Printed: the worst ``/weather/current`` and ``/health`` seconds, and the connections the silent
upstream accepted. Run on purpose (SQLite; with FSP_TEST_DATABASE_URL, PostgreSQL as well)::

    .venv/bin/python -m pytest tests/bench/bench_weather_outage.py -o python_files='bench_*.py' -s -p no:randomly
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from sync.weather.breaker import forget_breakers
from tests.support.silent_server import SilentServer
from tests.sync.api.conftest import api_server, signed_in_school  # noqa: F401 (fixtures)
from tests.sync.conftest import database_factory  # noqa: F401 (a fixture)

GOAL_SECONDS = 5.0
SEQUENTIAL = 6
BURST = 20


def _timed(http: httpx.Client, path: str, **arguments: Any) -> tuple[float, int]:
    started = time.perf_counter()
    response = http.get(path, **arguments)
    return time.perf_counter() - started, response.status_code


def test_weather_and_health_with_a_silent_upstream(api_server, signed_in_school,  # noqa: F811
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   benchmark: Any) -> None:
    school = signed_in_school()
    token = school.tokens["dispatcher"].access_token
    monkeypatch.delenv("FSP_WEATHER_RECORDED", raising=False)
    with SilentServer() as upstream:
        monkeypatch.setenv("FSP_WEATHER_URL", upstream.url)
        forget_breakers()
        with api_server.client(token) as http:
            http.get("/students")  # warm: the first request of a server compiles its queries
            sequential = [_timed(http, "/weather/current", params={"ids": "KAUS,KSAT"})
                          for _ in range(SEQUENTIAL)]
        sequential_connections = upstream.connections

        forget_breakers()
        health: list[float] = []
        done = threading.Event()

        def poll_health() -> None:
            with httpx.Client(base_url=api_server.url, timeout=120) as probe:
                while not done.is_set():
                    seconds, status = _timed(probe, "/health")
                    assert status == 200
                    health.append(seconds)
                    time.sleep(0.1)

        def burst() -> list[tuple[float, int]]:
            with ThreadPoolExecutor(max_workers=BURST) as pool, api_server.client(token) as http:
                futures = [pool.submit(_timed, http, "/weather/current", params={"ids": "KAUS"})
                           for _ in range(BURST)]
                return [future.result() for future in futures]

        poller = threading.Thread(target=poll_health, daemon=True)
        poller.start()
        try:
            concurrent = benchmark.pedantic(burst, rounds=1, iterations=1)
        finally:
            done.set()
            poller.join(timeout=120)
        burst_connections = upstream.connections - sequential_connections
    forget_breakers()

    worst_sequential = max(seconds for seconds, _ in sequential)
    worst_burst = max(seconds for seconds, _ in concurrent)
    print(f"\none after another ({SEQUENTIAL}): "
          + ", ".join(f"{seconds:.2f}" for seconds, _ in sequential)
          + f" s; upstream connections {sequential_connections}")
    print(f"burst of {BURST} at once: worst {worst_burst:.2f} s, median "
          f"{sorted(s for s, _ in concurrent)[BURST // 2]:.2f} s; upstream connections "
          f"{burst_connections}")
    print(f"/health during the burst: worst {max(health):.3f} s over {len(health)} checks")
    print(f"worst /weather/current {max(worst_sequential, worst_burst):.2f} s "
          f"(goal <= {GOAL_SECONDS:g} s)")
    assert all(status == 200 for _, status in sequential + concurrent)
    assert max(worst_sequential, worst_burst) <= GOAL_SECONDS
