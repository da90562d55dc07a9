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

The reschedule workflow books on the school's behalf, for a student who picks from an e-mail
and cannot acknowledge a warning: its options break no rule that blocks *or* warns, and the pick
and the confirmation judge the chosen slot again (``SlotRules``: the same judgement, on a slot).
The demo seed passes no policy.
"""

from __future__ import annotations

import bisect
import dataclasses
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from sync.aircraft.models import Aircraft
from sync.audit import service as audit_service
from sync.auth.models import Account
from sync.config import Settings
from sync.database import scoped
from sync.errors import Conflict, InvalidInput, NeedsAcknowledgement, NotFound
from sync.flights import service as flights_service
from sync.flights.models import Flight
from sync.people.models import Instructor, Student
from sync.policy import forecast
from sync.policy.models import (
    REQUIRED_SETTINGS, RULES, SETTINGS, BookingPolicy, Refusal, RuleAction, RuleCode,
)
from sync.policy.schemas import PolicyUpdate
from sync.policy.windows import Availability, Daylight, OpeningHours, Unavailable
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
    lock, nor a booking wait on the network) and the rest are fetched.

    With every station cached, the school is not read here: whether its forecast rule is on is
    read with the booking (``flights.service`` reads the school with its people and aircraft in
    one statement; a booking is hot, and on a server each statement is a round trip)."""
    codes = forecast.stations_of(places)
    weather = forecast.cached(codes)
    if len(weather) == len(codes):
        return BookingRules(weather=weather)
    school = db.get(School, school_id)
    if school is None or not policy_of(school).active(RuleCode.FORECAST_NO_GO):
        return BookingRules(weather=None, held=school)
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

    def around(self, *, db: Session, flight: Flight) -> dict[str, Any]:
        """The other lessons the rules read (``flights.service.lessons_around``'s parameters):
        the flights service reads them in its clash check's own query and hands them back."""
        school = db.get(School, flight.school_id)
        return _Judgement(db, school, policy_of(school), flight, self.weather, None, self._notice).around()

    def __call__(self, *, db: Session, actor: Actor, flight: Flight, acknowledge: Iterable[str],
                 now: datetime, others: Iterable[Any] | None = None) -> list[dict[str, Any]]:
        """The warnings acknowledged, to store on the lesson; raises for a block, or for
        warnings not acknowledged. ``others``: the rows ``around`` asked for, already read (else
        they are read here)."""
        school = db.get(School, flight.school_id)
        policy = policy_of(school)
        lessons = KnownLessons(others) if others is not None else None
        with db.no_autoflush:
            findings = _Judgement(db, school, policy, flight, self.weather, now, self._notice,
                                  lessons=lessons).findings()
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


# -- slots the school books on a student's behalf ---------------------------------------------

RESOURCES = frozenset({"student", "instructor", "aircraft"})


class Slot(NamedTuple):
    """A lesson the rules judge before it has a row: a slot the reschedule workflow offers, or
    the one a student picked. ``id``: the lesson it replaces, left out of the others (its time is
    being given up)."""

    school_id: uuid.UUID
    student_id: uuid.UUID
    instructor_id: uuid.UUID | None
    aircraft_id: uuid.UUID
    start_at: datetime
    end_at: datetime
    departure: str
    destination: str | None = None
    route_points: tuple[Any, ...] = ()
    id: uuid.UUID | None = None


class Lesson(NamedTuple):
    """Another live lesson, as the rules with other lessons read it (``lessons_around``'s rows)."""

    id: Any
    school_id: uuid.UUID
    student_id: Any
    instructor_id: Any
    aircraft_id: Any
    start_at: datetime
    end_at: datetime


