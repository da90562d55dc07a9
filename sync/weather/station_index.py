"""A compact index of avwx-engine's station data: what ``stations.station_info`` reads.

avwx keeps every airport of the world in one 67 MB JSON file and parses all of it on the first
station lookup: seconds of CPU holding the GIL and about 180 MB resident for as long as the
process lives — in ``fsp --demo`` (desktop and service in one process) more than the rest of the
process together. The service needs five numbers per reporting station, so
``resources/weather/stations.json`` holds just those for every station with an ICAO code (about
14,500, 1.1 MB), derived from avwx's file by ``python -m sync.weather.station_index`` and
checked against it by ``tests/sync/weather/test_station_index.py``.

Each row is ``ICAO: [name, latitude, longitude, elevation_ft, runway headings]``, the headings
(true, degrees) as ``stations.station_info`` derived them from avwx's runways. The file names the
avwx file it was made from (size and SHA-256): when the installed avwx-engine carries another
station file, ``load()`` returns None and the lookups go to avwx itself (exact, but slow and big)
until the index is made again.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from sync.resources import resource_path

__all__ = ["load", "build", "write", "index_path", "avwx_station_file"]

logger = logging.getLogger(__name__)

Row = list[Any]  # [name, latitude, longitude, elevation_ft, [headings…]]


def index_path() -> Path:
    return resource_path("weather", "stations.json")


def avwx_station_file() -> Path | None:
    """avwx-engine's station file, found without importing avwx (its import is heavy too)."""
    spec = importlib.util.find_spec("avwx")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "files" / "stations.json"


def _runway_headings(station: Mapping[str, Any]) -> list[float]:
    headings: list[float] = []
    for runway in station.get("runways") or ():
        for bearing in (runway.get("bearing1"), runway.get("bearing2")):
            if bearing is not None:
                headings.append(float(bearing) % 360)
    return headings


def build(stations: Mapping[str, Mapping[str, Any]]) -> dict[str, Row]:
    """The rows for avwx's station mapping (ident → station), as avwx's ICAO lookup finds them:
    by each station's ``icao``, a later station winning a shared code."""
    rows: dict[str, Row] = {}
    for station in stations.values():
        if station.get("icao"):
            rows[station["icao"]] = [station.get("name"), station["latitude"],
                                     station["longitude"], station.get("elevation_ft"),
                                     _runway_headings(station)]
    return rows


def _fingerprint(path: Path) -> dict[str, Any]:
    return {"bytes": path.stat().st_size,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def write(path: Path, source: Path) -> int:
    """Derive the index from avwx's station file ``source`` into ``path``; returns the number of
    stations. One station per line, sorted: a new avwx release shows as a readable diff."""
    with source.open(encoding="utf8") as stream:
        rows = build(json.load(stream))
    header = json.dumps({"source": _fingerprint(source)})
    lines = [f"{json.dumps(code)}: {json.dumps(row, ensure_ascii=False)}"
             for code, row in sorted(rows.items())]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header[:-1] + ', "stations": {\n' + ",\n".join(lines) + "\n}}\n",
                    encoding="utf8")
    return len(rows)


@cache
def load() -> dict[str, Row] | None:
    """The index (ICAO → row), read once; None when it is missing or was made from another
    station file than the installed avwx-engine's (the caller then asks avwx)."""
    path = index_path()
    try:
        with path.open(encoding="utf8") as stream:
            index = json.load(stream)
        stations, made_from = index["stations"], int(index["source"]["bytes"])
        if not isinstance(stations, dict):
            raise TypeError("no table of stations")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logger.warning("the station index %s cannot be read (%s): stations are looked up in "
                       "avwx-engine's own data (slower, and about 180 MB more memory)", path, exc)
        return None
    source = avwx_station_file()
    # Size only, at run time (hashing 67 MB would cost what the index saves); the tests compare
    # the whole content.
    if source is not None and source.is_file() and source.stat().st_size != made_from:
        logger.warning("the station index %s was made from another avwx-engine station file: "
                       "stations are looked up in avwx's own data (slower, and about 180 MB more "
                       "memory) until it is made again with `python -m sync.weather.station_index`",
                       path)
        return None
    return stations


def main(argv: list[str] | None = None) -> int:
    source = avwx_station_file()
    if source is None or not source.is_file():
        print("avwx-engine's station file was not found: install the project's dependencies",
              file=sys.stderr)
        return 1
    path = Path(argv[0]) if argv else index_path()
    count = write(path, source)
    print(f"Wrote {count:,} stations to {path} (from {source})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
