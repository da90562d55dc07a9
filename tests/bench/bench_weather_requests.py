"""How many HTTP requests a sweep's weather costs: METAR and TAF for 1,000 stations.

Counted, not timed: aviationweather.gov limits clients by request rate, so the number of requests
is what matters (goal: at most 3 per product). Elapsed time against the local stand-in is printed
for orientation only. The one round goes through pytest-benchmark's fixture so ``make bench``
(``--benchmark-only``) runs it too. Run on purpose:

    .venv/bin/python -m pytest tests/bench/bench_weather_requests.py -o python_files='bench_*.py' -s
"""

from __future__ import annotations

import time
from typing import Any

from sync.weather.sources import AviationWeatherClient
from tests.support.fake_aviationweather import FakeAviationWeather

STATIONS = 1000
GOAL_REQUESTS_PER_PRODUCT = 3


def _station_ids(count: int) -> list[str]:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return [f"K{letters[n // 676]}{letters[n // 26 % 26]}{letters[n % 26]}" for n in range(count)]


def test_requests_for_a_thousand_stations(benchmark: Any) -> None:
    stations = _station_ids(STATIONS)
    with FakeAviationWeather() as server:
        server.set_metars({s: [f"{s} 011753Z 18010KT 10SM FEW250 31/18 A2992"] for s in stations})
        server.set_tafs({s: [f"TAF {s} 011720Z 0118/0218 18012KT P6SM SCT040"] for s in stations})

        with AviationWeatherClient(base_url=server.url) as weather:

            def fetch_both() -> tuple[dict[str, list[str]], dict[str, list[str]], float, float]:
                started = time.perf_counter()
                metars = weather.fetch_metars(stations)
                metar_seconds = time.perf_counter() - started
                started = time.perf_counter()
                tafs = weather.fetch_tafs(stations)
                return metars, tafs, metar_seconds, time.perf_counter() - started

            # One round: more would multiply the request counts this benchmark exists to measure.
            metars, tafs, metar_seconds, taf_seconds = benchmark.pedantic(fetch_both, rounds=1, iterations=1)

        metar_requests = len(server.requests_for("metar"))
        taf_requests = len(server.requests_for("taf"))

    print(
        f"\n{STATIONS} stations: METAR {metar_requests} requests in {metar_seconds * 1000:.0f} ms, "
        f"TAF {taf_requests} requests in {taf_seconds * 1000:.0f} ms "
        f"(goal <= {GOAL_REQUESTS_PER_PRODUCT} per product)"
    )
    assert sum(1 for reports in metars.values() if reports) == STATIONS
    assert sum(1 for reports in tafs.values() if reports) == STATIONS
    assert metar_requests <= GOAL_REQUESTS_PER_PRODUCT
    assert taf_requests <= GOAL_REQUESTS_PER_PRODUCT
