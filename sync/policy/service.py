"""The school's booking policy: reading and changing it, and judging a booking by it.

A booking path that applies the policy (``POST /flights``, ``PATCH /flights/{id}``, ``POST
/flights/series``, ``POST /sync/push``) makes one ``BookingRules`` per request with ``prepare``
(which fetches the forecast before the write transaction, never inside it) and hands it to
``flights.service.create`` / ``update`` as ``policy``. After every hard rule has passed, the
lesson is judged on each soft rule the school has not turned off:

- a ``block`` rule refuses it (422 for the lesson itself, 409 for a clash with other lessons,
  naming the rule, as the hard rules answer);
- ``warn`` rules refuse it with 409 ``NEEDS_ACKNOWLEDGEMENT`` and their ``warnings`` until the
  request names their codes in ``acknowledge``; then it is booked, and the lesson keeps which
  warnings were accepted, by whom and when (``Flight.acknowledged_warnings``, audited with it).

Paths that book on the school's behalf (a confirmed reschedule option, whose search already
keeps to hours, availability, daylight and the forecast; the demo seed) pass no policy.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import Session

from sync.aircraft.models import Aircraft
from sync.audit import service as audit_service
from sync.auth.models import Account
from sync.config import Settings
from sync.database import scoped
from sync.errors import Conflict, InvalidInput, NeedsAcknowledgement, NotFound
from sync.flights.models import RELEASED_STATUSES, Flight
from sync.people.models import Instructor, Student
from sync.policy import forecast
from sync.policy.models import (
    REQUIRED_SETTINGS, RULES, SETTINGS, BookingPolicy, Refusal, RuleAction, RuleCode,
)
from sync.policy.schemas import PolicyUpdate
from sync.policy.windows import Availability, Daylight, OpeningHours, Unavailable
from sync.reschedule.search import longest_lesson
from sync.schools.models import School
from sync.weather.check import lesson_places, pilot_limits
from sync.weather.lesson import assess_lesson
from sync.weather.station_weather import StationWeather
from sync.weather.verdicts import Verdict

Actor = Account | str

FORECAST_NOT_CHECKED = "FORECAST_NOT_CHECKED"
DAY = timedelta(hours=24)
WEEK = timedelta(days=7)


# -- the policy itself -----------------------------------------------------------------------


def _school(db: Session, school_id: uuid.UUID) -> School:
    school = db.get(School, school_id)
    if school is None or school.is_deleted:
        raise NotFound("no such school", rule="SCHOOL_NOT_FOUND")
    return school


def policy_of(school: School) -> BookingPolicy:
    return BookingPolicy.from_stored(school.booking_policy)


def policy_json(school: School) -> dict[str, Any]:
    """The school's policy as ``PolicyRead``: every rule with its action, default and words."""
    policy = policy_of(school)
    return {
        "version": school.version,
        "rules": [{"code": code, "action": policy.action(code), "default": rule.default,
                   "refusal": rule.refusal, "title": rule.title, "description": rule.description}
                  for code, rule in RULES.items()],
        "settings": dict(policy.settings),
    }


def get_policy(*, db: Session, school_id: uuid.UUID) -> School:
    return _school(db, school_id)


def update_policy(*, db: Session, actor: Account, school_id: uuid.UUID, data: PolicyUpdate) -> School:
    """Change what is sent (the rest stays), audited with the policy before and after."""
    school = _school(db, school_id)
    scoped.check_version(school, data.version, what="booking policy", as_json=policy_json)
    current = policy_of(school)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    actions = dict(current.actions)
    for code, action in (changes.pop("rules", None) or {}).items():
        actions[RuleCode(code)] = RuleAction(action)
    settings = dict(current.settings)
    for name, value in changes.items():
        if value is None and name in REQUIRED_SETTINGS:
            setting = SETTINGS[name]
            raise InvalidInput(
                f"{name} cannot be null: give a number from {setting.minimum} to {setting.maximum}",
                field=name, rule="SETTING_REQUIRED")
        settings[name] = value
    updated = BookingPolicy(actions, settings).stored()
    if updated == school.booking_policy:
        return school
    before = audit_service.snapshot(school)
    school.booking_policy = updated
    audit_service.record(db=db, school_id=school.id, actor=actor.email, action="policy_update",
                         row=school, before=before, actor_account_id=actor.id)
    return school


