"""Finding new slots for a lesson: feasible by construction, ordered by a deterministic score.

``find_candidates`` loads everything it needs for the horizon up front — the school, the people and
aircraft that could fly, and the busy intervals of all of them, in a few indexed queries — then
walks the slots in memory. A slot is offered only when every rule holds (opening hours,
availability and daylight are ``sync.policy.windows``'s, the very ones the booking rules apply):

- inside the school's opening hours (school-local clocks, so daylight-saving time moves nothing),
  the lesson's own length, at least ``min_notice`` from now, not overlapping the lesson it replaces;
- the student available (weekly windows and dated exceptions) and not booked;
- an instructor qualified for the lesson type available and not booked (none for a solo), the
  original instructor first;
- an aircraft of the same model, in service and not booked, the original aircraft first;
- daylight (civil twilight) at the departure for a student without night training;
- no rule of the school's booking policy that blocks or warns broken (``sync.policy.service``'s
  ``SlotRules``: the booking's own judgement): a student picks from an e-mail and cannot
  acknowledge a warning, so an option must be bookable as it is. The rules with other lessons
  (14 CFR 61.195(a) and the weekly instruction limit, the turnaround of aircraft and instructor,
  the student's lessons per day and week) choose among instructors and aircraft like the
  overlaps do, on lessons loaded with the busy intervals; a rule that is off is not judged.
  Hours, availability and daylight are kept whatever the school's action for them (they are how
  the search walks), and so is the forecast: the sweep would cancel a NO_GO slot anyway;
- not NO_GO: every slot offered is judged on ``weather`` — the same decoded reports the sweep
  uses — at every place the lesson goes. A slot beyond the TAF, or whose weather could not be had,
  is offered as unknown ("no forecast yet", "weather unknown: …"), never as good.

``weather`` is required on purpose: every path that proposes a slot (the sweep, a dispatcher's
request, a fresh search, the fresh options of a refused pick) hands in the weather it fetched once
for the request; a path that forgot it must fail loudly, not offer a thunderstorm as "no forecast".

Slots offered by other open requests are "soft-busy": a storm cancels many lessons at once, and
offering the same aircraft at the same hour to five students helps none of them. They are used
only when nothing else is left.
"""

from __future__ import annotations

import bisect
import heapq
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from sync.aircraft.models import Aircraft
from sync.flights.models import RELEASED_STATUSES, Flight, FlightType
from sync.flights.service import longest_lesson
from sync.people.models import Instructor, InstructorRating, Student
from sync.policy.service import KnownLessons, Lesson, Slot, SlotRules
from sync.policy.windows import Availability, Daylight, OpeningHours
from sync.reschedule.models import RescheduleOption, RescheduleRequest
from sync.schools.models import School
from sync.weather.check import lesson_places, pilot_limits
from sync.weather.lesson import assess_lesson
from sync.weather.station_weather import StationWeather
from sync.weather.verdicts import ReasonCode, Verdict

DEFAULT_HORIZON_DAYS = 7
DEFAULT_MIN_NOTICE = timedelta(hours=12)
DEFAULT_STEP = timedelta(minutes=30)
DEFAULT_POOL = 10  # how many ranked candidates to return (the AI chooses among these)
NO_FORECAST = "no forecast yet"
WEATHER_UNKNOWN = "weather unknown"

Interval = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class Candidate:
    start: datetime
    end: datetime
    instructor_id: uuid.UUID | None
    aircraft_id: uuid.UUID
    expected_weather: dict[str, Any]  # {"verdict": "GO"|"MARGINAL"|None, "summary": str}
    score: float
    justification: str
    same_instructor: bool
    same_aircraft: bool
    soft_conflict: bool  # overlaps a slot another open request offers

    @property
    def key(self) -> str:
        """A stable id for the candidate (what the AI answers with)."""
        return f"{self.start:%Y%m%dT%H%M}Z-{str(self.aircraft_id)[:8]}"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.key,
            "start_at": self.start.isoformat().replace("+00:00", "Z"),
            "end_at": self.end.isoformat().replace("+00:00", "Z"),
            "instructor_id": str(self.instructor_id) if self.instructor_id else None,
            "aircraft_id": str(self.aircraft_id),
            "expected_weather": self.expected_weather,
            "score": round(self.score, 3),
            "justification": self.justification,
        }


