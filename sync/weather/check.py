"""The weather check of one lesson: judged at every place it goes, stored as a ``WeatherCheck``.

The lesson's student decides the minimums (level, school's tightening, personal minimums) and
whether darkness matters; its aircraft the crosswind limit; the school the margin. Weather is
fetched once for all places, before anything is written: the transaction that stores the check
holds the sync counter's lock from its first write, so no network call may come after it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sync.aircraft.models import Aircraft
from sync.config import Settings, get_settings
from sync.errors import NotFound
from sync.flights import service as flights_service
from sync.flights.models import Flight, WeatherCheck
from sync.people.models import Student
from sync.schools.models import School
from sync.weather.breaker import BreakerPolicy, Deadline, breaker_for
from sync.weather.judge import PilotLimits
from sync.weather.lesson import LessonAssessment, assess_lesson
from sync.weather.minimums import Margin, Minimums, TrainingLevel, minimums_for
from sync.weather.serialization import assessment_json, reason_record
from sync.weather.replay import ReplayedWeatherSource
from sync.weather.settings import weather_base_url
from sync.weather.sources import AviationWeatherClient, RecordedWeatherSource, WeatherSource
from sync.weather.station_weather import StationWeather, gather_weather

RECORDED_VARIABLE = "FSP_WEATHER_RECORDED"
# "present": replay the recording as if taken in the current hour (the demo, on any day).
REPLAY_VARIABLE = "FSP_WEATHER_RECORDED_REPLAY"


def weather_source_from_settings(settings: Settings | None = None, *,
                                 for_sweep: bool = False) -> WeatherSource:
    """Recorded weather when ``FSP_WEATHER_RECORDED`` names a folder (moved to the present when
    ``FSP_WEATHER_RECORDED_REPLAY=present``), else the Data API (``FSP_WEATHER_URL``, default
    aviationweather.gov).

    Make one per HTTP request, or per sweep (``for_sweep=True``): everything the source fetches
    shares one deadline from the moment it is made (``weather_request_deadline_seconds``, or
    ``weather_sweep_deadline_seconds`` for a sweep), and the process's circuit breaker for the
    upstream, so a silent upstream costs a request a few seconds, then nothing.
    """
    recorded = os.environ.get(RECORDED_VARIABLE, "").strip()
    if recorded:
        replay = os.environ.get(REPLAY_VARIABLE, "").strip().lower()
        if replay == "present":
            return ReplayedWeatherSource(recorded)
        if replay:
            raise ValueError(f"{REPLAY_VARIABLE}={replay!r} is not understood: use 'present' "
                             "or leave it unset")
        return RecordedWeatherSource(recorded)
    settings = settings or get_settings()
    base_url = weather_base_url()
    policy = BreakerPolicy(failure_threshold=settings.weather_breaker_failures,
                           cooldown_seconds=settings.weather_breaker_cooldown_seconds)
    seconds = (settings.weather_sweep_deadline_seconds if for_sweep
               else settings.weather_request_deadline_seconds)
    return AviationWeatherClient(base_url=base_url, deadline=Deadline(seconds),
                                 breaker=breaker_for(base_url, policy))


def lesson_places(flight: Flight) -> list[str]:
    """Departure first, then the route's stations, then the destination; each once.

    Route points given as coordinates are not stations and are left out: the engine judges
    reported weather, and finding the reporting station nearest a coordinate needs data it lacks.
    """
    places = [flight.departure]
    places += [point for point in (flight.route_points or ()) if isinstance(point, str)]
    if flight.destination:
        places.append(flight.destination)
    return list(dict.fromkeys(code.strip().upper() for code in places if code and code.strip()))


def pilot_limits(*, school: School, student: Student, aircraft: Aircraft) -> PilotLimits:
    level = TrainingLevel(student.training_level)
    return PilotLimits(
        minimums=minimums_for(level, school=_school_minimums(school),
                              personal=_minimums(student.personal_minimums,
                                                 "this student's personal minimums")),
        margin=Margin(visibility_sm=school.margin_visibility_sm, ceiling_ft=school.margin_ceiling_ft,
                      wind_kt=school.margin_wind_kt),
        aircraft_crosswind_kt=aircraft.max_crosswind_kt,
        night_trained=student.night_trained,
    )


@dataclass(frozen=True, slots=True)
class LessonToCheck:
    """What the judgement needs from the database, read before any weather is fetched."""

    school_id: uuid.UUID
    flight_id: uuid.UUID
    start: datetime
    end: datetime
    places: list[str]
    limits: PilotLimits
    training_level: TrainingLevel


def load_lesson(*, db: Session, school_id: uuid.UUID, flight_id: uuid.UUID) -> LessonToCheck:
    """Read the lesson, its student, aircraft and school (another school's lesson: NotFound)."""
    flight = flights_service.get(db=db, school_id=school_id, flight_id=flight_id)
    school = _required(db, School, school_id, "school")
    student = _required(db, Student, flight.student_id, "student")
    aircraft = _required(db, Aircraft, flight.aircraft_id, "aircraft")
    return lesson_to_check(flight=flight, school=school, student=student, aircraft=aircraft)


def lesson_to_check(
    *, flight: Flight, school: School, student: Student, aircraft: Aircraft,
    limits: PilotLimits | None = None,
) -> LessonToCheck:
    """The judgement's inputs from rows already read (the sweep reads them in bulk and passes
    ``limits`` it has worked out for the same student, aircraft and school before)."""
    return LessonToCheck(
        school_id=flight.school_id,
        flight_id=flight.id,
        start=flight.start_at,
        end=flight.end_at,
        places=lesson_places(flight),
        limits=limits or pilot_limits(school=school, student=student, aircraft=aircraft),
        training_level=TrainingLevel(student.training_level),
    )


def judge_lesson(lesson: LessonToCheck, *, source: WeatherSource, now: datetime) -> WeatherCheck:
    """Fetch the weather for every place at once and judge; the check is not yet in a session."""
    return judge_with_weather(lesson, gather_weather(source, lesson.places, now=now), now=now)


def judge_with_weather(
    lesson: LessonToCheck, weather: Mapping[str, StationWeather], *, now: datetime
) -> WeatherCheck:
    """Judge with weather already gathered (the sweep gathers it once for every lesson)."""
    assessment = assess_lesson(lesson.places, weather, limits=lesson.limits, start=lesson.start,
                               end=lesson.end, now=now)
    limits = lesson.limits
    return WeatherCheck(
        school_id=lesson.school_id,
        flight_id=lesson.flight_id,
        checked_at=now,
        verdict=assessment.verdict,
        reasons=_reasons(assessment),
        reports=_reports(lesson.places, weather),
        decoded={place.station: {"position": position, **assessment_json(place)}
                 for position, place in enumerate(assessment.places)},
        minimums={
            "training_level": lesson.training_level.value,
            "applies_to": limits.minimums.applies_to,
            **limits.minimums.as_dict(),
            "margin": {"visibility_sm": limits.margin.visibility_sm,
                       "ceiling_ft": limits.margin.ceiling_ft, "wind_kt": limits.margin.wind_kt},
            "aircraft_crosswind_kt": limits.aircraft_crosswind_kt,
            "night_trained": limits.night_trained,
        },
    )


def check_flight(
    *, db: Session, school_id: uuid.UUID, flight_id: uuid.UUID, source: WeatherSource, now: datetime
) -> WeatherCheck:
    """Judge the lesson for its own window and store the judgement with its evidence.

    All in ``db``'s transaction. A caller that must not hold a transaction open across the
    network (the API on SQLite, whose transactions hold the write lock) calls ``load_lesson`` in
    a read-only session, ``judge_lesson``, then adds the check in a short writing one.
    """
    lesson = load_lesson(db=db, school_id=school_id, flight_id=flight_id)
    check = judge_lesson(lesson, source=source, now=now)
    db.add(check)
    db.flush()
    return check


def check_json(check: WeatherCheck) -> dict[str, Any]:
    """The stored check in the API's shape (``WeatherCheckRead``): places back in lesson order."""
    places = sorted((check.decoded or {}).values(), key=lambda place: place.get("position", 0))
    return {
        "id": check.id,
        "flight_id": check.flight_id,
        "checked_at": check.checked_at,
        "verdict": check.verdict,
        "reasons": check.reasons,
        "places": [{key: value for key, value in place.items() if key != "position"}
                   for place in places],
        "reports": check.reports,
        "minimums": check.minimums,
    }


def _reasons(assessment: LessonAssessment) -> list[dict[str, Any]]:
    """The lesson's reasons (most serious first), each with the station it concerns, its value
    and limit, and the report (METAR or TAF period) it was read from."""
    several = len(assessment.places) > 1
    found = [(reason.effect.severity,
              reason_record(reason, text=f"{place.station}: {reason.text}" if several else reason.text,
                            station=place.station))
             for place in assessment.places for reason in place.reasons]
    found.sort(key=lambda pair: -pair[0])  # stable: otherwise in the order found
    return [record for _, record in found]


def _reports(places: list[str], weather: Mapping[str, StationWeather]) -> list[dict[str, Any]]:
    reports = []
    for code in places:
        station = weather.get(code)
        if station is None:
            continue
        if station.metar_raw:
            reports.append({"station": code, "product": "METAR", "raw": station.metar_raw})
        if station.taf_raw:
            reports.append({"station": code, "product": "TAF", "raw": station.taf_raw})
        for problem in station.problems:
            reports.append({"station": code, "product": "PROBLEM", "raw": problem})
    return reports


def _school_minimums(school: School) -> dict[TrainingLevel, Minimums]:
    tightened = {}
    for level in TrainingLevel:
        minimums = _minimums((school.minimums or {}).get(level.value), level.described)
        if minimums is not None:
            tightened[level] = minimums
    return tightened


def _minimums(values: dict[str, Any] | None, applies_to: str) -> Minimums | None:
    if not values:
        return None
    return Minimums(
        visibility_sm=float(values.get("visibility_sm", 0)),
        ceiling_ft=int(values.get("ceiling_ft", 0)),
        max_wind_kt=int(values.get("max_wind_kt", 999)),
        applies_to=applies_to,
    )


def _required(db: Session, model: type, row_id: uuid.UUID, what: str) -> Any:
    row = db.get(model, row_id)
    if row is None:
        raise NotFound(f"the lesson's {what} {row_id} is missing", rule=f"{what.upper()}_NOT_FOUND")
    return row