class KnownLessons:
    """Lessons already read, answering the rules' ranges (``lessons_around``'s ``{who}_id`` with
    ``{who}_from``/``{who}_to``, ``flight_id`` left out) in memory, as the database would: the
    rows the booking's clash check read, or the horizon the reschedule search loaded once for
    all its slots. Rows need ``id``, ``school_id``, the three ids and the times."""

    def __init__(self, lessons: Iterable[Any]) -> None:
        by_resource: dict[tuple[str, Any], list[Any]] = defaultdict(list)
        for row in lessons:
            by_resource[("student", row.student_id)].append(row)
            if row.instructor_id is not None:
                by_resource[("instructor", row.instructor_id)].append(row)
            by_resource[("aircraft", row.aircraft_id)].append(row)
        self._rows: dict[tuple[str, Any], list[Any]] = {}
        self._starts: dict[tuple[str, Any], list[datetime]] = {}
        for key, rows in by_resource.items():
            rows.sort(key=_start_of)
            self._rows[key] = rows
            self._starts[key] = [row.start_at for row in rows]

    def __call__(self, params: Mapping[str, Any]) -> list[Any]:
        ranges = []
        for who in ("student", "instructor", "aircraft"):
            if f"{who}_from" not in params:
                continue
            key = (who, params[f"{who}_id"])
            starts = self._starts.get(key)
            if starts:
                first = bisect.bisect_left(starts, params[f"{who}_from"])
                last = bisect.bisect_left(starts, params[f"{who}_to"])
                if first < last:
                    ranges.append(self._rows[key][first:last])
        if len(ranges) == 1:
            found = ranges[0]
        else:  # a lesson may be in two ranges (the instructor's and the aircraft's): once
            found = list({id(row): row for rows in ranges for row in rows}.values())
        leave_out = params.get("flight_id")
        return found if leave_out is None else [row for row in found if row.id != leave_out]

    def of(self, who: str, resource_id: Any) -> list[Any]:
        """Every lesson known of that student, instructor or aircraft, in start order."""
        return self._rows.get((who, resource_id), [])


def _start_of(row: Any) -> datetime:
    return row.start_at