@dataclass(slots=True)
class SearchResult:
    candidates: list[Candidate]  # best first, no two overlapping each other
    slots_considered: int
    reason: str | None = None  # why there are fewer than asked for, when there are
    names: dict[uuid.UUID, str] = field(default_factory=dict)  # instructors and aircraft, for display


@dataclass(slots=True)
class _Resources:
    """Everything in memory: the search itself makes no query."""

    school: School
    zone: ZoneInfo
    student: Student
    instructors: list[Instructor]  # qualified, original first
    aircraft: list[Aircraft]  # same model and in service, original first
    busy: dict[uuid.UUID, list[Interval]]  # per student, instructor and aircraft id: sorted
    soft_busy: dict[uuid.UUID, list[Interval]]  # slots offered by other open requests
    usual_hours: Counter[int]  # the student's lessons by local starting hour
    lessons: KnownLessons  # the same bookings, for the rules that count or space lessons


def find_candidates(
    *,
    db: Session,
    flight: Flight,
    now: datetime,
    weather: Mapping[str, StationWeather],
    horizon_days: int | None = None,
    min_notice: timedelta = DEFAULT_MIN_NOTICE,
    step: timedelta = DEFAULT_STEP,
    pool: int = DEFAULT_POOL,
) -> SearchResult:
    """The best ``pool`` feasible new slots for ``flight``, best first (see the module's rules).

    ``weather``: decoded reports per station code for the lesson's places (``lesson_places``);
    a station missing from it is judged UNKNOWN, never GO."""
    if weather is None:
        raise TypeError("find_candidates needs the weather to judge slots by (a mapping, may be empty)")
    school = db.get(School, flight.school_id)
    horizon = timedelta(days=horizon_days or school.reschedule_horizon_days or DEFAULT_HORIZON_DAYS)
    earliest = now + min_notice
    latest = now + horizon
    length = flight.end_at - flight.start_at
    rules = SlotRules(db=db, school=school, student=db.get(Student, flight.student_id))
    # A slot starting just before ``latest`` runs on past it: load what it could meet, and what
    # the school's rules look at around the slots.
    resources = _load(db, flight, school, earliest, latest + length, rules.reach())

    places = lesson_places(flight)
    limits = pilot_limits(school=school, student=resources.student,
                          aircraft=db.get(Aircraft, flight.aircraft_id))
    daylight = Daylight(flight.departure, resources.zone) if not resources.student.night_trained else None

    # The walk: every start time inside school hours, each with its instructor and aircraft by
    # the cheap rules (windows, overlaps, soft-busy). Its score is the best the slot can have:
    # the school's rules with other lessons can only push the choice further down the
    # preference lists, or rule the slot out.
    raw: list[Candidate] = []
    considered = 0
    student_windows = Availability(resources.student, resources.zone)
    instructor_windows = {i.id: Availability(i, resources.zone) for i in resources.instructors}
    student_busy = resources.busy.get(flight.student_id, [])
    for start in OpeningHours(school.operating_hours, resources.zone).slot_starts(earliest, latest, length, step):
        considered += 1
        end = start + length
        if start < flight.end_at and flight.start_at < end:
            continue  # the slot being replaced
        if not student_windows.covers(start, end) or _overlaps(student_busy, start, end):
            continue
        if daylight is not None and not daylight.covers(start, end):
            continue
        candidate = _choose(flight, resources, start, end, instructor_windows)
        if candidate is not None:
            raw.append(candidate)

    # Best first. The rules with other lessons are judged (``SlotRules``) only on the slots that
    # reach the top, as they do: a slot whose choice they change goes back with its real score,
    # which is never higher. The result is that of judging every slot, for a fraction of it.
    queue = [(_order(candidate), False, n, candidate) for n, candidate in enumerate(raw)]
    heapq.heapify(queue)
    chosen: list[Candidate] = []
    while queue and len(chosen) < pool:
        _, judged, n, candidate = heapq.heappop(queue)
        if any(candidate.start < other.end and other.start < candidate.end for other in chosen):
            continue  # the options of one request are alternatives, not neighbours half an hour apart
        if not judged:
            candidate = _choose(flight, resources, candidate.start, candidate.end, instructor_windows,
                                rules=rules, now=now)
            if candidate is not None:
                heapq.heappush(queue, (_order(candidate), True, n, candidate))
            continue
        candidate = _with_weather(candidate, places, weather, limits, now, resources)
        if candidate is None:
            continue  # forecast NO_GO: never offered
        # Every rule as the booking judges it, the slot's own time included: what is offered is
        # what the pick and the confirmation will accept.
        instructor = next((i for i in resources.instructors if i.id == candidate.instructor_id), None)
        if rules.problems(_slot(flight, candidate.start, candidate.end, candidate.instructor_id,
                                candidate.aircraft_id), now=now, lessons=resources.lessons,
                          instructor=instructor):
            continue
        chosen.append(candidate)
    chosen.sort(key=_order)

    names = {i.id: i.name for i in resources.instructors} | {a.id: a.tail_number for a in resources.aircraft}
    reason = None
    if len(chosen) < (school.reschedule_option_count or 3):
        reason = (f"only {len(chosen)} feasible slot{'s' if len(chosen) != 1 else ''} in the next "
                  f"{horizon.days} days (checked {considered} start times inside school hours, at least "
                  f"{int(min_notice.total_seconds() // 3600)} h from now)")
    return SearchResult(chosen, considered, reason, names)


