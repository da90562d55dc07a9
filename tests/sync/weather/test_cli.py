"""``fsp-sync weather …`` exactly as the issue says other tools call it.

Every command runs in-process through ``sync.cli.main`` (fast, precise) and the issue's commands
also once as a real subprocess of the installed ``fsp-sync`` entry point.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import sync.weather.current as current_module
from sync.cli import main
from sync.weather.sources import AviationWeatherClient
from tests.support.fake_aviationweather import FakeAviationWeather

ISSUE_METAR = "KAUS 251753Z 18015G25KT 3SM -TSRA BKN008 OVC020CB 24/22 A2992"
ISSUE_TAF = ("TAF KAUS 251720Z 2518/2624 18008KT P6SM SKC FM252100 20012KT 5SM BR BKN025 "
             "TEMPO 2522/2524 3SM TSRA BKN020CB FM260300 32010KT P6SM SKC")
GOOD_METAR = "KAUS 251753Z 18005KT 10SM SKC 20/10 A3000"
CALM_TAF = "TAF KAUS 251720Z 2518/2624 00000KT P6SM SKC"

_ENTRY_POINT = Path(sys.executable).with_name("fsp-sync")
FSP_SYNC = [str(_ENTRY_POINT)] if _ENTRY_POINT.exists() else [sys.executable, "-m", "sync.cli"]


def run_in_process(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        status = main(list(argv))
    except SystemExit as exit_:
        status = exit_.code
    out, err = capsys.readouterr()
    return status, out, err


def run_subprocess(*argv: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*FSP_SYNC, *argv], capture_output=True, encoding="utf-8", input=stdin,
                          env={**os.environ, **(env or {})}, timeout=120)


def evaluate_json(capsys, *argv: str) -> dict:
    status, out, err = run_in_process(capsys, "weather", "evaluate", *argv)
    assert status == 0, err
    lines = out.splitlines()
    assert len(lines) == 1, out
    return json.loads(lines[0])


# -- evaluate --metar ------------------------------------------------------------------------

ISSUE_OBSERVED = {
    "flight_category": "IFR", "visibility_sm": 3.0, "visibility_modifier": None, "ceiling_ft": 800,
    "wind_dir_deg": 180, "wind_speed_kt": 15, "wind_gust_kt": 25, "thunderstorm": True, "icing": False,
    "crosswind_kt": None,
}


def check_issue_metar_result(result: dict) -> None:
    assert result["id"] is None
    assert result["station"] == "KAUS"
    assert result["verdict"] == "NO_GO"
    assert {key: result["observed"][key] for key in ISSUE_OBSERVED} == ISSUE_OBSERVED
    assert result["forecast"] == []
    assert result["minimums"] == {"visibility_sm": 3, "ceiling_ft": 1000, "max_wind_kt": 15}
    assert [r["code"] for r in result["reasons"]] == ["THUNDERSTORM", "THUNDERSTORM", "CEILING", "WIND", "VISIBILITY"]
    assert result["reasons"][2]["text"] == "Ceiling 800 ft is below the 1000 ft minimum for a private pilot"
    assert all(set(reason) == {"code", "text"} for reason in result["reasons"])


def test_evaluate_the_issue_metar(capsys):
    result = evaluate_json(capsys, "--level", "PRIVATE_PILOT", "--metar", ISSUE_METAR)
    check_issue_metar_result(result)


def test_evaluate_the_issue_metar_as_a_subprocess():
    done = run_subprocess("weather", "evaluate", "--level", "PRIVATE_PILOT", "--metar", ISSUE_METAR)
    assert done.returncode == 0, done.stderr
    check_issue_metar_result(json.loads(done.stdout))


def test_a_metar_without_at_is_current_and_with_at_can_be_stale(capsys):
    now = evaluate_json(capsys, "--level", "PRIVATE_PILOT", "--metar", GOOD_METAR)
    assert (now["verdict"], now["reasons"]) == ("GO", [])
    later = evaluate_json(capsys, "--level", "PRIVATE_PILOT", "--metar", GOOD_METAR, "--at", "2026-11-25T21:00Z")
    assert later["verdict"] == "UNKNOWN"
    assert [r["code"] for r in later["reasons"]] == ["STALE"]
    assert "187 minutes old" in later["reasons"][0]["text"]


def test_evaluate_with_an_aircraft_and_a_station(capsys):
    result = evaluate_json(capsys, "--level", "INSTRUMENT_RATED", "--metar", "KAUS 251753Z 27020KT 10SM SKC 20/10 A3000",
                           "--aircraft-crosswind-kt", "15")
    assert result["verdict"] == "NO_GO"
    assert result["observed"]["crosswind_kt"] == 20.0
    assert [r["code"] for r in result["reasons"]] == ["CROSSWIND"]
    # The same report judged at KHYI, whose runway 27 is into the wind.
    result = evaluate_json(capsys, "--level", "INSTRUMENT_RATED", "--metar", "KAUS 251753Z 27020KT 10SM SKC 20/10 A3000",
                           "--aircraft-crosswind-kt", "15", "--station", "KHYI")
    assert (result["station"], result["verdict"]) == ("KHYI", "GO")
    assert result["observed"]["crosswind_kt"] == pytest.approx(0.8)


# -- evaluate --taf ----------------------------------------------------------------------------

TAF_ARGS = ("--level", "EARLY_STUDENT", "--taf", ISSUE_TAF, "--at", "2026-11-25T22:00Z", "--until", "2026-11-26T00:00Z")


def check_issue_taf_result(result: dict) -> None:
    assert result["station"] == "KAUS"
    assert result["verdict"] == "NO_GO"
    assert result["observed"] is None
    assert result["minimums"] == {"visibility_sm": 10, "ceiling_ft": 3000, "max_wind_kt": 10}
    assert [(p["type"], p["from"], p["to"]) for p in result["forecast"]] == [
        ("FM", "2026-11-25T21:00:00Z", "2026-11-26T03:00:00Z"),
        ("TEMPO", "2026-11-25T22:00:00Z", "2026-11-26T00:00:00Z"),
    ]
    fm, tempo = result["forecast"]
    assert (fm["visibility_sm"], fm["ceiling_ft"], fm["wind_dir_deg"], fm["wind_speed_kt"]) == (5.0, 2500, 200, 12)
    assert (tempo["thunderstorm"], tempo["visibility_sm"], tempo["ceiling_ft"], tempo["wind_speed_kt"]) == (True, 3.0, 2000, None)
    codes = [r["code"] for r in result["reasons"]]
    assert set(codes) == {"VISIBILITY", "CEILING", "WIND", "THUNDERSTORM", "DARKNESS"}
    assert "TEMPO 25 22:00–26 00:00Z: Thunderstorm reported (TSRA)" in [r["text"] for r in result["reasons"]]


def test_evaluate_the_issue_taf(capsys):
    check_issue_taf_result(evaluate_json(capsys, *TAF_ARGS))


def test_evaluate_the_issue_taf_as_a_subprocess():
    done = run_subprocess("weather", "evaluate", *TAF_ARGS)
    assert done.returncode == 0, done.stderr
    check_issue_taf_result(json.loads(done.stdout))


def test_a_taf_without_at_is_judged_over_its_whole_validity(capsys):
    result = evaluate_json(capsys, "--level", "PRIVATE_PILOT", "--taf", ISSUE_TAF)
    assert [p["type"] for p in result["forecast"]] == ["BASE", "FM", "TEMPO", "FM"]
    assert result["verdict"] == "NO_GO"


def test_a_taf_window_beyond_its_end_is_unknown(capsys):
    result = evaluate_json(capsys, "--level", "PRIVATE_PILOT", "--taf", CALM_TAF,
                           "--at", "2026-11-27T16:00Z", "--until", "2026-11-27T18:00Z")
    assert result["verdict"] == "UNKNOWN"
    assert [r["code"] for r in result["reasons"]] == ["BEYOND_FORECAST"]
    assert result["forecast"] == []


# -- evaluate --input --------------------------------------------------------------------------

INPUT_LINES = [
    json.dumps({"id": "a", "level": "PRIVATE_PILOT", "metar": ISSUE_METAR}),
    "{this is not json",
    json.dumps({"id": "c", "level": "CAPTAIN", "metar": GOOD_METAR}),
    "",
    json.dumps({"id": "d", "level": "EARLY_STUDENT", "taf": CALM_TAF,
                "at": "2026-11-25T19:00Z", "until": "2026-11-25T20:00Z"}),
    json.dumps({"id": "e", "level": "INSTRUMENT_RATED", "metar": "KAUS 251753Z 27020KT 10SM SKC 20/10 A3000",
                "at": "2026-11-25T18:00Z", "aircraft_crosswind_kt": 15}),
    json.dumps({"id": "f", "level": "PRIVATE_PILOT"}),
]


def check_input_results(out: str) -> None:
    results = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in results] == ["a", None, "c", "d", "e", "f"]
    a, bad_json, c, d, e, f = results
    assert a["verdict"] == "NO_GO" and a["observed"]["ceiling_ft"] == 800
    assert set(bad_json) == {"id", "error"} and bad_json["error"].startswith("line 2 is not JSON")
    assert c == {"id": "c", "error": "line 3: level must be one of EARLY_STUDENT, PRIVATE_PILOT, "
                                     "INSTRUMENT_RATED (got 'CAPTAIN')"}
    assert (d["verdict"], [p["type"] for p in d["forecast"]], d["observed"]) == ("GO", ["BASE"], None)
    assert (e["verdict"], e["observed"]["crosswind_kt"]) == ("NO_GO", 20.0)
    assert f == {"id": "f", "error": "line 7: give exactly one of 'metar' or 'taf'"}


def test_evaluate_input_keeps_order_and_reports_bad_lines(capsys, tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(INPUT_LINES) + "\n", encoding="utf-8")
    status, out, err = run_in_process(capsys, "weather", "evaluate", "--input", str(cases))
    assert (status, err) == (0, "")
    check_input_results(out)


def test_evaluate_input_as_a_subprocess(tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(INPUT_LINES) + "\n", encoding="utf-8")
    done = run_subprocess("weather", "evaluate", "--input", str(cases))
    assert done.returncode == 0, done.stderr
    check_input_results(done.stdout)


def test_evaluate_input_from_standard_input():
    done = run_subprocess("weather", "evaluate", "--input", "-", stdin="\n".join(INPUT_LINES) + "\n")
    assert done.returncode == 0, done.stderr
    check_input_results(done.stdout)


# -- bad arguments exit 2 and say what to fix --------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--level", "CAPTAIN", "--metar", GOOD_METAR],
         "level must be one of EARLY_STUDENT, PRIVATE_PILOT, INSTRUMENT_RATED (got 'CAPTAIN')"),
        (["--level", "EARLY_STUDENT", "--taf", CALM_TAF, "--at", "2026-11-25T22:00Z", "--until", "2026-11-25T21:00Z"],
         "'until' (2026-11-25T21:00Z) must be after 'at' (2026-11-25T22:00Z)"),
        (["--metar", GOOD_METAR], "--level is required with --metar or --taf"),
        (["--level", "PRIVATE_PILOT", "--metar", "hello world"], "not a readable METAR"),
        (["--level", "PRIVATE_PILOT", "--taf", "TAF garbage"], "not a readable TAF"),
        (["--input", "/nonexistent/cases.jsonl"], "cannot read --input /nonexistent/cases.jsonl: No such file or directory"),
        (["--level", "PRIVATE_PILOT", "--metar", GOOD_METAR, "--taf", CALM_TAF],
         "argument --taf: not allowed with argument --metar"),
        (["--level", "PRIVATE_PILOT", "--metar", GOOD_METAR, "--at", "tomorrow"],
         "'at' is not a time: 'tomorrow'; write it like 2026-11-25T22:00Z"),
        (["--level", "PRIVATE_PILOT", "--metar", GOOD_METAR, "--aircraft-crosswind-kt", "99"],
         "aircraft_crosswind_kt must be a number of knots from 0 to 60 (got 99)"),
        (["--level", "PRIVATE_PILOT", "--taf", CALM_TAF, "--until", "2026-11-25T21:00Z"], "'until' needs 'at'"),
        (["--input", "cases.jsonl", "--level", "PRIVATE_PILOT"], "--input takes every setting from its lines"),
        ([], "one of the arguments --metar --taf --input is required"),
    ],
    ids=["unknown-level", "until-before-at", "missing-level", "unreadable-metar", "unreadable-taf",
         "missing-input", "metar-and-taf", "bad-at", "crosswind-range", "until-without-at",
         "input-with-level", "no-report"],
)
def test_bad_arguments_exit_2_with_what_to_fix(capsys, argv, message):
    status, out, err = run_in_process(capsys, "weather", "evaluate", *argv)
    assert status == 2
    assert out == ""
    assert "error: " in err
    assert message in err
    assert "Traceback" not in err


def test_bad_arguments_exit_2_as_a_subprocess():
    done = run_subprocess("weather", "evaluate", "--level", "CAPTAIN", "--metar", GOOD_METAR)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "level must be one of EARLY_STUDENT, PRIVATE_PILOT, INSTRUMENT_RATED" in done.stderr
    assert "Traceback" not in done.stderr


# -- weather current against the local stand-in of aviationweather.gov ------------------------


@pytest.fixture
def live_like_server():
    """Reports stamped ten minutes ago, as the real API would answer right now."""
    observed = datetime.now(timezone.utc) - timedelta(minutes=10)
    stamp = f"{observed:%d%H%M}Z"
    valid = f"{observed:%d%H}/{observed + timedelta(hours=24):%d%H}"
    tempo = f"{observed:%d%H}/{observed + timedelta(hours=3):%d%H}"
    with FakeAviationWeather() as server:
        server.set_metars({
            "KAUS": [f"KAUS {stamp} 18015G25KT 3SM -TSRA BKN008 OVC020CB 24/22 A2992"],
            "KSAT": [f"KSAT {stamp} 27010KT 10SM SCT045 21/12 A2998"],
        })
        server.set_tafs({"KAUS": [f"TAF KAUS {stamp} {valid} 18010KT P6SM SCT040 TEMPO {tempo} 3SM TSRA BKN020CB"]})
        yield server


def check_current_text(out: str) -> None:
    lines = out.splitlines()
    kaus = [line for line in lines if line.startswith("KAUS")]
    ksat = [line for line in lines if line.startswith("KSAT")]
    assert len(kaus) == 1 and len(ksat) == 1, out
    assert kaus[0].startswith("KAUS  IFR   wind from 180° at 15 kt gusting 25 kt, visibility 3 SM, ceiling 800 ft, -TSRA")
    assert kaus[0].endswith("min old)") and ("(10 min old)" in kaus[0] or "(11 min old)" in kaus[0])
    assert ksat[0].startswith("KSAT  VFR   wind from 270° at 10 kt, visibility more than 10 SM, no ceiling")
    assert any(line.strip().startswith("METAR KAUS ") and "18015G25KT" in line for line in lines)
    taf_lines = [line.strip() for line in lines if line.strip().startswith("TAF ")]
    assert len(taf_lines) == 1 and "BASE VFR" in taf_lines[0] and "TEMPO MVFR" in taf_lines[0]
    assert not any(line.strip().startswith("!") for line in lines)


def test_current_prints_decoded_weather(capsys, monkeypatch, live_like_server):
    monkeypatch.setenv("FSP_WEATHER_URL", live_like_server.url)
    status, out, err = run_in_process(capsys, "weather", "current", "KAUS", "ksat")
    assert status == 0, err
    check_current_text(out)
    # One batched request per product, identified.
    metar_requests = live_like_server.requests_for("metar")
    taf_requests = live_like_server.requests_for("taf")
    assert [r.ids for r in metar_requests] == [("KAUS", "KSAT")]
    assert [r.ids for r in taf_requests] == [("KAUS", "KSAT")]
    assert metar_requests[0].query["format"] == "json"
    assert metar_requests[0].headers["user-agent"].startswith("fsp-dispatcher/")


def test_current_json(capsys, monkeypatch, live_like_server):
    monkeypatch.setenv("FSP_WEATHER_URL", live_like_server.url)
    status, out, err = run_in_process(capsys, "weather", "current", "KAUS", "KSAT", "--json")
    assert status == 0, err
    reports = json.loads(out)
    assert [r["station"] for r in reports] == ["KAUS", "KSAT"]
    kaus, ksat = reports
    assert {key: kaus["observed"][key] for key in ISSUE_OBSERVED} == ISSUE_OBSERVED
    assert kaus["age_minutes"] in (10, 11)
    assert [p["type"] for p in kaus["taf_periods"]] == ["BASE", "TEMPO"]
    assert kaus["problems"] == []
    assert (ksat["observed"]["visibility_modifier"], ksat["observed"]["ceiling_ft"]) == ("P", None)
    assert (ksat["taf"], ksat["taf_periods"]) == (None, [])


def test_current_as_a_subprocess(live_like_server):
    done = run_subprocess("weather", "current", "KAUS", "KSAT", env={"FSP_WEATHER_URL": live_like_server.url})
    assert done.returncode == 0, done.stderr
    check_current_text(done.stdout)
    done = run_subprocess("weather", "current", "KAUS", "KSAT", "--json", env={"FSP_WEATHER_URL": live_like_server.url})
    assert done.returncode == 0, done.stderr
    assert [r["observed"]["flight_category"] for r in json.loads(done.stdout)] == ["IFR", "VFR"]


def test_current_rejects_a_malformed_station(capsys):
    status, out, err = run_in_process(capsys, "weather", "current", "KAUS", "K-US")
    assert status == 2
    assert "not a station identifier: K-US (use ICAO codes such as KAUS)" in err


@pytest.fixture
def source_down(monkeypatch, live_like_server):
    """The stand-in answers 503 to every attempt; the client's back-off sleeps are skipped."""
    live_like_server.fail_next(503, times=20)
    monkeypatch.setenv("FSP_WEATHER_URL", live_like_server.url)
    monkeypatch.setattr(current_module, "AviationWeatherClient",
                        functools.partial(AviationWeatherClient, sleep=lambda seconds: None))
    return live_like_server


