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
import uuid
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from sync.aircraft.models import Aircraft
from sync.flights.models import RELEASED_STATUSES, Flight, FlightType
from sync.people.models import Instructor, InstructorRating, Student
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
# No lesson is booked for longer than the school allows (``School.max_lesson_hours``): how far
# before the horizon a booking that still reaches into it can start. This one is the floor for a
# school whose limit is shorter (lessons booked before the limit existed may be up to 2 days).
LONGEST_LESSON = timedelta(days=2)

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
    # A slot starting just before ``latest`` runs on past it: load what it could meet.
    resources = _load(db, flight, school, earliest, latest + length)

    places = lesson_places(flight)
    limits = pilot_limits(school=school, student=resources.student,
                          aircraft=db.get(Aircraft, flight.aircraft_id))
    daylight = Daylight(flight.departure, resources.zone) if not resources.student.night_trained else None

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
        instructor, soft_i = _first_free(
            resources.instructors, start, end, resources, lambda i: instructor_windows[i.id])
        if flight.flight_type is not FlightType.SOLO and instructor is None:
            continue
        aircraft, soft_a = _first_free(resources.aircraft, start, end, resources, None)
        if aircraft is None:
            continue
        raw.append(_candidate(flight, resources, start, end, instructor, aircraft,
                              soft_i or soft_a or _overlaps(resources.soft_busy.get(flight.student_id, []),
                                                            start, end)))

    raw.sort(key=_order)
    chosen: list[Candidate] = []
    for candidate in raw:
        if len(chosen) >= pool:
            break
        if any(candidate.start < other.end and other.start < candidate.end for other in chosen):
            continue  # the options of one request are alternatives, not neighbours half an hour apart
        candidate = _with_weather(candidate, places, weather, limits, now, resources)
        if candidate is None:
            continue  # forecast NO_GO: never offered
        chosen.append(candidate)
    chosen.sort(key=_order)

    names = {i.id: i.name for i in resources.instructors} | {a.id: a.tail_number for a in resources.aircraft}
    reason = None
    if len(chosen) < (school.reschedule_option_count or 3):
        reason = (f"only {len(chosen)} feasible slot{'s' if len(chosen) != 1 else ''} in the next "
                  f"{horizon.days} days (checked {considered} start times inside school hours, at least "
                  f"{int(min_notice.total_seconds() // 3600)} h from now)")
    return SearchResult(chosen, considered, reason, names)


# -- loading ---------------------------------------------------------------------------------


def _load(db: Session, flight: Flight, school: School, earliest: datetime, latest: datetime) -> _Resources:
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
    # One query for every booking that reaches into the horizon: the columns only, read raw.
    rows = _raw_rows(db, (Flight.student_id, Flight.instructor_id, Flight.aircraft_id),
                     (Flight.start_at, Flight.end_at), select_from=Flight, where=(
        Flight.school_id == school.id,
        # Bounded on both sides so the (school_id, start_at) index reads only the horizon.
        Flight.start_at < latest,
        Flight.start_at > earliest - longest_lesson(school),
        Flight.end_at > earliest,
        Flight.status.not_in(RELEASED_STATUSES),
        Flight.deleted_at.is_(None),
        Flight.id != flight.id,
    ), wanted=wanted)
    # Bookings longer than the school allows today (booked before the limit, or before it was
    # lowered) that are still running: few, found through the (school_id, end_at) index.
    rows += _raw_rows(db, (Flight.student_id, Flight.instructor_id, Flight.aircraft_id),
                      (Flight.start_at, Flight.end_at), select_from=Flight, where=(
        Flight.school_id == school.id,
        Flight.end_at > earliest,
        Flight.start_at <= earliest - longest_lesson(school),
        Flight.status.not_in(RELEASED_STATUSES),
        Flight.deleted_at.is_(None),
        Flight.id != flight.id,
    ), wanted=wanted)
    for holders, start, end in rows:
        for holder in holders:
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
            soft_busy[holder].append((start, end))
    soft_busy = defaultdict(list, {holder: _merged(intervals) for holder, intervals in soft_busy.items()})

    zone = ZoneInfo(school.timezone)
    usual: Counter[int] = Counter()
    history = db.scalars(select(Flight.start_at).where(
        Flight.student_id == flight.student_id, Flight.deleted_at.is_(None), Flight.id != flight.id,
    ).order_by(Flight.start_at.desc()).limit(50))
    for start in history:
        usual[start.astimezone(zone).hour] += 1
    return _Resources(school, zone, student, instructors, aircraft, busy, soft_busy, usual)


# -- rules -----------------------------------------------------------------------------------


def _raw_rows(db: Session, id_columns: tuple[Any, ...], time_columns: tuple[Any, Any], *,
              select_from: Any, where: tuple[Any, ...], wanted: set[uuid.UUID],
              joins: tuple[tuple[Any, Any], ...] = ()) -> list[tuple[list[uuid.UUID], datetime, datetime]]:
    """Rows as (the ``wanted`` ids among ``id_columns``, start, end), without per-value ORM typing.

    Hundreds of rows per search: on SQLite, turning each stored text into a UUID and a datetime
    through the column types costs more than the whole search, so the raw text is read and only
    the ids that matter are mapped back (by their stored hex form), the times by ``fromisoformat``.
    PostgreSQL's driver returns native values already.
    """
    sqlite = db.get_bind().dialect.name == "sqlite"
    columns = [type_coerce(c, String) if sqlite else c for c in (*id_columns, *time_columns)]
    query = select(*columns).select_from(select_from)
    for target, on in joins:
        query = query.join(target, on)
    query = query.where(*where)
    found = []
    count = len(id_columns)
    if sqlite:
        by_hex = {value.hex: value for value in wanted}
        for row in db.execute(query):
            holders = [by_hex[value] for value in row[:count] if value in by_hex]
            if holders:
                found.append((holders, datetime.fromisoformat(row[count]).replace(tzinfo=UTC),
                              datetime.fromisoformat(row[count + 1]).replace(tzinfo=UTC)))
    else:
        for row in db.execute(query):
            holders = [value for value in row[:count] if value in wanted]
            if holders:
                found.append((holders, row[count].astimezone(UTC), row[count + 1].astimezone(UTC)))
    return found


def longest_lesson(school: School) -> timedelta:
    """How long a booking can be: the school's limit, and never less than two days (lessons booked
    before the limit existed). Bookings reaching into the horizon start no earlier than this."""
    return max(LONGEST_LESSON, timedelta(hours=school.max_lesson_hours or 0))


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
                availability: Any) -> tuple[Any | None, bool]:
    """The first row (preference order) free then: a soft-free one if any, else a merely free one."""
    fallback = None
    for row in rows:
        if availability is not None and not availability(row).covers(start, end):
            continue
        if _overlaps(resources.busy.get(row.id, []), start, end):
            continue
        if not _overlaps(resources.soft_busy.get(row.id, []), start, end):
            return row, False
        if fallback is None:
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
