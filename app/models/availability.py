"""People's availability: reading what the desk types into the API's JSON, and the times a person
is *not* available, as the calendar shades them.

The service stores, per instructor and per student (``PATCH /instructors/{id}``,
``PATCH /students/{id}``)::

    availability             [{"weekday": 1, "start": "08:00", "end": "12:00"}, ...]
    availability_exceptions  [{"date": "2026-12-24", "available": false},             # a day off
                              {"date": "2026-12-27", "available": true,
                               "start": "09:00", "end": "13:00"}, ...]                # extra hours

Weekdays are ISO numbers (1 = Monday), times "HH:MM" in the school's time zone.

How the service reads them (``sync/policy/windows.py``, mirrored here by ``Availability``: the
desktop does not import the service; ``tests/app/models/test_availability.py`` holds the two to
the same answers):

- No weekly windows at all: the person has not restricted their time — available whenever the
  school is open. A day off still counts.
- Some weekly windows: only those hours (and a date's extra hours) are available; a weekday
  without a window is unavailable all day.
- A lesson must start and end inside *one* window of the local day it starts on.
- A day off wins over extra hours on the same date.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "WEEKDAYS", "MAX_WINDOWS", "MAX_EXCEPTIONS", "Availability", "Band", "DatedHours", "Person",
    "ExceptionsCheck", "Unavailable", "WeekCheck", "check_exceptions", "check_week",
    "dated_hours", "format_windows", "instructor_bands", "parse_windows", "unavailable_bands",
    "week_texts", "UNRESTRICTED_MEANING", "RESTRICTED_MEANING",
]

WEEKDAYS = {1: "Monday", 2: "Tuesday", 3: "Wednesday", 4: "Thursday", 5: "Friday",
            6: "Saturday", 7: "Sunday"}
# The service's limits (``sync.people.schemas``): refused here first, in words.
MAX_WINDOWS = 100
MAX_EXCEPTIONS = 500

UNRESTRICTED_MEANING = ("No weekly hours: the service takes this as available whenever the school "
                        "is open. Days off below still count.")
RESTRICTED_MEANING = ("Only the hours typed are available (plus a date's extra hours); a day left "
                      "empty is unavailable all day.")

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Person:
    """Someone whose availability the desk edits: ``kind`` "instructor" or "student"."""

    kind: str
    id: str
    name: str


# -- reading what was typed -----------------------------------------------------------------

_CLOCK = r"\d{1,2}(?:[:.h]\d{2})?"
_RANGE = re.compile(rf"({_CLOCK})\s*(?:-|–|—|to)\s*({_CLOCK})", re.IGNORECASE)
_BETWEEN = re.compile(r"[\s,;]*")


def _clock_text(text: str) -> tuple[str | None, str | None]:
    """("HH:MM", None), or (None, what is wrong)."""
    parts = re.split(r"[:.h]", text.lower())
    hours = int(parts[0])
    minutes = int(parts[1]) if len(parts) > 1 else 0
    if hours == 24 and minutes == 0:
        return None, "24:00 is not accepted: write 23:59 for the end of the day"
    if hours > 23 or minutes > 59:
        return None, f"{text} is not a time of day: use HH:MM, 24-hour (00:00 to 23:59)"
    return f"{hours:02d}:{minutes:02d}", None


def parse_windows(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Windows typed as "08:00–12:00, 13:00–17:00" (also "8-12", "08:00 to 12:00"; separated by
    commas, semicolons or spaces) as ("HH:MM", "HH:MM") pairs in the order typed, and what is
    wrong with the text (sentences; empty when nothing is)."""
    windows: list[tuple[str, str]] = []
    problems: list[str] = []
    position = 0
    for found in _RANGE.finditer(text):
        gap = text[position:found.start()]
        if not _BETWEEN.fullmatch(gap):
            problems.append(_unreadable(gap))
        position = found.end()
        start, start_problem = _clock_text(found.group(1))
        end, end_problem = _clock_text(found.group(2))
        for problem in (start_problem, end_problem):
            if problem is not None:
                problems.append(problem)
        if start is None or end is None:
            continue
        if end == start:
            problems.append(f"{start}–{end} is empty: the end must be after the start")
        elif end < start:
            problems.append(f"{start}–{end} ends before it starts")
        else:
            windows.append((start, end))
    rest = text[position:]
    if not _BETWEEN.fullmatch(rest):
        problems.append(_unreadable(rest))
    return windows, problems


