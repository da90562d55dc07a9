"""Properties of the weather decision engine, over generated reports.

(a) The levels are ordered: whatever the weather, an early student's verdict is never better than
    a private pilot's, which is never better than an instrument-rated pilot's
    (GO < MARGINAL < UNKNOWN < NO_GO). In particular "safe" (GO or MARGINAL) for an early student
    implies safe for a private pilot implies safe for an instrument-rated pilot.
(b) Tightening minimums never makes a verdict better; NO_GO stays NO_GO.
(c) Garbage never raises and never comes back GO: it is an error or a verdict other than GO;
    nor does a report with an unreadable group, or without its wind, visibility or sky group.
Also: a "METAR " prefix, a trailing "=", remarks and whitespace change nothing; a thunderstorm,
CB or freezing/ice-pellet group is NO_GO at every level.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync.weather.evaluation import evaluate_case
from sync.weather.minimums import DEFAULT_MINIMUMS, Minimums, TrainingLevel

RANK = {"GO": 0, "MARGINAL": 1, "UNKNOWN": 2, "NO_GO": 3}
SAFE = frozenset({"GO", "MARGINAL"})
LEVELS = ("EARLY_STUDENT", "PRIVATE_PILOT", "INSTRUMENT_RATED")  # strictest first

PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

US_STATIONS = ("KAUS", "KHYI", "KSAT", "KDFW", "KDEN", "KORD", "KBOS", "KSEA")
METRIC_STATIONS = ("EGLL", "EDDF", "LFPG", "LOWW", "RJTT", "UUEE")
DAY = datetime(2026, 11, 25, tzinfo=timezone.utc)

# --- pieces of a METAR ------------------------------------------------------------------------------

directions = st.integers(min_value=1, max_value=36).map(lambda tens: tens * 10)
winds = st.one_of(
    st.just("00000KT"),
    st.integers(1, 30).map(lambda speed: f"VRB{speed:02d}KT"),
    st.builds(lambda d, s: f"{d:03d}{s:02d}KT", directions, st.integers(1, 45)),
    st.builds(lambda d, s, extra: f"{d:03d}{s:02d}G{s + extra:02d}KT",
              directions, st.integers(3, 35), st.integers(5, 20)),
    st.builds(lambda d, s: f"{d:03d}{s:02d}MPS", directions, st.integers(1, 20)),
    st.builds(lambda d, s, extra: f"{d:03d}{s:02d}G{s + extra:02d}MPS",
              directions, st.integers(2, 15), st.integers(3, 8)),
)
us_visibilities = st.sampled_from([
    "M1/4SM", "1/4SM", "1/2SM", "3/4SM", "1SM", "M1SM", "1 1/2SM", "2SM", "2 1/2SM", "2 3/4SM",
    "3SM", "3 1/2SM", "4SM", "5SM", "6SM", "7SM", "9SM", "10SM", "P6SM",
])
metric_visibilities = st.sampled_from([
    "0000", "0100", "0200", "0500", "0800", "1200", "1500", "3000", "4800", "5000", "6000",
    "8000", "9000", "9999",
])
weathers = st.lists(
    st.sampled_from(["-RA", "RA", "+RA", "BR", "FG", "HZ", "-SN", "SN", "VCSH", "-DZ", "FZFG",
                     "-FZRA", "FZDZ", "PL", "-PL", "VCTS", "TSRA", "-TSRA", "+TSGR", "TS"]),
    max_size=2, unique=True,
)
heights = st.sampled_from([0, 1, 2, 4, 5, 8, 9, 10, 12, 14, 15, 20, 25, 29, 30, 34, 35, 40, 50,
                           80, 120, 250])
layers = st.builds(
    lambda cover, height, cloud: f"{cover}{height:03d}{cloud}",
    st.sampled_from(["FEW", "SCT", "BKN", "OVC"]), heights, st.sampled_from(["", "", "", "CB", "TCU"]),
)
skies = st.one_of(
    st.sampled_from(["CLR", "SKC", "NSC", "NCD"]),
    st.integers(0, 10).map(lambda height: f"VV{height:03d}"),
    st.lists(layers, min_size=1, max_size=3).map(
        lambda found: " ".join(sorted(found, key=lambda layer: int(layer[3:6])))),
)


@st.composite
def metars(draw, *, junk: bool = False, drop: str | None = None,
           hazard: str | None = None) -> tuple[str, datetime]:
    """A METAR and its observation time. ``junk`` inserts an unreadable body group; ``drop``
    leaves out the wind, visibility or sky group; ``hazard`` adds a present-weather group."""
    metric = draw(st.booleans())
    station = draw(st.sampled_from(METRIC_STATIONS if metric else US_STATIONS))
    observed = DAY + timedelta(hours=draw(st.integers(0, 23)),
                               minutes=draw(st.sampled_from([0, 20, 50, 51, 53, 55])))
    head = draw(st.sampled_from(["", "", "METAR ", "SPECI "]))
    modifier = draw(st.sampled_from(["", "", "AUTO ", "COR ", "CCA "]))
    body = [draw(winds)]
    cavok = metric and draw(st.booleans()) and drop not in ("visibility", "sky") and not hazard
    if cavok:
        body.append("CAVOK")
    else:
        body.append(draw(metric_visibilities if metric else us_visibilities))
        if metric and draw(st.booleans()):
            body.append(f"R27L/{draw(st.sampled_from(['0400', '1200', '2000']))}N")
        body.extend(draw(weathers))
        if hazard:
            body.append(hazard)
        body.append(draw(skies))
    if drop == "wind":
        body.pop(0)
    elif drop == "visibility":
        body.pop(1)
    elif drop == "sky":
        body.pop()
    if junk:
        token = draw(junk_tokens)
        body.insert(draw(st.integers(0, len(body))), token)
    tail = "12/08 Q1012" if metric else "12/08 A3012"
    suffix = draw(st.sampled_from(["", " RMK AO2", " RMK AO2 SLP198 T01220083", " NOSIG", "="]))
    text = f"{head}{station} {observed:%d%H%M}Z {modifier}{' '.join(body)} {tail}{suffix}"
    return text, observed


# Tokens no METAR or TAF group can be: each has a character the formats never use, including
# those avwx would "repair" as keyboard typos (# → 3, ! → 1, @ → 2, % → 5, * → 8).
JUNK_MARK = "~"
junk_tokens = st.one_of(
    st.sampled_from(["XQZT~", "~~", "12~4", "BKN0~0", "§§", "~KT", "SM~", "hello~", "OVC0~5",
                     "XQZT#", "12#4", "BKN0#0", "0#", "OVC0!5", "@KT", "%%", "*SM*", "hello!"]),
    st.text(alphabet="ABCKTZ0123456789/", min_size=1, max_size=6).flatmap(
        lambda text: st.sampled_from(["~", "#", "!", "@", "%", "*"]).map(lambda mark: text + mark)),
)
crosswind_limits = st.one_of(st.none(), st.integers(5, 25))


@st.composite
def lesson_times(draw, observed: datetime) -> dict:
    """Optionally a lesson start ("at") near the observation: fresh, just stale, or at night."""
    if draw(st.booleans()):
        return {}
    age = draw(st.sampled_from([0, 5, 30, 89, 90, 91, 150]))
    at = observed + timedelta(minutes=age)
    return {"at": at.strftime("%Y-%m-%dT%H:%MZ")}


def verdict(result: dict) -> str:
    assert "error" not in result, f"unexpected error: {result.get('error')}"
    return result["verdict"]


def describe(results: dict[str, dict]) -> str:
    return "; ".join(
        f"{level}: {result.get('verdict')} "
        f"{[reason['code'] for reason in result.get('reasons', [])]}"
        for level, result in results.items())


# --- (a) the levels are ordered ---------------------------------------------------------------------

def assert_levels_ordered(case: dict) -> None:
    results = {level: evaluate_case({**case, "level": level}) for level in LEVELS}
    early, private, instrument = (verdict(results[level]) for level in LEVELS)
    assert RANK[early] >= RANK[private] >= RANK[instrument], describe(results)
    if early in SAFE:
        assert private in SAFE, describe(results)
    if private in SAFE:
        assert instrument in SAFE, describe(results)


@PROPERTY_SETTINGS
@given(data=st.data(), report=metars(), crosswind=crosswind_limits)
def test_metar_verdicts_are_ordered_by_level(data, report, crosswind):
    text, observed = report
    case = {"id": "levels", "metar": text, **data.draw(lesson_times(observed))}
    if crosswind is not None:
        case["aircraft_crosswind_kt"] = crosswind
    assert_levels_ordered(case)


taf_visibilities = st.sampled_from(["1/2SM", "1SM", "2SM", "3SM", "4SM", "5SM", "6SM", "P6SM"])


@st.composite
def tafs(draw) -> str:
    """A US TAF for KAUS: a base forecast and up to two change groups."""
    def line() -> str:
        parts = [draw(winds.filter(lambda wind: wind.endswith("KT"))), draw(taf_visibilities)]
        parts.extend(draw(weathers))
        parts.append(draw(st.one_of(st.just("SKC"), st.lists(layers, min_size=1, max_size=2).map(
            lambda found: " ".join(sorted(found, key=lambda layer: int(layer[3:6])))))))
        return " ".join(parts)

    text = f"TAF KAUS 251720Z 2518/2624 {line()}"
    # Hours since 25 00:00Z: 2520/2523, then 2603/2609.
    for start, end in ((20, 23), (27, 33))[:draw(st.integers(0, 2))]:
        kind = draw(st.sampled_from(["TEMPO", "PROB30", "PROB40", "PROB30 TEMPO", "BECMG", "FM"]))
        def stamp(hours: int) -> str:
            day, hour = 25 + hours // 24, hours % 24
            return f"{day:02d}{hour:02d}"
        if kind == "FM":
            text += f" FM{stamp(start)}00 {line()}"
        else:
            change = line() if kind != "BECMG" else draw(st.sampled_from(
                ["BKN008", "VRB05KT", "2SM BR", "25015G25KT", "OVC030", "P6SM SKC"]))
            text += f" {kind} {stamp(start)}/{stamp(end)} {change}"
    return text


@PROPERTY_SETTINGS
@given(taf=tafs(), window=st.sampled_from([None, ("2026-11-25T19:00Z", None),
                                           ("2026-11-25T21:00Z", "2026-11-26T05:00Z"),
                                           ("2026-11-26T23:00Z", "2026-11-27T01:00Z")]))
def test_taf_verdicts_are_ordered_by_level(taf, window):
    case = {"id": "levels", "taf": taf}
    if window is not None:
        case["at"] = window[0]
        if window[1]:
            case["until"] = window[1]
    assert_levels_ordered(case)


# --- cosmetic differences and hazards -------------------------------------------------------------

def cosmetic_variants(text: str) -> list[str]:
    variants = [text.replace(" ", "   "), "  " + text + " \n"]
    if not text.startswith(("METAR ", "SPECI ")):
        variants.append("METAR " + text)
    if not text.endswith("="):
        variants.append(text + "=")
    if " RMK " not in text:
        body, equals = (text[:-1], "=") if text.endswith("=") else (text, "")
        variants.append(body + " RMK AO2 SLP132 T01220083 $" + equals)
    return variants


def outcome(result: dict) -> tuple:
    return verdict(result), sorted(reason["code"] for reason in result["reasons"]), result["observed"]


@PROPERTY_SETTINGS
@given(data=st.data(), report=metars(), level=st.sampled_from(LEVELS),
       crosswind=crosswind_limits)
def test_prefix_remarks_and_whitespace_change_nothing(data, report, level, crosswind):
    text, observed = report
    case = {"id": "cosmetic", "level": level, **data.draw(lesson_times(observed))}
    if crosswind is not None:
        case["aircraft_crosswind_kt"] = crosswind
    expected = outcome(evaluate_case({**case, "metar": text}))
    for variant in cosmetic_variants(text):
        assert outcome(evaluate_case({**case, "metar": variant})) == expected, variant


@PROPERTY_SETTINGS
@given(data=st.data(), hazard=st.sampled_from(["TSRA", "-TSRA", "+TSGR", "VCTS", "TS", "FZFG",
                                               "-FZRA", "FZDZ", "PL", "-PL"]))
def test_thunderstorm_or_icing_is_no_go_at_every_level(data, hazard):
    text, observed = data.draw(metars(hazard=hazard))
    expected_code = "ICING" if "FZ" in hazard or "PL" in hazard else "THUNDERSTORM"
    for level in LEVELS:
        result = evaluate_case({"id": "hazard", "level": level, "metar": text})
        assert verdict(result) == "NO_GO", f"{level}: {text}"
        assert expected_code in {reason["code"] for reason in result["reasons"]}, text


@PROPERTY_SETTINGS
@given(data=st.data(), layer=st.sampled_from(["FEW", "SCT", "BKN", "OVC"]),
       height=st.sampled_from([20, 40, 80]))
def test_cumulonimbus_is_no_go_at_every_level(data, layer, height):
    text, observed = data.draw(metars(hazard=f"{layer}{height:03d}CB"))
    for level in LEVELS:
        result = evaluate_case({"id": "cb", "level": level, "metar": text})
        assert verdict(result) == "NO_GO", f"{level}: {text}"
        assert "THUNDERSTORM" in {reason["code"] for reason in result["reasons"]}, text


# --- (b) tightening never helps ----------------------------------------------------------------------

stricter = st.builds(
    Minimums,
    visibility_sm=st.sampled_from([0, 0.5, 1, 2, 3, 3.5, 5, 6, 10, 12]),
    ceiling_ft=st.sampled_from([0, 200, 500, 800, 1000, 1500, 2000, 3000, 3500, 5000]),
    max_wind_kt=st.integers(0, 40),
)


@PROPERTY_SETTINGS
@given(data=st.data(), report=metars(), level=st.sampled_from(list(TrainingLevel)),
       other=stricter, crosswind=crosswind_limits)
def test_tightening_minimums_never_improves_a_verdict(data, report, level, other, crosswind):
    text, observed = report
    case = {"id": "tighten", "level": level.value, "metar": text,
            **data.draw(lesson_times(observed))}
    if crosswind is not None:
        case["aircraft_crosswind_kt"] = crosswind
    base = DEFAULT_MINIMUMS[level]
    tight = base.tightened_by(other)

    assert tight.visibility_sm >= base.visibility_sm
    assert tight.ceiling_ft >= base.ceiling_ft
    assert tight.max_wind_kt <= base.max_wind_kt

    loose_result = evaluate_case(case)
    tight_result = evaluate_case(case, minimums=tight)
    loose, strict = verdict(loose_result), verdict(tight_result)
    assert tight_result["minimums"] == tight.as_dict()
    if loose == "NO_GO":
        assert strict == "NO_GO", f"{loose} → {strict} with {tight}"
    assert strict != "GO" or loose == "GO", f"{loose} → {strict} with {tight}"
    assert RANK[strict] >= RANK[loose], \
        f"{loose} {[r['code'] for r in loose_result['reasons']]} → " \
        f"{strict} {[r['code'] for r in tight_result['reasons']]} with {tight}"


@PROPERTY_SETTINGS
@given(first=stricter, second=stricter)
def test_tightened_by_is_never_looser_than_either(first, second):
    both = first.tightened_by(second)
    for one in (first, second):
        assert both.visibility_sm >= one.visibility_sm
        assert both.ceiling_ft >= one.ceiling_ft
        assert both.max_wind_kt <= one.max_wind_kt
    assert first.tightened_by(None) == first
    assert both.tightened_by(first).as_dict() == both.as_dict()


# --- (c) garbage is never GO ---------------------------------------------------------------------------

def assert_not_go(case: dict) -> None:
    result = evaluate_case(case)  # must not raise
    assert isinstance(result, dict)
    assert result.get("id") == case["id"]
    if "error" in result:
        assert isinstance(result["error"], str) and result["error"].strip()
    else:
        assert result["verdict"] in RANK
        assert result["verdict"] != "GO", f"GO for {case}: {result}"


levels = st.sampled_from(LEVELS)
report_words = st.sampled_from([
    "METAR", "SPECI", "TAF", "AMD", "KAUS", "EGLL", "251753Z", "2518/2624", "FM252100", "TEMPO",
    "BECMG", "PROB30", "18010KT", "VRB03KT", "10SM", "9999", "CAVOK", "FEW030", "BKN", "OVC",
    "12/08", "A3012", "Q1012", "RMK", "NOSIG", "=", "/", "M", "P6SM", "1/2", "SM", "KT", "Z",
])


@PROPERTY_SETTINGS
@given(text=st.text(max_size=80), kind=st.sampled_from(["metar", "taf"]), level=levels)
def test_any_text_is_never_go(text, kind, level):
    assert_not_go({"id": "junk", "level": level, kind: text})


@PROPERTY_SETTINGS
@given(words=st.lists(report_words, max_size=12), kind=st.sampled_from(["metar", "taf"]),
       level=levels, tail=st.text(max_size=12))
def test_report_shaped_word_salad_is_never_go(words, kind, level, tail):
    # A salad of real words, with a character no report uses, so it can never be a valid report.
    assert_not_go({"id": "salad", "level": level,
                   kind: " ".join(words) + " " + tail + " " + JUNK_MARK})


@PROPERTY_SETTINGS
@given(prefix=st.sampled_from(["KAUS 251753Z", "METAR EGLL 251750Z", "SPECI KDEN 251812Z AUTO",
                               "TAF KAUS 251720Z 2518/2624", "TAF EGLL 251700Z 2518/2624"]),
       text=st.text(max_size=40), level=levels, kind=st.sampled_from(["metar", "taf"]))
def test_valid_header_with_junk_body_is_never_go(prefix, text, level, kind):
    assert_not_go({"id": "header", "level": level, kind: f"{prefix} {text}{JUNK_MARK}"})


@PROPERTY_SETTINGS
@given(report=metars(junk=True), level=levels)
def test_metar_with_an_unreadable_group_is_never_go(report, level):
    text, observed = report
    assert_not_go({"id": "unreadable", "level": level, "metar": text})


@PROPERTY_SETTINGS
@given(data=st.data(), drop=st.sampled_from(["wind", "visibility", "sky"]), level=levels)
def test_metar_missing_wind_visibility_or_sky_is_never_go(data, drop, level):
    text, observed = data.draw(metars(drop=drop))
    assert_not_go({"id": f"no-{drop}", "level": level, "metar": text})


@PROPERTY_SETTINGS
@given(taf=tafs(), junk=junk_tokens, level=levels)
def test_taf_with_an_unreadable_group_is_never_go(taf, junk, level):
    header, base = taf.split(" 2518/2624 ", 1)
    words = base.split()
    words.insert(1, junk)  # inside the base forecast, which a whole-validity check always reads
    assert_not_go({"id": "unreadable", "level": level,
                   "taf": f"{header} 2518/2624 {' '.join(words)}"})
