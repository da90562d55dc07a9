"""Check-out and check-in at the desk — what the dialogs prefill and how they judge the readings;
pure Python, no Qt.

- ``load_meter_form(replica, lesson_id)`` (blocking: off the GUI thread): the lesson's readings
  so far and its aircraft's meters as the last check-in left them (the replica's aircraft row).
- ``can_check_out`` / ``can_check_in``: whether the commands make sense for a lesson now.
- ``check_out_problems`` / ``check_in_problems``: what is wrong with readings as typed. A
  ``blocking`` problem is one the service would refuse (a meter that ran backwards, more hours
  on it than the lesson lasted, times in the future); the others ask the person to confirm (a
  meter far beyond what the aircraft last showed — a typo, most often: 1543.2 for 1453.2).
- ``following_in_series(replica, lesson_id)``: the later lessons of its series that "this and
  following" would cancel with it.

Meters are in hours, Hobbs to tenths and tach to hundredths, as they are read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.models.labels import cancel_kind_label
from app.models.lessons import LIVE_STATUSES, Lesson, parse_time
from app.services.replica import Replica

__all__ = ["AircraftMeters", "MeterForm", "Problem", "FollowingLessons", "CHECK_OUT_WINDOW",
           "CLOCK_SKEW", "LARGE_JUMP_HOURS", "METER_SLACK", "can_check_out", "can_check_in",
           "check_out_problems", "check_in_problems", "flown_words", "hours_words",
           "load_meter_form", "following_in_series", "status_notes"]

# A lesson is checked out on its day: from this long before its start to this long after.
CHECK_OUT_WINDOW = timedelta(hours=12)
# The desk's clock and the service's differ a little (the service allows as much).
CLOCK_SKEW = timedelta(minutes=5)
# A reading out this far above what the aircraft last showed is asked about: a typo, most often.
LARGE_JUMP_HOURS = 24.0
# Meters read to tenths run while taxiing: this much more than the time flown is still plausible
# (the service's own slack).
METER_SLACK = timedelta(minutes=18)
# Readings below the aircraft's meters by less than this are the same reading (rounding).
_ROUNDING = 0.05


@dataclass(frozen=True)
class AircraftMeters:
    """An aircraft's Hobbs and tach as its last check-in left them."""

    aircraft_id: str
    tail: str
    hobbs: float
    tach: float


@dataclass(frozen=True)
class MeterForm:
    """What the check-out and check-in dialogs start from: the lesson (times, readings recorded so
    far) and its aircraft's meters."""

    lesson_id: str
    aircraft: AircraftMeters
    start: datetime
    end: datetime
    status: str
    checked_out_at: datetime | None = None
    hobbs_out: float | None = None
    tach_out: float | None = None


@dataclass(frozen=True)
class Problem:
    """Something wrong with what was typed: ``field`` (``hobbs_out``, ``actual_end_at``…), the
    sentence to show, and whether it stops the form (``blocking``) or asks for confirmation."""

    field: str
    text: str
    blocking: bool = True


@dataclass(frozen=True)
class FollowingLessons:
    """The later lessons of a series still to fly: how many, and the last one's start."""

    count: int
    last_start: datetime | None


# -- reading the replica ---------------------------------------------------------------------