def _unreadable(text: str) -> str:
    return (f"cannot read \"{text.strip(' ,;')}\": write hours as 08:00–12:00, several separated "
            "by commas")


def _overlaps(windows: Sequence[tuple[str, str]]) -> list[str]:
    """What is wrong with one day's windows: overlapping ones (say one window instead). Windows
    that only touch are fine: a lesson across the join fits, as in one window (``joined``)."""
    problems = []
    ordered = sorted(windows)
    for (start_a, end_a), (start_b, end_b) in zip(ordered, ordered[1:], strict=False):
        if start_b < end_a:
            problems.append(f"{start_a}–{end_a} and {start_b}–{end_b} overlap: make them one "
                            f"window ({start_a}–{max(end_a, end_b)}) or move one")
    return problems


def format_windows(windows: Iterable[tuple[str, str]]) -> str:
    return ", ".join(f"{start}–{end}" for start, end in sorted(windows))


def week_texts(availability: Iterable[Mapping[str, Any]] | None) -> dict[int, str]:
    """The service's weekly windows as the text of each weekday (1…7; "" for none)."""
    by_day: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for window in availability or ():
        by_day[int(window["weekday"])].append((str(window["start"]), str(window["end"])))
    return {weekday: format_windows(by_day.get(weekday, ())) for weekday in WEEKDAYS}


@dataclass(frozen=True)
class WeekCheck:
    """The weekly hours as typed: ``windows`` the API's JSON (when ``ok``), ``problems`` per
    weekday (sentences)."""

    windows: list[dict[str, Any]]
    problems: dict[int, list[str]]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def unrestricted(self) -> bool:
        """No window at all: available whenever the school is open (see the module)."""
        return not self.windows and self.ok


def check_week(texts: Mapping[int, str]) -> WeekCheck:
    """Each weekday's text (``parse_windows``) checked and turned into the API's windows."""
    windows: list[dict[str, Any]] = []
    problems: dict[int, list[str]] = {}
    for weekday in WEEKDAYS:
        parsed, wrong = parse_windows(texts.get(weekday, ""))
        overlapping = _overlaps(parsed)
        if wrong or overlapping:
            problems[weekday] = wrong + overlapping
        windows += [{"weekday": weekday, "start": start, "end": end}
                    for start, end in sorted(parsed)]
    if len(windows) > MAX_WINDOWS:
        problems.setdefault(7, []).append(
            f"{len(windows)} windows in the week: the service keeps at most {MAX_WINDOWS}")
    return WeekCheck(windows=windows if not problems else [], problems=problems)


@dataclass(frozen=True)
class DatedHours:
    """One date's exception: a day off (``start`` and ``end`` None) or extra hours. Sorted by
    date, a day off first, then by hours."""

    day: date
    start: str | None = None
    end: str | None = None

    def __lt__(self, other: DatedHours) -> bool:
        return (self.day, self.start or "", self.end or "") < (other.day, other.start or "",
                                                                 other.end or "")

    @property
    def day_off(self) -> bool:
        return self.start is None

    def describe(self) -> str:
        return "Day off" if self.day_off else f"Extra hours {self.start}–{self.end}"

    def as_json(self) -> dict[str, Any]:
        if self.day_off:
            return {"date": self.day.isoformat(), "available": False}
        return {"date": self.day.isoformat(), "available": True, "start": self.start,
                "end": self.end}