class SlotRules:
    """The school's rules for the slots the reschedule workflow offers a student and books on the
    school's behalf.

    A student picks from an e-mail and cannot acknowledge a warning, so a slot is bookable only
    when it breaks no rule the school has set to block *or* warn; a rule that is off is not
    judged. The judgement is a booking's own (``_Judgement``): the search asks about each slot
    on lessons it loaded once (``KnownLessons``), and the pick and the confirmation about the
    chosen slot on the lessons read under the booking lock. The forecast is not judged here:
    the workflow judges every slot on the weather engine's verdict itself (a NO_GO slot, darkness
    included, is never offered, whatever the forecast rule does).
    """

    def __init__(self, *, db: Session, school: School, student: Student) -> None:
        self.db, self.school, self.student = db, school, student
        self.policy = policy_of(school)
        self._needs = _OtherLessonRules.of(self.policy)
        self._overfull_cache: dict[tuple[int, uuid.UUID], list[tuple[datetime, datetime]]] = {}

    def reads(self, who: str) -> bool:
        """Whether any rule reads the other lessons of the slot's student, instructor or
        aircraft (``who``): when none does, there is nothing to ask about them."""
        needs = self._needs
        if who == "student":
            return needs.per_day is not None or needs.per_week is not None
        if who == "instructor":
            return needs.instruction or bool(needs.buffer)
        return bool(needs.buffer)

    def reach(self) -> timedelta:
        """How far before a slot's start and after its end the rules look at other lessons (plus
        the longest booking, before: ranges are on start times)."""
        needs = self._needs
        if needs.weekly_instruction or needs.per_week is not None:
            return WEEK
        if needs.instruction or needs.per_day is not None:
            return DAY
        return needs.buffer

    def around(self, slot: Any) -> dict[str, Any]:
        """The other lessons the rules read for ``slot``, as ``lessons_around``'s parameters."""
        return _Judgement(self.db, self.school, self.policy, slot, None, None, _ignore,
                          student=self.student, needs=self._needs).around()

    def problems(self, slot: Any, *, now: datetime, lessons: Callable[[Mapping[str, Any]], Iterable[Any]] | None = None,
                 instructor: Instructor | None = None, only: frozenset[str] = RESOURCES,
                 own_time: bool = True) -> list[Finding]:
        """What the slot breaks of the rules that block or warn, in the rules' order; empty: it
        can be booked as it is.

        ``lessons``: where the other lessons come from (``KnownLessons``; else the database).
        ``instructor``: the slot's instructor, when the caller has it. ``only``: the rules with
        other lessons of these resources only ("student", "instructor", "aircraft": the search
        chooses each on its own rules; a turnaround is the aircraft's or the instructor's).
        ``own_time``: the rules on the slot's own time too (hours, availability, night)."""
        judgement = _Judgement(self.db, self.school, self.policy, slot, None, now, _ignore,
                               lessons=lessons, student=self.student, instructor=instructor,
                               only=only, needs=self._needs)
        with self.db.no_autoflush:
            return judgement.findings(own_time=own_time)

    def allow_others(self, slot: Any, *, now: datetime,
                     lessons: Callable[[Mapping[str, Any]], Iterable[Any]] | None = None,
                     instructor: Instructor | None = None, only: frozenset[str] = RESOURCES) -> bool:
        """Whether the slot breaks none of the rules with other lessons (of ``only``) that block
        or warn: ``problems`` without the slot's own time, stopping at the first rule broken.

        Where an instructor's other lessons alone already fill some window beyond a limit, any
        lesson of theirs that meets that window breaks the rule: those stretches are worked out
        once per instructor from ``KnownLessons`` (``_overfull``) and a slot meeting one is
        refused without another count (a busy instructor is asked about for many slots)."""
        if "instructor" in only and slot.instructor_id is not None and isinstance(lessons, KnownLessons):
            if any(slot.start_at < ends and begins < slot.end_at
                   for begins, ends in self._overfull(lessons, slot.instructor_id)):
                return False
        judgement = _Judgement(self.db, self.school, self.policy, slot, None, now, _ignore,
                               lessons=lessons, student=self.student, instructor=instructor,
                               only=only, needs=self._needs, first_only=True)
        with self.db.no_autoflush:
            return not judgement.findings(own_time=False)

    def _overfull(self, lessons: KnownLessons, instructor_id: uuid.UUID) -> list[tuple[datetime, datetime]]:
        """The stretches of time an instructor's lessons in ``lessons`` alone overfill, for the
        instruction rules that are on (a lesson meeting one breaks that rule)."""
        key = (id(lessons), instructor_id)
        if key not in self._overfull_cache:
            taught = [(_micros(row.start_at), _micros(row.end_at))
                      for row in lessons.of("instructor", instructor_id) if row.school_id == self.school.id]
            spans = []
            settings = self.policy.settings
            if self.policy.active(RuleCode.INSTRUCTION_8_IN_24):
                spans += _overfull_spans(taught, DAY // _MICROSECOND,
                                         settings["instruction_hours_per_24h"] * _HOUR_US)
            if self._needs.weekly_instruction:
                spans += _overfull_spans(taught, WEEK // _MICROSECOND,
                                         settings["instruction_hours_per_week"] * _HOUR_US)
            self._overfull_cache[key] = [(_EPOCH + timedelta(microseconds=a), _EPOCH + timedelta(microseconds=b))
                                         for a, b in spans]
        return self._overfull_cache[key]


def _ignore(code: str, text: str) -> None:
    """Notices nobody reads (a slot's forecast is the workflow's to judge)."""


def describe(findings: Iterable[Finding]) -> str:
    """What a slot breaks, in words: the school's booking rules no longer allow it, and why."""
    return "the school's booking rules do not allow it: " + "; ".join(finding.text for finding in findings)


