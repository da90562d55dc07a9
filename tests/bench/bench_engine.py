"""How fast the weather engine judges, on one core, and which TAF library it should stand on.

1. METAR decode + judge: ~50 varied real-format METARs (goal: >= 5,000 judgements per second).
2. TAF windows: decode + judge_forecast of a lesson window, and judging windows of a decoded TAF.
3. TAF decoding: our decoder (avwx-engine underneath) vs raw avwx vs metar-taf-parser-mivek on the
   same TAFs, plus a printed correctness comparison on tricky TAFs.

The process is pinned to one CPU while these run. Run on purpose (not part of the test suite):

    .venv/bin/python -m pytest tests/bench/bench_engine.py -o python_files='bench_*.py' --benchmark-only

The rates are printed as the benchmarks finish; docs/benchmarks.md records a run.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from avwx import Taf
from metar_taf_parser.parser.parser import TAFParser

from sync.weather.evaluation import evaluate_case
from sync.weather.judge import PilotLimits, judge
from sync.weather.metar_decoder import decode_metar
from sync.weather.minimums import DEFAULT_MINIMUMS, TrainingLevel
from sync.weather.stations import station_info
from sync.weather.taf_decoder import decode_taf
from sync.weather.verdicts import Verdict, verdict_of
from sync.weather.window import judge_forecast, judge_observation

# Warm-up rounds first: the first rounds pay for imports, caches and the allocator, not the engine.
pytestmark = pytest.mark.benchmark(warmup=True, warmup_iterations=20)

GOAL_METAR_JUDGEMENTS_PER_SECOND = 5_000
REFERENCE = datetime(2026, 11, 25, 18, 0, tzinfo=timezone.utc)
PRIVATE_PILOT = PilotLimits(DEFAULT_MINIMUMS[TrainingLevel.PRIVATE_PILOT], aircraft_crosswind_kt=15)
EARLY_STUDENT = PilotLimits(DEFAULT_MINIMUMS[TrainingLevel.EARLY_STUDENT], aircraft_crosswind_kt=15,
                            night_trained=False)

# Real-format reports: US and ICAO, every kind of group the engine meets.
METARS = [
    "METAR KAUS 251753Z 18006KT 10SM FEW250 22/08 A3012 RMK AO2 SLP198 T02220083",
    "KAUS 251753Z 18015G25KT 3SM -TSRA BKN008 OVC020CB 24/22 A2992 RMK AO2 TSB32 P0012",
    "KAUS 251653Z 17012KT 10SM SCT035 BKN250 23/14 A2998 RMK AO2 SLP148",
    "SPECI KAUS 251712Z 20018G28KT 2SM +TSRA BR BKN006 OVC015CB 21/20 A2990 RMK AO2 PK WND 21032/1708",
    "KSAT 251751Z 27015G22KT 10SM SCT045 21/12 A2998 RMK AO2 PK WND 27028/1720 SLP148",
    "KHYI 251755Z AUTO 16007KT 4SM BR OVC007 18/16 A3000 RMK AO2 T01830161",
    "KGTU 251756Z AUTO 18009KT 10SM CLR 18/12 A3001 RMK AO2",
    "KDFW 251753Z 35014G24KT 10SM FEW030 BKN250 14/03 A3011 RMK AO2 SLP196",
    "KIAH 251753Z 14010KT 1 1/2SM BR OVC004 19/18 A3004 RMK AO2",
    "KDEN 251753Z 32008KT 1/2SM FZFG VV002 M03/M04 A3022 RMK AO2",
    "KORD 251751Z 28016G26KT 6SM -SN BKN012 OVC025 M02/M05 A2980 RMK AO2",
    "KBOS 251754Z 04018G30KT 1SM -FZRA BR OVC005 M01/M02 A2968 RMK AO2 FZRANO",
    "KSEA 251753Z 19008KT 5SM -RA BR BKN010 OVC020 09/08 A2995 RMK AO2",
    "KPHX 251751Z VRB04KT 10SM SKC 24/M02 A3008 RMK AO2",
    "KMIA 251753Z 09012KT 10SM VCTS SCT025CB BKN080 29/23 A3001 RMK AO2",
    "KATL 251752Z 00000KT 10SM FEW060 18/09 A3020 RMK AO2",
    "KJFK 251751Z 31021G33KT 10SM FEW045 08/M07 A2990 RMK AO2 PK WND 31038/1712",
    "KLAX 251753Z 25010KT 3/4SM BR FG OVC002 15/14 A2995 RMK AO2",
    "KSFO 251756Z 29018KT 10SM FEW012 SCT200 14/09 A3002 RMK AO2",
    "KMSP 251753Z 33012KT 2 1/2SM -SN BR OVC009 M06/M08 A3010 RMK AO2",
    "KOKC 251752Z 19022G34KT 7SM BKN022 OVC040 17/14 A2985 RMK AO2",
    "KELP 251751Z 27027G39KT 5SM BLDU SCT050 18/M06 A2975 RMK AO2",
    "KABQ 251752Z 24014KT 10SM FEW100 SCT200 12/M08 A3002 RMK AO2",
    "KMCO 251753Z 10006KT M1/4SM FG VV001 20/20 A3006 RMK AO2",
    "KBNA 251753Z 19009KT 4SM -DZ BR OVC006 13/12 A2999 RMK AO2",
    "KCLE 251751Z 24012KT 3SM -SHSN BKN015 OVC030 M01/M04 A2985 RMK AO2",
    "KSLC 251754Z 16005KT 1 1/4SM BR BKN009 OVC018 02/01 A3018 RMK AO2",
    "KDCA 251752Z COR 02008KT 10SM OVC045 06/M02 A3025 RMK AO2",
    "METAR KAUS 251753Z CCA 17008KT 10SM SCT040 22/12 A3003 RMK AO2",
    "KPDX 251753Z AUTO 15008KT 6SM -RA OVC020 10/08 A2999 RMK AO2 P0002",
    "KBUF 251754Z 26020G31KT 1/4SM +SN FZFG VV003 M04/M05 A2970 RMK AO2",
    "KMEM 251753Z 21012KT 10SM TS FEW035CB BKN100 22/17 A2990 RMK AO2 TSB40",
    "KSTL 251751Z 23010KT 10SM BKN030 OVC080 12/06 A3001 RMK AO2",
    "KTUS 251753Z 13006KT 10SM CLR 25/M03 A3002 RMK AO2",
    "KRDU 251751Z 00000KT 3SM BR BKN004 OVC011 11/10 A3014 RMK AO2",
    "KAUS 251753Z AUTO 18010KT 10SM CLR 20/10 A3000 RMK AO2 PWINO",
    "KAUS 251753Z 18010KT 10SM SKC 20/10 A3000 XQZT",  # an unreadable group
    "KAUS 251753Z 10SM SKC 20/10 A3000",  # no wind group
    "KAUS 251753Z 18005KT 10SM BKN/// 20/10 A3000",  # ceiling base not reported
    "EGLL 251750Z 22012KT 9999 FEW040 10/05 Q1013",
    "EGLL 251750Z 22005MPS CAVOK 10/05 Q1013",
    "EDDF 251750Z 24015G28KT 6000 -RA BKN012 OVC025 08/06 Q1002 TEMPO 3000 RA",
    "LFPG 251800Z 20009KT 0800 FG VV002 04/04 Q1020 NOSIG",
    "UUEE 251800Z 18007MPS 9999 -SHSN BKN020CB M05/M08 Q1008",
    "RJTT 251800Z 34018KT 9999 FEW030 SCT100 12/M01 Q1016 NOSIG",
    "YSSY 251800Z 17020G30KT 9999 VCSH SCT025 BKN040 19/12 Q1011",
    "CYYZ 251800Z 30015G25KT 15SM DRSN BKN025 M08/M14 A3004 RMK SC6",
    "EHAM 251755Z 23025G38KT 4500 -RADZ BKN008 OVC015 11/10 Q0995 TEMPO 3000",
    "LEMD 251800Z VRB02KT CAVOK 14/M02 Q1025 NOSIG",
    "OMDB 251800Z 33008KT 5000 DU NSC 27/12 Q1012 NOSIG",
]

# TAFs for the window benchmark (all issued on the 25th; windows start three hours into validity).
TAFS = [
    "TAF KAUS 251120Z 2512/2618 17008KT P6SM FEW035 SCT250 FM251800 18012G18KT P6SM SCT040 BKN250 "
    "TEMPO 2520/2524 3SM TSRA BKN020CB FM260000 20010KT 4SM -RA BR OVC008 PROB30 2603/2607 1SM FZDZ BR OVC003 "
    "FM260900 32015G25KT P6SM BKN030 BECMG 2612/2614 33010KT SKC",
    "TAF KSAT 251140Z 2512/2618 27012G20KT P6SM SCT045 FM251900 26015G24KT P6SM SCT050 TEMPO 2521/2601 VCTS "
    "BKN035CB FM260200 31012KT P6SM BKN025 FM261200 34010KT P6SM SKC",
    "TAF KGTU 251130Z 2512/2612 18008KT P6SM SKC FM252000 19012KT 5SM BR BKN025 FM260100 20010KT 3SM -RA OVC009",
    "TAF KDFW 251720Z 2518/2624 35014G24KT P6SM FEW030 BKN250 FM260200 01010KT P6SM SKC",
    "TAF KIAH 251720Z 2518/2624 14010KT 2SM BR OVC004 TEMPO 2518/2520 1SM BR OVC003 FM252100 16012KT 5SM BR BKN008",
    "TAF KDEN 251720Z 2518/2624 32008KT 1/2SM FZFG VV002 BECMG 2520/2522 3SM BR OVC008 FM260300 27012KT P6SM SCT100",
    "TAF KORD 251720Z 2518/2624 28016G26KT 6SM -SN BKN012 OVC025 PROB30 2520/2524 2SM SN OVC008 FM260600 30012KT P6SM BKN030",
    "TAF EGLL 251700Z 2518/2624 22012KT 9999 FEW040 TEMPO 2520/2524 7000 -RA BKN014 PROB40 TEMPO 2600/2604 4000 RA BKN008",
    "TAF UUEE 251700Z 2518/2624 18007MPS 9999 -SHSN BKN020CB TEMPO 2518/2524 1500 SHSN BKN008CB",
    "TAF YSSY 251700Z 2518/2624 17020G30KT 9999 SCT025 BKN040 INTER 2520/2524 4000 SHRA BKN012",
]

# Tricky TAFs for the correctness comparison: what each library makes of the hard parts.
TRICKY = {
    "PROB30 TEMPO": "TAF KAUS 251720Z 2518/2624 18010KT P6SM SCT040 PROB30 TEMPO 2520/2522 2SM TSRA BKN010CB",
    "PROB40": "TAF KAUS 251720Z 2518/2624 18010KT P6SM SCT040 PROB40 2520/2522 2SM TSRA BKN010CB",
    "BECMG": "TAF KAUS 251720Z 2518/2624 18010KT P6SM SCT040 BECMG 2520/2522 25015KT 2SM BR OVC008",
    "unknown group XQZT": "TAF KAUS 251720Z 2518/2624 18010KT P6SM SCT040 XQZT FM252200 18012KT P6SM SKC",
    "unknown group in TEMPO": "TAF KAUS 251720Z 2518/2624 18010KT P6SM SCT040 TEMPO 2520/2522 3SM XQZT BR",
    "typo wind 18O10KT": "TAF KAUS 251720Z 2518/2624 18O10KT P6SM SCT040",
    "9999 in a US TAF": "TAF KAUS 251720Z 2518/2624 18010KT 9999 SCT040 FM252200 18012KT P6SM SKC",
    "MPS winds": "TAF UUEE 251700Z 2518/2624 22005G10MPS 9999 SCT040 TEMPO 2520/2522 4000 RA BKN010",
    "M1/4SM in TEMPO": "TAF KAUS 251720Z 2518/2624 18010KT P6SM SKC TEMPO 2520/2522 M1/4SM FG",
    "1 1/2SM": "TAF KAUS 251720Z 2518/2624 18010KT 1 1/2SM BR OVC005",
}


@pytest.fixture(scope="module", autouse=True)
def one_core() -> Iterator[None]:
    """Pin the process to one CPU, so the numbers are per core whatever the machine."""
    if not hasattr(os, "sched_setaffinity"):
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


@pytest.fixture(scope="module", autouse=True)
def warm_station_data() -> None:
    # The first station lookup loads avwx's station table (seconds); a sweep pays it once.
    for code in {raw.split()[1] if raw.startswith(("METAR", "SPECI")) else raw.split()[0] for raw in METARS}:
        try:
            station_info(code)
        except Exception:  # an unknown station is judged without runways; not the benchmark's business
            pass


def _rate(benchmark: Any, items: int) -> float:
    # The median round: a shared machine's stalls move the mean, not the median.
    return items / benchmark.stats.stats.median


def _report(capsys: pytest.CaptureFixture[str], text: str) -> None:
    with capsys.disabled():
        print(f"\n{text}")


def _profile(function: Callable[[], object], rounds: int = 50) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(rounds):
        function()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
    return out.getvalue()


# -- 1. METAR decode + judge -------------------------------------------------------------------


def _decode_and_judge_core() -> list[Verdict]:
    verdicts = []
    for raw in METARS:
        conditions = decode_metar(raw, reference=REFERENCE).conditions
        verdicts.append(verdict_of(judge(conditions, PRIVATE_PILOT, runway_headings=(179.0, 359.0)).reasons))
    return verdicts


def _decode_and_judge_observation() -> list[Verdict]:
    # What the sweep does per METAR: decode, then judge at the station (its runways, crosswind,
    # staleness, reasons ordered).
    return [judge_observation(decode_metar(raw, reference=REFERENCE), PRIVATE_PILOT, now=REFERENCE).verdict
            for raw in METARS]


CASES = [{"id": str(n), "level": "PRIVATE_PILOT", "metar": raw, "at": "2026-11-25T18:00Z",
          "aircraft_crosswind_kt": 15} for n, raw in enumerate(METARS)]


def _evaluate_cases() -> list[dict]:
    # The command line's path: case validation, decode, judge, JSON-ready dict.
    return [evaluate_case(case) for case in CASES]


def test_metars_decode_and_judge_observation(benchmark: Any, capsys: pytest.CaptureFixture[str]) -> None:
    benchmark.group = "METAR decode + judge (50 reports per round)"
    verdicts = benchmark(_decode_and_judge_observation)
    counts = Counter(verdict.value for verdict in verdicts)
    rate = _rate(benchmark, len(METARS))
    _report(capsys, f"METAR decode + judge_observation: {rate:,.0f} judgements/s on one core "
                    f"(goal >= {GOAL_METAR_JUDGEMENTS_PER_SECOND:,}); verdicts {dict(sorted(counts.items()))}")
    assert len(verdicts) == len(METARS) == 50
    # Every kind of verdict is exercised, so the rate is not of one easy path.
    assert set(counts) == {"GO", "MARGINAL", "NO_GO", "UNKNOWN"}
    if rate < GOAL_METAR_JUDGEMENTS_PER_SECOND:
        _report(capsys, _profile(_decode_and_judge_observation))
    assert rate >= GOAL_METAR_JUDGEMENTS_PER_SECOND


def test_metars_decode_and_judge_core(benchmark: Any, capsys: pytest.CaptureFixture[str]) -> None:
    benchmark.group = "METAR decode + judge (50 reports per round)"
    verdicts = benchmark(_decode_and_judge_core)
    rate = _rate(benchmark, len(METARS))
    _report(capsys, f"METAR decode_metar + judge: {rate:,.0f} judgements/s on one core")
    assert len(verdicts) == 50 and Verdict.NO_GO in verdicts


def test_metars_evaluate_case(benchmark: Any, capsys: pytest.CaptureFixture[str]) -> None:
    benchmark.group = "METAR decode + judge (50 reports per round)"
    results = benchmark(_evaluate_cases)
    rate = _rate(benchmark, len(CASES))
    _report(capsys, f"METAR evaluation.evaluate_case (CLI path): {rate:,.0f} judgements/s on one core")
    assert [r["id"] for r in results] == [c["id"] for c in CASES]
    assert not [r for r in results if "error" in r]


def test_metar_decode_profile(benchmark: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """Where one round of decode + judge spends its time (printed; one measured round)."""
    benchmark.group = "profile"
    profile = benchmark.pedantic(_profile, args=(_decode_and_judge_observation, 20), rounds=1, iterations=1)
    top = [line for line in profile.splitlines() if re.match(r"\s+\d", line)][:8]
    _report(capsys, "cProfile, top functions by own time (20 rounds of 50 METARs):\n" + "\n".join(top))
    assert top


# -- 2. TAF windows ----------------------------------------------------------------------------


def _window(forecast, hours_in: float = 3, length: float = 2) -> tuple[datetime, datetime]:
    start = forecast.valid_from + timedelta(hours=hours_in)
    return start, start + timedelta(hours=length)


def _decode_and_judge_windows(limits: PilotLimits) -> list[Verdict]:
    verdicts = []
    for raw in TAFS:
        forecast = decode_taf(raw, reference=REFERENCE)
        start, end = _window(forecast)
        verdicts.append(judge_forecast(forecast, limits, start=start, end=end).verdict)
    return verdicts


DECODED = [decode_taf(raw, reference=REFERENCE) for raw in TAFS]
WINDOW_STARTS = (1, 3, 6, 9, 12, 15, 18, 21)  # eight lessons per forecast, two hours each


def _judge_decoded_windows(limits: PilotLimits) -> list[Verdict]:
    return [judge_forecast(forecast, limits, start=start, end=end).verdict
            for forecast in DECODED for start, end in (_window(forecast, h) for h in WINDOW_STARTS)]


def test_taf_decode_and_judge_window(benchmark: Any, capsys: pytest.CaptureFixture[str]) -> None:
    benchmark.group = "TAF windows"
    verdicts = benchmark(_decode_and_judge_windows, PRIVATE_PILOT)
    rate = _rate(benchmark, len(TAFS))
    _report(capsys, f"TAF decode + judge_forecast (private pilot): {rate:,.0f} windows/s on one core; "
                    f"verdicts {dict(Counter(v.value for v in verdicts))}")
    assert len(verdicts) == len(TAFS) and Verdict.NO_GO in verdicts


def test_taf_judge_decoded_windows(benchmark: Any, capsys: pytest.CaptureFixture[str]) -> None:
    benchmark.group = "TAF windows"
    verdicts = benchmark(_judge_decoded_windows, PRIVATE_PILOT)
    rate = _rate(benchmark, len(verdicts))
    _report(capsys, f"judge_forecast on decoded TAFs (private pilot): {rate:,.0f} windows/s on one core")
    assert len(verdicts) == len(TAFS) * len(WINDOW_STARTS)


def test_taf_judge_decoded_windows_with_daylight(benchmark: Any, capsys: pytest.CaptureFixture[str]) -> None:
    benchmark.group = "TAF windows"
    verdicts = benchmark(_judge_decoded_windows, EARLY_STUDENT)
    rate = _rate(benchmark, len(verdicts))
    _report(capsys, f"judge_forecast on decoded TAFs (early student: civil twilight checked): "
                    f"{rate:,.0f} windows/s on one core")
    assert len(verdicts) == len(TAFS) * len(WINDOW_STARTS)


# -- 3. TAF decoding: avwx (ours) vs metar-taf-parser-mivek ------------------------------------


def _ours() -> list:
    return [decode_taf(raw, reference=REFERENCE) for raw in TAFS]


def _avwx_raw() -> list:
    return [Taf.from_report(raw, issued=date(2026, 11, 25)) for raw in TAFS]


def _mivek() -> list:
    return [TAFParser().parse(raw) for raw in TAFS]


@pytest.mark.parametrize(
    ("name", "decode"),
    [("sync.weather.taf_decoder (avwx)", _ours), ("avwx Taf.from_report alone", _avwx_raw),
     ("metar-taf-parser-mivek TAFParser", _mivek)],
    ids=["ours-avwx", "avwx-raw", "mivek"],
)
def test_taf_decoding(benchmark: Any, capsys: pytest.CaptureFixture[str], name: str,
                      decode: Callable[[], list]) -> None:
    benchmark.group = "TAF decoding (10 TAFs per round)"
    decoded = benchmark(decode)
    _report(capsys, f"{name}: {_rate(benchmark, len(TAFS)):,.0f} TAFs/s on one core")
    assert len(decoded) == len(TAFS) and all(decoded)


def _mivek_keeps(taf, token: str) -> bool:
    """Whether ``token`` survives anywhere in mivek's result other than the raw message."""
    fields = {name: value for name, value in vars(taf).items() if name != "_message"}
    return token in repr(fields)


