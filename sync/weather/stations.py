"""Reporting stations and their runways, from avwx-engine's bundled station data (no network).

Read through the compact index (``sync.weather.station_index``): the same answers as avwx's own
lookup without loading its whole 67 MB station file; avwx itself answers only when the index does
not match the installed avwx-engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sync.weather import station_index
from sync.weather.errors import UnknownStation


@dataclass(frozen=True, slots=True)
class StationInfo:
    icao: str
    name: str
    latitude: float
    longitude: float
    elevation_ft: int | None
    # True headings of every runway end, degrees. METAR winds are true, so these compare directly.
    runway_headings: tuple[float, ...]


def _unknown(code: str) -> UnknownStation:
    return UnknownStation(f"{code or '(empty)'} is not a reporting station the engine knows; "
                          "check the four-letter ICAO code")


@lru_cache(maxsize=4096)
def station_info(icao: str) -> StationInfo:
    """Look up a station; raises ``UnknownStation`` with a message a dispatcher can act on."""
    code = icao.strip().upper()
    index = station_index.load()
    if index is None:
        return _from_avwx(code)
    row = index.get(code)
    if row is None:
        raise _unknown(code)
    name, latitude, longitude, elevation_ft, headings = row
    return StationInfo(icao=code, name=name or code, latitude=latitude, longitude=longitude,
                       elevation_ft=elevation_ft, runway_headings=tuple(headings))


def _from_avwx(code: str) -> StationInfo:
    from avwx import Station
    from avwx.exceptions import BadStation

    try:
        station = Station.from_icao(code)
    except (BadStation, KeyError, ValueError) as exc:
        raise _unknown(code) from exc
    headings: list[float] = []
    for runway in station.runways or ():
        for bearing in (runway.bearing1, runway.bearing2):
            if bearing is not None:
                headings.append(float(bearing) % 360)
    return StationInfo(
        icao=code,
        name=station.name or code,
        latitude=station.latitude,
        longitude=station.longitude,
        elevation_ft=station.elevation_ft,
        runway_headings=tuple(headings),
    )


def is_known_station(icao: str) -> bool:
    try:
        station_info(icao)
    except UnknownStation:
        return False
    return True