_STUDENT, _INSTRUCTOR, _AIRCRAFT = frozenset({"student"}), frozenset({"instructor"}), frozenset({"aircraft"})


def _choose(flight: Flight, resources: _Resources, start: datetime, end: datetime,
            instructor_windows: dict[uuid.UUID, Availability], *, rules: SlotRules | None = None,
            now: datetime | None = None) -> Candidate | None:
    """The slot's candidate: its instructor and aircraft, the first in preference free then (and,
    with ``rules``, within the school's rules with other lessons, each resource on its own — a
    turnaround is the aircraft's or the instructor's; together they are the booking's
    judgement); None when there is none, or the student's own lessons rule the slot out."""
    instructor_allowed = aircraft_allowed = None
    if rules is not None:
        slot = _slot(flight, start, end, None, flight.aircraft_id)
        if rules.reads("student") and not rules.allow_others(slot, now=now, lessons=resources.lessons,
                                                             only=_STUDENT):
            return None
        if rules.reads("instructor"):
            def instructor_allowed(instructor: Instructor) -> bool:
                return rules.allow_others(slot._replace(instructor_id=instructor.id), now=now,
                                          lessons=resources.lessons, instructor=instructor,
                                          only=_INSTRUCTOR)
        if rules.reads("aircraft"):
            def aircraft_allowed(aircraft: Aircraft) -> bool:
                return rules.allow_others(slot._replace(aircraft_id=aircraft.id), now=now,
                                          lessons=resources.lessons, only=_AIRCRAFT)
    instructor, soft_i = _first_free(resources.instructors, start, end, resources,
                                     lambda i: instructor_windows[i.id], instructor_allowed)
    if flight.flight_type is not FlightType.SOLO and instructor is None:
        return None
    aircraft, soft_a = _first_free(resources.aircraft, start, end, resources, None, aircraft_allowed)
    if aircraft is None:
        return None
    soft = soft_i or soft_a or _overlaps(resources.soft_busy.get(flight.student_id, []), start, end)
    return _candidate(flight, resources, start, end, instructor, aircraft, soft)


def _slot(flight: Flight, start: datetime, end: datetime, instructor_id: uuid.UUID | None,
          aircraft_id: uuid.UUID) -> Slot:
    """The new lesson a candidate would book, as the school's rules judge it."""
    return Slot(flight.school_id, flight.student_id, instructor_id, aircraft_id, start, end,
                flight.departure, flight.destination,
                tuple(point for point in (flight.route_points or ()) if isinstance(point, str)))


# -- loading ---------------------------------------------------------------------------------


