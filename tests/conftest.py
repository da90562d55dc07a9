"""Every test: the weather comes from a local stand-in, never from aviationweather.gov.

Every path that proposes a slot judges it on real weather fetched through the configured source
(``FSP_WEATHER_URL``); a test that does not choose a stand-in of its own would otherwise reach
for the network, which CI does not have (and a test must not depend on anyway). This one answers
"no reports" for every station, so such slots are judged UNKNOWN. Tests that script the weather
point ``FSP_WEATHER_URL`` at their own ``FakeAviationWeather`` with ``monkeypatch``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.fake_aviationweather import FakeAviationWeather

WEATHER_URL_VARIABLE = "FSP_WEATHER_URL"


@pytest.fixture(scope="session", autouse=True)
def no_real_weather_upstream() -> Iterator[FakeAviationWeather]:
    with FakeAviationWeather() as server:
        previous = os.environ.get(WEATHER_URL_VARIABLE)
        os.environ[WEATHER_URL_VARIABLE] = server.url
        try:
            yield server
        finally:
            if previous is None:
                os.environ.pop(WEATHER_URL_VARIABLE, None)
            else:
                os.environ[WEATHER_URL_VARIABLE] = previous