def test_source_down_gives_a_readable_message(capsys, source_down):
    status, out, err = run_in_process(capsys, "weather", "current", "KAUS", "KSAT")
    shown = out + err
    assert "Traceback" not in shown
    assert "answered 503 Service Unavailable four times for METAR" in shown
    assert "answered 503 Service Unavailable four times for TAF" in shown
    assert len(source_down.requests_for("metar")) == 4  # the client retried before giving up


def test_source_down_exits_1(capsys, source_down):
    # Was an engine bug: the source's failure became per-station problems and the exit status was 0.
    status, out, err = run_in_process(capsys, "weather", "current", "KAUS", "KSAT")
    assert status == 1
    assert err.startswith("fsp-sync: could not fetch weather: METAR source: 127.0.0.1 answered 503 "
                          "Service Unavailable four times for METAR (2 stations)")


def test_one_product_down_is_shown_but_not_a_failure(capsys, monkeypatch, live_like_server):
    live_like_server.fail_next(503, times=4)  # the METAR request and its three retries; TAFs answer
    monkeypatch.setenv("FSP_WEATHER_URL", live_like_server.url)
    monkeypatch.setattr(current_module, "AviationWeatherClient",
                        functools.partial(AviationWeatherClient, sleep=lambda seconds: None))
    status, out, err = run_in_process(capsys, "weather", "current", "KAUS", "KSAT", "--json")
    assert status == 0, err
    kaus, ksat = json.loads(out)
    assert kaus["metar"] is None and kaus["taf"] is not None
    assert [p["type"] for p in kaus["taf_periods"]] == ["BASE", "TEMPO"]
    assert kaus["problems"] == ksat["problems"] == [
        "METAR source: 127.0.0.1 answered 503 Service Unavailable four times for METAR (2 stations): "
        "the weather service is unavailable; the next sweep tries again"]