def _mivek_findings(name: str, raw: str) -> str:
    taf = TAFParser().parse(raw)
    trends = taf.trends
    if name in ("PROB30 TEMPO", "PROB40", "BECMG"):
        trend = trends[0]
        return f"typed {trend.type.name}, probability {trend.probability}, validity day/hour only (no dates)"
    if name.startswith("unknown group"):
        if _mivek_keeps(taf, "XQZT"):
            return "XQZT kept"
        return "XQZT silently dropped (no remark, no unparsed list)"
    if name == "typo wind 18O10KT":
        return "wind = None, nothing recorded: reads as 'no wind'" if taf.wind is None else f"wind {taf.wind}"
    if name == "9999 in a US TAF":
        return f"visibility '{taf.visibility.distance}' unit {taf.visibility.unit} (a string: caller converts)"
    if name == "MPS winds":
        wind = taf.wind
        return f"wind {wind.speed} G{wind.gust} unit {wind.unit} (not converted to knots)"
    if name == "M1/4SM in TEMPO":
        return f"TEMPO visibility '{trends[0].visibility.distance}' (kept, as a string)"
    if name == "1 1/2SM":
        return f"visibility '{taf.visibility.distance}' (a string: caller converts)"
    return ""


def _our_findings(name: str, raw: str) -> str:
    forecast = decode_taf(raw, reference=REFERENCE)
    periods = forecast.periods
    if name in ("PROB30 TEMPO", "PROB40", "BECMG"):
        period = periods[1]
        return f"typed {period.label}, {period.start:%d %H:%M}Z-{period.end:%d %H:%M}Z (dated)"
    if name.startswith("unknown group"):
        unreadable = [u for p in periods for u in p.conditions.unreadable]
        return f"kept as unreadable: {unreadable}" if unreadable else "silently dropped"
    if name == "typo wind 18O10KT":
        base = periods[0].conditions
        noted = [u for u in base.unreadable if "18O10KT" in u]
        if noted:
            return f"not guessed, recorded as unreadable ({len(noted)} reasons) → UNKNOWN"
        if base.wind is not None:
            return f"avwx's typo repair reads wind {base.wind.direction_deg}/{base.wind.speed_kt} kt, silently"
        return "wind = None, nothing recorded"
    if name == "9999 in a US TAF":
        vis = periods[0].conditions.visibility
        return f"visibility {vis.modifier}{vis.statute_miles:.2f} SM (metres on this line only)"
    if name == "MPS winds":
        wind = periods[0].conditions.wind
        return f"wind {wind.speed_kt} G{wind.gust_kt} kt (converted)"
    if name == "M1/4SM in TEMPO":
        visibility = periods[1].conditions.visibility
        if visibility is None:
            return "TEMPO visibility lost (avwx sanitises the group to 'M14KT')"
        return f"TEMPO visibility {visibility.describe()}"
    if name == "1 1/2SM":
        return f"visibility {periods[0].conditions.visibility.statute_miles} SM"
    return ""


