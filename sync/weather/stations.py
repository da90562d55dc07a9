"""Reporting stations and their runways, from avwx-engine's bundled station data (no network)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from avwx import Station
from avwx.exceptions import BadStation

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


@lru_cache(maxsize=4096)
def station_info(icao: str) -> StationInfo:
    """Look up a station; raises ``UnknownStation`` with a message a dispatcher can act on."""
    code = icao.strip().upper()
    try:
        station = Station.from_icao(code)
    except (BadStation, KeyError, ValueError) as exc:
        raise UnknownStation(f"{code or '(empty)'} is not a reporting station the engine knows; "
                             "check the four-letter ICAO code") from exc
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