# -- weather demo ------------------------------------------------------------------------------

DEMO_VERDICTS = {"L-101": "MARGINAL", "L-102": "NO_GO", "L-103": "NO_GO", "L-104": "GO",
                 "L-105": "NO_GO", "L-106": "NO_GO", "L-107": "NO_GO", "L-108": "UNKNOWN"}


def test_demo_prints_every_kind_of_verdict(capsys):
    status, out, err = run_in_process(capsys, "weather", "demo")
    assert (status, err) == (0, "")
    lesson_lines = [line for line in out.splitlines() if " L-1" in line and not line.startswith(" ")]
    assert {line.split()[1]: line.split()[0] for line in lesson_lines} == DEMO_VERDICTS
    assert out.splitlines()[0] == "Weather judgement at 2026-11-25T15:05:00Z (recorded weather, no network)"


def test_demo_json(capsys):
    status, out, err = run_in_process(capsys, "weather", "demo", "--json")
    assert status == 0, err
    results = json.loads(out)
    assert {r["id"]: r["verdict"] for r in results} == DEMO_VERDICTS
    by_id = {r["id"]: r for r in results}
    assert "DARKNESS" in [reason["code"] for reason in by_id["L-107"]["reasons"]]
    assert [reason["code"] for reason in by_id["L-108"]["reasons"]] == ["BEYOND_FORECAST"]
    assert all(reason["text"].startswith(("KAUS: ", "KGTU: ")) for reason in by_id["L-102"]["reasons"])


def test_demo_as_a_subprocess():
    done = run_subprocess("weather", "demo", "--json")
    assert done.returncode == 0, done.stderr
    assert {r["id"]: r["verdict"] for r in json.loads(done.stdout)} == DEMO_VERDICTS
