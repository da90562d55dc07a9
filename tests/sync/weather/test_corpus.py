"""The weather decision corpus: hand-written METAR and TAF cases with hand-written expectations.

Every line of ``data/metar_cases.jsonl`` and ``data/taf_cases.jsonl`` is a case as the CLI reads
it (``fsp-sync weather evaluate --input``) plus:

- ``expect``: the subset of the result to check —
  ``verdict``; ``codes`` (the set of reason codes, exactly); ``observed`` (a subset of the observed
  fields, ``null`` for a TAF); ``forecast_types`` (the labels of the periods considered, in order);
  ``forecast_subset`` (per considered period, a subset of its fields); ``minimums``; or
  ``{"error": true}`` for a case the engine must refuse with an error message.
- ``known_engine_bug`` (optional): why the engine is believed wrong on this case; the case then
  runs as a strict xfail, so a fix shows up as an XPASS that asks for the mark to be removed.

The expectations are written from the product rules (ARCHITECTURE.md, "Domain" and "Weather
decisions"), never copied from the engine's output.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from sync.weather.evaluation import evaluate_case

DATA = Path(__file__).parent / "data"
CORPUS_FILES = ("metar_cases.jsonl", "taf_cases.jsonl")
TEST_ONLY_KEYS = frozenset({"expect", "known_engine_bug", "note"})

DEFAULT_MINIMUMS = {
    "EARLY_STUDENT": {"visibility_sm": 10, "ceiling_ft": 3000, "max_wind_kt": 10},
    "PRIVATE_PILOT": {"visibility_sm": 3, "ceiling_ft": 1000, "max_wind_kt": 15},
    "INSTRUMENT_RATED": {"visibility_sm": 0, "ceiling_ft": 0, "max_wind_kt": 25},
}
REASON_CODES = frozenset({
    "VISIBILITY", "CEILING", "WIND", "CROSSWIND", "THUNDERSTORM", "ICING", "DARKNESS", "STALE",
    "UNREADABLE", "BEYOND_FORECAST", "MISSING",
})
VERDICTS = frozenset({"GO", "MARGINAL", "NO_GO", "UNKNOWN"})
CONDITION_FIELDS = ("flight_category", "visibility_sm", "visibility_modifier", "ceiling_ft",
                    "wind_dir_deg", "wind_speed_kt", "wind_gust_kt", "thunderstorm", "icing",
                    "crosswind_kt")
PERIOD_FIELDS = CONDITION_FIELDS + ("type", "from", "to", "probability")
# Visibility is rounded to 3 decimals by contract; the crosswind component's rounding is not
# specified (int or one decimal), so half a knot either way is accepted.
TOLERANCE = {"visibility_sm": 0.0005, "crosswind_kt": 0.5}
TIME_FIELDS = frozenset({"from", "to"})


def load_cases(name: str) -> list[dict]:
    cases = []
    with open(DATA / name, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                case = json.loads(line)
            except json.JSONDecodeError as exc:  # a corpus typo must name its line
                raise AssertionError(f"{name}:{number}: not JSON: {exc}") from exc
            case["_source"] = f"{name}:{number}"
            cases.append(case)
    return cases


def corpus_params(name: str) -> list:
    params = []
    for case in load_cases(name):
        marks = []
        if case.get("known_engine_bug"):
            marks.append(pytest.mark.xfail(strict=True, reason=case["known_engine_bug"]))
        params.append(pytest.param(case, id=case["id"], marks=marks))
    return params


def engine_input(case: dict) -> dict:
    return {key: value for key, value in case.items()
            if key not in TEST_ONLY_KEYS and not key.startswith("_")}


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def assert_field(where: str, name: str, actual, expected) -> None:
    if name in TIME_FIELDS and expected is not None:
        assert actual is not None, f"{where}.{name}: missing, expected {expected}"
        assert parse_time(actual) == parse_time(expected), f"{where}.{name}: {actual} != {expected}"
    elif name in TOLERANCE and isinstance(expected, (int, float)) and not isinstance(expected, bool):
        assert isinstance(actual, (int, float)) and not isinstance(actual, bool), \
            f"{where}.{name}: {actual!r}, expected about {expected}"
        assert actual == pytest.approx(expected, abs=TOLERANCE[name]), \
            f"{where}.{name}: {actual} != {expected}"
    elif isinstance(expected, bool) or expected is None:
        assert actual is expected, f"{where}.{name}: {actual!r}, expected {expected!r}"
    else:
        assert actual == expected, f"{where}.{name}: {actual!r}, expected {expected!r}"
        assert type(actual) is not bool, f"{where}.{name}: {actual!r} is a bool"


def assert_subset(where: str, actual: dict, expected: dict) -> None:
    for name, value in expected.items():
        assert name in actual, f"{where}: no field {name!r} in {sorted(actual)}"
        assert_field(where, name, actual[name], value)


def assert_reason_texts(result: dict) -> None:
    for reason in result["reasons"]:
        code, text = reason.get("code"), reason.get("text")
        assert code in REASON_CODES, f"unexpected reason code {code!r}"
        assert isinstance(text, str) and text.strip(), f"reason {code} has no text"
        plain = text.strip()
        assert plain.upper().replace(" ", "_") != code, f"reason {code}: text is just the code"
        # A sentence for a dispatcher: a number, or at least one plain lower-case word.
        assert re.search(r"\d", plain) or re.search(r"\b[a-z]{3,}\b", plain), \
            f"reason {code}: {plain!r} is not a readable sentence"


def check_case(case: dict) -> None:
    expect = case["expect"]
    result = evaluate_case(engine_input(case))
    assert isinstance(result, dict)
    assert result.get("id") == case.get("id")

    if expect.get("error"):
        assert "error" in result, f"expected an error, got verdict {result.get('verdict')}"
        assert isinstance(result["error"], str) and result["error"].strip()
        assert "verdict" not in result
        return
    assert "error" not in result, f"unexpected error: {result.get('error')}"

    # The shape every answer has.
    assert result["verdict"] in VERDICTS
    assert isinstance(result["reasons"], list)
    assert isinstance(result["station"], str) and result["station"]
    assert result["minimums"] == DEFAULT_MINIMUMS[case["level"]]
    if "metar" in case:
        assert result["forecast"] == []
        assert isinstance(result["observed"], dict)
        for name in CONDITION_FIELDS:
            assert name in result["observed"], f"observed has no {name!r}"
        if case.get("aircraft_crosswind_kt") is None:
            assert result["observed"]["crosswind_kt"] is None
    else:
        assert result["observed"] is None
        for period in result["forecast"]:
            for name in PERIOD_FIELDS:
                assert name in period, f"forecast period has no {name!r}"
    assert_reason_texts(result)
    codes = {reason["code"] for reason in result["reasons"]}
    if result["verdict"] == "GO":
        assert not codes, f"GO with reasons {sorted(codes)}"

    # The hand-written expectations.
    if "verdict" in expect:
        assert result["verdict"] == expect["verdict"], \
            f"verdict {result['verdict']}, expected {expect['verdict']}; reasons: " \
            + "; ".join(f"{r['code']}: {r['text']}" for r in result["reasons"])
    if "codes" in expect:
        assert codes == set(expect["codes"]), \
            f"codes {sorted(codes)}, expected {sorted(expect['codes'])}; reasons: " \
            + "; ".join(f"{r['code']}: {r['text']}" for r in result["reasons"])
    if "observed" in expect:
        if expect["observed"] is None:
            if "taf" in case:
                assert result["observed"] is None
        else:
            assert_subset("observed", result["observed"], expect["observed"])
    if "forecast_types" in expect:
        types = [period["type"] for period in result["forecast"]]
        assert types == expect["forecast_types"], \
            f"periods considered {types}, expected {expect['forecast_types']}"
    if "forecast_subset" in expect:
        assert len(result["forecast"]) == len(expect["forecast_subset"]), \
            f"{len(result['forecast'])} periods considered, expected {len(expect['forecast_subset'])}"
        for index, (actual, expected) in enumerate(zip(result["forecast"], expect["forecast_subset"])):
            assert_subset(f"forecast[{index}]", actual, expected)
    if "minimums" in expect:
        assert_subset("minimums", result["minimums"], expect["minimums"])


@pytest.mark.parametrize("case", corpus_params("metar_cases.jsonl"))
def test_metar_case(case):
    assert "metar" in case or case["expect"].get("error")
    check_case(case)


@pytest.mark.parametrize("case", corpus_params("taf_cases.jsonl"))
def test_taf_case(case):
    assert "taf" in case or case["expect"].get("error")
    check_case(case)


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_is_well_formed(name):
    cases = load_cases(name)
    ids = [case.get("id") for case in cases]
    assert all(isinstance(case_id, str) and case_id for case_id in ids)
    assert len(ids) == len(set(ids)), "case ids must be unique"
    allowed = {"id", "level", "metar", "taf", "at", "until", "aircraft_crosswind_kt", "station",
               "night_trained", "expect", "known_engine_bug", "note", "_source"}
    for case in cases:
        assert set(case) <= allowed, f"{case['id']}: unknown keys {set(case) - allowed}"
        expect = case.get("expect")
        assert isinstance(expect, dict) and expect, f"{case['id']}: no expectations"
        if not expect.get("error"):
            assert expect.get("verdict") in VERDICTS, case["id"]
            assert set(expect.get("codes", ())) <= REASON_CODES, case["id"]
    minimum = 60 if name.startswith("metar") else 25
    assert len(cases) >= minimum


def test_corpus_covers_every_verdict_and_code():
    cases = load_cases("metar_cases.jsonl") + load_cases("taf_cases.jsonl")
    verdicts = {case["expect"].get("verdict") for case in cases}
    codes = {code for case in cases for code in case["expect"].get("codes", ())}
    assert VERDICTS <= verdicts
    assert REASON_CODES - {"MISSING"} <= codes  # MISSING needs a sweep without a report
    assert any(case["expect"].get("error") for case in cases)