def dated_hours(exceptions: Iterable[Mapping[str, Any]] | None) -> list[DatedHours]:
    """The service's exceptions as ``DatedHours``, by date. Extra hours without times are ignored,
    as the service ignores them."""
    found = []
    for exception in exceptions or ():
        day = date.fromisoformat(str(exception["date"]))
        if not exception.get("available", False):
            found.append(DatedHours(day))
        elif exception.get("start") and exception.get("end"):
            found.append(DatedHours(day, str(exception["start"]), str(exception["end"])))
    return sorted(set(found))


@dataclass(frozen=True)
class ExceptionsCheck:
    exceptions: list[dict[str, Any]]  # the API's JSON (when ``ok``), by date
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_exceptions(entries: Iterable[DatedHours]) -> ExceptionsCheck:
    """Days off and extra hours checked together: a date both off and with extra hours, or with
    overlapping extra hours, is wrong; the same day off twice counts once."""
    by_day: dict[date, list[DatedHours]] = defaultdict(list)
    for entry in sorted(set(entries)):
        by_day[entry.day].append(entry)
    problems = []
    for day, items in sorted(by_day.items()):
        extra = [(item.start, item.end) for item in items if not item.day_off]
        if any(item.day_off for item in items) and extra:
            problems.append(f"{day:%a %d %b %Y} is both a day off and has extra hours "
                            f"({format_windows(extra)}): a day off wins, so remove one")
        overlapping = _overlaps(extra)  # type: ignore[arg-type]
        problems += [f"{day:%a %d %b %Y}: {problem}" for problem in overlapping]
    flat = [entry.as_json() for items in by_day.values() for entry in items]
    if len(flat) > MAX_EXCEPTIONS:
        problems.append(f"{len(flat)} days off and extra hours: the service keeps at most "
                        f"{MAX_EXCEPTIONS}; remove past ones")
    return ExceptionsCheck(exceptions=flat if not problems else [], problems=problems)


# -- when a person is not available (the service's reading, mirrored) ---------------------------


def _clock(text: str) -> time:
    """"HH:MM" as a time of day; "24:00" is the end of the day (as the service reads it)."""
    hours, minutes = str(text).split(":")[:2]
    if int(hours) == 24:
        return time(23, 59, 59)
    return time(int(hours), int(minutes))


def local_moment(day: date, wall_clock: time, zone: ZoneInfo) -> datetime:
    """The UTC moment of a local wall-clock time; a time the clocks skip moves to the next one."""
    local = datetime.combine(day, wall_clock, tzinfo=zone)
    moment = local.astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        moment = datetime.combine(day, wall_clock, tzinfo=zone).replace(fold=1).astimezone(UTC)
    return moment


class Unavailable(StrEnum):
    """Why a person cannot take a lesson at a time (the service's ``Unavailable``)."""

    DAY_OFF = "day_off"
    OUTSIDE_WINDOWS = "outside_windows"


