"""What the day's dispatch sheet holds, read from the replica (blocking: call off the GUI thread).

``load_dispatch_day`` gives the day's lessons per aircraft (school time) and the weather of every
airport involved — each lesson's departure and destination and the stations its latest weather
check judged it on — from the latest checks' reports (raw METAR and TAF). ``with_current_weather``
puts the weather board's current reports (fresher, with a plain summary and a flight category)
in their place where the board has them.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from app.models.lessons import Lesson, load_schedule, parse_time
from app.services.replica import Replica

__all__ = ["AircraftDay", "AirportWeather", "DispatchDay", "load_dispatch_day",
           "with_current_weather"]


@dataclass(frozen=True)
class AirportWeather:
    """One airport's weather: raw ``metar`` and ``taf`` ("" when none), the flight ``category``
    and a ``summary`` in words when known, and where it comes from (``source``)."""

    station: str
    metar: str = ""
    taf: str = ""
    category: str | None = None
    summary: str = ""
    source: str = "no report"


@dataclass(frozen=True)
class AircraftDay:
    aircraft_id: str
    label: str  # "N172HC · C172S"
    lessons: tuple[Lesson, ...]


@dataclass(frozen=True)
class DispatchDay:
    school: str
    day: date
    timezone: zoneinfo.ZoneInfo
    aircraft: tuple[AircraftDay, ...]  # those with lessons, by tail number
    idle_aircraft: tuple[str, ...]  # labels of those without
    weather: tuple[AirportWeather, ...]  # by station
    printed_at: datetime

    @property
    def lessons(self) -> tuple[Lesson, ...]:
        return tuple(lesson for plane in self.aircraft for lesson in plane.lessons)


def load_dispatch_day(replica: Replica, day: date, *, now: datetime) -> DispatchDay:
    """The sheet of ``day`` (a date in the school's time zone)."""
    schools = replica.rows("schools")
    zone = _zone((schools[0].data if schools else {}).get("timezone"))
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    schedule = load_schedule(replica, start, end)
    by_aircraft: dict[str, list[Lesson]] = {}
    for lesson in sorted(schedule.lessons, key=lambda lesson: (lesson.start, lesson.student)):
        by_aircraft.setdefault(lesson.aircraft_id, []).append(lesson)
    aircraft = tuple(AircraftDay(plane_id, label, tuple(by_aircraft[plane_id]))
                     for plane_id, label in schedule.aircraft if plane_id in by_aircraft)
    known = {plane_id for plane_id, _ in schedule.aircraft}
    # A lesson whose aircraft the replica does not have (yet): still on the sheet.
    aircraft += tuple(AircraftDay(plane_id, lessons[0].aircraft, tuple(lessons))
                      for plane_id, lessons in by_aircraft.items() if plane_id not in known)
    idle = tuple(label for plane_id, label in schedule.aircraft if plane_id not in by_aircraft)
    checks = replica.latest_weather_checks(lesson.id for lesson in schedule.lessons)
    stations = {code for lesson in schedule.lessons
                for code in (lesson.departure, lesson.destination) if code}
    for check in checks.values():
        stations |= set((check.get("decoded") or {}).keys())
        stations |= {str(report.get("station")) for report in check.get("reports") or ()
                     if report.get("station")}
    weather = tuple(_from_checks(station, checks.values(), zone) for station in sorted(stations))
    return DispatchDay(school=schedule.school, day=day, timezone=zone, aircraft=aircraft,
                       idle_aircraft=idle, weather=weather, printed_at=now.astimezone(zone))


def with_current_weather(sheet: DispatchDay,
                         reports: Iterable[Mapping[str, Any]]) -> DispatchDay:
    """``sheet`` with the weather board's reports (``/weather/current`` answers) for the airports
    they cover; the others keep what the weather checks had."""
    current = {str(report.get("station")): report for report in reports if report.get("station")}
    weather = []
    for airport in sheet.weather:
        report = current.get(airport.station)
        if report is None or not (report.get("metar") or report.get("taf")):
            weather.append(airport)
            continue
        observed = report.get("observed_at")
        when = ""
        if observed:
            try:
                when = f", observed {parse_time(str(observed)).astimezone(sheet.timezone):%H:%M %Z}"
            except ValueError:
                when = ""
        problems = "; ".join(str(problem) for problem in report.get("problems") or ())
        weather.append(AirportWeather(
            station=airport.station, metar=str(report.get("metar") or ""),
            taf=str(report.get("taf") or ""),
            category=(report.get("observed") or {}).get("flight_category"),
            summary=str(report.get("plain") or problems or ""),
            source=f"current report{when}"))
    return replace(sheet, weather=tuple(weather))


def _from_checks(station: str, checks: Iterable[Mapping[str, Any]],
                 zone: zoneinfo.ZoneInfo) -> AirportWeather:
    """The station's reports in the latest check that used them."""
    latest: dict[str, tuple[str, str]] = {}  # product -> (checked_at, raw)
    for check in checks:
        checked_at = str(check.get("checked_at") or "")
        for report in check.get("reports") or ():
            if report.get("station") != station or not report.get("raw"):
                continue
            product = str(report.get("product") or "").upper()
            if product not in latest or latest[product][0] < checked_at:
                latest[product] = (checked_at, str(report["raw"]))
    if not latest:
        return AirportWeather(station, source="no report in the weather checks")
    newest = max(checked for checked, _ in latest.values())
    try:
        when = f" of {parse_time(newest).astimezone(zone):%a %H:%M %Z}"
    except ValueError:
        when = ""
    return AirportWeather(station, metar=latest.get("METAR", ("", ""))[1],
                          taf=latest.get("TAF", ("", ""))[1], source=f"weather check{when}")


def _zone(name: str | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")