def _load(db: Session, flight: Flight, school: School, earliest: datetime, latest: datetime,
          reach: timedelta) -> _Resources:
    """Everything the walk needs for slots in [earliest, latest): ``reach`` is how far around a
    slot the school's rules look at other lessons (``SlotRules.reach``)."""
    student = db.get(Student, flight.student_id)
    original_aircraft = db.get(Aircraft, flight.aircraft_id)
    instructors: list[Instructor] = []
    if flight.flight_type is not FlightType.SOLO:
        needed = ((InstructorRating.CFII,) if flight.flight_type is FlightType.INSTRUMENT
                  else (InstructorRating.CFI, InstructorRating.CFII))
        rows = db.scalars(select(Instructor).where(Instructor.school_id == school.id,
                                                   Instructor.deleted_at.is_(None)))
        instructors = [i for i in rows if any(i.holds(r) for r in needed)]
        instructors.sort(key=lambda i: (i.id != flight.instructor_id, i.name, str(i.id)))
    aircraft = list(db.scalars(select(Aircraft).where(
        Aircraft.school_id == school.id, Aircraft.deleted_at.is_(None), Aircraft.in_service.is_(True),
        Aircraft.model == original_aircraft.model)))
    aircraft.sort(key=lambda a: (a.id != flight.aircraft_id, a.tail_number, str(a.id)))

    wanted = {flight.student_id, *(i.id for i in instructors), *(a.id for a in aircraft)}
    busy: dict[uuid.UUID, list[Interval]] = defaultdict(list)
    # One query for every booking that reaches into the horizon, or that the rules look at
    # around it (``reach``: none of them cares about a lesson over before that): the columns
    # only, read raw. Bounded on both sides of start_at so the (school_id, start_at) index reads
    # only that stretch of the calendar.
    since = earliest - longest_lesson(school) - reach
    rows = _raw_rows(db, (Flight.student_id, Flight.instructor_id, Flight.aircraft_id),
                     (Flight.start_at, Flight.end_at), select_from=Flight, where=(
        Flight.school_id == school.id,
        Flight.start_at < latest + reach,
        Flight.start_at >= since,
        Flight.end_at > earliest - reach,
        Flight.status.not_in(RELEASED_STATUSES),
        Flight.deleted_at.is_(None),
        Flight.id != flight.id,
    ), wanted=wanted)
    lessons = KnownLessons(Lesson(None, school.id, *holders, start, end) for holders, start, end in rows)
    # Bookings longer than the school allows today (booked before the limit, or before it was
    # lowered) that are still running: few, found through the (school_id, end_at) index.
    rows += _raw_rows(db, (Flight.student_id, Flight.instructor_id, Flight.aircraft_id),
                      (Flight.start_at, Flight.end_at), select_from=Flight, where=(
        Flight.school_id == school.id,
        Flight.end_at > earliest,
        Flight.start_at < since,
        Flight.status.not_in(RELEASED_STATUSES),
        Flight.deleted_at.is_(None),
        Flight.id != flight.id,
    ), wanted=wanted)
    for holders, start, end in rows:
        if end <= earliest or start >= latest:
            continue  # only the rules look that far
        for holder in holders:
            if holder is not None:
                busy[holder].append((start, end))
    busy = defaultdict(list, {holder: _merged(intervals) for holder, intervals in busy.items()})

    soft_busy: dict[uuid.UUID, list[Interval]] = defaultdict(list)
    offered = _raw_rows(
        db, (RescheduleOption.instructor_id, RescheduleOption.aircraft_id, Flight.student_id),
        (RescheduleOption.start_at, RescheduleOption.end_at), select_from=RescheduleOption,
        joins=((RescheduleRequest, RescheduleRequest.id == RescheduleOption.request_id),
               (Flight, Flight.id == RescheduleRequest.flight_id)),
        where=(
            RescheduleRequest.school_id == school.id,
            RescheduleRequest.open_key.is_not(None),
            RescheduleRequest.flight_id != flight.id,
            RescheduleOption.start_at < latest,
            RescheduleOption.end_at > earliest,
        ), wanted=wanted)
    for holders, start, end in offered:
        for holder in holders:
            if holder is not None:
                soft_busy[holder].append((start, end))
    soft_busy = defaultdict(list, {holder: _merged(intervals) for holder, intervals in soft_busy.items()})

    zone = ZoneInfo(school.timezone)
    usual: Counter[int] = Counter()
    history = db.scalars(select(Flight.start_at).where(
        Flight.student_id == flight.student_id, Flight.deleted_at.is_(None), Flight.id != flight.id,
    ).order_by(Flight.start_at.desc()).limit(50))
    for start in history:
        usual[start.astimezone(zone).hour] += 1
    return _Resources(school, zone, student, instructors, aircraft, busy, soft_busy, usual, lessons)


# -- rules -----------------------------------------------------------------------------------


