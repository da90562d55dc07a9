"""Every reason carries its facts as data beside its sentence: the value and the limit with their
unit (``Measure``), and the report it came from (``Source``: the METAR with its time, or the TAF
period with its kind, times and chance) — and the sentences are exactly what they were.

Times are fixed: "now" is 2026-11-25 18:00Z at KAUS.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from sync.flights.schemas import WeatherReasonRead
from sync.weather.conditions import Conditions, Sky, Visibility, Wind
from sync.weather.judge import PilotLimits, judge
from sync.weather.lesson import assess_lesson
from sync.weather.metar_decoder import decode_metar
from sync.weather.minimums import DEFAULT_MINIMUMS, Margin, TrainingLevel
from sync.weather.serialization import reason_json, reason_record
from sync.weather.station_weather import StationWeather
from sync.weather.taf_decoder import decode_taf
from sync.weather.verdicts import Bound, Measure, ReasonCode, Source, Verdict
from sync.weather.window import assess_station, judge_forecast, judge_observation

NOW = datetime(2026, 11, 25, 18, 0, tzinfo=timezone.utc)
PP, ES = TrainingLevel.PRIVATE_PILOT, TrainingLevel.EARLY_STUDENT
MARGIN = Margin(visibility_sm=1, ceiling_ft=500, wind_kt=3)
NORTH_SOUTH = (0.0, 180.0)


def limits(level: TrainingLevel = PP, *, crosswind: int | None = None) -> PilotLimits:
    return PilotLimits(minimums=DEFAULT_MINIMUMS[level], margin=MARGIN,
                       aircraft_crosswind_kt=crosswind, night_trained=True)


def only(conditions: Conditions, lim: PilotLimits | None = None, *, runways=NORTH_SOUTH):
    reasons = judge(conditions, lim or limits(), runway_headings=runways).reasons
    assert len(reasons) == 1, reasons
    return reasons[0]


def at(hours: float = 0, minutes: float = 0) -> datetime:
    return NOW + timedelta(hours=hours, minutes=minutes)


# -- the judge: value and limit for each kind of reason -----------------------------------------


def test_a_ceiling_below_the_minimum_gives_feet_against_feet():
    reason = only(Conditions(sky=Sky(ceiling_ft=800, layers=("BKN008",))))
    assert reason.text == "Ceiling 800 ft is below the 1000 ft minimum for a private pilot"
    assert reason.measure == Measure(value=800, limit=1000, unit="ft", bound=Bound.MINIMUM,
                                     value_text="800 ft", limit_text="1000 ft")


def test_a_marginal_ceiling_says_the_margin():
    reason = only(Conditions(sky=Sky(ceiling_ft=1200, layers=("OVC012",))))
    assert reason.effect is Verdict.MARGINAL
    assert reason.text == "Ceiling 1200 ft is within 500 ft of the 1000 ft minimum for a private pilot"
    assert (reason.measure.value, reason.measure.limit, reason.measure.margin) == (1200, 1000, 500)


@pytest.mark.parametrize(("visibility", "value_text", "modifier"), [
    (Visibility(1.5), "1 1/2 SM", None),
    (Visibility(0.25, "M"), "less than 1/4 SM", "less_than"),
])
def test_a_visibility_below_the_minimum_gives_miles_against_miles(visibility, value_text, modifier):
    reason = only(Conditions(visibility=visibility))
    assert reason.code is ReasonCode.VISIBILITY and reason.effect is Verdict.NO_GO
    assert reason.text == f"Visibility {value_text} is below the 3 SM minimum for a private pilot"
    assert reason.measure == Measure(value=visibility.statute_miles, limit=3, unit="SM",
                                     bound=Bound.MINIMUM, value_text=value_text,
                                     limit_text="3 SM", modifier=modifier)


def test_a_marginal_visibility_keeps_the_fraction_and_the_margin():
    reason = only(Conditions(visibility=Visibility(3.5)))
    assert reason.effect is Verdict.MARGINAL
    assert (reason.measure.value_text, reason.measure.limit_text, reason.measure.margin) == (
        "3 1/2 SM", "3 SM", 1)


def test_a_gusty_wind_counts_the_gust_and_keeps_speed_gust_and_direction():
    reason = only(Conditions(wind=Wind(200, 12, 22)))
    assert reason.text == "Wind from 200° at 12 kt gusting 22 kt exceeds the 15 kt limit for a private pilot"
    assert reason.measure == Measure(
        value=22, limit=15, unit="kt", bound=Bound.MAXIMUM,
        value_text="from 200° at 12 kt gusting 22 kt", limit_text="15 kt",
        wind_direction_deg=200, wind_speed_kt=12, wind_gust_kt=22)


def test_a_variable_marginal_wind_has_no_direction():
    reason = only(Conditions(wind=Wind(None, 14)))
    assert reason.effect is Verdict.MARGINAL
    measure = reason.measure
    assert (measure.value, measure.limit, measure.margin, measure.wind_direction_deg,
            measure.wind_speed_kt, measure.wind_gust_kt) == (14, 15, 3, None, 14, None)


def test_a_crosswind_gives_the_component_against_the_aircraft_limit():
    # A wind from 090 on a north-south runway is all crosswind; the PP wind limit is raised
    # out of the way by an instrument-rated pilot (25 kt).
    reason = only(Conditions(wind=Wind(90, 20)), limits(TrainingLevel.INSTRUMENT_RATED, crosswind=15))
    assert reason.code is ReasonCode.CROSSWIND and reason.effect is Verdict.NO_GO
    assert reason.text == "Crosswind 20 kt on the best runway exceeds the aircraft's 15 kt limit"
    assert reason.measure == Measure(value=20.0, limit=15, unit="kt", bound=Bound.MAXIMUM,
                                     value_text="20 kt", limit_text="15 kt")


def test_a_crosswind_without_runways_is_up_to_the_whole_wind():
    reason = only(Conditions(wind=Wind(90, 20)), limits(TrainingLevel.INSTRUMENT_RATED, crosswind=15),
                  runways=None)
    assert reason.effect is Verdict.UNKNOWN
    assert (reason.measure.value, reason.measure.limit, reason.measure.modifier,
            reason.measure.value_text) == (20, 15, "up_to", "up to 20 kt")


def test_thunderstorm_cumulonimbus_and_icing_give_their_codes_and_none_allowed():
    conditions = Conditions(
        sky=Sky(ceiling_ft=None, cumulonimbus=True, layers=("SCT030CB",)),
        thunderstorm=True, icing=True, weather=("+TSRA", "VCTS", "FZRA"))
    reasons = judge(conditions, limits(), runway_headings=NORTH_SOUTH).reasons
    assert [(r.code, r.text) for r in reasons] == [
        (ReasonCode.THUNDERSTORM, "Thunderstorm reported (+TSRA, VCTS)"),
        (ReasonCode.THUNDERSTORM, "Cumulonimbus cloud (SCT030CB) means thunderstorm activity"),
        (ReasonCode.ICING, "Freezing precipitation or fog (FZRA) means icing"),
    ]
    assert [(r.measure.codes, r.measure.value_text, r.measure.limit_text, r.measure.bound,
             r.measure.value, r.measure.limit, r.measure.unit) for r in reasons] == [
        (("+TSRA", "VCTS"), "+TSRA, VCTS", "none allowed", Bound.NONE_ALLOWED, None, None, None),
        (("SCT030CB",), "SCT030CB", "none allowed", Bound.NONE_ALLOWED, None, None, None),
        (("FZRA",), "FZRA", "none allowed", Bound.NONE_ALLOWED, None, None, None),
    ]


def test_a_reason_about_no_value_has_no_measure():
    reasons = judge(Conditions(visibility=Visibility(10), unreadable=("the sky could not be read",)),
                    limits(crosswind=15), runway_headings=NORTH_SOUTH).reasons
    assert [(r.code, r.measure) for r in reasons] == [(ReasonCode.UNREADABLE, None)]


# -- the window: which report, which period -----------------------------------------------------


def test_a_metar_reason_names_the_metar_and_its_time():
    observation = decode_metar("KAUS 251753Z 18005KT 2SM BR OVC007 20/19 A3000", reference=NOW)
    result = judge_observation(observation, limits(), now=NOW, station="KAUS")
    assert [r.code for r in result.reasons] == [ReasonCode.VISIBILITY, ReasonCode.CEILING]
    metar = Source("METAR", observed_at=datetime(2026, 11, 25, 17, 53, tzinfo=timezone.utc))
    assert {r.source for r in result.reasons} == {metar}
    assert {r.station for r in result.reasons} == {"KAUS"}
    assert result.reasons[1].text == "Ceiling 700 ft is below the 1000 ft minimum for a private pilot"
    assert result.reasons[1].measure.value == 700


def test_a_stale_metar_gives_its_age_against_90_minutes():
    observation = decode_metar("KAUS 251500Z 18005KT 10SM SKC 20/10 A3000", reference=NOW)
    result = judge_observation(observation, limits(), now=NOW)
    (reason,) = result.reasons
    assert reason.code is ReasonCode.STALE
    assert (reason.measure.value, reason.measure.limit, reason.measure.unit) == (180, 90, "min")
    assert reason.source.product == "METAR" and reason.source.observed_at == at(hours=-3)


def test_tempo_and_fm_reasons_name_their_period():
    forecast = decode_taf("TAF KAUS 251720Z 2518/2624 18005KT P6SM SKC TEMPO 2520/2522 2SM BR "
                          "FM252200 18020KT P6SM OVC008", reference=NOW)
    result = judge_forecast(forecast, limits(), start=at(hours=3), end=at(hours=5))
    by_text = {r.text: r for r in result.reasons}
    tempo = by_text["TEMPO 25 20:00–25 22:00Z: Visibility 2 SM is below the 3 SM minimum for a "
                    "private pilot"]
    assert tempo.source == Source("TAF", kind="TEMPO", label="TEMPO", start=at(hours=2),
                                  end=at(hours=4))
    assert tempo.measure.value == 2 and tempo.measure.limit == 3
    ceiling = by_text["FM 25 22:00–27 00:00Z: Ceiling 800 ft is below the 1000 ft minimum for a "
                      "private pilot"]
    assert ceiling.source == Source("TAF", kind="FM", label="FM", start=at(hours=4), end=at(hours=30))
    assert ceiling.station == "KAUS"


def test_a_prob_reason_has_its_chance_and_is_marginal():
    forecast = decode_taf("TAF KAUS 251720Z 2518/2624 18005KT P6SM SKC PROB40 TEMPO 2520/2522 "
                          "2SM TSRA BKN008CB", reference=NOW)
    result = judge_forecast(forecast, limits(), start=at(hours=2, minutes=30), end=at(hours=3))
    storm = result.reasons[0]
    assert storm.text == "PROB40 TEMPO 25 20:00–25 22:00Z (40% chance): Thunderstorm reported (TSRA)"
    assert storm.effect is Verdict.MARGINAL
    assert storm.source == Source("TAF", kind="PROB", label="PROB40 TEMPO", start=at(hours=2),
                                  end=at(hours=4), chance=40)
    assert storm.measure.codes == ("TSRA",)


def test_a_missing_report_has_the_station_but_no_source_or_measure():
    result = assess_station("KGTU", metar=None, taf=None, limits=limits(), start=at(minutes=20),
                            end=at(hours=1), now=NOW)
    (reason,) = result.reasons
    assert (reason.code, reason.station, reason.source, reason.measure) == (
        ReasonCode.MISSING, "KGTU", None, None)


def test_a_lesson_at_two_places_keeps_each_reasons_station_and_period():
    kgtu = decode_taf("TAF KGTU 251720Z 2518/2624 18005KT P6SM SKC TEMPO 2520/2522 VCTS BKN030CB",
                      reference=NOW)
    kaus = decode_taf("TAF KAUS 251720Z 2518/2624 18025KT P6SM SKC", reference=NOW)
    weather = {"KAUS": StationWeather("KAUS", None, kaus, None, kaus.raw),
               "KGTU": StationWeather("KGTU", None, kgtu, None, kgtu.raw)}
    result = assess_lesson(["KAUS", "KGTU"], weather, limits=limits(), start=at(hours=2),
                           end=at(hours=4), now=NOW)
    by_station = {(r.station, r.code): r for r in result.reasons}
    wind = by_station["KAUS", ReasonCode.WIND]
    assert wind.text == ("KAUS: BASE 25 18:00–27 00:00Z: Wind from 180° at 25 kt exceeds the 15 kt "
                         "limit for a private pilot")
    assert (wind.measure.value, wind.source.kind) == (25, "BASE")
    storm = next(r for r in result.reasons if r.station == "KGTU")
    assert storm.text == "KGTU: TEMPO 25 20:00–25 22:00Z: Thunderstorm in the vicinity (VCTS)"
    assert storm.finding == "Thunderstorm in the vicinity (VCTS)"
    assert storm.source.label == "TEMPO"


# -- as stored and as the API gives it ------------------------------------------------------


def test_a_reason_record_round_trips_through_the_api_schema():
    forecast = decode_taf("TAF KAUS 251720Z 2518/2624 18005KT P6SM SKC PROB30 2520/2522 "
                          "18015G28KT 1/2SM FG OVC002", reference=NOW)
    result = judge_forecast(forecast, limits(), start=at(hours=2, minutes=30), end=at(hours=3))
    for reason in result.reasons:
        record = reason_record(reason)
        read = WeatherReasonRead.model_validate(record)
        assert read.model_dump(mode="json", by_alias=True) == record
    wind = next(reason_record(r) for r in result.reasons if r.code is ReasonCode.WIND)
    assert wind["measure"]["value"] == 28 and wind["measure"]["wind_gust_kt"] == 28
    assert wind["text"] == ("PROB30 25 20:00–25 22:00Z (30% chance): Wind from 180° at 15 kt "
                            "gusting 28 kt exceeds the 15 kt limit for a private pilot")
    assert wind["finding"] == "Wind from 180° at 15 kt gusting 28 kt exceeds the 15 kt limit for a private pilot"
    assert wind["source"] == {"product": "TAF", "observed_at": None, "kind": "PROB",
                              "label": "PROB30", "from": "2026-11-25T20:00:00Z",
                              "to": "2026-11-25T22:00:00Z", "chance": 30}
    # The command line's short form is what it was.
    assert set(reason_json(result.reasons[0])) == {"code", "text"}


def test_a_check_stored_before_the_data_existed_still_reads():
    old = {"code": "CEILING", "effect": "NO_GO", "station": "KAUS",
           "text": "Ceiling 800 ft is below the 1000 ft minimum for a private pilot"}
    read = WeatherReasonRead.model_validate(old)
    assert (read.measure, read.source) == (None, None)
