"""Where Ctrl+N puts a new lesson: the first free slot from now inside school hours."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

from app.models.free_slot import DEFAULT_HOURS, Proposal, next_free_slot, opening_hours

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
MONDAY = date(2026, 11, 30)
HOURS = {day: (time(7), time(19)) for day in range(1, 8)}


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), CHICAGO).astimezone(UTC)


def slot(now: datetime, *, busy=None, aircraft=("A1", "A2"), hours=HOURS, **kwargs):
    return next_free_slot(now=now, zone=CHICAGO, hours=hours, aircraft=list(aircraft),
                          busy=busy or {}, **kwargs)


def test_now_rounded_up_to_the_next_half_hour_inside_hours() -> None:
    assert slot(at(MONDAY, 10, 5)) == Proposal(at(MONDAY, 10, 30), "A1")
    assert slot(at(MONDAY, 10, 30)) == Proposal(at(MONDAY, 10, 30), "A1")
    assert slot(at(MONDAY, 10, 30) + timedelta(seconds=1)) == Proposal(at(MONDAY, 11), "A1")


def test_never_at_night_the_next_opening_instead() -> None:
    # Just after midnight: not "01:00", but the school's opening that morning.
    assert slot(at(MONDAY, 0, 40)) == Proposal(at(MONDAY, 7), "A1")
    # Too late for an hour before closing: the next morning.
    assert slot(at(MONDAY, 18, 10)) == Proposal(at(MONDAY + timedelta(days=1), 7), "A1")
    # A closed day is skipped (Tuesday missing from the hours).
    closed_tuesday = {day: hours for day, hours in HOURS.items() if day != 2}
    assert slot(at(MONDAY, 18, 10), hours=closed_tuesday) == Proposal(
        at(MONDAY + timedelta(days=2), 7), "A1")


def test_the_first_aircraft_when_free_else_the_next_else_later() -> None:
    busy = {"A1": [(at(MONDAY, 9), at(MONDAY, 11))]}
    assert slot(at(MONDAY, 9), busy=busy) == Proposal(at(MONDAY, 9), "A2")
    both = {"A1": [(at(MONDAY, 9), at(MONDAY, 11))],
            "A2": [(at(MONDAY, 8, 30), at(MONDAY, 10)), (at(MONDAY, 10), at(MONDAY, 12))]}
    assert slot(at(MONDAY, 9), busy=both) == Proposal(at(MONDAY, 11), "A1")
    # A half-hour gap is too short for an hour's lesson.
    gap = {"A1": [(at(MONDAY, 7), at(MONDAY, 9)), (at(MONDAY, 9, 30), at(MONDAY, 19))]}
    assert slot(at(MONDAY, 7), busy=gap, aircraft=["A1"]) == Proposal(
        at(MONDAY + timedelta(days=1), 7), "A1")


def test_nothing_free_in_the_horizon_and_no_aircraft() -> None:
    full = {"A1": [(at(MONDAY, 0), at(MONDAY + timedelta(days=30), 0))]}
    assert slot(at(MONDAY, 9), busy=full, aircraft=["A1"], days=14) is None
    assert slot(at(MONDAY, 9), aircraft=[]) == Proposal(at(MONDAY, 9), None)


def test_opening_hours_from_the_school_row() -> None:
    assert opening_hours({}) == {day: DEFAULT_HOURS for day in range(1, 8)}
    hours = opening_hours({"operating_hours": [
        {"weekday": 1, "open": "08:30", "close": "17:00"},
        {"weekday": 2, "open": "nonsense", "close": "17:00"},  # unreadable: closed
        {"weekday": 3, "open": "18:00", "close": "09:00"}]})  # inverted: closed
    assert hours == {1: (time(8, 30), time(17))}
    assert slot(at(MONDAY, 6), hours=hours) == Proposal(at(MONDAY, 8, 30), "A1")
