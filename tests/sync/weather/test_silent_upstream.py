"""The Data API client against an upstream that accepts connections and never answers.

The deadline bounds everything one caller asks (both products, retries); the circuit breaker
stops asking at all. Connections are counted at the stand-in, so "without touching the
network" is a count, not a feeling.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sync.config import Settings
from sync.weather.breaker import UNAVAILABLE, BreakerPolicy, CircuitBreaker, Deadline, forget_breakers
from sync.weather.check import weather_source_from_settings
from sync.weather.errors import WeatherUnavailable
from sync.weather.sources import AviationWeatherClient
from tests.support.silent_server import SilentServer

DEADLINE = 0.3


@pytest.fixture
def upstream() -> Iterator[SilentServer]:
    with SilentServer() as server:
        yield server


@pytest.fixture(autouse=True)
def fresh_breakers() -> Iterator[None]:
    yield
    forget_breakers()  # an open breaker must not outlive its test (a port may be reused)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_one_deadline_covers_both_products_and_every_retry(upstream: SilentServer) -> None:
    waits: list[float] = []
    client = AviationWeatherClient(base_url=upstream.url, timeout=10, max_retries=3,
                                   sleep=waits.append, deadline=Deadline(DEADLINE))
    with client, pytest.raises(WeatherUnavailable) as metar:
        client.fetch_metars(["KAUS", "KSAT"])
    assert str(metar.value) == (
        f"127.0.0.1 did not answer within the {DEADLINE:g} s allowed for weather for METAR "
        f"(2 stations): {UNAVAILABLE}; the next sweep tries again")
    # One attempt, cut to the deadline; no back-off, since nothing was left to retry with.
    assert upstream.connections == 1 and waits == []

    with pytest.raises(WeatherUnavailable, match=f"^{UNAVAILABLE}: the {DEADLINE:g} s allowed for "
                                                 "weather ran out before 127.0.0.1 was asked for TAF"):
        client.fetch_tafs(["KAUS"])
    assert upstream.connections == 1  # the TAF was never asked for


def test_an_open_breaker_answers_without_a_connection(upstream: SilentServer) -> None:
    clock = Clock()
    breaker = CircuitBreaker("127.0.0.1", BreakerPolicy(failure_threshold=1, cooldown_seconds=60),
                             clock=clock)

    def client() -> AviationWeatherClient:
        return AviationWeatherClient(base_url=upstream.url, timeout=DEADLINE, max_retries=0,
                                     breaker=breaker)

    with client() as first, pytest.raises(WeatherUnavailable, match="did not answer"):
        first.fetch_metars(["KAUS"])
    assert upstream.connections == 1

    with client() as second, pytest.raises(WeatherUnavailable) as refused:
        second.fetch_metars(["KAUS"])
    assert str(refused.value).startswith(f"{UNAVAILABLE}: 127.0.0.1 failed 1 times in a row")
    assert upstream.connections == 1

    clock.now += 60  # the cool-down is over: one trial goes to the network, and fails
    with client() as third, pytest.raises(WeatherUnavailable, match="did not answer"):
        third.fetch_metars(["KAUS"])
    assert upstream.connections == 2
    with client() as fourth, pytest.raises(WeatherUnavailable, match=UNAVAILABLE):
        fourth.fetch_metars(["KAUS"])
    assert upstream.connections == 2


def test_sources_made_for_requests_share_the_breaker_and_carry_the_deadline(
        upstream: SilentServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FSP_WEATHER_URL", upstream.url)
    monkeypatch.delenv("FSP_WEATHER_RECORDED", raising=False)
    settings = Settings.explicit(weather_request_deadline_seconds=DEADLINE,
                                 weather_breaker_failures=1, weather_breaker_cooldown_seconds=600)
    with weather_source_from_settings(settings) as first:
        with pytest.raises(WeatherUnavailable, match=f"within the {DEADLINE:g} s allowed"):
            first.fetch_metars(["KAUS"])
    with weather_source_from_settings(settings) as second:
        with pytest.raises(WeatherUnavailable, match="failed 1 times in a row"):
            second.fetch_metars(["KAUS"])
    assert upstream.connections == 1