def _raw_rows(db: Session, id_columns: tuple[Any, ...], time_columns: tuple[Any, Any], *,
              select_from: Any, where: tuple[Any, ...], wanted: set[uuid.UUID],
              joins: tuple[tuple[Any, Any], ...] = ()) -> list[tuple[list[uuid.UUID | None], datetime, datetime]]:
    """Rows as (the ``id_columns``' values, each None unless ``wanted``, start, end), for the rows
    holding any wanted id; without per-value ORM typing.

    Hundreds of rows per search: on SQLite, turning each stored text into a UUID and a datetime
    through the column types costs more than the whole search, so the raw text is read and only
    the ids that matter are mapped back (by their stored hex form), the times by ``fromisoformat``.
    PostgreSQL's driver returns native values already.
    """
    sqlite = db.get_bind().dialect.name == "sqlite"
    if sqlite:
        # The stored UTC text with its offset, so ``fromisoformat`` makes it aware by itself.
        columns = [*(type_coerce(c, String) for c in id_columns),
                   *(type_coerce(c, String).concat("+00:00") for c in time_columns)]
    else:
        columns = [*id_columns, *time_columns]
    query = select(*columns).select_from(select_from)
    for target, on in joins:
        query = query.join(target, on)
    query = query.where(*where)
    found = []
    count = len(id_columns)
    if sqlite:
        get = {value.hex: value for value in wanted}.get
        parse = datetime.fromisoformat
        for row in db.execute(query):
            holders = list(map(get, row[:count]))
            if any(holders):
                found.append((holders, parse(row[count]), parse(row[count + 1])))
    else:
        for row in db.execute(query):
            holders = [value if value in wanted else None for value in row[:count]]
            if any(holders):
                found.append((holders, row[count].astimezone(UTC), row[count + 1].astimezone(UTC)))
    return found


