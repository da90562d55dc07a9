"""Find students, instructors, aircraft and lessons in the local replica (blocking: call off the
GUI thread).

Every word typed must appear (any case, accents ignored) in what a lesson is known by: its
student's and instructor's names, its aircraft's tail number and model, its airports, its notes or
its id. A student, an instructor or an aircraft whose name matches is found too and leads to its
next lesson (the one not yet over, else its latest). Lessons come soonest first from now on, then
the past ones latest first, so "jane" finds Jane's next lesson before last month's.
"""

from __future__ import annotations

import unicodedata
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from app.models.labels import status_label
from app.models.lessons import parse_time
from app.services.replica import Replica

__all__ = ["FindResult", "FindResults", "find"]

ResultKind = Literal["student", "instructor", "aircraft", "lesson"]
# The widest range a school's lessons lie in: the replica reads lessons by time.
_EVER = (datetime(1970, 1, 2, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC))


@dataclass(frozen=True)
class FindResult:
    """One thing found: ``title`` and ``detail`` are what the list shows; ``lesson_id`` and
    ``start`` the lesson to go to ("" and None: a person or aircraft without lessons)."""

    kind: ResultKind
    title: str
    detail: str
    lesson_id: str = ""
    start: datetime | None = None


@dataclass(frozen=True)
class FindResults:
    text: str
    results: tuple[FindResult, ...] = ()
    more: int = 0  # lessons found beyond the ones listed

    @property
    def count(self) -> int:
        return len(self.results) + self.more


@dataclass(frozen=True)
class _Found:
    id: str
    start: datetime
    end: datetime
    data: dict[str, Any]


def folded(text: object) -> str:
    """``text`` for matching: case and accents ignored ("José" matches "jose")."""
    decomposed = unicodedata.normalize("NFKD", str(text or "").casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def find(replica: Replica, text: str, *, now: datetime, limit: int = 50) -> FindResults:
    """What ``text`` finds (at most ``limit`` lessons listed; ``more`` counts the rest)."""
    words = folded(text).split()
    if not words:
        return FindResults(text)
    schools = replica.rows("schools")
    zone = _zone(schools[0].data.get("timezone") if schools else None)
    people = {table: {row.id: row.data for row in replica.rows(table)}
              for table in ("students", "instructors", "aircraft")}
    lessons = [_Found(row.id, parse_time(row.data["start_at"]), parse_time(row.data["end_at"]),
                      row.data)
               for row in replica.lessons_between(*_EVER)]
    # Upcoming (not over yet) soonest first, then the past latest first.
    lessons.sort(key=lambda lesson: (lesson.end <= now,
                                     (lesson.start - now if lesson.end > now else now - lesson.start),
                                     lesson.id))

    def matches(haystack: str) -> bool:
        return all(word in haystack for word in words)

    def name(table: str, row_id: Any, key: str = "name") -> str:
        return str(people[table].get(str(row_id or ""), {}).get(key) or "")

    results: list[FindResult] = []
    for table, kind, key in (("students", "student", "name"),
                             ("instructors", "instructor", "name"),
                             ("aircraft", "aircraft", "tail_number")):
        column = {"students": "student_id", "instructors": "instructor_id",
                  "aircraft": "aircraft_id"}[table]
        found = sorted((row_id for row_id, data in people[table].items()
                        if matches(folded(f"{data.get(key, '')} {data.get('model', '')}"
                                          if table == "aircraft" else data.get(key, "")))),
                       key=lambda row_id: folded(name(table, row_id, key)))
        for row_id in found:
            lesson = next((lesson for lesson in lessons if lesson.data.get(column) == row_id), None)
            title = name(table, row_id, key)
            if table == "aircraft" and name(table, row_id, "model"):
                title += f" · {name(table, row_id, 'model')}"
            if lesson is None:
                results.append(FindResult(kind, title, f"{kind.capitalize()} · no lessons"))
                continue
            when = "next lesson" if lesson.end > now else "last lesson"
            results.append(FindResult(
                kind, title, f"{kind.capitalize()} · {when} {_when(lesson, zone)}", lesson.id,
                lesson.start))

    listed, more = 0, 0
    for lesson in lessons:
        data = lesson.data
        student = name("students", data.get("student_id"))
        instructor = name("instructors", data.get("instructor_id"))
        tail = name("aircraft", data.get("aircraft_id"), "tail_number")
        haystack = folded(" ".join((
            student, instructor, tail, name("aircraft", data.get("aircraft_id"), "model"),
            str(data.get("departure") or ""), str(data.get("destination") or ""),
            str(data.get("notes") or ""), lesson.id)))
        if not matches(haystack):
            continue
        if listed >= limit:
            more += 1
            continue
        listed += 1
        title = f"{student or '?'} with {instructor}" if instructor else f"{student or '?'} (solo)"
        results.append(FindResult(
            "lesson", title,
            f"{_when(lesson, zone)} · {tail or '?'} · {status_label(data.get('status'))}",
            lesson.id, lesson.start))
    return FindResults(text, tuple(results), more)


def _when(lesson: _Found, zone: zoneinfo.ZoneInfo) -> str:
    start, end = lesson.start.astimezone(zone), lesson.end.astimezone(zone)
    return f"{start:%a %d %b %Y %H:%M}–{end:%H:%M}"


def _zone(name: str | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")
