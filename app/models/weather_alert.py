"""Everything a weather alert opens onto, read from the replica in one go (blocking: call off the
GUI thread): the lesson, its latest weather check taken apart (every reason with its place, report
or TAF period, value and limit), the raw METAR and TAF it came from, the minimums applied, and its
reschedule request (the open one, else the latest) with the options.

``load_weather_alert(replica, lesson_id)`` gives ``WeatherAlertDialog`` all of it as plain values.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.models.alerts import SchoolNames
from app.models.labels import training_level_label
from app.models.lessons import parse_time
from app.models.reschedule_model import Reschedules, RescheduleView, load_reschedules
from app.models.weather_reasons import WeatherReason, cause_summary, parse_reasons
from app.services.replica import Replica

__all__ = ["WeatherAlertDetail", "WeatherReport", "load_weather_alert", "describe_minimums"]


@dataclass(frozen=True)
class WeatherReport:
    station: str
    product: str  # METAR | TAF
    raw: str


@dataclass(frozen=True)
class WeatherAlertDetail:
    lesson_id: str
    student: str
    instructor: str  # "" for a solo lesson
    aircraft: str
    flight_type: str
    status: str
    start: datetime  # UTC
    end: datetime
    departure: str
    destination: str
    zone: zoneinfo.ZoneInfo
    verdict: str | None = None  # None: never checked
    checked_at: datetime | None = None
    reasons: tuple[WeatherReason, ...] = ()
    places: tuple[tuple[str, str], ...] = ()  # (station, its verdict), departure first
    reports: tuple[WeatherReport, ...] = ()
    minimums: str = ""
    request: RescheduleView | None = None
    reschedules: Reschedules = field(default_factory=Reschedules)

    @property
    def cause(self) -> str:
        """The worst reasons in one line ("KAUS TSRA 14:00–18:00, ceiling 700 ft < 3000")."""
        return cause_summary(self.reasons, self.zone)


def describe_minimums(minimums: Mapping[str, Any]) -> str:
    """"the minimums for a private pilot: visibility ≥ 3 SM, ceiling ≥ 1000 ft, wind ≤ 15 kt,
    crosswind ≤ 15 kt (aircraft)"."""
    if not minimums:
        return ""
    parts = []
    if minimums.get("visibility_sm") is not None:
        parts.append(f"visibility ≥ {minimums['visibility_sm']} SM")
    if minimums.get("ceiling_ft") is not None:
        parts.append(f"ceiling ≥ {minimums['ceiling_ft']} ft")
    if minimums.get("max_wind_kt") is not None:
        parts.append(f"wind ≤ {minimums['max_wind_kt']} kt")
    if minimums.get("aircraft_crosswind_kt") is not None:
        parts.append(f"crosswind ≤ {minimums['aircraft_crosswind_kt']} kt (aircraft)")
    who = minimums.get("applies_to") or training_level_label(minimums.get("training_level"))
    who = str(who or "").strip()
    if who and not who.startswith(("a ", "an ", "the ")):
        who = f"a {who[:1].lower()}{who[1:]}" if who[:1].lower() not in "aeiou" else f"an {who.lower()}"
    return ("the minimums" + (f" for {who}" if who else "") + ": " + ", ".join(parts))


def load_weather_alert(replica: Replica, lesson_id: str) -> WeatherAlertDetail | None:
    """None when the lesson is not in the replica (any more)."""
    row = replica.get("flights", lesson_id)
    if row is None:
        return None
    flight = row.data
    names = SchoolNames(replica)
    start, end = parse_time(flight["start_at"]), parse_time(flight["end_at"])
    check = replica.latest_weather_checks([lesson_id]).get(lesson_id)
    reschedules = load_reschedules(replica)
    mine = [request for request in reschedules.requests if request.flight_id == lesson_id]
    request = next((r for r in mine if r.is_open), None) or (
        max(mine, key=lambda r: r.detected_at) if mine else None)
    detail = WeatherAlertDetail(
        lesson_id=lesson_id, student=names.student(flight.get("student_id")),
        instructor=(names.instructor(flight.get("instructor_id"))
                    if flight.get("instructor_id") else ""),
        aircraft=names.aircraft(flight.get("aircraft_id")),
        flight_type=flight.get("flight_type") or "", status=flight.get("status") or "",
        start=start, end=end, departure=flight.get("departure") or "",
        destination=flight.get("destination") or "", zone=names.zone,
        request=request, reschedules=reschedules)
    if not check:
        return detail
    decoded = check.get("decoded") or {}
    places = sorted(((station, place) for station, place in decoded.items()
                     if isinstance(place, Mapping)),
                    key=lambda item: item[1].get("position", 0))
    return WeatherAlertDetail(
        **{**detail.__dict__,
           "verdict": check.get("verdict"),
           "checked_at": parse_time(check["checked_at"]) if check.get("checked_at") else None,
           "reasons": parse_reasons(check, near=start),
           "places": tuple((station, str(place.get("verdict") or "")) for station, place in places),
           "reports": tuple(WeatherReport(str(report.get("station") or ""),
                                          str(report.get("product") or ""),
                                          str(report.get("raw") or ""))
                            for report in check.get("reports") or ()
                            if isinstance(report, Mapping) and report.get("raw")),
           "minimums": describe_minimums(check.get("minimums") or {})})