# -- preparing a request's bookings ----------------------------------------------------------


def places_of(*, departure: Any, destination: Any = None, route_points: Any = ()) -> list[str]:
    """The stations a lesson goes to, from values as a request gives them (unchecked)."""
    places = [departure, *(route_points if isinstance(route_points, (list, tuple)) else ()), destination]
    return [place for place in places if isinstance(place, str)]


def prepare(*, db: Session, school_id: uuid.UUID, places: Iterable[str], now: datetime,
            release: Callable[[], None], settings: Settings | None = None) -> BookingRules:
    """The rules for one request's bookings, with the forecast at ``places`` when the school's
    forecast rule is on: from the cache when it holds every station; otherwise ``release()`` is
    called first (it ends the caller's transaction: the network must never hold the database's
    lock, nor a booking wait on the network) and the rest are fetched."""
    school = db.get(School, school_id)
    if school is None or not policy_of(school).active(RuleCode.FORECAST_NO_GO):
        return BookingRules(weather=None, held=school)
    codes = forecast.stations_of(places)
    weather = forecast.cached(codes)
    if len(weather) < len(codes):
        release()
        weather = forecast.fetch(codes, now=now, settings=settings)
    return BookingRules(weather=weather, held=school)


# -- judging a booking -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finding:
    code: RuleCode
    text: str
    field: str | None = None
    conflict: dict[str, Any] | None = None


@dataclass(slots=True)
class BookingRules:
    """The school's soft rules for one request's bookings: called by the flights service with the
    lesson as it would be stored, once every hard rule has passed.

    ``weather``: the forecast fetched for the request (``prepare``), None when it was not.
    ``notices``: what the answer must say besides (the forecast could not be checked).
    """

    weather: Mapping[str, StationWeather] | None
    notices: list[dict[str, str]] = field(default_factory=list)
    # The school row ``prepare`` read, referenced so the session's identity map keeps it (it
    # holds rows only while something does) and the booking reads it again from memory.
    held: Any = field(default=None, repr=False, compare=False)

    def __call__(self, *, db: Session, actor: Actor, flight: Flight, acknowledge: Iterable[str],
                 now: datetime) -> list[dict[str, Any]]:
        """The warnings acknowledged, to store on the lesson; raises for a block, or for
        warnings not acknowledged."""
        school = db.get(School, flight.school_id)
        policy = policy_of(school)
        with db.no_autoflush:
            findings = _Judgement(db, school, policy, flight, self.weather, now, self._notice).findings()
        blocked = [finding for finding in findings if policy.action(finding.code) is RuleAction.BLOCK]
        if blocked:
            raise _refusal(blocked[0])
        warned = [finding for finding in findings if policy.action(finding.code) is RuleAction.WARN]
        accepted = {str(code) for code in acknowledge}
        missing = [finding for finding in warned if finding.code.value not in accepted]
        if missing:
            raise _needs_acknowledgement(warned)
        by = actor if isinstance(actor, str) else actor.email
        at = now.astimezone(UTC).isoformat().replace("+00:00", "Z")
        return [{"code": finding.code.value, "text": finding.text, "by": by, "at": at}
                for finding in warned]

    def _notice(self, code: str, text: str) -> None:
        notice = {"code": code, "text": text}
        if notice not in self.notices:
            self.notices.append(notice)


def _refusal(finding: Finding) -> InvalidInput | Conflict:
    message = (f"{finding.text} (this school's booking policy does not allow it: "
               f"{RULES[finding.code].title.lower()}; an admin can change that in the policy)")
    kind = InvalidInput if RULES[finding.code].refusal is Refusal.INVALID else Conflict
    return kind(message, field=finding.field, rule=finding.code.value, conflict=finding.conflict)


