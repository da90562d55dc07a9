"""The compact station index answers as avwx-engine's own station data would.

``resources/weather/stations.json`` is derived from avwx's 67 MB station file so the service
never loads that file (``sync.weather.station_index``); these tests load it once, to compare.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from sync.weather import station_index
from sync.weather.stations import _from_avwx, station_info
from sync.weather.errors import UnknownStation
from sync.weather.taf_decoder import _read, decode_taf

DATA = Path(__file__).parent / "data"
DEMO_TAFS = Path(__file__).resolve().parents[3] / "resources" / "demo" / "weather" / "taf.json"


@pytest.fixture(autouse=True)
def fresh_lookups() -> Iterator[None]:
    station_index.load.cache_clear()
    station_info.cache_clear()
    yield
    station_index.load.cache_clear()
    station_info.cache_clear()


@pytest.fixture(scope="module")
def avwx_stations() -> dict:
    from avwx.station.meta import STATIONS

    return dict(STATIONS.items())


def test_the_shipped_index_is_made_from_the_installed_avwx_station_file(avwx_stations) -> None:
    shipped = json.loads(station_index.index_path().read_text(encoding="utf8"))
    source = station_index.avwx_station_file()
    assert shipped["source"] == station_index._fingerprint(source), (
        "avwx-engine's station file changed: run `python -m sync.weather.station_index`")
    # Through JSON, as load() reads it: floats come back exactly.
    assert shipped["stations"] == json.loads(json.dumps(station_index.build(avwx_stations)))
    assert len(shipped["stations"]) > 10_000


@pytest.mark.parametrize("code", ["KAUS", "khyi", " KSAT ", "KGTU", "EGLL", "ZYYK", "NZSP"])
def test_station_info_is_what_avwx_says(code: str) -> None:
    assert station_index.load() is not None
    assert station_info(code) == _from_avwx(code.strip().upper())


@pytest.mark.parametrize("code", ["", "XXXX", "KAU", "00AA"])  # 00AA: a GPS code, no ICAO
def test_unknown_stations_are_refused_alike(code: str) -> None:
    with pytest.raises(UnknownStation, match="is not a reporting station the engine knows"):
        station_info(code)
    with pytest.raises(UnknownStation):
        _from_avwx(code.strip().upper())


def test_an_index_of_another_avwx_file_is_not_used(tmp_path: Path, monkeypatch,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    stale = tmp_path / "weather" / "stations.json"
    stale.parent.mkdir()
    # A made-up KAUS: if this index were used, the answer would show it.
    stale.write_text(json.dumps({"source": {"bytes": 1, "sha256": "0"}, "stations": {
        "KAUS": ["Nowhere", 0.0, 0.0, 0, []]}}), encoding="utf8")
    monkeypatch.setenv("FSP_RESOURCES", str(tmp_path))
    assert station_index.load() is None
    assert "made from another avwx-engine station file" in caplog.text
    assert station_info("KAUS").name == "Austin Bergstrom International Airport"
    assert station_info("KAUS").latitude == pytest.approx(30.197535)


def _corpus_tafs() -> list[str]:
    cases = [json.loads(line) for line in (DATA / "taf_cases.jsonl").read_text().splitlines()
             if line.strip()]
    demo = [entry["rawTAF"] for entry in json.loads(DEMO_TAFS.read_text())]
    return sorted({case["taf"] for case in cases if case.get("taf")} | set(demo))


ODD_TAFS = [
    "KAUS 251720Z 2518/2624 18010KT P6SM SCT040",                  # no "TAF" word
    "TAF AMD KAUS 251720Z 2518/2624 18010KT P6SM SCT040",          # amended
    "TAF XXXX 251720Z 2518/2624 18010KT P6SM SCT040",              # no such station
    "TAF AUS 251720Z 2518/2624 18010KT P6SM SCT040",               # an IATA code
    "TAF 251720Z 2518/2624 18010KT P6SM SCT040",                   # no station word
    "TAF KAUS 251720Z 2518/2624 18010KT P6SM BKN0#0",              # a typo avwx "repairs"
    "TAF KAUS 251720Z 2518/2624 18010KT P6SM SCT040 PROB30",       # a dangling group
]


@pytest.mark.parametrize("text", _corpus_tafs() + ODD_TAFS)
def test_tafs_are_read_as_avwx_reads_them_from_the_report(text: str) -> None:
    from avwx import Taf

    issued = date(2026, 11, 25)
    try:
        expected = Taf.from_report(text, issued=issued)
    except Exception as exc:  # noqa: BLE001 - whatever avwx raises, the fast path raises alike
        with pytest.raises(type(exc)):
            _read(text, issued)
        return
    reading = _read(text, issued)
    if expected is None:
        assert reading is None
        return
    assert (reading.data, reading.units, reading.sanitization) == (
        expected.data, expected.units, expected.sanitization)


def test_decoding_a_taf_needs_no_avwx_station_file() -> None:
    """In a fresh process: decoding the demo's TAFs and looking up their stations leaves avwx's
    station data unread (it is what made the demo process 180 MB bigger)."""
    import subprocess
    import sys

    probe = (
        "import json, sys\n"
        "from datetime import datetime, timezone\n"
        "from sync.weather.taf_decoder import decode_taf\n"
        "from sync.weather.stations import station_info\n"
        f"tafs = json.load(open({str(DEMO_TAFS)!r}))\n"
        "for entry in tafs:\n"
        "    decode_taf(entry['rawTAF'], reference=datetime(2026, 11, 25, 12, tzinfo=timezone.utc))\n"
        "    station_info(entry['icaoId'])\n"
        "from avwx.station.meta import STATIONS\n"
        "print('loaded' if STATIONS._data is not None else 'unread')\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[3], timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "unread"


def test_decode_taf_still_refuses_a_taf_without_a_station() -> None:
    from sync.weather.errors import WeatherUnreadable

    with pytest.raises(WeatherUnreadable, match="not a readable TAF"):
        decode_taf("TAF 251720Z 2518/2624 18010KT P6SM SCT040")


def test_an_unreadable_index_is_not_used(tmp_path: Path, monkeypatch,
                                          caplog: pytest.LogCaptureFixture) -> None:
    broken = tmp_path / "weather" / "stations.json"
    broken.parent.mkdir()
    broken.write_text('{"stations": []}', encoding="utf8")
    monkeypatch.setenv("FSP_RESOURCES", str(tmp_path))
    assert station_index.load() is None
    assert "cannot be read" in caplog.text
    assert station_info("KAUS").name == "Austin Bergstrom International Airport"
