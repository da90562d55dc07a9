"""The latest decoded METAR and TAF per station, fetched once per station in batches.

Whatever goes wrong (a source down, an answer or a report that cannot be read) is kept as a
problem of the stations it concerns, so their lessons are judged UNKNOWN with the reason while
every other station carries on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sync.weather.errors import WeatherError
from sync.weather.metar_decoder import Observation, decode_metar
from sync.weather.sources import WeatherSource, normalise_station_ids
from sync.weather.taf_decoder import Forecast, decode_taf


@dataclass(frozen=True, slots=True)
class StationWeather:
    station: str
    metar: Observation | None = None
    taf: Forecast | None = None
    metar_raw: str | None = None
    taf_raw: str | None = None
    problems: tuple[str, ...] = ()


def gather_weather(source: WeatherSource, stations: Iterable[str], *, now: datetime) -> dict[str, StationWeather]:
    """One METAR and one TAF request per batch of stations, decoded; never raises WeatherError."""
    codes, malformed = _valid_codes(stations)
    problems: dict[str, list[str]] = {code: [] for code in codes}
    metars = _fetch(source.fetch_metars, "METAR", codes, problems)
    tafs = _fetch(source.fetch_tafs, "TAF", codes, problems)
    gathered = {}
    for code in codes:
        metar_raw = (metars.get(code) or [None])[0]
        taf_raw = (tafs.get(code) or [None])[0]
        metar = _decode(decode_metar, metar_raw, "METAR", code, now, problems[code])
        taf = _decode(decode_taf, taf_raw, "TAF", code, now, problems[code])
        gathered[code] = StationWeather(code, metar, taf, metar_raw, taf_raw, tuple(problems[code]))
    for code, problem in malformed.items():
        gathered[code] = StationWeather(code, problems=(problem,))
    return gathered


def _valid_codes(stations: Iterable[str]) -> tuple[list[str], dict[str, str]]:
    """One malformed id must not cost every other station its weather."""
    codes: list[str] = []
    malformed: dict[str, str] = {}
    for station in stations:
        try:
            codes.extend(normalise_station_ids([station]))
        except (WeatherError, TypeError) as exc:
            malformed[str(station).strip().upper()] = str(exc)
    return list(dict.fromkeys(codes)), malformed


def _fetch(fetch, product: str, codes: list[str], problems: dict[str, list[str]]) -> dict[str, list[str]]:
    if not codes:
        return {}
    try:
        return fetch(codes)
    except WeatherError as exc:
        for code in codes:
            problems[code].append(f"{product} source: {exc}")
        return {}


def _decode(decoder, raw: str | None, product: str, code: str, now: datetime, problems: list[str]):
    if raw is None:
        return None
    try:
        return decoder(raw, reference=now)
    except WeatherError as exc:
        problems.append(f"The {product} for {code} could not be read ({exc}): {raw[:60]}")
        return None
