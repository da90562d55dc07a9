"""The product in one command until the desktop lands: a morning at a flight school.

Judges the demo school's lessons against weather recorded on the morning of 2026-11-25 (a cold
front with thunderstorms reaching Austin in the afternoon), exactly as a sweep would.
"""

from __future__ import annotations

import json
from datetime import datetime

from sync.resources import resource_path
from sync.weather.judge import PilotLimits
from sync.weather.lesson import assess_lesson
from sync.weather.minimums import DEFAULT_MINIMUMS, TrainingLevel
from sync.weather.sources import RecordedWeatherSource
from sync.weather.station_weather import gather_weather


def run_demo() -> list[dict]:
    school = json.loads(resource_path("demo", "lessons.json").read_text(encoding="utf-8"))
    now = datetime.fromisoformat(school["recorded_at"])
    lessons = school["lessons"]
    places = {lesson["id"]: [lesson["departure"], *filter(None, [lesson.get("destination")])]
              for lesson in lessons}
    source = RecordedWeatherSource(resource_path("demo", "weather"))
    weather = gather_weather(source, {code for codes in places.values() for code in codes}, now=now)
    results = []
    for lesson in lessons:
        level = TrainingLevel(lesson["level"])
        limits = PilotLimits(
            minimums=DEFAULT_MINIMUMS[level],
            aircraft_crosswind_kt=lesson.get("aircraft_crosswind_kt"),
            night_trained=level.night_trained_by_default,
        )
        assessment = assess_lesson(
            places[lesson["id"]], weather, limits=limits,
            start=datetime.fromisoformat(lesson["start"]), end=datetime.fromisoformat(lesson["end"]),
            now=now,
        )
        results.append({
            **lesson,
            "now": school["recorded_at"],
            "verdict": assessment.verdict.value,
            "reasons": [{"code": r.code.value, "text": r.text} for r in assessment.reasons],
        })
    return results


def format_demo(results: list[dict]) -> str:
    if not results:
        return "The demo school has no lessons."
    lines = [f"Weather judgement at {results[0]['now']} (recorded weather, no network)", ""]
    for lesson in results:
        route = lesson["departure"] + (f"→{lesson['destination']}" if lesson.get("destination") else "")
        when = f"{lesson['start'][5:16].replace('T', ' ')}–{lesson['end'][11:16]}Z"
        lines.append(f"{lesson['verdict']:<8} {lesson['id']}  {when}  {route:<10} "
                     f"{lesson['student']} ({lesson['level'].replace('_', ' ').lower()}, {lesson['type'].lower()})")
        for reason in lesson["reasons"]:
            lines.append(f"           - {reason['text']}")
    return "\n".join(lines)
