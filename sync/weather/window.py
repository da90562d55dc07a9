"""Which reports govern a lesson's time window, and the judgement for that window at one station.

Within about an hour of departure the latest METAR governs (stale after 90 minutes); later, the
TAF periods overlapping the window: base/FM/BECMG as prevailing, TEMPO/INTER as possible and
binding, PROB30/40 as possible (a breach is MARGINAL). A window the TAF does not cover is UNKNOWN
("forecast not yet available"); so is missing or stale data. Never GO without evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sync.weather.daylight import dark_moments
from sync.weather.errors import UnknownStation
from sync.weather.judge import Judgement, PilotLimits, judge
from sync.weather.metar_decoder import Observation
from sync.weather.stations import StationInfo, station_info
from sync.weather.taf_decoder import Forecast, ForecastPeriod, PeriodKind
from sync.weather.verdicts import (
    Bound,
    Measure,
    Reason,
    ReasonCode,
    Source,
    Verdict,
    ordered,
    verdict_of,
)

METAR_GOVERNS_WITHIN = timedelta(hours=1)
METAR_STALE_AFTER = timedelta(minutes=90)


@dataclass(frozen=True, slots=True)
class PeriodJudgement:
    period: ForecastPeriod
    crosswind_kt: float | None


@dataclass(frozen=True, slots=True)
class StationAssessment:
    station: str
    verdict: Verdict
    reasons: tuple[Reason, ...]
    observation: Observation | None = None
    observed_crosswind_kt: float | None = None
    forecast: Forecast | None = None
    periods: tuple[PeriodJudgement, ...] = field(default=())


def judge_observation(
    observation: Observation,
    limits: PilotLimits,
    *,
    now: datetime | None = None,
    window: tuple[datetime, datetime] | None = None,
    station: str | None = None,
) -> StationAssessment:
    """Judge a METAR as the governing report. ``now`` enables the staleness check; ``window``
    the daylight check."""
    code = (station or observation.station).upper()
    info, station_reasons = _station(code, limits, needs_location=window is not None)
    reasons: list[Reason] = list(station_reasons)
    metar = Source("METAR", observed_at=observation.time)
    if now is not None and now - observation.time > METAR_STALE_AFTER:
        age = int((now - observation.time).total_seconds() // 60)
        limit = int(METAR_STALE_AFTER.total_seconds() // 60)
        reasons.append(Reason(
            ReasonCode.STALE,
            f"The latest METAR for {code} is {age} minutes old (from {observation.time:%d %H:%MZ}); "
            "reports older than 90 minutes are not used",
            Verdict.UNKNOWN,
            measure=Measure(value=age, limit=limit, unit="min", bound=Bound.MAXIMUM,
                            value_text=f"{age} min", limit_text=f"{limit} min"),
            source=metar))
    judged = judge(observation.conditions, limits, runway_headings=_headings(info))
    reasons.extend(replace(reason, source=metar) for reason in judged.reasons)
    if window is not None:
        reasons.extend(_darkness(info, limits, *window))
    final = _at(code, ordered(reasons))
    return StationAssessment(code, verdict_of(final), tuple(final), observation=observation,
                             observed_crosswind_kt=judged.crosswind_kt)


def judge_forecast(
    forecast: Forecast,
    limits: PilotLimits,
    *,
    start: datetime,
    end: datetime,
    station: str | None = None,
    check_daylight: bool = True,
) -> StationAssessment:
    """Judge the TAF periods overlapping [start, end). ``check_daylight`` is off only when there
    is no lesson window (a whole TAF judged from the command line)."""
    code = (station or forecast.station).upper()
    info, station_reasons = _station(code, limits, needs_location=check_daylight)
    reasons: list[Reason] = list(station_reasons)
    considered: list[PeriodJudgement] = []
    for period in forecast.periods:
        if not period.overlaps(start, end):
            continue
        judged = judge(period.conditions, limits, runway_headings=_headings(info),
                       partial=not period.kind.prevailing)
        considered.append(PeriodJudgement(period, judged.crosswind_kt))
        reasons.extend(_as_forecast_reasons(period, judged))
    if start < forecast.valid_from or end > forecast.valid_to:
        reasons.append(Reason(
            ReasonCode.BEYOND_FORECAST,
            f"Forecast not yet available: the {code} TAF covers {forecast.valid_from:%d %H:%M}Z to "
            f"{forecast.valid_to:%d %H:%M}Z, the lesson runs {start:%d %H:%M}Z to {end:%d %H:%M}Z",
            Verdict.UNKNOWN))
    if check_daylight:
        reasons.extend(_darkness(info, limits, start, end))
    final = _at(code, ordered(reasons))
    return StationAssessment(code, verdict_of(final), tuple(final), forecast=forecast,
                             periods=tuple(considered))


def assess_station(
    station: str,
    *,
    metar: Observation | None,
    taf: Forecast | None,
    limits: PilotLimits,
    start: datetime,
    end: datetime,
    now: datetime,
    problems: tuple[str, ...] = (),
) -> StationAssessment:
    """The judgement for one place a lesson goes, as the sweep makes it.

    ``problems`` are why a report is missing (source down, unreadable answer), for the reasons.
    """
    code = station.upper()
    extra = tuple(Reason(ReasonCode.MISSING, problem, Verdict.UNKNOWN) for problem in problems)
    if start - now <= METAR_GOVERNS_WITHIN:
        if metar is None:
            return _missing(code, f"No current METAR for {code}", extra)
        near = judge_observation(metar, limits, now=now, window=(start, end), station=code)
        tail_start = max(start, now + METAR_GOVERNS_WITHIN)
        if tail_start >= end or (taf is None and not problems):
            # A station with no TAF service: its latest METAR governs the whole lesson.
            return near
        if taf is None:
            # A TAF exists but could not be had: the lesson's later part is not known.
            missing = _missing(code, f"No usable TAF for {code} for the lesson after "
                                     f"{tail_start:%d %H:%M}Z", extra)
            reasons = ordered(near.reasons + missing.reasons)
            return StationAssessment(code, verdict_of(reasons), tuple(reasons), observation=metar,
                                     observed_crosswind_kt=near.observed_crosswind_kt)
        # A long lesson outlives the METAR's hour: its later part is the TAF's to judge.
        later = judge_forecast(taf, limits, start=tail_start, end=end, station=code)
        reasons = ordered(near.reasons + later.reasons)
        return StationAssessment(code, verdict_of(reasons), tuple(reasons), observation=metar,
                                 observed_crosswind_kt=near.observed_crosswind_kt,
                                 forecast=taf, periods=later.periods)
    if taf is None:
        return _missing(code, f"No TAF for {code}: forecast not available", extra)
    return judge_forecast(taf, limits, start=start, end=end, station=code)


def _missing(code: str, text: str, extra: tuple[Reason, ...]) -> StationAssessment:
    reasons = _at(code, ordered((Reason(ReasonCode.MISSING, text, Verdict.UNKNOWN), *extra)))
    return StationAssessment(code, Verdict.UNKNOWN, tuple(reasons))


def _at(code: str, reasons: list[Reason]) -> list[Reason]:
    """The reasons with the station they concern (as data: the text names it only in a lesson
    with several places, where ``lesson.py`` adds the prefix)."""
    return [reason if reason.station == code else replace(reason, station=code) for reason in reasons]


def _as_forecast_reasons(period: ForecastPeriod, judged: Judgement) -> list[Reason]:
    when = f"{period.label} {period.start:%d %H:%M}–{period.end:%d %H:%M}Z"
    # The period as data, as the prefix names it (the chance whenever the TAF gives one).
    source = Source("TAF", kind=period.kind.value, label=period.label, start=period.start,
                    end=period.end, chance=period.probability)
    reasons = []
    for reason in judged.reasons:
        effect = reason.effect
        text = f"{when}: {reason.text}"
        if period.kind is PeriodKind.PROB and effect is Verdict.NO_GO:
            # A probable change that breaks a limit is worth a warning, not a cancellation.
            effect = Verdict.MARGINAL
            text = f"{when} ({period.probability}% chance): {reason.text}"
        reasons.append(replace(reason, text=text, effect=effect, source=source,
                               finding=reason.finding or reason.text))
    return reasons


def _station(code: str, limits: PilotLimits, *, needs_location: bool) -> tuple[StationInfo | None, list[Reason]]:
    try:
        return station_info(code), []
    except UnknownStation as exc:
        needs = (needs_location and not limits.night_trained) or limits.aircraft_crosswind_kt is not None
        if not needs:
            return None, []
        return None, [Reason(ReasonCode.UNKNOWN_STATION,
                             f"{exc}: daylight and crosswind cannot be checked", Verdict.UNKNOWN)]


def _headings(info: StationInfo | None):
    return info.runway_headings if info is not None else None


def _darkness(info: StationInfo | None, limits: PilotLimits, start: datetime, end: datetime) -> list[Reason]:
    if limits.night_trained or info is None:
        return []
    dark = dark_moments(info.latitude, info.longitude, start, end)
    if not dark:
        return []
    return [Reason(ReasonCode.DARKNESS,
                   f"Part of the lesson ({dark[0]:%d %H:%M}Z) is outside civil twilight at {info.icao}, "
                   "and the student has no night training",
                   Verdict.NO_GO)]
