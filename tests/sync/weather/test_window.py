"""Which report governs a lesson's window, the lesson's verdict over its places, and gathering.

Times are fixed: "now" is 2026-11-25 18:00Z at KAUS (civil dusk there is 23:57Z that day).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from sync.weather.errors import WeatherUnavailable
from sync.weather.judge import PilotLimits
from sync.weather.lesson import assess_lesson
from sync.weather.metar_decoder import decode_metar
from sync.weather.minimums import DEFAULT_MINIMUMS, TrainingLevel
from sync.weather.sources import RecordedWeatherSource
from sync.weather.station_weather import StationWeather, gather_weather
from sync.weather.taf_decoder import decode_taf
from sync.weather.verdicts import ReasonCode, Verdict
from sync.weather.window import assess_station, judge_forecast, judge_observation

NOW = datetime(2026, 11, 25, 18, 0, tzinfo=timezone.utc)
ES, PP, IR = TrainingLevel.EARLY_STUDENT, TrainingLevel.PRIVATE_PILOT, TrainingLevel.INSTRUMENT_RATED

GOOD_METAR = "KAUS 251753Z 18005KT 10SM SKC 20/10 A3000 RMK AO2"
# Good for a private pilot all day, but thunderstorms are possible 20–22Z.
TAF_TEMPO_TS = "TAF KAUS 251720Z 2518/2624 18005KT P6SM SKC TEMPO 2520/2522 3SM TSRA BKN020CB"


def at(hours: float = 0, minutes: float = 0) -> datetime:
    return NOW + timedelta(hours=hours, minutes=minutes)


def limits(level: TrainingLevel = PP, *, night_trained: bool | None = None, crosswind: int | None = None) -> PilotLimits:
    return PilotLimits(
        minimums=DEFAULT_MINIMUMS[level],
        aircraft_crosswind_kt=crosswind,
        night_trained=level.night_trained_by_default if night_trained is None else night_trained,
    )


def metar(text: str = GOOD_METAR, *, reference: datetime = NOW):
    return decode_metar(text, reference=reference)


def taf(text: str = TAF_TEMPO_TS):
    return decode_taf(text, reference=NOW)


def codes(assessment) -> list[tuple[str, str]]:
    return [(reason.code.value, reason.effect.value) for reason in assessment.reasons]


def labels(assessment) -> list[str]:
    return [judged.period.label for judged in assessment.periods]


# -- the METAR governs within an hour of departure ---------------------------------------------


def test_within_the_hour_the_metar_governs_and_the_taf_is_not_used():
    result = assess_station("KAUS", metar=metar(), taf=taf(), limits=limits(),
                            start=at(minutes=30), end=at(hours=1), now=NOW)
    assert result.verdict is Verdict.GO, codes(result)
    assert result.observation is not None and result.observation.time == datetime(2026, 11, 25, 17, 53, tzinfo=timezone.utc)
    assert result.periods == ()


def test_departure_exactly_one_hour_away_still_uses_the_metar():
    good_metar_bad_taf = taf("TAF KAUS 251720Z 2518/2624 18005KT 1SM BR OVC003")
    result = assess_station("KAUS", metar=metar(), taf=good_metar_bad_taf, limits=limits(),
                            start=at(hours=1), end=at(hours=1, minutes=30), now=NOW)
    assert result.observation is not None
    # The lesson is entirely past now+1h, so the TAF judges it as well: the bad TAF is seen.
    assert result.verdict is Verdict.NO_GO


def test_beyond_the_hour_the_taf_governs():
    result = assess_station("KAUS", metar=metar(), taf=taf(), limits=limits(),
                            start=at(hours=2, minutes=30), end=at(hours=3, minutes=30), now=NOW)
    assert result.observation is None
    assert labels(result) == ["BASE", "TEMPO"]
    assert result.verdict is Verdict.NO_GO


def test_a_bad_metar_within_the_hour_is_not_overruled_by_a_good_taf():
    bad = metar("KAUS 251753Z 18005KT 1SM BR OVC004 20/19 A3000")
    result = assess_station("KAUS", metar=bad, taf=taf("TAF KAUS 251720Z 2518/2624 18005KT P6SM SKC"),
                            limits=limits(), start=at(minutes=20), end=at(minutes=50), now=NOW)
    assert result.verdict is Verdict.NO_GO
    assert codes(result) == [("VISIBILITY", "NO_GO"), ("CEILING", "NO_GO")]


@pytest.mark.parametrize(("age_minutes", "stale"), [(89, False), (90, False), (91, True)])
def test_a_metar_older_than_90_minutes_is_stale(age_minutes, stale):
    observed = datetime(2026, 11, 25, 17, 53, tzinfo=timezone.utc)
    now = observed + timedelta(minutes=age_minutes)
    result = assess_station("KAUS", metar=metar(reference=now), taf=None, limits=limits(),
                            start=now + timedelta(minutes=15), end=now + timedelta(minutes=45), now=now)
    if stale:
        assert result.verdict is Verdict.UNKNOWN
        assert [(r.code, r.text) for r in result.reasons] == [(
            ReasonCode.STALE,
            "The latest METAR for KAUS is 91 minutes old (from 25 17:53Z); reports older than 90 minutes are not used",
        )]
    else:
        assert result.verdict is Verdict.GO, codes(result)


def test_a_stale_metar_does_not_hide_what_it_says():
    observed_bad = metar("KAUS 251753Z 18005KT 10SM TSRA BKN050CB 20/10 A3000")
    result = judge_observation(observed_bad, limits(), now=at(hours=3))
    assert result.verdict is Verdict.NO_GO
    assert {code for code, _ in codes(result)} == {"STALE", "THUNDERSTORM"}


def test_without_now_a_metar_is_not_called_stale():
    result = judge_observation(metar(), limits())
    assert result.verdict is Verdict.GO


def test_no_metar_within_the_hour_is_unknown_missing():
    result = assess_station("KAUS", metar=None, taf=taf(), limits=limits(),
                            start=at(minutes=30), end=at(hours=1), now=NOW)
    assert result.verdict is Verdict.UNKNOWN
    assert [(r.code, r.text) for r in result.reasons] == [(ReasonCode.MISSING, "No current METAR for KAUS")]


def test_no_taf_beyond_the_hour_is_unknown_missing():
    result = assess_station("KAUS", metar=metar(), taf=None, limits=limits(),
                            start=at(hours=3), end=at(hours=4), now=NOW)
    assert result.verdict is Verdict.UNKNOWN
    assert [(r.code, r.text) for r in result.reasons] == [
        (ReasonCode.MISSING, "No TAF for KAUS: forecast not available")
    ]


def test_problems_passed_in_appear_as_missing_reasons():
    problems = ("METAR source: aviationweather.gov answered 503 Service Unavailable four times",)
    result = assess_station("KAUS", metar=None, taf=None, limits=limits(),
                            start=at(minutes=30), end=at(hours=1), now=NOW, problems=problems)
    assert result.verdict is Verdict.UNKNOWN
    assert [(r.code, r.text) for r in result.reasons] == [
        (ReasonCode.MISSING, "No current METAR for KAUS"),
        (ReasonCode.MISSING, problems[0]),
    ]


# -- the TAF: TEMPO, PROB, BECMG, and its end --------------------------------------------------


def test_a_tempo_that_breaks_a_minimum_is_no_go():
    forecast = taf("TAF KAUS 251720Z 2518/2624 18005KT P6SM SKC TEMPO 2520/2522 2SM BR")
    result = judge_forecast(forecast, limits(), start=at(hours=2, minutes=30), end=at(hours=3))
    assert result.verdict is Verdict.NO_GO
    assert [(r.code, r.effect, r.text) for r in result.reasons] == [(
        ReasonCode.VISIBILITY, Verdict.NO_GO,
        "TEMPO 25 20:00–25 22:00Z: Visibility 2 SM is below the 3 SM minimum for a private pilot",
    )]


def test_a_tempo_outside_the_window_does_not_count():
    result = judge_forecast(taf(), limits(), start=at(hours=4), end=at(hours=5))
    assert result.verdict is Verdict.GO, codes(result)
    assert labels(result) == ["BASE"]


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("TAF KAUS 251720Z 2518/2624 18005KT P6SM SKC PROB30 2520/2522 2SM TSRA BKN008CB", "PROB30"),
        ("TAF KAUS 251720Z 2518/2624 18005KT P6SM SKC PROB40 TEMPO 2520/2522 2SM TSRA BKN008CB", "PROB40 TEMPO"),
    ],
)
def test_a_prob_that_breaks_a_minimum_is_marginal(text, label):
    result = judge_forecast(taf(text), limits(), start=at(hours=2, minutes=30), end=at(hours=3))
    assert result.verdict is Verdict.MARGINAL
    assert labels(result) == ["BASE", label]
    assert {r.effect for r in result.reasons} == {Verdict.MARGINAL}
    assert [r.code for r in result.reasons] == [
        ReasonCode.THUNDERSTORM, ReasonCode.THUNDERSTORM, ReasonCode.VISIBILITY, ReasonCode.CEILING]
    assert result.reasons[3].text == (f"{label} 25 20:00–25 22:00Z ({label[4:6]}% chance): "
                                      "Ceiling 800 ft is below the 1000 ft minimum for a private pilot")


def test_a_prob_does_not_soften_a_tempo_in_the_same_window():
    text = ("TAF KAUS 251720Z 2518/2624 18005KT P6SM SKC TEMPO 2520/2522 2SM BR "
            "PROB30 2520/2522 TSRA BKN010CB")
    result = judge_forecast(taf(text), limits(), start=at(hours=2, minutes=30), end=at(hours=3))
    assert result.verdict is Verdict.NO_GO
    assert (ReasonCode.VISIBILITY, Verdict.NO_GO) in [(r.code, r.effect) for r in result.reasons]



def test_a_tempo_of_less_than_a_quarter_mile_is_no_go():
    # Was an engine bug: avwx sanitises 'M1/4SM' in a change group to 'M14KT' and the visibility was lost.
    forecast = taf("TAF KAUS 251720Z 2518/2624 18010KT P6SM SKC TEMPO 2520/2522 M1/4SM FG")
    result = judge_forecast(forecast, limits(), start=at(hours=2, minutes=30), end=at(hours=3, minutes=30))
    assert result.verdict is Verdict.NO_GO
    assert (ReasonCode.VISIBILITY, Verdict.NO_GO) in [(r.code, r.effect) for r in result.reasons]


def test_a_becmg_to_less_than_a_quarter_mile_is_no_go():
    # Was an engine bug: the lost visibility let the BECMG carry the old P6SM forward.
    forecast = taf("TAF KAUS 251720Z 2518/2624 18010KT P6SM SKC BECMG 2520/2522 M1/4SM FG")
    result = judge_forecast(forecast, limits(), start=at(hours=5), end=at(hours=6))
    assert result.verdict is Verdict.NO_GO
    assert result.periods[0].period.conditions.visibility.is_less_than


# Good base, worse from the BECMG (transition 20–22Z) on.
BECMG_WORSE = "TAF KAUS 251720Z 2518/2624 18005KT P6SM SCT040 BECMG 2520/2522 25010KT 2SM BR OVC008"
# Bad base, better from the BECMG on.
BECMG_BETTER = "TAF KAUS 251720Z 2518/2624 18005KT 2SM BR OVC008 BECMG 2520/2522 P6SM SKC"


def test_before_a_becmg_only_the_old_conditions_count():
    result = judge_forecast(taf(BECMG_WORSE), limits(), start=at(hours=1, minutes=15), end=at(hours=1, minutes=45))
    assert labels(result) == ["BASE"]
    assert result.verdict is Verdict.GO, codes(result)


@pytest.mark.parametrize("text", [BECMG_WORSE, BECMG_BETTER], ids=["worse", "better"])
def test_during_a_becmg_transition_both_old_and_new_count(text):
    result = judge_forecast(taf(text), limits(), start=at(hours=2, minutes=30), end=at(hours=3, minutes=30))
    assert labels(result) == ["BASE", "BECMG"]
    assert result.verdict is Verdict.NO_GO
    assert {r.code for r in result.reasons} == {ReasonCode.VISIBILITY, ReasonCode.CEILING}


def test_after_a_becmg_transition_only_the_new_conditions_count():
    better = judge_forecast(taf(BECMG_BETTER), limits(), start=at(hours=5), end=at(hours=6))
    assert labels(better) == ["BECMG"]
    assert better.verdict is Verdict.GO, codes(better)
    worse = judge_forecast(taf(BECMG_WORSE), limits(), start=at(hours=5), end=at(hours=6))
    assert labels(worse) == ["BECMG"]
    assert worse.verdict is Verdict.NO_GO


def test_a_becmg_carries_forward_what_it_does_not_change():
    # Only the sky changes; the 2SM and the 25 kt wind carry on after the transition.
    forecast = taf("TAF KAUS 251720Z 2518/2624 18025KT 2SM BR SCT040 BECMG 2520/2522 BKN030")
    result = judge_forecast(forecast, limits(), start=at(hours=5), end=at(hours=6))
    assert labels(result) == ["BECMG"]
    becmg = result.periods[0].period.conditions
    assert (becmg.visibility.statute_miles, becmg.ceiling_ft) == (2.0, 3000)
    assert (becmg.wind.direction_deg, becmg.wind.speed_kt) == (180, 25)
    assert result.verdict is Verdict.NO_GO
    # 3000 ft is well above the private pilot's 1000 ft: only the carried-forward values fail.
    assert {r.code for r in result.reasons} == {ReasonCode.VISIBILITY, ReasonCode.WIND}


def test_a_window_past_the_taf_end_is_beyond_forecast():
    result = judge_forecast(taf(), limits(), start=datetime(2026, 11, 27, 1, tzinfo=timezone.utc),
                            end=datetime(2026, 11, 27, 2, tzinfo=timezone.utc))
    assert result.verdict is Verdict.UNKNOWN
    assert result.periods == ()
    assert [(r.code, r.text) for r in result.reasons] == [(
        ReasonCode.BEYOND_FORECAST,
        "Forecast not yet available: the KAUS TAF covers 25 18:00Z to 27 00:00Z, "
        "the lesson runs 27 01:00Z to 27 02:00Z",
    )]


def test_a_window_straddling_the_taf_end_is_unknown_even_if_the_covered_part_is_good():
    result = judge_forecast(taf(), limits(), start=datetime(2026, 11, 26, 23, tzinfo=timezone.utc),
                            end=datetime(2026, 11, 27, 1, tzinfo=timezone.utc))
    assert labels(result) == ["BASE"]
    assert result.verdict is Verdict.UNKNOWN
    assert codes(result) == [("BEYOND_FORECAST", "UNKNOWN")]


def test_a_no_go_in_the_covered_part_wins_over_beyond_forecast():
    forecast = taf("TAF KAUS 251720Z 2518/2624 18005KT P6SM SKC TEMPO 2622/2624 TSRA BKN020CB")
    result = judge_forecast(forecast, limits(), start=datetime(2026, 11, 26, 23, tzinfo=timezone.utc),
                            end=datetime(2026, 11, 27, 1, tzinfo=timezone.utc))
    assert result.verdict is Verdict.NO_GO
    assert result.reasons[0].effect is Verdict.NO_GO
    assert ("BEYOND_FORECAST", "UNKNOWN") in codes(result)


def test_assess_station_beyond_the_taf_is_unknown():
    result = assess_station("KAUS", metar=metar(), taf=taf(), limits=limits(),
                            start=datetime(2026, 11, 27, 16, tzinfo=timezone.utc),
                            end=datetime(2026, 11, 27, 18, tzinfo=timezone.utc), now=NOW)
    assert result.verdict is Verdict.UNKNOWN
    assert codes(result) == [("BEYOND_FORECAST", "UNKNOWN")]


# -- a long lesson starting within the hour ----------------------------------------------------


def test_a_long_lesson_whose_later_part_hits_a_tempo_is_no_go():
    result = assess_station("KAUS", metar=metar(), taf=taf(), limits=limits(),
                            start=at(minutes=30), end=at(hours=4), now=NOW)
    assert result.verdict is Verdict.NO_GO
    assert result.observation is not None  # the METAR judged the first hour…
    assert labels(result) == ["BASE", "TEMPO"]  # …and the TAF the rest
    assert result.reasons[0].text == "TEMPO 25 20:00–25 22:00Z: Thunderstorm reported (TSRA)"


def test_a_long_lesson_ending_before_the_tempo_is_go():
    result = assess_station("KAUS", metar=metar(), taf=taf(), limits=limits(),
                            start=at(minutes=30), end=at(hours=1, minutes=45), now=NOW)
    assert result.verdict is Verdict.GO, codes(result)
    assert labels(result) == ["BASE"]


def test_a_long_lesson_with_an_unreadable_taf_is_not_go():
    # Was an engine bug: the part after now+1h was judged by nothing and the problem dropped (GO).
    problem = "The TAF for KAUS could not be read (not a readable TAF: …): TAF KAUS 251720Z 2518/2624 …"
    result = assess_station("KAUS", metar=metar(), taf=None, limits=limits(),
                            start=at(minutes=30), end=at(hours=4), now=NOW, problems=(problem,))
    assert result.verdict is Verdict.UNKNOWN
    assert problem in [r.text for r in result.reasons]



def test_a_long_lesson_at_a_station_without_taf_service_is_judged_by_its_metar():
    # No TAF and no problem: the station has no TAF service, so the latest METAR governs throughout.
    result = assess_station("KAUS", metar=metar(), taf=None, limits=limits(),
                            start=at(minutes=30), end=at(hours=4), now=NOW)
    assert result.verdict is Verdict.GO, codes(result)
    assert result.observation is not None and result.periods == ()


@pytest.mark.parametrize(("end_minute", "verdict"), [(25, Verdict.GO), (35, Verdict.NO_GO)])
def test_an_fm_group_starts_at_its_minute(end_minute, verdict):
    forecast = taf("TAF KAUS 251720Z 2518/2624 18005KT P6SM SKC FM252130 18010KT 1SM BR OVC004")
    result = judge_forecast(forecast, limits(), start=datetime(2026, 11, 25, 21, 0, tzinfo=timezone.utc),
                            end=datetime(2026, 11, 25, 21, end_minute, tzinfo=timezone.utc))
    assert result.verdict is verdict, codes(result)
    assert labels(result) == (["BASE"] if verdict is Verdict.GO else ["BASE", "FM"])

# -- daylight ----------------------------------------------------------------------------------

NIGHT_NOW = datetime(2026, 11, 26, 1, 0, tzinfo=timezone.utc)
NIGHT_METAR = "KAUS 260053Z 00000KT 10SM SKC 12/05 A3010"
CALM_TAF = "TAF KAUS 251720Z 2518/2624 00000KT P6SM SKC"


def test_an_early_student_at_night_is_no_go_darkness():
    result = assess_station("KAUS", metar=metar(NIGHT_METAR, reference=NIGHT_NOW), taf=None,
                            limits=limits(ES), start=NIGHT_NOW + timedelta(minutes=15),
                            end=NIGHT_NOW + timedelta(minutes=45), now=NIGHT_NOW)
    assert result.verdict is Verdict.NO_GO
    assert [(r.code, r.text) for r in result.reasons] == [(
        ReasonCode.DARKNESS,
        "Part of the lesson (26 01:15Z) is outside civil twilight at KAUS, and the student has no night training",
    )]


def test_a_private_pilot_at_night_has_no_darkness_reason():
    result = assess_station("KAUS", metar=metar(NIGHT_METAR, reference=NIGHT_NOW), taf=None,
                            limits=limits(PP), start=NIGHT_NOW + timedelta(minutes=15),
                            end=NIGHT_NOW + timedelta(minutes=45), now=NIGHT_NOW)
    assert result.verdict is Verdict.GO, codes(result)


def test_an_early_student_lesson_ending_after_dusk_is_no_go_and_one_before_is_go():
    forecast = taf(CALM_TAF)
    before = judge_forecast(forecast, limits(ES), start=datetime(2026, 11, 25, 22, tzinfo=timezone.utc),
                            end=datetime(2026, 11, 25, 23, 30, tzinfo=timezone.utc))
    assert before.verdict is Verdict.GO, codes(before)
    after = judge_forecast(forecast, limits(ES), start=datetime(2026, 11, 25, 23, tzinfo=timezone.utc),
                           end=datetime(2026, 11, 26, 0, 30, tzinfo=timezone.utc))
    assert codes(after) == [("DARKNESS", "NO_GO")]
    assert "(26 00:00Z)" in after.reasons[0].text  # the first sampled moment after 23:57Z dusk


def test_night_trained_early_student_has_no_darkness_reason():
    result = judge_forecast(taf(CALM_TAF), limits(ES, night_trained=True),
                            start=datetime(2026, 11, 26, 1, tzinfo=timezone.utc),
                            end=datetime(2026, 11, 26, 2, tzinfo=timezone.utc))
    assert result.verdict is Verdict.GO, codes(result)


# -- a lesson: every place, the worst wins -----------------------------------------------------

KGTU_TS_TAF = "TAF KGTU 251720Z 2518/2624 18005KT P6SM SKC TEMPO 2520/2522 VCTS BKN030CB"
KGTU_GOOD_TAF = "TAF KGTU 251720Z 2518/2624 18005KT P6SM SKC"


def weather(**by_station: tuple[str | None, str | None]) -> dict[str, StationWeather]:
    out = {}
    for code, (metar_text, taf_text) in by_station.items():
        out[code] = StationWeather(code, metar(metar_text) if metar_text else None,
                                   taf(taf_text) if taf_text else None, metar_text, taf_text)
    return out


def test_the_worst_place_wins_and_reasons_name_their_station():
    gathered = weather(KAUS=(GOOD_METAR, "TAF KAUS 251720Z 2518/2624 18005KT P6SM SKC"), KGTU=(None, KGTU_TS_TAF))
    result = assess_lesson(["KAUS", "KGTU"], gathered, limits=limits(), start=at(hours=2), end=at(hours=4), now=NOW)
    assert [(p.station, p.verdict) for p in result.places] == [("KAUS", Verdict.GO), ("KGTU", Verdict.NO_GO)]
    assert result.verdict is Verdict.NO_GO
    assert result.reasons[0].text == "KGTU: TEMPO 25 20:00–25 22:00Z: Thunderstorm in the vicinity (VCTS)"
    assert all(r.text.startswith("KGTU: ") for r in result.reasons)


def test_one_place_has_no_station_prefix_and_duplicates_are_one_place():
    gathered = weather(KAUS=(GOOD_METAR, TAF_TEMPO_TS))
    result = assess_lesson(["KAUS", "kaus"], gathered, limits=limits(), start=at(hours=2), end=at(hours=4), now=NOW)
    assert len(result.places) == 1
    assert result.verdict is Verdict.NO_GO
    assert result.reasons[0].text == "TEMPO 25 20:00–25 22:00Z: Thunderstorm reported (TSRA)"


def test_a_station_with_no_weather_is_unknown():
    gathered = weather(KAUS=(GOOD_METAR, "TAF KAUS 251720Z 2518/2624 18005KT P6SM SKC"))
    result = assess_lesson(["KAUS", "KGTU"], gathered, limits=limits(), start=at(minutes=20), end=at(hours=1), now=NOW)
    assert result.verdict is Verdict.UNKNOWN
    assert [(r.code, r.text) for r in result.reasons] == [(ReasonCode.MISSING, "KGTU: No current METAR for KGTU")]


def test_unknown_outranks_marginal_and_no_go_outranks_unknown():
    marginal_kaus = "TAF KAUS 251720Z 2518/2624 18013KT P6SM SKC"  # 13 kt: within 3 kt of 15
    gathered = weather(KAUS=(GOOD_METAR, marginal_kaus))
    result = assess_lesson(["KAUS", "KGTU"], gathered, limits=limits(), start=at(hours=2), end=at(hours=3), now=NOW)
    assert [p.verdict for p in result.places] == [Verdict.MARGINAL, Verdict.UNKNOWN]
    assert result.verdict is Verdict.UNKNOWN
    gathered = weather(KAUS=(GOOD_METAR, TAF_TEMPO_TS))
    result = assess_lesson(["KGTU", "KAUS"], gathered, limits=limits(), start=at(hours=2), end=at(hours=3), now=NOW)
    assert [p.verdict for p in result.places] == [Verdict.UNKNOWN, Verdict.NO_GO]
    assert result.verdict is Verdict.NO_GO


def test_a_good_lesson_at_two_places_is_go():
    gathered = weather(KAUS=(GOOD_METAR, "TAF KAUS 251720Z 2518/2624 18005KT P6SM SKC"), KGTU=(None, KGTU_GOOD_TAF))
    result = assess_lesson(["KAUS", "KGTU"], gathered, limits=limits(), start=at(hours=2), end=at(hours=4), now=NOW)
    assert result.verdict is Verdict.GO
    assert result.reasons == ()


# -- gathering from a recorded source ----------------------------------------------------------


def record(directory: Path, *, metars: Iterable[tuple[str, str, int]] = (), tafs: Iterable[tuple[str, str, str]] = ()) -> Path:
    """Write metar.json/taf.json as /api/data/...&format=json answers: (icaoId, raw, time)."""
    if metars:
        (directory / "metar.json").write_text(json.dumps(
            [{"icaoId": icao, "obsTime": when, "rawOb": raw} for icao, raw, when in metars]), encoding="utf-8")
    if tafs:
        (directory / "taf.json").write_text(json.dumps(
            [{"icaoId": icao, "issueTime": when, "rawTAF": raw} for icao, raw, when in tafs]), encoding="utf-8")
    return directory


KAUS_1753 = int(datetime(2026, 11, 25, 17, 53, tzinfo=timezone.utc).timestamp())


def test_gather_takes_the_newest_report_and_decodes_it(tmp_path):
    record(
        tmp_path,
        metars=[
            ("KAUS", "KAUS 251753Z 18005KT 10SM SKC 20/10 A3000", KAUS_1753),
            ("KAUS", "KAUS 251653Z 18003KT 10SM SKC 19/10 A3001", KAUS_1753 - 3600),
        ],
        tafs=[("KAUS", TAF_TEMPO_TS, "2026-11-25T17:20:00Z")],
    )
    gathered = gather_weather(RecordedWeatherSource(tmp_path), ["kaus"], now=NOW)
    assert list(gathered) == ["KAUS"]
    kaus = gathered["KAUS"]
    assert kaus.metar_raw == "KAUS 251753Z 18005KT 10SM SKC 20/10 A3000"
    assert kaus.metar.time == datetime(2026, 11, 25, 17, 53, tzinfo=timezone.utc)
    assert kaus.taf.valid_to == datetime(2026, 11, 27, 0, 0, tzinfo=timezone.utc)
    assert kaus.problems == ()


def test_an_unreadable_report_is_a_problem_and_no_metar(tmp_path):
    record(tmp_path, metars=[("KAUS", GOOD_METAR, KAUS_1753), ("KSAT", "KSAT NIL", KAUS_1753)],
           tafs=[("KSAT", "TAF KSAT 251720Z 2518/2624 27010KT P6SM SKC", "2026-11-25T17:20:00Z")])
    gathered = gather_weather(RecordedWeatherSource(tmp_path), ["KAUS", "KSAT"], now=NOW)
    ksat = gathered["KSAT"]
    assert ksat.metar is None
    assert ksat.metar_raw == "KSAT NIL"
    assert ksat.taf is not None  # the other product still decodes
    assert len(ksat.problems) == 1
    assert ksat.problems[0].startswith("The METAR for KSAT could not be read (not a readable METAR")
    assert gathered["KAUS"].problems == ()
    # …and the sweep's judgement of it says why.
    result = assess_station("KSAT", metar=ksat.metar, taf=ksat.taf, limits=limits(), start=at(minutes=20),
                            end=at(hours=1), now=NOW, problems=ksat.problems)
    assert result.verdict is Verdict.UNKNOWN
    assert ksat.problems[0] in [r.text for r in result.reasons]


def test_a_station_the_recording_does_not_have_is_empty_not_a_problem(tmp_path):
    record(tmp_path, metars=[("KAUS", GOOD_METAR, KAUS_1753)])  # no taf.json at all
    gathered = gather_weather(RecordedWeatherSource(tmp_path), ["KAUS", "KGTU"], now=NOW)
    assert gathered["KGTU"] == StationWeather("KGTU")
    assert gathered["KAUS"].metar is not None and gathered["KAUS"].taf is None
    assert gathered["KAUS"].problems == ()


class MetarSourceDown:
    """A stand-in for an external source whose METAR endpoint is down."""

    def __init__(self, tafs: dict[str, list[str]]):
        self.tafs = tafs
        self.asked: list[list[str]] = []

    def fetch_metars(self, station_ids):
        self.asked.append(list(station_ids))
        raise WeatherUnavailable("aviationweather.gov answered 503 Service Unavailable four times")

    def fetch_tafs(self, station_ids):
        self.asked.append(list(station_ids))
        return {code: self.tafs.get(code, []) for code in station_ids}


def test_a_source_that_is_down_is_every_stations_problem_and_the_other_product_works():
    source = MetarSourceDown({"KAUS": [TAF_TEMPO_TS]})
    gathered = gather_weather(source, ["KAUS", "KSAT"], now=NOW)
    assert source.asked == [["KAUS", "KSAT"], ["KAUS", "KSAT"]]  # one batch per product
    expected = "METAR source: aviationweather.gov answered 503 Service Unavailable four times"
    assert {code: w.problems for code, w in gathered.items()} == {"KAUS": (expected,), "KSAT": (expected,)}
    assert gathered["KAUS"].metar is None and gathered["KAUS"].taf is not None
    assert gathered["KSAT"].taf is None
    lesson = assess_lesson(["KAUS"], gathered, limits=limits(), start=at(minutes=20), end=at(hours=1), now=NOW)
    assert lesson.verdict is Verdict.UNKNOWN
    assert expected in [r.text for r in lesson.reasons]


def test_a_broken_recording_is_every_stations_problem(tmp_path):
    (tmp_path / "metar.json").write_text("{not json", encoding="utf-8")
    gathered = gather_weather(RecordedWeatherSource(tmp_path), ["KAUS", "KSAT"], now=NOW)
    for code in ("KAUS", "KSAT"):
        assert gathered[code].metar is None
        assert len(gathered[code].problems) == 1
        assert gathered[code].problems[0].startswith("METAR source: recorded weather file ")
        assert "is not valid JSON" in gathered[code].problems[0]


def test_one_malformed_station_id_does_not_lose_everyone_elses_weather(tmp_path):
    # Was an engine bug: UnknownStation escaped gather_weather and every station lost its weather.
    record(tmp_path, metars=[("KAUS", GOOD_METAR, KAUS_1753)])
    gathered = gather_weather(RecordedWeatherSource(tmp_path), ["KAUS", "K-US"], now=NOW)
    assert gathered["KAUS"].metar is not None
    assert gathered["KAUS"].problems == ()
    bad = gathered["K-US"]
    assert (bad.metar, bad.taf) == (None, None)
    assert len(bad.problems) == 1 and "is not a station identifier" in bad.problems[0]
