"""When a lesson may happen: the school's opening hours, a person's availability, daylight.

The one definition of each, shared by the booking rules (``sync.policy.service``) and the slot
search (``sync.reschedule.search``): a slot the search offers is one the booking rules accept,
and a booking the rules refuse is never offered.

All three are rules about local clocks in the school's time zone (``sync.schools.models``):
weekdays are ISO numbers (1 = Monday), times "HH:MM". A lesson is inside a window when it starts
and ends inside one window of the local day it starts on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from astral import Observer
from astral.sun import dawn, dusk

from sync.weather.daylight import CIVIL_TWILIGHT_DEPRESSION_DEG, dark_moments
from sync.weather.errors import UnknownStation
from sync.weather.stations import station_info

Interval = tuple[datetime, datetime]


@lru_cache(maxsize=1024)
def clock(text: str) -> time:
    """"HH:MM" as a time of day; "24:00" is the end of the day."""
    hours, minutes = str(text).split(":")[:2]
    if int(hours) == 24:
        return time(23, 59, 59)
    return time(int(hours), int(minutes))


def local_moment(day: date, wall_clock: time, zone: ZoneInfo) -> datetime:
    """The UTC moment of a local wall-clock time; a time the clocks skip moves to the next one."""
    local = datetime.combine(day, wall_clock, tzinfo=zone)
    moment = local.astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        # In the spring-forward gap: the first real moment after it.
        moment = datetime.combine(day, wall_clock, tzinfo=zone).replace(fold=1).astimezone(UTC)
    return moment


class OpeningHours:
    """The school's opening hours (``School.operating_hours``) as UTC intervals per local day.

    A weekday missing from the list is closed."""

    def __init__(self, operating_hours: Iterable[dict[str, Any]] | None, zone: ZoneInfo) -> None:
        self._zone = zone
        self._weekly: dict[int, list[tuple[time, time]]] = defaultdict(list)
        for entry in operating_hours or ():
            self._weekly[int(entry["weekday"])].append((clock(entry["open"]), clock(entry["close"])))
        for windows in self._weekly.values():
            windows.sort()
        self._cache: dict[date, list[Interval]] = {}

    def intervals(self, day: date) -> list[Interval]:
        """The day's opening intervals (UTC), earliest first."""
        if day not in self._cache:
            self._cache[day] = [(local_moment(day, opens, self._zone), local_moment(day, closes, self._zone))
                                for opens, closes in self._weekly.get(day.isoweekday(), ())]
        return self._cache[day]

    def covers(self, start: datetime, end: datetime) -> bool:
        day = start.astimezone(self._zone).date()
        return any(opens <= start and end <= closes for opens, closes in self.intervals(day))

    def slot_starts(self, earliest: datetime, latest: datetime, length: timedelta,
                    step: timedelta) -> Iterable[datetime]:
        """Start times (UTC, ascending) of lessons of ``length`` that fit inside opening hours,
        in [earliest, latest), every ``step`` from each opening."""
        day = earliest.astimezone(self._zone).date()
        last_day = latest.astimezone(self._zone).date()
        seen: set[datetime] = set()
        while day <= last_day:
            for moment, close_at in self.intervals(day):
                # Step in elapsed time: across a DST change the walk neither skips nor repeats an hour.
                while moment + length <= close_at:
                    if earliest <= moment < latest and moment not in seen:
                        seen.add(moment)
                        yield moment
                    moment += step
            day += timedelta(days=1)


class Unavailable(StrEnum):
    """Why a person cannot take a lesson at a time."""

    DAY_OFF = "day_off"
    OUTSIDE_WINDOWS = "outside_windows"


class Availability:
    """A person's weekly windows and dated exceptions, as UTC intervals per local date.

    A person with no weekly windows at all has not restricted their time: they are available
    whenever the school is open (the demo and most imported rosters look like this); a day off
    still counts.
    """

    def __init__(self, person: Any, zone: ZoneInfo) -> None:
        self._zone = zone
        self._weekly: dict[int, list[tuple[time, time]]] = defaultdict(list)
        for window in person.availability or ():
            self._weekly[int(window["weekday"])].append((clock(window["start"]), clock(window["end"])))
        self._unrestricted = not self._weekly
        self._days_off: set[date] = set()
        self._extra: dict[date, list[tuple[time, time]]] = defaultdict(list)
        for exception in person.availability_exceptions or ():
            when = date.fromisoformat(str(exception["date"]))
            if exception.get("available", False) and "start" in exception and "end" in exception:
                self._extra[when].append((clock(exception["start"]), clock(exception["end"])))
            elif not exception.get("available", False):
                self._days_off.add(when)
        self._cache: dict[date, list[Interval]] = {}

    def covers(self, start: datetime, end: datetime) -> bool:
        return self.problem(start, end) is None

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
        who has not restricted their time (see ``problem``)."""
        if day not in self._cache:
            self._cache[day] = joined(
                [(local_moment(day, begins, self._zone), local_moment(day, ends, self._zone))
                 for begins, ends in self._weekly.get(day.isoweekday(), []) + self._extra.get(day, [])])
        return self._cache[day]


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


# Dawn and dusk of a station on a local day: the same few (station, day) pairs are asked about by
# every booking and every search, and astral's solution costs more than the rest of a rule.
@lru_cache(maxsize=16_384)
def _civil_twilight(latitude: float, longitude: float, day: date, zone_name: str) -> Interval | None:
    observer = Observer(latitude=latitude, longitude=longitude)
    zone = ZoneInfo(zone_name)
    try:
        return (dawn(observer, day, depression=CIVIL_TWILIGHT_DEPRESSION_DEG, tzinfo=zone).astimezone(UTC),
                dusk(observer, day, depression=CIVIL_TWILIGHT_DEPRESSION_DEG, tzinfo=zone).astimezone(UTC))
    except ValueError:
        return None  # the sun never reaches the twilight line that day (polar winter or summer)


class Daylight:
    """Civil twilight at the departure: a lesson inside it is a day lesson.

    A lesson is daylight when it lies between civil dawn and dusk with a minute to spare either
    side (astral's times are exact to seconds; the spare keeps the weather engine's own sampled
    check, ``dark_moments``, in agreement). Where the sun never reaches the twilight line that day
    (polar winter or summer), the lesson is sampled instead. An airport the engine does not know
    cannot be judged (and the booking rules refuse it anyway): it counts as daylight.
    """

    GUARD = timedelta(minutes=1)

    def __init__(self, code: str, zone: ZoneInfo) -> None:
        self._zone = zone
        self._zone_name = str(zone.key)
        try:
            info = station_info(code)
            self._position: tuple[float, float] | None = (info.latitude, info.longitude)
        except UnknownStation:
            self._position = None

    def covers(self, start: datetime, end: datetime) -> bool:
        if self._position is None:
            return True
        day = start.astimezone(self._zone).date()
        window = _civil_twilight(*self._position, day, self._zone_name)
        if window is None:
            return not dark_moments(*self._position, start, end)
        return window[0] + self.GUARD <= start and end <= window[1] - self.GUARD

    def twilight(self, day: date) -> Interval | None:
        """Civil dawn and dusk (UTC) of the local ``day``; None where it has none, or unknown."""
        if self._position is None:
            return None
        return _civil_twilight(*self._position, day, self._zone_name)
