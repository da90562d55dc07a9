"""One set of conditions against one pilot's limits: the reasons, each with its effect.

The rules (ARCHITECTURE.md, "Domain"): visibility and ceiling at least, wind with its gust at
most, a value exactly at a limit passes; thunderstorm, cumulonimbus, icing and a crosswind above
the aircraft's limit are NO_GO at every level. Anything that could not be read is UNKNOWN —
never GO — but never hides a definite NO_GO either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sync.weather.conditions import Conditions, Visibility, Wind, format_miles
from sync.weather.crosswind import best_runway_crosswind
from sync.weather.minimums import DEFAULT_MARGIN, Margin, Minimums
from sync.weather.verdicts import NONE_ALLOWED_TEXT, Bound, Measure, Reason, ReasonCode, Verdict


@dataclass(frozen=True, slots=True)
class PilotLimits:
    """Everything about the lesson (not the weather) that a judgement needs."""

    minimums: Minimums
    margin: Margin = DEFAULT_MARGIN
    aircraft_crosswind_kt: int | None = None
    night_trained: bool = True


@dataclass(frozen=True, slots=True)
class Judgement:
    reasons: tuple[Reason, ...]
    crosswind_kt: float | None


def judge(
    conditions: Conditions,
    limits: PilotLimits,
    *,
    runway_headings: Sequence[float] | None,
    partial: bool = False,
) -> Judgement:
    """Judge conditions. ``partial``: a change group (TEMPO, PROB) where unstated means unchanged.

    ``runway_headings`` is ``None`` when the station is unknown, so crosswind cannot be checked.
    """
    reasons: list[Reason] = []
    minimums = limits.minimums
    for problem in conditions.unreadable:
        reasons.append(Reason(ReasonCode.UNREADABLE, _sentence(problem), Verdict.UNKNOWN))

    if conditions.thunderstorm:
        codes = [code for code in conditions.weather if "TS" in code]
        nearby = all(code.startswith("VC") for code in codes)
        reasons.append(Reason(ReasonCode.THUNDERSTORM,
                              f"Thunderstorm {'in the vicinity' if nearby else 'reported'} "
                              f"({', '.join(codes)})",
                              Verdict.NO_GO, measure=_none_allowed(codes)))
    if conditions.cumulonimbus:
        cb_layers = [layer for layer in conditions.sky.layers if layer.endswith("CB")]
        layers = ", ".join(cb_layers)
        reasons.append(Reason(ReasonCode.THUNDERSTORM,
                              f"Cumulonimbus cloud ({layers or 'CB'}) means thunderstorm activity",
                              Verdict.NO_GO, measure=_none_allowed(cb_layers or ["CB"])))
    if conditions.icing:
        icing_codes = [code for code in conditions.weather if "FZ" in code or "PL" in code]
        codes = ", ".join(icing_codes)
        reasons.append(Reason(ReasonCode.ICING,
                              f"Freezing precipitation or fog ({codes}) means icing",
                              Verdict.NO_GO, measure=_none_allowed(icing_codes)))

    if conditions.visibility is not None:
        reasons.extend(_visibility(conditions.visibility, minimums, limits.margin))
    if conditions.sky is not None and conditions.sky.ceiling_ft is not None:
        reasons.extend(_ceiling(conditions.sky.ceiling_ft, minimums, limits.margin))

    crosswind_kt = None
    wind = conditions.wind
    if wind is not None:
        reasons.extend(_wind_strength(wind, minimums, limits.margin))
        if limits.aircraft_crosswind_kt is not None:
            crosswind_kt = best_runway_crosswind(wind, runway_headings or ())
            reasons.extend(_crosswind(crosswind_kt, wind.strongest_kt, limits))
    elif not partial and limits.aircraft_crosswind_kt is not None and not conditions.unreadable:
        reasons.append(Reason(ReasonCode.UNREADABLE, "No wind given, so crosswind cannot be checked",
                              Verdict.UNKNOWN))
    return Judgement(tuple(reasons), crosswind_kt)


def _visibility(visibility: Visibility, minimums: Minimums, margin: Margin) -> list[Reason]:
    required = minimums.visibility_sm
    shown = visibility.describe()
    rule = f"the {format_miles(required)} SM minimum for {minimums.source_of('visibility_sm')}"
    if visibility.is_more_than:
        return []  # "more than" the highest reportable value meets every minimum
    miles = visibility.statute_miles

    def measure(near: float | None = None) -> Measure:
        return Measure(value=miles, limit=required, unit="SM", bound=Bound.MINIMUM,
                       value_text=shown, limit_text=f"{format_miles(required)} SM",
                       modifier="less_than" if visibility.is_less_than else None, margin=near)

    if miles < required or (visibility.is_less_than and required > 0):
        # "Less than X" cannot be shown to meet any minimum above zero.
        return [Reason(ReasonCode.VISIBILITY, f"Visibility {shown} is below {rule}", Verdict.NO_GO,
                       measure=measure())]
    # "Less than X" is below X: at X itself it is already inside the margin band.
    if miles < required + margin.visibility_sm or (
            visibility.is_less_than and miles <= required + margin.visibility_sm):
        return [Reason(ReasonCode.VISIBILITY,
                       f"Visibility {shown} is within {format_miles(margin.visibility_sm)} SM of {rule}",
                       Verdict.MARGINAL, measure=measure(margin.visibility_sm))]
    return []


def _ceiling(ceiling_ft: int, minimums: Minimums, margin: Margin) -> list[Reason]:
    required = minimums.ceiling_ft
    rule = f"the {required} ft minimum for {minimums.source_of('ceiling_ft')}"

    def measure(near: float | None = None) -> Measure:
        return Measure(value=ceiling_ft, limit=required, unit="ft", bound=Bound.MINIMUM,
                       value_text=f"{ceiling_ft} ft", limit_text=f"{required} ft", margin=near)

    if ceiling_ft < required:
        return [Reason(ReasonCode.CEILING, f"Ceiling {ceiling_ft} ft is below {rule}", Verdict.NO_GO,
                       measure=measure())]
    if ceiling_ft < required + margin.ceiling_ft:
        return [Reason(ReasonCode.CEILING,
                       f"Ceiling {ceiling_ft} ft is within {margin.ceiling_ft} ft of {rule}",
                       Verdict.MARGINAL, measure=measure(margin.ceiling_ft))]
    return []


def _wind_strength(wind: Wind, minimums: Minimums, margin: Margin) -> list[Reason]:
    limit = minimums.max_wind_kt
    described, strongest_kt = wind.describe(), wind.strongest_kt
    rule = f"the {limit} kt limit for {minimums.source_of('max_wind_kt')}"

    def measure(near: float | None = None) -> Measure:
        return Measure(value=strongest_kt, limit=limit, unit="kt", bound=Bound.MAXIMUM,
                       value_text=described, limit_text=f"{limit} kt", margin=near,
                       wind_direction_deg=wind.direction_deg, wind_speed_kt=wind.speed_kt,
                       wind_gust_kt=wind.gust_kt)

    if strongest_kt > limit:
        return [Reason(ReasonCode.WIND, f"Wind {described} exceeds {rule}", Verdict.NO_GO,
                       measure=measure())]
    if strongest_kt > limit - margin.wind_kt:
        return [Reason(ReasonCode.WIND, f"Wind {described} is within {margin.wind_kt} kt of {rule}",
                       Verdict.MARGINAL, measure=measure(margin.wind_kt))]
    return []


def _crosswind(crosswind_kt: float | None, strongest_kt: int, limits: PilotLimits) -> list[Reason]:
    limit = limits.aircraft_crosswind_kt
    assert limit is not None
    if crosswind_kt is None:
        if strongest_kt <= limit:
            return []  # no runway can see more crosswind than the whole wind
        return [Reason(ReasonCode.CROSSWIND,
                       f"No runway data for this station, so a crosswind of up to {strongest_kt} kt "
                       f"cannot be checked against the aircraft's {limit} kt limit",
                       Verdict.UNKNOWN,
                       measure=Measure(value=strongest_kt, limit=limit, unit="kt", bound=Bound.MAXIMUM,
                                       value_text=f"up to {strongest_kt} kt", limit_text=f"{limit} kt",
                                       modifier="up_to"))]
    shown = round(crosswind_kt)

    def measure(near: float | None = None) -> Measure:
        return Measure(value=round(crosswind_kt, 1), limit=limit, unit="kt", bound=Bound.MAXIMUM,
                       value_text=f"{shown} kt", limit_text=f"{limit} kt", margin=near)

    if crosswind_kt > limit:
        return [Reason(ReasonCode.CROSSWIND,
                       f"Crosswind {shown} kt on the best runway exceeds the aircraft's {limit} kt limit",
                       Verdict.NO_GO, measure=measure())]
    if crosswind_kt > limit - limits.margin.wind_kt:
        return [Reason(ReasonCode.CROSSWIND,
                       f"Crosswind {shown} kt on the best runway is within {limits.margin.wind_kt} kt "
                       f"of the aircraft's {limit} kt limit",
                       Verdict.MARGINAL, measure=measure(limits.margin.wind_kt))]
    return []


def _none_allowed(codes: Sequence[str]) -> Measure:
    """Thunderstorm, cumulonimbus, icing: the codes found, against a limit of none."""
    return Measure(value=None, limit=None, unit=None, bound=Bound.NONE_ALLOWED,
                   value_text=", ".join(codes), limit_text=NONE_ALLOWED_TEXT, codes=tuple(codes))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