def _merged(intervals: list[Interval]) -> list[Interval]:
    """The union of ``intervals`` as sorted, disjoint intervals (so ``_overlaps`` is exact)."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _overlaps(intervals: Sequence[Interval], start: datetime, end: datetime) -> bool:
    """Whether any [s, e) in the sorted, disjoint ``intervals`` overlaps [start, end).

    Disjoint and sorted, their ends are sorted too: of the intervals starting before ``end``, the
    last one ends latest, so it alone decides — however long any booking is.
    """
    index = bisect.bisect_left(intervals, (end,))
    return index > 0 and intervals[index - 1][1] > start


def _first_free(rows: Sequence[Any], start: datetime, end: datetime, resources: _Resources,
                availability: Any, allowed: Callable[[Any], bool] | None = None) -> tuple[Any | None, bool]:
    """The first row (preference order) free then and ``allowed`` (the school's rules): a
    soft-free one if any, else a merely free one."""
    fallback = None
    for row in rows:
        if availability is not None and not availability(row).covers(start, end):
            continue
        if _overlaps(resources.busy.get(row.id, []), start, end):
            continue
        soft = _overlaps(resources.soft_busy.get(row.id, []), start, end)
        if soft and fallback is not None:
            continue  # only a soft-free one could still change the answer
        if allowed is not None and not allowed(row):
            continue
        if not soft:
            return row, False
        fallback = row
    return fallback, fallback is not None


# -- scoring ---------------------------------------------------------------------------------

# Points; a day later costs one. Higher is better.
SAME_INSTRUCTOR = 2.0
SAME_AIRCRAFT = 1.0
WEATHER_POINTS = {Verdict.GO.value: 1.0, None: 0.5, Verdict.MARGINAL.value: 0.0}
USUAL_TIME = 1.0
SOFT_CONFLICT = -10.0


def _candidate(flight: Flight, resources: _Resources, start: datetime, end: datetime,
               instructor: Instructor | None, aircraft: Aircraft, soft: bool) -> Candidate:
    same_instructor = instructor is not None and instructor.id == flight.instructor_id
    same_aircraft = aircraft.id == flight.aircraft_id
    weather = {"verdict": None, "summary": NO_FORECAST}
    score = _score(resources, start, same_instructor, same_aircraft, weather, soft, flight)
    candidate = Candidate(start, end, instructor.id if instructor else None, aircraft.id, weather,
                          score, "", same_instructor, same_aircraft, soft)
    return _justified(candidate, resources, instructor, aircraft)


def _score(resources: _Resources, start: datetime, same_instructor: bool, same_aircraft: bool,
           weather: dict[str, Any], soft: bool, flight: Flight) -> float:
    days_out = (start - flight.start_at).total_seconds() / 86400
    total = -abs(days_out)
    total += SAME_INSTRUCTOR if same_instructor else 0.0
    total += SAME_AIRCRAFT if same_aircraft else 0.0
    total += WEATHER_POINTS.get(weather.get("verdict"), 0.0)
    lessons = sum(resources.usual_hours.values())
    if lessons:
        hour = start.astimezone(resources.zone).hour
        near = sum(resources.usual_hours.get(h, 0) for h in (hour - 1, hour, hour + 1))
        total += USUAL_TIME * near / lessons
    if soft:
        total += SOFT_CONFLICT
    return total


def _order(candidate: Candidate) -> tuple[Any, ...]:
    return (-round(candidate.score, 6), candidate.start, str(candidate.instructor_id), str(candidate.aircraft_id))


def _with_weather(candidate: Candidate, places: list[str], weather: Mapping[str, StationWeather],
                  limits: Any, now: datetime, resources: _Resources) -> Candidate | None:
    """The candidate judged against the forecast: None when NO_GO, else rescored."""
    assessment = assess_lesson(places, weather, limits=limits, start=candidate.start, end=candidate.end,
                               now=now)
    if assessment.verdict is Verdict.NO_GO:
        return None
    if assessment.verdict is Verdict.UNKNOWN:
        expected = {"verdict": None, "summary": _unknown_summary(assessment.reasons)}
    else:
        worst = next((reason.text for reason in assessment.reasons), None)
        summary = ("forecast within the student's minimums" if assessment.verdict is Verdict.GO
                   else f"forecast close to the minimums: {worst}")
        expected = {"verdict": assessment.verdict.value, "summary": summary}
    score = candidate.score - WEATHER_POINTS[None] + WEATHER_POINTS.get(expected["verdict"], 0.0)
    updated = Candidate(candidate.start, candidate.end, candidate.instructor_id, candidate.aircraft_id,
                        expected, score, "", candidate.same_instructor, candidate.same_aircraft,
                        candidate.soft_conflict)
    instructor = next((i for i in resources.instructors if i.id == candidate.instructor_id), None)
    aircraft = next(a for a in resources.aircraft if a.id == candidate.aircraft_id)
    return _justified(updated, resources, instructor, aircraft)


def _unknown_summary(reasons: Sequence[Any]) -> str:
    """Beyond the TAF: "no forecast yet"; missing, stale or unreadable weather says so."""
    unknown = [reason for reason in reasons if reason.effect is Verdict.UNKNOWN]
    if unknown and all(reason.code is ReasonCode.BEYOND_FORECAST for reason in unknown):
        return NO_FORECAST
    first = unknown[0].text if unknown else "no report"
    return f"{WEATHER_UNKNOWN}: {first[:160]}"


def _justified(candidate: Candidate, resources: _Resources, instructor: Instructor | None,
               aircraft: Aircraft) -> Candidate:
    local = candidate.start.astimezone(resources.zone)
    when = f"{local:%a %d %b} at {local:%H:%M}"
    if instructor is None:
        who = "solo"
    elif candidate.same_instructor:
        who = f"with the same instructor ({instructor.name})"
    else:
        who = f"with {instructor.name}"
    plane = (f"the same aircraft ({aircraft.tail_number})" if candidate.same_aircraft
             else f"{aircraft.tail_number}, the same model")
    verdict = candidate.expected_weather.get("verdict")
    summary = str(candidate.expected_weather.get("summary") or NO_FORECAST)
    weather = ("a forecast of GO" if verdict == Verdict.GO.value
               else "a marginal forecast" if verdict == Verdict.MARGINAL.value
               else "no forecast yet" if summary == NO_FORECAST
               else "the weather not known yet")
    sentence = f"{when} {who} in {plane}, with {weather}."
    return Candidate(candidate.start, candidate.end, candidate.instructor_id, candidate.aircraft_id,
                     candidate.expected_weather, candidate.score, sentence, candidate.same_instructor,
                     candidate.same_aircraft, candidate.soft_conflict)


__all__ = ["Candidate", "SearchResult", "find_candidates", "NO_FORECAST", "WEATHER_UNKNOWN", "DEFAULT_MIN_NOTICE"]