@dataclass(frozen=True, slots=True)
class _OtherLessonRules:
    """What the rules with other lessons need, from a school's policy (rules off need nothing)."""

    instruction: bool  # 61.195(a) or the weekly limit: the instructor's lessons
    weekly_instruction: bool
    buffer: timedelta  # the turnaround, zero when off
    per_day: int | None
    per_week: int | None

    @classmethod
    def of(cls, policy: BookingPolicy) -> _OtherLessonRules:
        settings = policy.settings
        return cls(
            instruction=(policy.active(RuleCode.INSTRUCTION_8_IN_24)
                         or policy.active(RuleCode.INSTRUCTION_WEEKLY_LIMIT)),
            weekly_instruction=(policy.active(RuleCode.INSTRUCTION_WEEKLY_LIMIT)
                                and settings["instruction_hours_per_week"] is not None),
            buffer=(timedelta(minutes=settings["turnaround_minutes"] or 0)
                    if policy.active(RuleCode.TURNAROUND_BUFFER) else timedelta(0)),
            per_day=(settings["student_lessons_per_day"]
                     if policy.active(RuleCode.STUDENT_DAILY_LIMIT) else None),
            per_week=(settings["student_lessons_per_week"]
                      if policy.active(RuleCode.STUDENT_WEEKLY_LIMIT) else None),
        )


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
    """One lesson against every soft rule the school has not turned off.

    ``flight``: a ``Flight`` or a ``Slot``. ``lessons``: where the other lessons come from
    (``KnownLessons``), else the database. ``student``/``instructor``: the lesson's, when the
    caller has them. ``only``: judge the rules with other lessons for these of the lesson's
    student, instructor and aircraft only. ``first_only``: those rules stop at the first one
    broken (whether any is, not all that are)."""

    def __init__(self, db: Session, school: School, policy: BookingPolicy, flight: Any,
                 weather: Mapping[str, StationWeather] | None, now: datetime | None,
                 notice: Callable[[str, str], None], *,
                 lessons: Callable[[Mapping[str, Any]], Iterable[Any]] | None = None,
                 student: Student | None = None, instructor: Instructor | None = None,
                 only: frozenset[str] = RESOURCES, needs: _OtherLessonRules | None = None,
                 first_only: bool = False) -> None:
        self.db, self.school, self.policy, self.flight = db, school, policy, flight
        self.weather, self.now, self.notice = weather, now, notice
        self.lessons, self.only, self.first_only = lessons, only, first_only
        self.zone = ZoneInfo(school.timezone)
        self.start, self.end = flight.start_at, flight.end_at
        self.student = student if student is not None else db.get(Student, flight.student_id)
        if flight.instructor_id is None:
            self.instructor = None
        elif instructor is not None and instructor.id == flight.instructor_id:
            self.instructor = instructor
        else:
            self.instructor = db.get(Instructor, flight.instructor_id)
        # The rules with other lessons, narrowed to this lesson and to ``only``.
        self.needs = needs if needs is not None else _OtherLessonRules.of(policy)
        self.counts_instruction = (self.needs.instruction and self.instructor is not None
                                   and "instructor" in only)
        self.per_day = self.needs.per_day if "student" in only else None
        self.per_week = self.needs.per_week if "student" in only else None

    def findings(self, *, own_time: bool = True) -> list[Finding]:
        found: list[Finding] = []
        if own_time:
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
        if len(found) > 1:
            order = list(RULES)
            found.sort(key=lambda finding: order.index(finding.code))
        return found

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

    def around(self) -> dict[str, Any]:
        """The other lessons the rules read, as ``flights.service.lessons_around``'s parameters
        (per resource its id and a range of start times); empty when no rule needs any."""
        instruction, buffer = self.counts_instruction, self.needs.buffer
        per_day, per_week = self.per_day, self.per_week
        longest = flights_service.longest_lesson(self.school)
        params: dict[str, Any] = {}
        if instruction:
            span = WEEK if self.needs.weekly_instruction else DAY
            params |= {"instructor_id": self.instructor.id, "instructor_from": self.start - span - longest,
                       "instructor_to": self.end + span}
        if buffer:
            if "aircraft" in self.only:
                params |= {"aircraft_id": self.flight.aircraft_id,
                           "aircraft_from": self.start - buffer - longest, "aircraft_to": self.end + buffer}
            if self.instructor is not None and "instructor" in self.only and not instruction:
                params |= {"instructor_id": self.instructor.id,
                           "instructor_from": self.start - buffer - longest,
                           "instructor_to": self.end + buffer}
        if per_day is not None or per_week is not None:
            day = self._local(self.start).date()
            week_start = day - timedelta(days=day.isoweekday() - 1)
            first, last = (week_start, week_start + WEEK) if per_week is not None \
                else (day, day + timedelta(days=1))
            params |= {"student_id": self.flight.student_id, "student_from": self._midnight(first),
                       "student_to": self._midnight(last)}
        if params and self.flight.id is not None:
            params["flight_id"] = self.flight.id
        return params

    def _with_other_lessons(self) -> list[Finding]:
        """The rules that count or space the lesson against others, on one read of them."""
        params = self.around()
        if not params:
            return []
        buffer, per_day, per_week = self.needs.buffer, self.per_day, self.per_week
        settings = self.policy.settings
        read = (self.lessons(params) if self.lessons is not None
                else flights_service.lessons_around(self.db, params))
        # The school is checked on the rows (see ``lessons_around``).
        school_id = self.school.id
        others = [row for row in read if row.school_id == school_id]

        found: list[Finding] = []
        if self.counts_instruction:
            instructor_id = self.instructor.id
            taught = [(_micros(row.start_at), _micros(row.end_at)) for row in others
                      if row.instructor_id == instructor_id]
            limits = []
            if self.policy.active(RuleCode.INSTRUCTION_8_IN_24):
                limits.append((DAY, settings["instruction_hours_per_24h"], RuleCode.INSTRUCTION_8_IN_24,
                               "any 24 hours (14 CFR 61.195(a))"))
            if self.needs.weekly_instruction:
                limits.append((WEEK, settings["instruction_hours_per_week"],
                               RuleCode.INSTRUCTION_WEEKLY_LIMIT, "any 7 days"))
            for window, hours, code, within in limits:
                if not (found and self.first_only):
                    found += self._instruction(taught, window, hours, code, within)
        if buffer and not (found and self.first_only):
            found += self._turnaround(others, buffer)
        if (per_day is None and per_week is None) or (found and self.first_only):
            return found
        day = self._local(self.start).date()
        week_start = day - timedelta(days=day.isoweekday() - 1)
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

    def _instruction(self, taught: list[tuple[int, int]], window: timedelta, hours: int,
                     code: RuleCode, within: str) -> list[Finding]:
        """``taught``: the instructor's other lessons, in microseconds (``_micros``)."""
        limit, width = timedelta(hours=hours) // _MICROSECOND, window // _MICROSECOND
        start, end = _micros(self.start), _micros(self.end)
        # Only lessons less than a window away can share a window with this one.
        near = [(a, b) for a, b in taught if b > start - width and a < end + width]
        if sum(b - a for a, b in near) + end - start <= limit:
            return []  # all of it together is within the limit: so is any window of it
        most, at = _most_in_window(near, start, end, width)
        if most <= limit:
            return []
        total, begins = timedelta(microseconds=most), _EPOCH + timedelta(microseconds=at)
        return [Finding(code,
                        f"{self.instructor.name} would give {_hours(total)} of flight instruction from "
                        f"{self._local(begins):%a %d %b %H:%M} to {self._local(begins + window):%a %d %b %H:%M} "
                        f"(school time): at most {hours} h in {within}", field="instructor_id")]

    def _turnaround(self, others: list[Any], buffer: timedelta) -> list[Finding]:
        nearest = None
        aircraft_id = self.flight.aircraft_id if "aircraft" in self.only else None
        instructor_id = (self.instructor.id if self.instructor is not None and "instructor" in self.only
                         else None)
        for row in others:
            same_aircraft = aircraft_id is not None and row.aircraft_id == aircraft_id
            same_instructor = instructor_id is not None and row.instructor_id == instructor_id
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


