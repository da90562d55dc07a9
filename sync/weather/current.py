"""Current weather at a few stations, decoded for people: ``fsp-sync weather current``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sync.weather.conditions import Conditions
from sync.weather.serialization import conditions_json
from sync.weather.sources import AviationWeatherClient, WeatherSource
from sync.weather.station_weather import StationWeather, gather_weather

TAF_OUTLOOK = timedelta(hours=24)


def current_weather(stations: list[str], *, source: WeatherSource | None = None,
                    now: datetime | None = None) -> list[dict]:
    now = now or datetime.now(timezone.utc)
    if source is None:
        with AviationWeatherClient() as client:
            gathered = gather_weather(client, stations, now=now)
    else:
        gathered = gather_weather(source, stations, now=now)
    return [station_json(weather, now=now) for weather in gathered.values()]


def station_json(weather: StationWeather, *, now: datetime) -> dict:
    metar, taf = weather.metar, weather.taf
    periods = []
    if taf is not None:
        for period in taf.periods:
            if period.overlaps(now, now + TAF_OUTLOOK):
                category = period.conditions.flight_category
                periods.append({
                    "type": period.label,
                    "from": period.start.isoformat().replace("+00:00", "Z"),
                    "to": period.end.isoformat().replace("+00:00", "Z"),
                    "flight_category": category.value if category else None,
                })
    return {
        "station": weather.station,
        "metar": weather.metar_raw,
        "observed_at": metar.time.isoformat().replace("+00:00", "Z") if metar else None,
        "age_minutes": int((now - metar.time).total_seconds() // 60) if metar else None,
        "observed": conditions_json(metar.conditions, None) if metar else None,
        "plain": describe(metar.conditions) if metar else None,
        "taf": weather.taf_raw,
        "taf_periods": periods,
        "problems": list(weather.problems),
    }


def describe(conditions: Conditions) -> str:
    """"wind from 180° at 15 kt gusting 25 kt, visibility 3 SM, ceiling 800 ft, -TSRA"."""
    parts = []
    parts.append(f"wind {conditions.wind.describe()}" if conditions.wind else "wind unreadable")
    parts.append(f"visibility {conditions.visibility.describe()}" if conditions.visibility
                 else "visibility unreadable")
    if conditions.sky is None:
        parts.append("sky unreadable")
    elif conditions.sky.ceiling_ft is None:
        parts.append("no ceiling")
    else:
        parts.append(f"ceiling {conditions.sky.ceiling_ft} ft")
    if conditions.weather:
        parts.append(" ".join(conditions.weather))
    return ", ".join(parts)


def format_current(reports: list[dict]) -> str:
    lines = []
    for report in reports:
        category = (report["observed"] or {}).get("flight_category") or "—"
        age = f"{report['age_minutes']} min old" if report["age_minutes"] is not None else "no METAR"
        lines.append(f"{report['station']:<5} {category:<4}  {report['plain'] or ''}  ({age})")
        if report["metar"]:
            lines.append(f"      METAR {report['metar']}")
        if report["taf_periods"]:
            timeline = "  ".join(f"{p['from'][11:16]}Z {p['type']} {p['flight_category'] or '?'}"
                                 for p in report["taf_periods"])
            lines.append(f"      TAF   {timeline}")
        for problem in report["problems"]:
            lines.append(f"      ! {problem}")
    return "\n".join(lines)


