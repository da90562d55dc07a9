"""The weather a booking is judged on: the sweep's batched source, kept a few minutes per station.

Booking must stay fast, and a dispatcher books many lessons from one airport in a few minutes:
each station's decoded reports are kept in-process for ``CACHE_SECONDS`` after they are fetched
(the upstream publishes METARs hourly and TAFs every six hours, so minutes lose nothing). Only
answers that came back whole are kept: a station whose fetch failed is asked again next time
(the circuit breaker in ``sync.weather.breaker`` keeps that cheap while the upstream is down).

Nothing here may run inside a writing transaction: ``fetch`` goes to the network.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import datetime

from sync.config import Settings
from sync.weather.check import RECORDED_VARIABLE, REPLAY_VARIABLE, weather_source_from_settings
from sync.weather.settings import weather_base_url
from sync.weather.station_weather import StationWeather, gather_weather
from sync.weather.stations import is_known_station

CACHE_SECONDS = 300.0
MAX_STATIONS = 4096

_Key = tuple[tuple[str, str, str], str]


class StationCache:
    """Decoded reports per (source, station), each for ``seconds`` after it was fetched."""

    def __init__(self, *, seconds: float = CACHE_SECONDS, size: int = MAX_STATIONS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._seconds = seconds
        self._size = size
        self._clock = clock
        self._entries: OrderedDict[_Key, tuple[float, StationWeather]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, source: tuple[str, str, str], codes: Iterable[str]) -> dict[str, StationWeather]:
        now = self._clock()
        found = {}
        with self._lock:
            for code in codes:
                entry = self._entries.get((source, code))
                if entry is not None and now - entry[0] < self._seconds:
                    found[code] = entry[1]
        return found

    def put(self, source: tuple[str, str, str], weather: Iterable[StationWeather]) -> None:
        now = self._clock()
        with self._lock:
            for station in weather:
                key = (source, station.station)
                self._entries.pop(key, None)
                self._entries[key] = (now, station)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


CACHE = StationCache()


def source_identity() -> tuple[str, str, str]:
    """Which weather the configuration names right now (recorded folder and replay, or the
    upstream's URL): reports of one are never answered for another."""
    return (os.environ.get(RECORDED_VARIABLE, "").strip(),
            os.environ.get(REPLAY_VARIABLE, "").strip().lower(), weather_base_url())


def stations_of(places: Iterable[str]) -> list[str]:
    """The places the weather engine knows, upper case, each once (an unknown code is refused by
    the booking rules anyway: never worth a request)."""
    codes = (str(place).strip().upper() for place in places if isinstance(place, str))
    return [code for code in dict.fromkeys(codes) if code and is_known_station(code)]


def cached(codes: Iterable[str], *, cache: StationCache = CACHE) -> dict[str, StationWeather]:
    return cache.get(source_identity(), codes)


def fetch(codes: Iterable[str], *, now: datetime, settings: Settings | None = None,
          cache: StationCache = CACHE) -> dict[str, StationWeather]:
    """Every station's reports: the cached ones, and the rest fetched in one batch per product
    through the sweep's source (``weather_source_from_settings``, with the request's deadline)."""
    codes = list(codes)
    identity = source_identity()
    found = cache.get(identity, codes)
    missing = [code for code in codes if code not in found]
    if not missing:
        return found
    source = weather_source_from_settings(settings)
    try:
        gathered = gather_weather(source, missing, now=now)
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()
    cache.put(identity, (station for station in gathered.values() if not station.problems))
    return found | gathered