def most_in_window(lessons: list[tuple[datetime, datetime]], new: tuple[datetime, datetime],
                   window: timedelta) -> tuple[timedelta, datetime]:
    """The most time of ``lessons`` and ``new`` together inside one window of length ``window``
    that overlaps ``new``, and where that window begins (the earliest such place).

    The time inside [t, t + window) changes linearly with t between the moments where a lesson
    starts or ends at either edge, so its greatest value is where it stops rising: where a
    lesson's start leaves the window or its end comes in (or at an end of the range of t where
    the window still meets ``new``). One sweep over those moments in order, keeping the slope:
    each lesson [a, b) adds 1 to it from a - window, takes 1 from b - window and from a, and
    gives 1 back from b. The reschedule search asks this for many slots of a busy instructor."""
    most, at = _most_in_window([(_micros(a), _micros(b)) for a, b in lessons], _micros(new[0]),
                               _micros(new[1]), window // _MICROSECOND)
    return timedelta(microseconds=most), _EPOCH + timedelta(microseconds=at)


def _most_in_window(lessons: list[tuple[int, int]], start: int, end: int, width: int) -> tuple[int, int]:
    """``most_in_window`` in whole microseconds from the epoch: exact, and several times faster
    than with datetimes. Each event is one integer, moment * 4 + kind (kind 0: an end of the
    range of t; 1: a lesson's start comes into the window; 2: a start leaves it or an end comes
    in; 3: an end leaves it), so the sort compares integers; at one moment their order does not
    matter (the time inside moves only between moments)."""
    first, last = start - width, end
    events = [first * 4, last * 4]
    for a, b in (*lessons, (start, end)):
        events += ((a - width) * 4 + 1, (b - width) * 4 + 2, a * 4 + 2, b * 4 + 3)
    events.sort()
    value = slope = 0
    previous = events[0] // 4
    best, best_at = 0, first
    for event in events:
        moment, kind = divmod(event, 4)
        value += (moment - previous) * slope
        if kind != 1 and kind != 3 and first <= moment <= last and value > best:
            best, best_at = value, moment
        slope += _SLOPE[kind]
        previous = moment
    return best, best_at


_SLOPE = (0, 1, -1, 1)
_HOUR_US = 3_600_000_000


def _overfull_spans(lessons: list[tuple[int, int]], width: int, limit: int) -> list[tuple[int, int]]:
    """Stretches of time (microseconds) that any lesson meeting breaks the limit: each window
    [t, t + width) that ``lessons`` alone fill beyond ``limit`` (every such window a new lesson
    overlaps holds more than the limit with it too). Found with ``_most_in_window``'s sweep: the
    time inside is linear between the moments where a lesson crosses an edge, so where it is over
    the limit at two such moments in a row it is over all along between them. The spans may leave
    out a little of where it is over (between a moment under and one over): a slot there is
    simply counted as any other."""
    events = []
    for a, b in lessons:
        events += ((a - width) * 4 + 1, (b - width) * 4 + 2, a * 4 + 2, b * 4 + 3)
    events.sort()
    spans: list[tuple[int, int]] = []
    value = slope = 0
    previous = events[0] // 4 if events else 0
    over_since = None
    for event in events:
        moment, kind = divmod(event, 4)
        value += (moment - previous) * slope
        slope += _SLOPE[kind]
        previous = moment
        if value > limit:
            if over_since is None:
                over_since = moment
            last_over = moment
        elif over_since is not None:
            spans.append((over_since, last_over + width))
            over_since = None
    return spans


@lru_cache(maxsize=65_536)
def _micros(moment: datetime) -> int:
    # Kept: the same lessons' times are counted for many slots (the reschedule search).
    return (moment - _EPOCH) // _MICROSECOND


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _hours(length: timedelta) -> str:
    minutes = int(length.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _lessons(count: int) -> str:
    return f"{count} lesson{'s' if count != 1 else ''}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