def test_taf_library_correctness(benchmark: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """What each library makes of tricky TAFs; the asserts pin the findings in docs/benchmarks.md."""
    benchmark.group = "TAF correctness (printed)"

    def compare() -> list[tuple[str, str, str]]:
        return [(name, _our_findings(name, raw), _mivek_findings(name, raw)) for name, raw in TRICKY.items()]

    rows = benchmark.pedantic(compare, rounds=1, iterations=1)
    lines = ["TAF correctness: case | ours (avwx) | mivek"]
    lines += [f"  {name:<24} | {ours} | {mivek}" for name, ours, mivek in rows]
    _report(capsys, "\n".join(lines))
    findings = {name: (ours, mivek) for name, ours, mivek in rows}
    # mivek types PROB lines (PROB30 TEMPO is a TEMPO with probability 30)…
    assert findings["PROB30 TEMPO"][1].startswith("typed TEMPO, probability 30")
    assert findings["PROB40"][1].startswith("typed PROB, probability 40")
    # …but silently drops what it cannot read, which the engine must never allow.
    assert "silently dropped" in findings["unknown group XQZT"][1]
    assert "silently dropped" in findings["unknown group in TEMPO"][1]
    assert findings["typo wind 18O10KT"][1].startswith("wind = None")
    # Our decoder (avwx underneath) keeps every unreadable group as a reason…
    assert "kept as unreadable" in findings["unknown group XQZT"][0]
    assert "kept as unreadable" in findings["unknown group in TEMPO"][0]
    assert findings["typo wind 18O10KT"][0].startswith("not guessed, recorded as unreadable")
    # …and puts back the M1/4SM that avwx's typo repair turns into a wind group in change lines.
    assert findings["M1/4SM in TEMPO"][0] == "TEMPO visibility less than 1/4 SM"
    assert "M1/4" in findings["M1/4SM in TEMPO"][1]
