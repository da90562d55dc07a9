"""The judge, crosswind and minimums: one set of conditions against one pilot's limits.

Conditions are built directly where a test is about a limit (so the value is exactly the one
named), and decoded from real-format METARs where a test is about what a report means.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

import pytest

from sync.weather.conditions import Conditions, Sky, Visibility, Wind
from sync.weather.crosswind import best_runway_crosswind, crosswind_component
from sync.weather.judge import PilotLimits, judge
from sync.weather.metar_decoder import decode_metar
from sync.weather.minimums import (
    DEFAULT_MARGIN,
    DEFAULT_MINIMUMS,
    Margin,
    Minimums,
    TrainingLevel,
    minimums_for,
)
from sync.weather.stations import station_info
from sync.weather.verdicts import ReasonCode, Verdict, verdict_of

REFERENCE = datetime(2026, 11, 25, 18, 0, tzinfo=timezone.utc)
NO_MARGIN = Margin(visibility_sm=0, ceiling_ft=0, wind_kt=0)
NORTH_SOUTH = (0.0, 180.0)  # a single runway 18/36: a wind from 090 is all crosswind
LEVELS = list(TrainingLevel)
ES, PP, IR = TrainingLevel.EARLY_STUDENT, TrainingLevel.PRIVATE_PILOT, TrainingLevel.INSTRUMENT_RATED


def conditions(
    *,
    visibility: float | None = 10.0,
    modifier: str | None = None,
    ceiling: int | None = None,
    wind: tuple[int | None, int, int | None] | None = (180, 5, None),
    thunderstorm: bool = False,
    icing: bool = False,
    cumulonimbus: bool = False,
    weather: tuple[str, ...] = (),
    unreadable: tuple[str, ...] = (),
) -> Conditions:
    layers = (f"BKN{ceiling // 100:03d}",) if ceiling is not None else ("FEW250",)
    return Conditions(
        visibility=Visibility(visibility, modifier) if visibility is not None else None,
        sky=Sky(ceiling_ft=ceiling, cumulonimbus=cumulonimbus, layers=layers),
        wind=Wind(*wind) if wind is not None else None,
        thunderstorm=thunderstorm,
        icing=icing,
        weather=weather,
        unreadable=unreadable,
    )


def limits(level: TrainingLevel, *, margin: Margin = DEFAULT_MARGIN, crosswind: int | None = None) -> PilotLimits:
    return PilotLimits(minimums=DEFAULT_MINIMUMS[level], margin=margin, aircraft_crosswind_kt=crosswind)


def run(cond: Conditions, lim: PilotLimits, runways=NORTH_SOUTH, *, partial: bool = False):
    judged = judge(cond, lim, runway_headings=runways, partial=partial)
    return verdict_of(judged.reasons), judged


def codes(judged) -> list[tuple[str, str]]:
    return [(reason.code.value, reason.effect.value) for reason in judged.reasons]


def metar(text: str):
    return decode_metar(text, reference=REFERENCE).conditions


# -- minimums --------------------------------------------------------------------------------


def test_default_minimums_are_the_specification_table():
    table = {level: (m.visibility_sm, m.ceiling_ft, m.max_wind_kt) for level, m in DEFAULT_MINIMUMS.items()}
    assert table == {ES: (10, 3000, 10), PP: (3, 1000, 15), IR: (0, 0, 25)}
    assert DEFAULT_MINIMUMS[PP].applies_to == "a private pilot"


def test_tightened_by_takes_the_stricter_value_of_each():
    default = DEFAULT_MINIMUMS[PP]
    mixed = Minimums(visibility_sm=5, ceiling_ft=800, max_wind_kt=12)  # vis and wind stricter, ceiling looser
    tightened = default.tightened_by(mixed)
    assert tightened.as_dict() == {"visibility_sm": 5, "ceiling_ft": 1000, "max_wind_kt": 12}
    assert tightened.applies_to == "a private pilot"


def test_tightened_by_a_looser_set_changes_nothing():
    default = DEFAULT_MINIMUMS[ES]
    looser = Minimums(visibility_sm=3, ceiling_ft=1000, max_wind_kt=20)
    assert default.tightened_by(looser).as_dict() == default.as_dict()
    assert default.tightened_by(None) is default


def test_minimums_for_without_school_or_personal_is_the_default():
    for level in LEVELS:
        assert minimums_for(level) == DEFAULT_MINIMUMS[level]


def test_school_can_only_tighten():
    school = {
        PP: Minimums(visibility_sm=5, ceiling_ft=1500, max_wind_kt=20),  # wind looser than default
        ES: Minimums(visibility_sm=1, ceiling_ft=500, max_wind_kt=30),  # everything looser
    }
    assert minimums_for(PP, school=school).as_dict() == {"visibility_sm": 5, "ceiling_ft": 1500, "max_wind_kt": 15}
    assert minimums_for(ES, school=school).as_dict() == DEFAULT_MINIMUMS[ES].as_dict()
    # A school with no entry for a level leaves that level at the default.
    assert minimums_for(IR, school=school).as_dict() == DEFAULT_MINIMUMS[IR].as_dict()


def test_personal_minimums_can_only_tighten_the_schools():
    school = {PP: Minimums(visibility_sm=5, ceiling_ft=1500, max_wind_kt=15)}
    personal = Minimums(visibility_sm=4, ceiling_ft=2000, max_wind_kt=10)  # vis looser than school
    applied = minimums_for(PP, school=school, personal=personal)
    assert applied.as_dict() == {"visibility_sm": 5, "ceiling_ft": 2000, "max_wind_kt": 10}
    # Each value names whoever set it.
    assert [applied.source_of(name) for name in ("visibility_sm", "ceiling_ft", "max_wind_kt")] == [
        "a private pilot at this school", "this student (personal minimums)", "this student (personal minimums)"]


def test_a_tightened_minimum_is_what_the_judge_applies():
    applied = minimums_for(PP, personal=Minimums(visibility_sm=3, ceiling_ft=2000, max_wind_kt=15))
    verdict, judged = run(conditions(ceiling=1800), PilotLimits(applied, margin=NO_MARGIN))
    assert verdict is Verdict.NO_GO
    assert [r.text for r in judged.reasons] == [
        "Ceiling 1800 ft is below the 2000 ft minimum for this student (personal minimums)"
    ]


def test_looser_personal_minimums_do_not_take_the_credit_for_the_default():
    # Was an engine bug: the reason blamed "this student's personal minimums" for the default.
    applied = minimums_for(PP, personal=Minimums(visibility_sm=1, ceiling_ft=500, max_wind_kt=25))
    assert applied.as_dict() == DEFAULT_MINIMUMS[PP].as_dict()
    _, judged = run(conditions(ceiling=800), PilotLimits(applied))
    assert judged.reasons[0].text == "Ceiling 800 ft is below the 1000 ft minimum for a private pilot"


def test_a_school_tightening_is_named_in_the_reason():
    applied = minimums_for(PP, school={PP: Minimums(visibility_sm=3, ceiling_ft=1500, max_wind_kt=15)})
    _, judged = run(conditions(ceiling=1200, wind=(180, 16, None)), PilotLimits(applied))
    assert [r.text for r in judged.reasons] == [
        "Ceiling 1200 ft is below the 1500 ft minimum for a private pilot at this school",
        "Wind from 180° at 16 kt exceeds the 15 kt limit for a private pilot",
    ]


# -- a value exactly at a limit passes, at every level -----------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_visibility_exactly_at_the_minimum_passes(level):
    required = DEFAULT_MINIMUMS[level].visibility_sm
    verdict, judged = run(conditions(visibility=float(required)), limits(level, margin=NO_MARGIN))
    assert verdict is Verdict.GO, codes(judged)
    if required > 0:
        verdict, judged = run(conditions(visibility=required - 0.25), limits(level, margin=NO_MARGIN))
        assert codes(judged) == [("VISIBILITY", "NO_GO")]


@pytest.mark.parametrize("level", LEVELS)
def test_ceiling_exactly_at_the_minimum_passes(level):
    required = DEFAULT_MINIMUMS[level].ceiling_ft
    verdict, judged = run(conditions(ceiling=required), limits(level, margin=NO_MARGIN))
    assert verdict is Verdict.GO, codes(judged)
    if required > 0:
        verdict, judged = run(conditions(ceiling=required - 100), limits(level, margin=NO_MARGIN))
        assert codes(judged) == [("CEILING", "NO_GO")]


@pytest.mark.parametrize("level", LEVELS)
def test_wind_exactly_at_the_limit_passes(level):
    limit = DEFAULT_MINIMUMS[level].max_wind_kt
    verdict, judged = run(conditions(wind=(180, limit, None)), limits(level, margin=NO_MARGIN))
    assert verdict is Verdict.GO, codes(judged)
    verdict, judged = run(conditions(wind=(180, limit + 1, None)), limits(level, margin=NO_MARGIN))
    assert codes(judged) == [("WIND", "NO_GO")]


@pytest.mark.parametrize("level", LEVELS)
def test_gust_exactly_at_the_limit_passes_and_one_knot_more_does_not(level):
    limit = DEFAULT_MINIMUMS[level].max_wind_kt
    verdict, judged = run(conditions(wind=(180, limit - 5, limit)), limits(level, margin=NO_MARGIN))
    assert verdict is Verdict.GO, codes(judged)
    verdict, judged = run(conditions(wind=(180, limit - 5, limit + 1)), limits(level, margin=NO_MARGIN))
    assert codes(judged) == [("WIND", "NO_GO")]
    assert f"gusting {limit + 1} kt" in judged.reasons[0].text


@pytest.mark.parametrize("level", LEVELS)
def test_crosswind_exactly_at_the_aircraft_limit_passes(level):
    # A wind from 090 on runway 18/36 is all crosswind; speed at the level's wind limit.
    speed = DEFAULT_MINIMUMS[level].max_wind_kt
    at_limit = limits(level, margin=NO_MARGIN, crosswind=speed)
    verdict, judged = run(conditions(wind=(90, speed, None)), at_limit)
    assert verdict is Verdict.GO, codes(judged)
    assert judged.crosswind_kt == speed
    below = limits(level, margin=NO_MARGIN, crosswind=speed - 1)
    verdict, judged = run(conditions(wind=(90, speed, None)), below)
    assert codes(judged) == [("CROSSWIND", "NO_GO")]
    assert judged.reasons[0].text == (f"Crosswind {speed} kt on the best runway exceeds the aircraft's "
                                      f"{speed - 1} kt limit")


def test_crosswind_at_the_limit_is_not_lost_to_float_noise():
    # 20 kt at 30° off the runway is 10 kt (9.999999… in floating point).
    verdict, judged = run(conditions(wind=(30, 20, None)), limits(IR, margin=NO_MARGIN, crosswind=10))
    assert judged.crosswind_kt == 10.0
    assert verdict is Verdict.GO, codes(judged)


# -- gusts and margins -------------------------------------------------------------------------


def test_the_gust_counts_against_the_wind_limit():
    verdict, judged = run(metar("KAUS 251753Z 18010G16KT 10SM FEW250 20/10 A3000"), limits(PP))
    assert verdict is Verdict.NO_GO
    assert [r.text for r in judged.reasons] == [
        "Wind from 180° at 10 kt gusting 16 kt exceeds the 15 kt limit for a private pilot"
    ]


def test_the_gust_counts_against_the_crosswind_limit():
    verdict, judged = run(conditions(wind=(90, 10, 20)), limits(IR, crosswind=15))
    assert judged.crosswind_kt == 20.0
    assert codes(judged) == [("CROSSWIND", "NO_GO")]


@pytest.mark.parametrize(
    ("cond", "expected"),
    [
        (conditions(visibility=3.5), [("VISIBILITY", "MARGINAL")]),
        (conditions(visibility=4.0), []),  # exactly one margin above: no longer marginal
        (conditions(visibility=3.0), [("VISIBILITY", "MARGINAL")]),  # at the limit: passes, marginal
        (conditions(ceiling=1400), [("CEILING", "MARGINAL")]),
        (conditions(ceiling=1500), []),
        (conditions(wind=(180, 13, None)), [("WIND", "MARGINAL")]),
        (conditions(wind=(180, 12, None)), []),
        (conditions(wind=(180, 8, 13)), [("WIND", "MARGINAL")]),
    ],
    ids=["vis3.5", "vis4", "vis3", "ceil1400", "ceil1500", "wind13", "wind12", "gust13"],
)
def test_within_the_margin_of_a_limit_is_marginal(cond, expected):
    verdict, judged = run(cond, limits(PP))
    assert codes(judged) == expected
    assert verdict is (Verdict.MARGINAL if expected else Verdict.GO)


def test_crosswind_within_the_margin_is_marginal():
    _, judged = run(conditions(wind=(90, 13, None)), limits(IR, crosswind=15))
    assert codes(judged) == [("CROSSWIND", "MARGINAL")]
    _, judged = run(conditions(wind=(90, 12, None)), limits(IR, crosswind=15))
    assert codes(judged) == []


def test_a_school_set_margin_is_used():
    wide = Margin(visibility_sm=2.0, ceiling_ft=1000, wind_kt=5)
    _, judged = run(conditions(visibility=4.5, ceiling=1900, wind=(180, 11, None)), limits(PP, margin=wide))
    assert codes(judged) == [("VISIBILITY", "MARGINAL"), ("CEILING", "MARGINAL"), ("WIND", "MARGINAL")]
    assert judged.reasons[1].text == "Ceiling 1900 ft is within 1000 ft of the 1000 ft minimum for a private pilot"


# -- "more than" and "less than" visibility ----------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("visibility", [6.0, 10.0, 10_000 / 1609.344], ids=["P6SM", "P10SM", "9999"])
def test_more_than_visibility_meets_every_minimum(level, visibility):
    verdict, judged = run(conditions(visibility=visibility, modifier="P", wind=(180, 0, None)), limits(level))
    assert verdict is Verdict.GO, codes(judged)


@pytest.mark.parametrize(
    "text",
    [
        "KAUS 251753Z 00000KT P6SM SKC 20/10 A3000",
        "KAUS 251753Z 00000KT 10SM SKC 20/10 A3000",
        "EGLL 251750Z 00000KT 9999 FEW040 10/05 Q1013",
        "EGLL 251750Z 00000KT CAVOK 10/05 Q1013",
    ],
)
def test_decoded_more_than_visibility_meets_the_early_student_minimum(text):
    verdict, judged = run(metar(text), limits(ES))
    assert verdict is Verdict.GO, codes(judged)


@pytest.mark.parametrize("level", [ES, PP])
def test_less_than_visibility_fails_any_positive_minimum(level):
    verdict, judged = run(conditions(visibility=0.25, modifier="M"), limits(level))
    assert codes(judged) == [("VISIBILITY", "NO_GO")]
    assert judged.reasons[0].text.startswith("Visibility less than 1/4 SM is below the ")


def test_less_than_visibility_passes_only_a_zero_minimum():
    verdict, judged = run(conditions(visibility=0.25, modifier="M"), limits(IR))
    assert verdict is not Verdict.NO_GO
    assert ("VISIBILITY", "NO_GO") not in codes(judged)
    # …and fails a minimum of a quarter mile, which it is "less than".
    quarter = PilotLimits(Minimums(0.25, 0, 25))
    assert codes(run(conditions(visibility=0.25, modifier="M"), quarter)[1]) == [("VISIBILITY", "NO_GO")]


def test_less_than_a_quarter_mile_is_never_better_than_a_quarter_mile():
    # Was an engine bug: an 'M' visibility against a 0 minimum skipped the margin (GO vs MARGINAL).
    plain = run(metar("KAUS 251753Z 00000KT 1/4SM FG OVC050 10/10 A3000"), limits(IR))[0]
    less = run(metar("KAUS 251753Z 00000KT M1/4SM FG OVC050 10/10 A3000"), limits(IR))[0]
    assert plain is Verdict.MARGINAL
    assert less.severity >= plain.severity


# -- hazards at every level --------------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize(
    ("text", "code", "sentence"),
    [
        ("KAUS 251753Z 18005KT 10SM TSRA FEW050 20/10 A3000", "THUNDERSTORM", "Thunderstorm reported (TSRA)"),
        ("KAUS 251753Z 18005KT 10SM VCTS FEW050 20/10 A3000", "THUNDERSTORM",
         "Thunderstorm in the vicinity (VCTS)"),
        ("KAUS 251753Z 18005KT 10SM SCT050CB 20/10 A3000", "THUNDERSTORM",
         "Cumulonimbus cloud (SCT050CB) means thunderstorm activity"),
        ("KAUS 251753Z 18005KT 10SM -FZRA OVC050 00/M01 A3000", "ICING",
         "Freezing precipitation or fog (-FZRA) means icing"),
        ("KAUS 251753Z 18005KT 10SM FZFG OVC050 M01/M01 A3000", "ICING",
         "Freezing precipitation or fog (FZFG) means icing"),
        ("KAUS 251753Z 18005KT 10SM PL OVC050 00/M01 A3000", "ICING",
         "Freezing precipitation or fog (PL) means icing"),
    ],
    ids=["TSRA", "VCTS", "CB", "FZRA", "FZFG", "PL"],
)
def test_thunderstorm_cb_and_icing_are_no_go_at_every_level(level, text, code, sentence):
    verdict, judged = run(metar(text), limits(level))
    assert verdict is Verdict.NO_GO
    hazard = [r for r in judged.reasons if r.code is ReasonCode(code)]
    assert [(r.text, r.effect) for r in hazard] == [(sentence, Verdict.NO_GO)]


def test_instrument_rated_in_low_ifr_without_hazards_is_only_marginal():
    # The hazards above are NO_GO for the instrument-rated pilot because of the hazard, not the IFR.
    verdict, judged = run(metar("KAUS 251753Z 18005KT 1/2SM FG OVC002 10/10 A3000"), limits(IR))
    assert verdict is Verdict.MARGINAL
    assert codes(judged) == [("VISIBILITY", "MARGINAL"), ("CEILING", "MARGINAL")]


def test_the_issue_example_gives_every_reason():
    cond = metar("KAUS 251753Z 18015G25KT 3SM -TSRA BKN008 OVC020CB 24/22 A2992")
    verdict, judged = run(cond, limits(PP))
    assert verdict is Verdict.NO_GO
    assert codes(judged) == [
        ("THUNDERSTORM", "NO_GO"), ("THUNDERSTORM", "NO_GO"), ("VISIBILITY", "MARGINAL"),
        ("CEILING", "NO_GO"), ("WIND", "NO_GO"),
    ]
    assert "Ceiling 800 ft is below the 1000 ft minimum for a private pilot" in [r.text for r in judged.reasons]


# -- unreadable is UNKNOWN, but never hides a NO_GO --------------------------------------------


def test_an_unreadable_group_makes_good_weather_unknown():
    verdict, judged = run(metar("KAUS 251753Z 18005KT 10SM SKC 20/10 A3000 XQZT"), limits(PP))
    assert verdict is Verdict.UNKNOWN
    assert [(r.code, r.text) for r in judged.reasons] == [
        (ReasonCode.UNREADABLE, "The group 'XQZT' could not be read")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "KAUS 251753Z 10SM SKC 20/10 A3000",  # no wind group
        "KAUS 251753Z 18005KT SKC 20/10 A3000",  # no visibility group
        "KAUS 251753Z 18005KT 10SM 20/10 A3000",  # no sky group
        "KAUS 251753Z 18005KT 10SM BKN/// 20/10 A3000",  # ceiling base not reported
    ],
    ids=["no-wind", "no-visibility", "no-sky", "no-base"],
)
@pytest.mark.parametrize("level", LEVELS)
def test_a_missing_group_is_never_go(text, level):
    verdict, judged = run(metar(text), limits(level))
    assert verdict is Verdict.UNKNOWN
    assert ReasonCode.UNREADABLE in {r.code for r in judged.reasons}


def test_unreadable_does_not_hide_a_thunderstorm():
    verdict, judged = run(metar("KAUS 251753Z 10SM TSRA BKN050 20/10 A3000"), limits(IR))  # no wind
    assert verdict is Verdict.NO_GO
    assert [(r.code.value, r.effect.value) for r in judged.reasons] == [
        ("UNREADABLE", "UNKNOWN"), ("THUNDERSTORM", "NO_GO")
    ]


def test_unreadable_does_not_hide_a_low_ceiling():
    cond = conditions(ceiling=600, unreadable=("the group 'XQZT' could not be read",))
    verdict, judged = run(cond, limits(PP))
    assert verdict is Verdict.NO_GO
    assert codes(judged) == [("UNREADABLE", "UNKNOWN"), ("CEILING", "NO_GO")]


def test_no_wind_with_a_crosswind_limit_is_unknown_but_not_in_a_change_group():
    no_wind = conditions(wind=None)
    verdict, judged = run(no_wind, limits(PP, crosswind=15))
    assert verdict is Verdict.UNKNOWN
    assert [r.text for r in judged.reasons] == ["No wind given, so crosswind cannot be checked"]
    # A TEMPO/PROB that does not state the wind leaves it unchanged: nothing to complain about.
    verdict, judged = run(no_wind, limits(PP, crosswind=15), partial=True)
    assert verdict is Verdict.GO
    assert judged.crosswind_kt is None


# -- crosswind on the best runway --------------------------------------------------------------


def test_crosswind_component():
    assert crosswind_component(30, 30, 0) == pytest.approx(15.0)
    assert crosswind_component(20, 270, 360) == pytest.approx(20.0)
    assert crosswind_component(20, 180, 180) == pytest.approx(0.0)
    assert crosswind_component(20, 90, 270) == pytest.approx(0.0, abs=1e-9)  # a tailwind is no crosswind


def test_station_runways_are_true_headings_of_both_ends():
    assert sorted(station_info("KAUS").runway_headings) == [179.0, 179.0, 359.0, 359.0]
    khyi = station_info("KHYI").runway_headings
    assert len(khyi) == 6
    assert {round(h) for h in khyi} == {88, 268, 133, 313, 178, 358}


def test_kaus_wind_270_at_20_is_all_crosswind():
    crosswind = best_runway_crosswind(Wind(270, 20), station_info("KAUS").runway_headings)
    assert crosswind == pytest.approx(20.0, abs=0.01)


def test_khyi_picks_the_best_of_its_three_runways():
    headings = station_info("KHYI").runway_headings
    # 270 at 20: runway 27 (267.8°) is nearly straight into the wind.
    assert best_runway_crosswind(Wind(270, 20), headings) == round(20 * math.sin(math.radians(2.2)), 2)
    # 225 at 20: runway 27 (267.8°) at 42.8° beats runway 18 (177.9°) at 47.1°.
    expected = round(abs(20 * math.sin(math.radians(225 - 267.8))), 2)
    assert best_runway_crosswind(Wind(225, 20), headings) == expected
    assert expected == pytest.approx(13.59, abs=0.01)
    # 135 at 20: runway 13 (132.9°).
    assert best_runway_crosswind(Wind(135, 20), headings) == pytest.approx(0.73, abs=0.01)


def test_the_same_wind_is_no_go_at_kaus_and_go_at_khyi():
    cond = metar("KAUS 251753Z 27020KT 10SM SKC 20/10 A3000")
    at_kaus = judge(cond, limits(IR, crosswind=15), runway_headings=station_info("KAUS").runway_headings)
    at_khyi = judge(cond, limits(IR, crosswind=15), runway_headings=station_info("KHYI").runway_headings)
    assert verdict_of(at_kaus.reasons) is Verdict.NO_GO
    assert [r.code for r in at_kaus.reasons] == [ReasonCode.CROSSWIND]
    assert verdict_of(at_khyi.reasons) is Verdict.GO
    assert at_khyi.crosswind_kt == pytest.approx(0.77, abs=0.01)


def test_a_variable_wind_counts_fully_as_crosswind():
    assert best_runway_crosswind(Wind(None, 12), NORTH_SOUTH) == 12.0
    assert best_runway_crosswind(Wind(None, 8, 14), station_info("KHYI").runway_headings) == 14.0
    verdict, judged = run(metar("KHYI 251755Z VRB12KT 10SM SKC 20/10 A3000"), limits(IR, crosswind=10),
                          station_info("KHYI").runway_headings)
    assert codes(judged) == [("CROSSWIND", "NO_GO")]
    verdict, judged = run(metar("KHYI 251755Z VRB10KT 10SM SKC 20/10 A3000"), limits(IR, crosswind=10, margin=NO_MARGIN),
                          station_info("KHYI").runway_headings)
    assert verdict is Verdict.GO


def test_calm_wind_has_no_crosswind_even_without_runway_data():
    assert best_runway_crosswind(Wind(None, 0), ()) == 0.0
    assert best_runway_crosswind(Wind(270, 0), ()) == 0.0


def test_no_runway_data_is_unknown_only_when_the_wind_exceeds_the_limit():
    lim = limits(IR, crosswind=15)
    verdict, judged = run(conditions(wind=(270, 15, None)), lim, runways=None)
    assert verdict is Verdict.GO  # no runway can see more crosswind than the whole wind
    assert judged.crosswind_kt is None
    assert codes(judged) == []
    verdict, judged = run(conditions(wind=(270, 12, 20)), lim, runways=None)
    assert verdict is Verdict.UNKNOWN
    assert [(r.code, r.text) for r in judged.reasons] == [
        (ReasonCode.CROSSWIND, "No runway data for this station, so a crosswind of up to 20 kt cannot be "
                               "checked against the aircraft's 15 kt limit")
    ]


def test_without_an_aircraft_limit_crosswind_is_not_judged():
    verdict, judged = run(conditions(wind=(90, 20, None)), limits(IR), runways=None)
    assert judged.crosswind_kt is None
    assert verdict is Verdict.GO