def _float(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _moment(value: Any) -> datetime | None:
    try:
        return parse_time(str(value)) if value else None
    except ValueError:
        return None


def load_meter_form(replica: Replica, lesson_id: str) -> MeterForm | None:
    """The lesson's form, or None when the replica no longer has the lesson."""
    row = replica.get("flights", lesson_id)
    if row is None:
        return None
    data = row.data
    plane = replica.get("aircraft", data.get("aircraft_id") or "")
    plane_data = plane.data if plane is not None else {}
    aircraft = AircraftMeters(
        aircraft_id=str(data.get("aircraft_id") or ""),
        tail=str(plane_data.get("tail_number") or "the aircraft"),
        hobbs=_float(plane_data.get("hobbs_hours")) or 0.0,
        tach=_float(plane_data.get("tach_hours")) or 0.0)
    return MeterForm(lesson_id=row.id, aircraft=aircraft, start=parse_time(data["start_at"]),
                     end=parse_time(data["end_at"]), status=str(data.get("status") or ""),
                     checked_out_at=_moment(data.get("checked_out_at")),
                     hobbs_out=_float(data.get("hobbs_out")), tach_out=_float(data.get("tach_out")))


def following_in_series(replica: Replica, lesson_id: str) -> FollowingLessons:
    """The lessons of ``lesson_id``'s series after it that are still to fly and not checked out
    (what the service cancels with scope "following")."""
    row = replica.get("flights", lesson_id)
    series = row.data.get("series_id") if row is not None else None
    if row is None or not series:
        return FollowingLessons(0, None)
    start = parse_time(row.data["start_at"])
    # A series runs at most 52 weeks.
    later = [parse_time(other.data["start_at"])
             for other in replica.flights_between(start, start + timedelta(weeks=53))
             if other.id != row.id and other.data.get("series_id") == series
             and other.data.get("status") in LIVE_STATUSES
             and not other.data.get("checked_out_at")
             and parse_time(other.data["start_at"]) > start]
    return FollowingLessons(len(later), max(later) if later else None)


# -- when the commands make sense -------------------------------------------------------------


def can_check_out(lesson: Lesson, now: datetime) -> bool:
    """A lesson still to fly, known to the service, not checked out, starting about now (within
    ``CHECK_OUT_WINDOW`` either side)."""
    return (lesson.status in LIVE_STATUSES and lesson.version is not None
            and lesson.checked_out_at is None
            and now - CHECK_OUT_WINDOW <= lesson.start <= now + CHECK_OUT_WINDOW)


def can_check_in(lesson: Lesson, now: datetime) -> bool:
    """A lesson checked out, or one still to fly that has started (checked in with its readings
    out as well)."""
    if lesson.status not in LIVE_STATUSES or lesson.version is None:
        return False
    return lesson.checked_out_at is not None or lesson.start <= now + CLOCK_SKEW


def status_notes(lesson: Lesson, zone: Any) -> list[str]:
    """What the status alone does not say, in words: since when it is checked out, how long it
    flew, what kind of cancellation it was ([] when nothing)."""
    notes = []
    if lesson.checked_out and lesson.checked_out_at is not None:
        notes.append(f"Checked out {lesson.checked_out_at.astimezone(zone):%a %H:%M %Z}: check it "
                     "in after the flight")
    if lesson.flown_hours is not None:
        notes.append(f"Flown {lesson.flown_hours:.1f} h (Hobbs)")
    if lesson.status == "CANCELLED" and lesson.cancel_kind:
        notes.append(f"Cancelled: {cancel_kind_label(lesson.cancel_kind).lower()}")
    return notes


# -- judging readings -------------------------------------------------------------------------

_NAMES = {"hobbs_out": "Hobbs out", "tach_out": "Tach out", "hobbs_in": "Hobbs in",
          "tach_in": "Tach in"}


def hours_words(length: timedelta) -> str:
    """``timedelta(minutes=78)`` → "1 h 18 min"."""
    minutes = max(int(length.total_seconds() // 60), 0)
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest:02d} min"


def flown_words(hobbs_out: float, hobbs_in: float) -> str:
    """"1.3 h on the Hobbs (1 h 18 min)"; a negative run is said as such."""
    run = round(hobbs_in - hobbs_out, 2)
    if run < 0:
        return f"{run:.1f} h: the Hobbs in is below the Hobbs out"
    return f"{run:.1f} h on the Hobbs ({hours_words(timedelta(hours=run))})"


def _against_aircraft(name: str, reading: float, kept: float, aircraft: AircraftMeters, *,
                      below_blocks: bool) -> Problem | None:
    words = _NAMES[name]
    if reading < kept - _ROUNDING:
        if below_blocks:
            return Problem(name, f"{words} {reading:g} is below the {kept:g} h {aircraft.tail} "
                                 "showed at its last check-in, and meters do not run backwards: "
                                 "read it again.")
        return Problem(name, f"{words} {reading:g} is below the {kept:g} h {aircraft.tail} "
                             "showed at its last check-in: right only for a lesson flown before "
                             "that one.", blocking=False)
    if reading > kept + LARGE_JUMP_HOURS:
        return Problem(name, f"{words} {reading:g} is {reading - kept:.1f} h more than the "
                             f"{kept:g} h {aircraft.tail} showed at its last check-in: is that "
                             "right?", blocking=False)
    return None


def check_out_problems(*, hobbs_out: float, tach_out: float,
                       aircraft: AircraftMeters) -> list[Problem]:
    """What is wrong with the readings out, blocking problems first."""
    found = [_against_aircraft(name, reading, kept, aircraft, below_blocks=True)
             for name, reading, kept in (("hobbs_out", hobbs_out, aircraft.hobbs),
                                         ("tach_out", tach_out, aircraft.tach))]
    return sorted((problem for problem in found if problem is not None),
                  key=lambda problem: not problem.blocking)


def check_in_problems(*, hobbs_out: float, tach_out: float, hobbs_in: float, tach_in: float,
                      started: datetime, ended: datetime, now: datetime,
                      aircraft: AircraftMeters, out_recorded: bool,
                      show_time: Any = None) -> list[Problem]:
    """What is wrong with a check-in as typed, blocking problems first. ``out_recorded``: the
    readings out come from the check-out (else they were typed here and are judged too).
    ``show_time(moment)``: how a time is written (the school's zone), default ISO."""
    show = show_time or (lambda moment: moment.isoformat(timespec="minutes"))
    found: list[Problem | None] = []
    if not out_recorded:
        found += [_against_aircraft(name, reading, kept, aircraft, below_blocks=False)
                  for name, reading, kept in (("hobbs_out", hobbs_out, aircraft.hobbs),
                                              ("tach_out", tach_out, aircraft.tach))]
    times_ok = True
    if started > now + CLOCK_SKEW:
        found.append(Problem("actual_start_at", f"The lesson has not started yet ({show(started)}): "
                                                "check it in once it is flown."))
        times_ok = False
    if ended > now + CLOCK_SKEW:
        found.append(Problem("actual_end_at", f"The end, {show(ended)}, is still to come: a "
                                              "lesson is checked in once it has landed."))
        times_ok = False
    if ended <= started:
        found.append(Problem("actual_end_at", f"The lesson must end after it started "
                                              f"({show(started)})."))
        times_ok = False
    plausible = ended - started + METER_SLACK
    for name, reading_in, reading_out in (("hobbs_in", hobbs_in, hobbs_out),
                                          ("tach_in", tach_in, tach_out)):
        words = _NAMES[name]
        if reading_in < reading_out:
            found.append(Problem(name, f"{words} {reading_in:g} is below the reading out, "
                                       f"{reading_out:g}: meters do not run backwards."))
        elif times_ok and timedelta(hours=reading_in - reading_out) > plausible:
            found.append(Problem(
                name, f"{words} {reading_in:g} means {reading_in - reading_out:.1f} h on the meter, "
                      f"more than the {hours_words(ended - started)} from {show(started)} to "
                      f"{show(ended)}: check the reading, or the times."))
    return sorted((problem for problem in found if problem is not None),
                  key=lambda problem: not problem.blocking)
