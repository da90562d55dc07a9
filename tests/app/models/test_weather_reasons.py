"""A weather check's reasons taken apart for the desktop: from the facts the service sends as data
(``measure``, ``source``), and — only for checks stored before it sent them — from the sentence."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta

from app.models.weather_reasons import cause_summary, parse_reason, parse_reasons
from sync.weather.judge import PilotLimits
from sync.weather.lesson import assess_lesson
from sync.weather.metar_decoder import decode_metar
from sync.weather.minimums import DEFAULT_MINIMUMS, TrainingLevel
from sync.weather.serialization import reason_record
from sync.weather.station_weather import StationWeather
from sync.weather.taf_decoder import decode_taf

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
NEAR = datetime(2026, 11, 25, 21, 0, tzinfo=UTC)

# As the service now stores them: the sentence, and the same facts as data.
TEMPO_CEILING = {
    "code": "CEILING", "effect": "NO_GO", "station": "KAUS",
    "text": "KAUS: TEMPO 25 20:00–25 22:00Z: Ceiling 700 ft is below the 3000 ft minimum for an "
            "early student",
    "finding": "Ceiling 700 ft is below the 3000 ft minimum for an early student",
    "measure": {"value": 700, "limit": 3000, "unit": "ft", "bound": "MINIMUM",
                "value_text": "700 ft", "limit_text": "3000 ft", "modifier": None, "margin": None,
                "codes": [], "wind_direction_deg": None, "wind_speed_kt": None, "wind_gust_kt": None},
    "source": {"product": "TAF", "observed_at": None, "kind": "TEMPO", "label": "TEMPO",
               "from": "2026-11-25T20:00:00Z", "to": "2026-11-25T22:00:00Z", "chance": None},
}


def reworded(reason: dict, text: str, finding: str | None = None) -> dict:
    return reason | {"text": text, "finding": finding or text}


def test_the_facts_are_read_from_the_data():
    reason = parse_reason(TEMPO_CEILING, near=NEAR)
    assert (reason.station, reason.source, reason.value, reason.limit) == (
        "KAUS", "TAF TEMPO", "700 ft", "3000 ft")
    assert (reason.period_start, reason.period_end) == (
        datetime(2026, 11, 25, 20, tzinfo=UTC), datetime(2026, 11, 25, 22, tzinfo=UTC))
    assert reason.period_text(CHICAGO) == "14:00–16:00"
    assert reason.finding == "Ceiling 700 ft is below the 3000 ft minimum for an early student"
    assert reason.short() == "ceiling 700 ft < 3000"


def test_a_reworded_sentence_still_shows_value_limit_and_period():
    # Whatever the service's sentence says, the value, the limit and the period are the data's.
    changed = reworded(TEMPO_CEILING, "Clouds at KAUS are too low between 20 and 22 UTC (700 / 3000)",
                       finding="Clouds too low for this student")
    reason = parse_reason(changed, near=NEAR)
    assert (reason.station, reason.source, reason.value, reason.limit) == (
        "KAUS", "TAF TEMPO", "700 ft", "3000 ft")
    assert reason.period_text(CHICAGO) == "14:00–16:00"
    assert reason.finding == "Clouds too low for this student"
    assert cause_summary([reason], CHICAGO) == "KAUS ceiling 700 ft < 3000 14:00–16:00"
    # Read from the sentence, as a check stored before the data existed is, all of it is lost.
    old = parse_reason({key: changed[key] for key in ("code", "effect", "station", "text")},
                       near=NEAR)
    assert (old.source, old.value, old.limit, old.period_start) == ("", "", "", None)


def test_a_prob_wind_and_a_metar_storm_from_the_data():
    wind = {
        "code": "WIND", "effect": "MARGINAL", "station": "KGTU",
        "text": "KGTU: gusts are expected", "finding": "gusts are expected",
        "measure": {"value": 32, "limit": 15, "unit": "kt", "bound": "MAXIMUM",
                    "value_text": "from 200° at 25 kt gusting 32 kt", "limit_text": "15 kt",
                    "wind_direction_deg": 200, "wind_speed_kt": 25, "wind_gust_kt": 32},
        "source": {"product": "TAF", "kind": "PROB", "label": "PROB30 TEMPO",
                   "from": "2026-11-25T21:00:00Z", "to": "2026-11-26T00:00:00Z", "chance": 30},
    }
    storm = {
        "code": "THUNDERSTORM", "effect": "NO_GO", "station": "KAUS", "text": "Storms",
        "measure": {"value": None, "limit": None, "unit": None, "bound": "NONE_ALLOWED",
                    "value_text": "+TSRA, VCTS", "limit_text": "none allowed",
                    "codes": ["+TSRA", "VCTS"]},
        "source": {"product": "METAR", "observed_at": "2026-11-25T20:53:00Z"},
    }
    darkness = {"code": "DARKNESS", "effect": "NO_GO", "station": "KAUS", "text": "After dark",
                "measure": None, "source": None}
    check = {"reasons": [storm, darkness, wind], "decoded": {"KAUS": {"observed": {}}}}
    parsed = parse_reasons(check, near=NEAR)
    first, dark, gusts = parsed
    assert (first.source, first.observed_at, first.value, first.limit) == (
        "METAR", datetime(2026, 11, 25, 20, 53, tzinfo=UTC), "+TSRA, VCTS", "none allowed")
    assert first.short() == "+TSRA, VCTS"
    # No report and no value, even though the check used KAUS's METAR.
    assert (dark.source, dark.value, dark.limit) == ("", "", "")
    assert (gusts.source, gusts.chance, gusts.amount, gusts.limit_amount) == (
        "TAF PROB30 TEMPO", 30, 32, 15)
    assert gusts.short() == "wind 32 kt ≈ 15"
    assert gusts.period_text(CHICAGO) == "15:00–18:00"
    assert cause_summary(parsed, CHICAGO) == "KAUS +TSRA, VCTS, after dark (no night training)"


def test_a_check_stored_before_the_data_is_read_from_its_sentences():
    old = {"code": "WIND", "effect": "NO_GO", "station": "KAUS",
           "text": "KAUS: FM 25 20:00–26 02:00Z: Wind from 200° at 25 kt gusting 32 kt exceeds the "
                   "15 kt limit for a private pilot"}
    reason = parse_reason(old, near=NEAR)
    assert (reason.station, reason.source, reason.value, reason.limit) == (
        "KAUS", "TAF FM", "from 200° at 25 kt gusting 32 kt", "15 kt")
    assert (reason.amount, reason.limit_amount, reason.bound) == (32, 15, "MAXIMUM")
    assert reason.short() == "wind 32 kt > 15"
    assert reason.period_text(CHICAGO) == "14:00–20:00"


def test_the_engines_reasons_read_the_same_from_the_data_as_from_the_sentence():
    """What the engine writes, read both ways, agrees: the data is the sentence's facts."""
    now = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
    metar = decode_metar("KAUS 251753Z 09018G27KT 2SM BR OVC007 20/19 A3000", reference=now)
    taf = decode_taf("TAF KGTU 251720Z 2518/2624 18005KT P6SM SKC TEMPO 2519/2522 1/2SM +TSRA "
                     "BKN004CB PROB30 2519/2521 FZRA", reference=now)
    weather = {"KAUS": StationWeather("KAUS", metar, None, metar.raw, None),
               "KGTU": StationWeather("KGTU", None, taf, None, taf.raw)}
    limits = PilotLimits(minimums=DEFAULT_MINIMUMS[TrainingLevel.PRIVATE_PILOT],
                         aircraft_crosswind_kt=15, night_trained=True)
    # A lesson soon (KAUS's METAR governs) and one later (KGTU's TAF), each at both places.
    records = []
    for start in (now + timedelta(minutes=30), now + timedelta(hours=2)):
        assessment = assess_lesson(["KAUS", "KGTU"], weather, limits=limits, start=start,
                                   end=start + timedelta(hours=1), now=now)
        records += [reason_record(reason) for reason in assessment.reasons]
    assert {record["code"] for record in records} >= {
        "CEILING", "VISIBILITY", "WIND", "CROSSWIND", "THUNDERSTORM", "ICING"}
    for record in records:
        new = parse_reason(record, near=now)
        old = parse_reason({key: record[key] for key in ("code", "effect", "station", "text")},
                           near=now, observed=["KAUS"])
        assert (new.station, new.source, new.period_start, new.period_end, new.chance,
                new.finding, new.value, new.limit, new.short()) == (
            old.station, old.source, old.period_start, old.period_end, old.chance,
            old.finding, old.value, old.limit, old.short()), record["text"]