def _needs_acknowledgement(warned: list[Finding]) -> NeedsAcknowledgement:
    codes = ", ".join(f'"{finding.code.value}"' for finding in warned)
    texts = "; ".join(finding.text for finding in warned)
    return NeedsAcknowledgement(
        f"this booking goes against the school's booking policy: {texts}. To book it anyway, "
        f"send it again with \"acknowledge\": [{codes}]; or change it",
        rule="NEEDS_ACKNOWLEDGEMENT",
        warnings=[{"code": finding.code.value, "text": finding.text} for finding in warned],
    )


class _Judgement:
    """One lesson against every soft rule the school has not turned off."""

    def __init__(self, db: Session, school: School, policy: BookingPolicy, flight: Flight,
                 weather: Mapping[str, StationWeather] | None, now: datetime,
                 notice: Callable[[str, str], None]) -> None:
        self.db, self.school, self.policy, self.flight = db, school, policy, flight
        self.weather, self.now, self.notice = weather, now, notice
        self.zone = ZoneInfo(school.timezone)
        self.start, self.end = flight.start_at, flight.end_at
        self.student = db.get(Student, flight.student_id)
        self.instructor = db.get(Instructor, flight.instructor_id) if flight.instructor_id else None

    def findings(self) -> list[Finding]:
        checks: list[tuple[RuleCode, Callable[[], Finding | None]]] = [
            (RuleCode.OUTSIDE_SCHOOL_HOURS, self._school_hours),
            (RuleCode.INSTRUCTOR_UNAVAILABLE, self._instructor_available),
            (RuleCode.STUDENT_UNAVAILABLE, self._student_available),
            (RuleCode.NIGHT_WITHOUT_TRAINING, self._daylight),
            (RuleCode.FORECAST_NO_GO, self._forecast),
        ]
        found = [finding for code, check in checks
                 if self.policy.active(code) and (finding := check()) is not None]
        found += self._with_other_lessons()
        order = list(RULES)
        return sorted(found, key=lambda finding: order.index(finding.code))

    # -- the lesson's own time ---------------------------------------------------------------

    def _local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def _span(self) -> str:
        start, end = self._local(self.start), self._local(self.end)
        tail = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%a %d %b %H:%M}"
        return f"{start:%a %d %b %H:%M}–{tail} (school time)"

    def _clock_ranges(self, intervals: list[tuple[datetime, datetime]]) -> str:
        return ", ".join(f"{self._local(a):%H:%M}–{self._local(b):%H:%M}" for a, b in intervals)

    def _school_hours(self) -> Finding | None:
        hours = OpeningHours(self.school.operating_hours, self.zone)
        if hours.covers(self.start, self.end):
            return None
        day = self._local(self.start).date()
        opening = self._clock_ranges(hours.intervals(day))
        said = f"open {opening}" if opening else "closed"
        return Finding(RuleCode.OUTSIDE_SCHOOL_HOURS,
                       f"the lesson, {self._span()}, is outside the school's hours ({day:%A}: {said})",
                       field="start_at")

    def _availability(self, person: Student | Instructor, code: RuleCode, field: str) -> Finding | None:
        windows = Availability(person, self.zone)
        problem = windows.problem(self.start, self.end)
        if problem is None:
            return None
        day = self._local(self.start).date()
        if problem is Unavailable.DAY_OFF:
            text = f"{person.name} is off on {day:%A %d %B}"
        else:
            hours = self._clock_ranges(windows.windows(day))
            text = (f"the lesson, {self._span()}, is outside {person.name}'s availability on "
                    f"{day:%A}s ({hours or 'none'})")
        return Finding(code, text, field=field)

    def _instructor_available(self) -> Finding | None:
        if self.instructor is None:
            return None
        return self._availability(self.instructor, RuleCode.INSTRUCTOR_UNAVAILABLE, "instructor_id")

    def _student_available(self) -> Finding | None:
        return self._availability(self.student, RuleCode.STUDENT_UNAVAILABLE, "student_id")

    def _daylight(self) -> Finding | None:
        if self.student.night_trained:
            return None
        daylight = Daylight(self.flight.departure, self.zone)
        if daylight.covers(self.start, self.end):
            return None
        day = self._local(self.start).date()
        twilight = daylight.twilight(day)
        when = (f"civil twilight at {self.flight.departure} on {day:%a %d %b} is "
                f"{self._clock_ranges([twilight])}" if twilight is not None
                else f"part of it is dark at {self.flight.departure}")
        return Finding(RuleCode.NIGHT_WITHOUT_TRAINING,
                       f"the lesson, {self._span()}, is not all in daylight ({when}) and "
                       f"{self.student.name} has no night training", field="start_at")

    def _forecast(self) -> Finding | None:
        if self.weather is None:
            self.notice(FORECAST_NOT_CHECKED,
                        "the forecast could not be checked for this booking: the weather service "
                        "was not asked (the hourly sweep will judge the lesson)")
            return None
        aircraft = self.db.get(Aircraft, self.flight.aircraft_id)
        # Darkness is the night rule's to judge (with the school's own action for it), not the
        # forecast's: a night lesson is not a forecast below minimums.
        limits = dataclasses.replace(
            pilot_limits(school=self.school, student=self.student, aircraft=aircraft),
            night_trained=True)
        assessment = assess_lesson(lesson_places(self.flight), self.weather, limits=limits,
                                   start=self.start, end=self.end, now=self.now)
        if assessment.verdict is Verdict.NO_GO:
            reasons = [reason.text for reason in assessment.reasons if reason.effect is Verdict.NO_GO]
            return Finding(RuleCode.FORECAST_NO_GO,
                           f"the forecast for the lesson, {self._span()}, is NO_GO for "
                           f"{self.student.name}: {'; '.join(reasons[:3])}", field="start_at")
        # Weather that could not be had (the upstream down, a report unreadable) is said; a lesson
        # beyond the TAF, or at a station without one, is the sweep's to judge when there is one.
        failed = [(code, station) for code in lesson_places(self.flight)
                  if (station := self.weather.get(code)) is None or station.problems]
        if failed:
            code, station = failed[0]
            why = station.problems[0] if station is not None else f"no weather was fetched for {code}"
            self.notice(FORECAST_NOT_CHECKED,
                        f"the forecast could not be checked for this booking ({why}): the hourly "
                        "sweep will judge the lesson")
        return None

    # -- other lessons -----------------------------------------------------------------------

    def _with_other_lessons(self) -> list[Finding]:
        """The rules that count or space the lesson against others, on one query."""
        settings = self.policy.settings
        instruction = (self.instructor is not None and
                       (self.policy.active(RuleCode.INSTRUCTION_8_IN_24)
                        or self.policy.active(RuleCode.INSTRUCTION_WEEKLY_LIMIT)))
        weekly_instruction = (self.policy.active(RuleCode.INSTRUCTION_WEEKLY_LIMIT)
                              and settings["instruction_hours_per_week"] is not None)
        buffer = (timedelta(minutes=settings["turnaround_minutes"] or 0)
                  if self.policy.active(RuleCode.TURNAROUND_BUFFER) else timedelta(0))
        per_day = (settings["student_lessons_per_day"]
                   if self.policy.active(RuleCode.STUDENT_DAILY_LIMIT) else None)
        per_week = (settings["student_lessons_per_week"]
                    if self.policy.active(RuleCode.STUDENT_WEEKLY_LIMIT) else None)
        day = self._local(self.start).date()
        week_start = day - timedelta(days=day.isoweekday() - 1)
        longest = longest_lesson(self.school)

        # The lessons of this instructor, aircraft and student near the new one.
        params: dict[str, Any] = {}
        span = WEEK if weekly_instruction else DAY
        if instruction:
            params |= {"instructor_id": self.instructor.id, "instructor_from": self.start - span - longest,
                       "instructor_to": self.end + span}
        if buffer:
            params |= {"aircraft_id": self.flight.aircraft_id,
                       "aircraft_from": self.start - buffer - longest, "aircraft_to": self.end + buffer}
            if self.instructor is not None and not instruction:
                params |= {"instructor_id": self.instructor.id,
                           "instructor_from": self.start - buffer - longest,
                           "instructor_to": self.end + buffer}
        if per_day is not None or per_week is not None:
            first, last = (week_start, week_start + WEEK) if per_week is not None \
                else (day, day + timedelta(days=1))
            params |= {"student_id": self.flight.student_id, "student_from": self._midnight(first),
                       "student_to": self._midnight(last)}
        if not params:
            return []
        if self.flight.id is not None:
            params["flight_id"] = self.flight.id
        # The school is checked on the rows (see ``_neighbours``).
        others = [row for row in self.db.connection().execute(_neighbours(frozenset(params)), params)
                  if row.school_id == self.school.id]

        found: list[Finding] = []
        if instruction:
            taught = [(row.start_at, row.end_at) for row in others
                      if row.instructor_id == self.instructor.id]
            if self.policy.active(RuleCode.INSTRUCTION_8_IN_24):
                found += self._instruction(taught, DAY, settings["instruction_hours_per_24h"],
                                           RuleCode.INSTRUCTION_8_IN_24, "any 24 hours (14 CFR 61.195(a))")
            if weekly_instruction:
                found += self._instruction(taught, WEEK, settings["instruction_hours_per_week"],
                                           RuleCode.INSTRUCTION_WEEKLY_LIMIT, "any 7 days")
        if buffer:
            found += self._turnaround(others, buffer)
        mine = sorted(row.start_at for row in others if row.student_id == self.flight.student_id)
        if per_day is not None:
            that_day = [start for start in mine if self._local(start).date() == day]
            if len(that_day) + 1 > per_day:
                found.append(Finding(
                    RuleCode.STUDENT_DAILY_LIMIT,
                    f"{self.student.name} already has {_lessons(len(that_day))} on {day:%A %d %B} "
                    f"(the school's limit is {per_day} a day)", field="student_id"))
        if per_week is not None:
            that_week = [start for start in mine if week_start <= self._local(start).date() < week_start + WEEK]
            if len(that_week) + 1 > per_week:
                found.append(Finding(
                    RuleCode.STUDENT_WEEKLY_LIMIT,
                    f"{self.student.name} already has {_lessons(len(that_week))} in the week of "
                    f"{week_start:%d %B} (the school's limit is {per_week} a week)", field="student_id"))
        return found

    def _midnight(self, day: date) -> datetime:
        return datetime.combine(day, datetime.min.time(), tzinfo=self.zone).astimezone(UTC)

    def _instruction(self, taught: list[tuple[datetime, datetime]], window: timedelta, hours: int,
                     code: RuleCode, within: str) -> list[Finding]:
        limit = timedelta(hours=hours)
        if sum((b - a for a, b in taught), self.end - self.start) <= limit:
            return []  # all of it together is within the limit: so is any window of it
        total, begins = most_in_window(taught, (self.start, self.end), window)
        if total <= limit:
            return []
        return [Finding(code,
                        f"{self.instructor.name} would give {_hours(total)} of flight instruction from "
                        f"{self._local(begins):%a %d %b %H:%M} to {self._local(begins + window):%a %d %b %H:%M} "
                        f"(school time): at most {hours} h in {within}", field="instructor_id")]

    def _turnaround(self, others: list[Any], buffer: timedelta) -> list[Finding]:
        nearest = None
        for row in others:
            same_aircraft = row.aircraft_id == self.flight.aircraft_id
            same_instructor = self.instructor is not None and row.instructor_id == self.instructor.id
            if not (same_aircraft or same_instructor):
                continue
            if row.end_at <= self.start:
                gap = self.start - row.end_at
            elif row.start_at >= self.end:
                gap = row.start_at - self.end
            else:
                continue  # an overlap is a double booking, refused before any of this
            if gap < buffer and (nearest is None or gap < nearest[0]):
                nearest = (gap, row, same_aircraft)
        if nearest is None:
            return []
        gap, row, same_aircraft = nearest
        if same_aircraft:
            whose, field = f"aircraft {self.db.get(Aircraft, self.flight.aircraft_id).tail_number}", "aircraft_id"
        else:
            whose, field = self.instructor.name, "instructor_id"
        other = f"{self._local(row.start_at):%a %d %b %H:%M}–{self._local(row.end_at):%H:%M}"
        return [Finding(RuleCode.TURNAROUND_BUFFER,
                        f"only {int(gap.total_seconds() // 60)} min between this lesson and the "
                        f"lesson of {other} for {whose} (the school's turnaround is "
                        f"{int(buffer.total_seconds() // 60)} min)", field=field,
                        conflict={"id": str(row.id), "start_at": _iso(row.start_at),
                                  "end_at": _iso(row.end_at)})]


