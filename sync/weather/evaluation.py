"""Judge one case — a report, a level, optionally a window and an aircraft — as the CLI does.

A case is a dict with ``id``, ``level``, ``metar`` or ``taf``, and optionally ``at``, ``until``,
``aircraft_crosswind_kt``, ``station`` and ``night_trained``. Anything wrong with the case comes
back as ``{"id": …, "error": "what was wrong"}``; nothing raises.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sync.weather.errors import WeatherError
from sync.weather.judge import PilotLimits
from sync.weather.metar_decoder import decode_metar
from sync.weather.minimums import DEFAULT_MINIMUMS, Margin, DEFAULT_MARGIN, Minimums, TrainingLevel
from sync.weather.serialization import assessment_json
from sync.weather.taf_decoder import decode_taf
from sync.weather.window import judge_forecast, judge_observation

DEFAULT_FORECAST_WINDOW = timedelta(hours=1)
CASE_KEYS = frozenset({"id", "level", "metar", "taf", "at", "until", "aircraft_crosswind_kt",
                       "station", "night_trained"})


class CaseError(ValueError):
    """The case itself is wrong (not the weather): the message says what to fix."""


def evaluate_case(
    case: dict,
    *,
    minimums: Minimums | None = None,
    margin: Margin = DEFAULT_MARGIN,
) -> dict:
    """``minimums`` replaces the level's defaults (e.g. a school's tightened set)."""
    case_id = case.get("id") if isinstance(case, dict) else None
    try:
        return {"id": case_id, **_evaluate(case, minimums, margin)}
    except (CaseError, WeatherError) as exc:
        return {"id": case_id, "error": str(exc)}


def _evaluate(case: dict, minimums: Minimums | None, margin: Margin) -> dict:
    if not isinstance(case, dict):
        raise CaseError("a case must be a JSON object")
    unknown = sorted(set(case) - CASE_KEYS)
    if unknown:
        raise CaseError(f"unknown key(s) {', '.join(unknown)}; "
                        f"allowed: {', '.join(sorted(CASE_KEYS))}")
    level = parse_level(case.get("level"))
    applied = minimums or DEFAULT_MINIMUMS[level]
    night_trained = case.get("night_trained", level.night_trained_by_default)
    if not isinstance(night_trained, bool):
        raise CaseError("night_trained must be true or false")
    limits = PilotLimits(
        minimums=applied,
        margin=margin,
        aircraft_crosswind_kt=parse_crosswind_limit(case.get("aircraft_crosswind_kt")),
        night_trained=night_trained,
    )
    at = parse_time(case.get("at"), "at")
    until = parse_time(case.get("until"), "until")
    if until is not None and at is None:
        raise CaseError("'until' needs 'at': give the start of the lesson too")
    if at is not None and until is not None and until <= at:
        raise CaseError(f"'until' ({case['until']}) must be after 'at' ({case['at']})")
    station = case.get("station")
    if station is not None and (not isinstance(station, str) or not station.strip()):
        raise CaseError("station must be an ICAO code such as KAUS")

    metar, taf = case.get("metar"), case.get("taf")
    if (metar is None) == (taf is None):
        raise CaseError("give exactly one of 'metar' or 'taf'")
    report = metar if metar is not None else taf
    if not isinstance(report, str):
        raise CaseError("the report must be text")
    reference = at or datetime.now(timezone.utc)

    if metar is not None:
        observation = decode_metar(metar, reference=reference)
        window = (at, until or at + DEFAULT_FORECAST_WINDOW) if at else None
        assessment = judge_observation(observation, limits, now=at, window=window, station=station)
    else:
        forecast = decode_taf(taf, reference=reference)
        if at is None:
            start, end = forecast.valid_from, forecast.valid_to
        else:
            start, end = at, until or at + DEFAULT_FORECAST_WINDOW
        assessment = judge_forecast(forecast, limits, start=start, end=end, station=station,
                                    check_daylight=at is not None)
    return {**assessment_json(assessment), "minimums": applied.as_dict()}


def parse_level(value) -> TrainingLevel:
    try:
        return TrainingLevel(str(value).strip().upper())
    except ValueError:
        choices = ", ".join(level.value for level in TrainingLevel)
        raise CaseError(f"level must be one of {choices} (got {value!r})") from None


def parse_time(value, name: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise CaseError(f"'{name}' must be a time such as 2026-11-25T22:00Z")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise CaseError(f"'{name}' is not a time: {value!r}; write it like 2026-11-25T22:00Z") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)  # lessons are scheduled in UTC
    return moment.astimezone(timezone.utc)


def parse_crosswind_limit(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 60:
        raise CaseError(f"aircraft_crosswind_kt must be a number of knots from 0 to 60 (got {value!r})")
    return int(value)
