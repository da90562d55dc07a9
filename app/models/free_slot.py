"""Where a new lesson goes when nobody said where (Ctrl+N): the first free slot from now, inside
the school's opening hours, in the school's time zone.

"From now" is rounded up to the next half hour of school time; a slot is free for an aircraft
when none of its lessons still holding it (not cancelled, not rescheduled) overlaps it. Aircraft
are tried in the calendar's order (by tail number, in service only), so the first aircraft gets
the slot when it is free, another one when only that one is.

``propose_lesson`` reads the replica (blocking: call it off the GUI thread); ``next_free_slot``
is the search itself, on plain values.
"""

from __future__ import annotations

import bisect
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from app.models.lessons import parse_time
from app.services.replica import Replica

__all__ = ["Proposal", "next_free_slot", "opening_hours", "propose_lesson", "DEFAULT_HOURS"]

# The service's default opening hours (sync.schools.models.default_operating_hours).
DEFAULT_HOURS = (time(7), time(19))
STEP_MINUTES = 30
SEARCH_DAYS = 14
LESSON_LENGTH = timedelta(hours=1)  # the editor's default length
# Statuses that no longer hold the aircraft (sync.flights.models.RELEASED_STATUSES).
_RELEASED = frozenset({"WEATHER_CANCELLED", "RESCHEDULED", "CANCELLED"})


@dataclass(frozen=True)
class Proposal:
    start: datetime  # aware UTC
    aircraft_id: str | None  # None: the school has no aircraft in service


def opening_hours(school: Mapping[str, Any]) -> dict[int, tuple[time, time]]:
    """ISO weekday (1 = Monday) → (open, close), school time, from the school row's
    ``operating_hours`` ([{weekday, open: "HH:MM", close: "HH:MM"}]; a weekday missing is
    closed). A row without hours (older service) gets the service's default, every day."""
    entries = school.get("operating_hours")
    if not entries:
        return {weekday: DEFAULT_HOURS for weekday in range(1, 8)}
    hours = {}
    for entry in entries:
        try:
            opens, closes = time.fromisoformat(entry["open"]), time.fromisoformat(entry["close"])
            weekday = int(entry["weekday"])
        except (KeyError, TypeError, ValueError):
            continue  # a malformed entry: that day counts as closed rather than guessed
        if opens < closes:
            hours[weekday] = (opens, closes)
    return hours


def _round_up(moment: datetime, minutes: int) -> datetime:
    floor = moment.replace(minute=moment.minute - moment.minute % minutes, second=0,
                           microsecond=0)
    return floor if floor == moment else floor + timedelta(minutes=minutes)


class _Busy:
    """One aircraft's held time as merged, sorted intervals (UTC timestamps)."""

    def __init__(self, spans: Sequence[tuple[float, float]]) -> None:
        merged: list[list[float]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self._starts = [span[0] for span in merged]
        self._ends = [span[1] for span in merged]

    def is_free(self, start: float, end: float) -> bool:
        index = bisect.bisect_left(self._starts, end) - 1  # the last span starting before end
        return index < 0 or self._ends[index] <= start


def next_free_slot(*, now: datetime, zone: tzinfo, hours: Mapping[int, tuple[time, time]],
                   aircraft: Sequence[str],
                   busy: Mapping[str, Sequence[tuple[datetime, datetime]]],
                   length: timedelta = LESSON_LENGTH, step_minutes: int = STEP_MINUTES,
                   days: int = SEARCH_DAYS) -> Proposal | None:
    """The earliest start from ``now`` (rounded up to ``step_minutes`` of school time) at which
    a lesson of ``length`` fits inside opening ``hours`` and one of ``aircraft`` (tried in
    order) is free of its ``busy`` spans; None when nothing fits within ``days``."""
    held = {plane: _Busy([(start.timestamp(), end.timestamp()) for start, end in spans])
            for plane, spans in busy.items()}
    free_all = _Busy([])
    earliest = _round_up(now.astimezone(zone), step_minutes)
    step = timedelta(minutes=step_minutes)
    for offset in range(days + 1):
        day: date = earliest.date() + timedelta(days=offset)
        opening = hours.get(day.isoweekday())
        if opening is None:
            continue
        closes = datetime.combine(day, opening[1], zone)
        start = max(datetime.combine(day, opening[0], zone), earliest)
        while start + length <= closes:
            begin, end = start.timestamp(), (start + length).timestamp()
            if not aircraft:
                return Proposal(start=start.astimezone(UTC), aircraft_id=None)
            for plane in aircraft:
                if held.get(plane, free_all).is_free(begin, end):
                    return Proposal(start=start.astimezone(UTC), aircraft_id=plane)
            start += step
    return None


def propose_lesson(replica: Replica, *, now: datetime,
                   length: timedelta = LESSON_LENGTH) -> Proposal | None:
    """The next free slot for a new lesson, from the replica (see ``next_free_slot``)."""
    schools = replica.rows("schools")
    school = schools[0].data if schools else {}
    zone = zoneinfo.ZoneInfo(school.get("timezone") or "UTC")
    planes = sorted(((row.id, row.data) for row in replica.rows("aircraft")
                     if row.data.get("in_service", True)),
                    key=lambda item: item[1].get("tail_number", ""))
    aircraft = [plane_id for plane_id, _data in planes]
    busy: dict[str, list[tuple[datetime, datetime]]] = {}
    for row in replica.lessons_between(now, now + timedelta(days=SEARCH_DAYS + 1) + length):
        data = row.data
        if data.get("status") in _RELEASED:
            continue
        busy.setdefault(data.get("aircraft_id", ""), []).append(
            (parse_time(data["start_at"]), parse_time(data["end_at"])))
    return next_free_slot(now=now, zone=zone, hours=opening_hours(school), aircraft=aircraft,
                          busy=busy, length=length)
