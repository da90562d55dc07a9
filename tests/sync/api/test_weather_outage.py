"""A weather upstream that accepts connections and never answers, seen through the API.

``GET /weather/current`` must answer within its deadline with the stations marked unavailable,
then from the circuit breaker without touching the network; ``/health`` must answer while every
worker thread is stuck on weather. Connections are counted at the stand-in; the only clock is
the HTTP client's generous timeout, far beyond the deadline and far below the 87 s this took.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any

import httpx
import pytest

from sync.api import create_app
from sync.config import Settings
from sync.weather.breaker import forget_breakers
from tests.support.served_app import served
from tests.support.silent_server import SilentServer

# anyio's default worker threads, which every sync endpoint of the service shares.
WORKER_THREADS = 40
CLIENT_TIMEOUT = 30.0  # a bound for a hung request, not a measurement


@pytest.fixture
def upstream(monkeypatch: pytest.MonkeyPatch) -> Iterator[SilentServer]:
    with SilentServer() as server:
        monkeypatch.setenv("FSP_WEATHER_URL", server.url)
        monkeypatch.delenv("FSP_WEATHER_RECORDED", raising=False)
        yield server
    forget_breakers()  # an open breaker must not outlive its test


@pytest.fixture
def service(api_server) -> Iterator[Callable[..., Any]]:
    """``service(**settings)``: a server of its own on the session's database; its base URL."""
    with ExitStack() as running:

        def start(**overrides: Any) -> str:
            settings = Settings.explicit(database_url=api_server.settings.database_url,
                                         sweep_interval_seconds=0, **overrides)
            return running.enter_context(served(create_app(settings)))

        yield start


def client(url: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"},
                        timeout=CLIENT_TIMEOUT)


def test_current_weather_answers_within_the_deadline_then_from_the_breaker(
        upstream, service, signed_in_school):
    url = service(weather_request_deadline_seconds=1, weather_breaker_failures=2,
                  weather_breaker_cooldown_seconds=600)
    school = signed_in_school()
    with client(url, school.tokens["dispatcher"].access_token) as dispatcher:
        for asked in (1, 2):
            answer = dispatcher.get("/weather/current", params={"ids": "KAUS,KSAT"})
            assert answer.status_code == 200, answer.text
            stations = answer.json()
            assert [station["station"] for station in stations] == ["KAUS", "KSAT"]
            for station in stations:
                assert station["metar"] is None and station["taf"] is None
                assert len(station["problems"]) == 2  # METAR and TAF, each said once
                assert all("the weather service is unavailable" in problem
                           for problem in station["problems"])
            # One METAR attempt, cut to the deadline; the TAF had no time left and was not asked.
            assert upstream.connections == asked

        # Two timeouts in a row: the breaker answers now, at once and without a connection.
        answer = dispatcher.get("/weather/current", params={"ids": "KAUS"})
        assert answer.status_code == 200
        (station,) = answer.json()
        assert station["problems"] and all("failed 2 times in a row" in problem
                                           for problem in station["problems"])
        assert upstream.connections == 2


def test_health_answers_while_every_worker_thread_waits_on_weather(
        upstream, service, signed_in_school):
    # A deadline long enough that the weather requests are surely still waiting when /health
    # is asked; they are released by stopping the stand-in.
    url = service(weather_request_deadline_seconds=120, weather_breaker_failures=3)
    school = signed_in_school()
    token = school.tokens["dispatcher"].access_token
    with ThreadPoolExecutor(max_workers=WORKER_THREADS) as pool, client(url, token) as http:
        stuck = [pool.submit(http.get, "/weather/current", params={"ids": "KAUS"})
                 for _ in range(WORKER_THREADS)]
        _wait_for(lambda: upstream.connections >= WORKER_THREADS or any(f.done() for f in stuck))
        assert upstream.connections == WORKER_THREADS, [f.result().text for f in stuck if f.done()]

        health = httpx.get(f"{url}/health", timeout=CLIENT_TIMEOUT)

        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert not any(future.done() for future in stuck)  # all still waiting on the weather
        upstream.stop()  # the stand-in hangs up: each request fails over to "unavailable"
        for future in stuck:
            answer = future.result()
            assert answer.status_code == 200
            assert "unavailable" in answer.json()[0]["problems"][0]


def _wait_for(condition: Callable[[], bool], *, seconds: float = CLIENT_TIMEOUT) -> None:
    give_up = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > give_up:
            pytest.fail("the condition was not reached")
        time.sleep(0.02)
