"""A lesson's judgement: every place it goes, each for the lesson's own window; the worst wins."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sync.weather.judge import PilotLimits
from sync.weather.station_weather import StationWeather
from sync.weather.verdicts import Reason, Verdict, ordered, verdict_of
from sync.weather.window import StationAssessment, assess_station


@dataclass(frozen=True, slots=True)
class LessonAssessment:
    verdict: Verdict
    reasons: tuple[Reason, ...]
    places: tuple[StationAssessment, ...]


def assess_lesson(
    places: Sequence[str],
    weather: Mapping[str, StationWeather],
    *,
    limits: PilotLimits,
    start: datetime,
    end: datetime,
    now: datetime,
) -> LessonAssessment:
    """``places``: departure first, then destination and reporting stations near the route."""
    codes = list(dict.fromkeys(code.upper() for code in places))
    assessments = []
    for code in codes:
        station_weather = weather.get(code) or StationWeather(code)
        assessments.append(assess_station(
            code,
            metar=station_weather.metar,
            taf=station_weather.taf,
            limits=limits,
            start=start,
            end=end,
            now=now,
            problems=station_weather.problems,
        ))
    reasons = ordered(
        replace(reason, text=f"{place.station}: {reason.text}", station=place.station,
                finding=reason.finding or reason.text) if len(codes) > 1
        else replace(reason, station=place.station)
        for place in assessments for reason in place.reasons
    )
    return LessonAssessment(verdict_of(reasons), tuple(reasons), tuple(assessments))