class Availability:
    """A person's weekly windows and dated exceptions (the row's ``availability`` and
    ``availability_exceptions``), as UTC intervals per local date of ``zone``."""

    def __init__(self, availability: Iterable[Mapping[str, Any]] | None,
                 exceptions: Iterable[Mapping[str, Any]] | None, zone: ZoneInfo) -> None:
        self._zone = zone
        self._weekly: dict[int, list[tuple[time, time]]] = defaultdict(list)
        for window in availability or ():
            self._weekly[int(window["weekday"])].append((_clock(window["start"]),
                                                         _clock(window["end"])))
        self._unrestricted = not self._weekly
        self._days_off: set[date] = set()
        self._extra: dict[date, list[tuple[time, time]]] = defaultdict(list)
        for exception in exceptions or ():
            when = date.fromisoformat(str(exception["date"]))
            if exception.get("available", False) and "start" in exception and "end" in exception:
                self._extra[when].append((_clock(exception["start"]), _clock(exception["end"])))
            elif not exception.get("available", False):
                self._days_off.add(when)
        self._cache: dict[date, list[Interval]] = {}

    @property
    def unrestricted(self) -> bool:
        return self._unrestricted

    def problem(self, start: datetime, end: datetime) -> Unavailable | None:
        """None when the person is available for all of [start, end), else why not."""
        day = start.astimezone(self._zone).date()
        if day in self._days_off:
            return Unavailable.DAY_OFF
        if self._unrestricted:
            return None
        if any(opens <= start and end <= closes for opens, closes in self.windows(day)):
            return None
        return Unavailable.OUTSIDE_WINDOWS

    def windows(self, day: date) -> list[Interval]:
        """The person's windows on the local ``day`` (UTC), weekly and extra; empty for a person
        who has not restricted their time."""
        if day not in self._cache:
            zone = self._zone
            self._cache[day] = joined([(local_moment(day, begins, zone), local_moment(day, ends, zone))
                                       for begins, ends in self._weekly.get(day.isoweekday(), [])
                                       + self._extra.get(day, [])])
        return self._cache[day]

    def unavailable(self, day: date) -> list[tuple[datetime, datetime, Unavailable]]:
        """The parts of the local ``day`` (midnight to midnight, UTC) the person is not
        available, earliest first: the whole day when it is a day off, nothing when they have not
        restricted their time, else what their windows leave."""
        midnight = _day_start(day, self._zone)
        next_midnight = _day_start(day + timedelta(days=1), self._zone)
        if day in self._days_off:
            return [(midnight, next_midnight, Unavailable.DAY_OFF)]
        if self._unrestricted:
            return []
        gaps = []
        reached = midnight
        for opens, closes in sorted(self.windows(day)):
            if closes <= opens:
                continue  # (a window into a clock change's gap can cover nothing)
            if opens > reached:
                gaps.append((reached, min(opens, next_midnight), Unavailable.OUTSIDE_WINDOWS))
            reached = max(reached, closes)
        if reached < next_midnight:
            gaps.append((reached, next_midnight, Unavailable.OUTSIDE_WINDOWS))
        return [gap for gap in gaps if gap[0] < gap[1]]


def joined(intervals: list[Interval]) -> list[Interval]:
    """``intervals`` sorted, with those that overlap or touch made one: a lesson across 12:00
    fits a day of 08:00–12:00 and 12:00–14:00 (and an extra hour that day next to a weekly
    window) as it fits 08:00–14:00."""
    merged: list[Interval] = []
    for begins, ends in sorted(intervals):
        if merged and begins <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], ends))
        else:
            merged.append((begins, ends))
    return merged

def _day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first moment (UTC) of the local ``day``: its first midnight when the clocks repeat
    it, the moment after the jump when they skip it (fold 0 does both)."""
    return datetime.combine(day, time(0), zone).astimezone(UTC)


# (start, end as UTC timestamps, why): what the calendar paints.
Band = tuple[float, float, str]


def unavailable_bands(person: Mapping[str, Any], zone: ZoneInfo, start: datetime,
                      end: datetime) -> tuple[Band, ...]:
    """The times in [start, end) the person (a replica row's data) is not available, by local
    day, earliest first."""
    availability = Availability(person.get("availability"), person.get("availability_exceptions"),
                                zone)
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    bands: list[Band] = []
    begin, finish = start.timestamp(), end.timestamp()
    day = first
    while day <= last:
        for gap_start, gap_end, why in availability.unavailable(day):
            low, high = max(gap_start.timestamp(), begin), min(gap_end.timestamp(), finish)
            if low < high:
                bands.append((low, high, why.value))
        day += timedelta(days=1)
    return tuple(bands)


def instructor_bands(instructors: Mapping[str, Mapping[str, Any]], zone: ZoneInfo,
                     start: datetime, end: datetime) -> tuple[tuple[str, tuple[Band, ...]], ...]:
    """``unavailable_bands`` of every instructor (id → row data) who has some in [start, end)."""
    found = []
    for instructor_id, person in instructors.items():
        bands = unavailable_bands(person, zone, start, end)
        if bands:
            found.append((instructor_id, bands))
    return tuple(sorted(found))