@lru_cache(maxsize=64)
def _neighbours(names: frozenset[str]) -> Any:
    """The query for the live lessons the given parameters name (``…_id`` with its
    ``…_from``/``…_to`` range of start times; ``flight_id`` the lesson itself, left out).

    One OR branch per resource, each matching its index (instructor_id | aircraft_id |
    student_id, start_at). The school is left out of the WHERE clause on purpose: there, SQLite's
    planner would read the school's whole calendar through (school_id, start_at) instead; the
    ids are the school's own (the hard rules checked them) and the rows are checked again.
    Built once per shape as Core with bound parameters: a booking is hot, and building and
    compiling an ORM query each time cost more than running it."""
    flights = Flight.__table__
    branches = [
        and_(flights.c[f"{who}_id"] == bindparam(f"{who}_id"),
             flights.c.start_at >= bindparam(f"{who}_from"), flights.c.start_at < bindparam(f"{who}_to"))
        for who in ("instructor", "aircraft", "student") if f"{who}_id" in names
    ]
    query = select(flights.c.id, flights.c.school_id, flights.c.student_id, flights.c.instructor_id,
                   flights.c.aircraft_id, flights.c.start_at, flights.c.end_at).where(
        or_(*branches), flights.c.status.not_in([status.value for status in RELEASED_STATUSES]),
        flights.c.deleted_at.is_(None))
    if "flight_id" in names:
        query = query.where(flights.c.id != bindparam("flight_id"))
    return query


def most_in_window(lessons: list[tuple[datetime, datetime]], new: tuple[datetime, datetime],
                   window: timedelta) -> tuple[timedelta, datetime]:
    """The most time of ``lessons`` and ``new`` together inside one window of length ``window``
    that overlaps ``new``, and where that window begins.

    The time inside [t, t + window) changes linearly between the moments where a lesson starts
    or ends at either edge, so its greatest value is at one of those moments (or at an end of
    the range of t where the window still meets ``new``)."""
    start, end = new
    intervals = [*lessons, new]
    first, last = start - window, end
    candidates = {first, last}
    for a, b in intervals:
        candidates.update((a, b - window))
    best, best_at = timedelta(0), first
    for t in sorted(candidates):
        if not first <= t <= last:
            continue
        total = sum((min(b, t + window) - max(a, t) for a, b in intervals
                     if a < t + window and b > t), timedelta(0))
        if total > best:
            best, best_at = total, t
    return best, best_at


def _hours(length: timedelta) -> str:
    minutes = int(length.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _lessons(count: int) -> str:
    return f"{count} lesson{'s' if count != 1 else ''}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
