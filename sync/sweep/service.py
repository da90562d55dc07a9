"""One sweep: every upcoming lesson judged on its own window, each decision committed on its own.

The shape follows from two constraints. Weather is fetched once, before any lesson is written
(``gather_weather``: one batched request per product per 400 stations), because a transaction that
writes a synced row holds the sync counter's lock until it commits (``sync.database.server_seq``)
and must never wait on the network. And each lesson whose status changes is decided in its own
short transaction — its row locked, its status re-read, its WeatherCheck, status change, audit
event, reschedule request and mails written together — so a sweep killed at any point leaves every
lesson either decided or untouched, and a second sweep running at once finds the lesson already
decided and skips it. Lessons the weather leaves as they are (most of them) only gain a check;
theirs are stored in one transaction per batch (see ``_store_quiet``), since a commit per lesson
would cost more than the whole judgement.
Mails cannot be sent twice because their outbox rows carry a unique key and are written in the
decision's transaction; requests cannot be doubled because ``open_key`` is unique.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from sync.aircraft.models import Aircraft
from sync.audit import service as audit_service
from sync.flights.models import Flight, FlightStatus, WeatherCheck
from sync.people.models import Student
from sync.reschedule import ai as reschedule_ai
from sync.reschedule import service as reschedule_service
from sync.schools.models import School
from sync.sweep.models import SweepRun
from sync.weather.check import (LessonToCheck, judge_with_weather, lesson_to_check, load_lesson,
                                pilot_limits)
from sync.weather.judge import PilotLimits
from sync.weather.sources import WeatherSource
from sync.weather.station_weather import StationWeather, gather_weather
from sync.weather.verdicts import Verdict

logger = logging.getLogger(__name__)

DEFAULT_HORIZON = timedelta(hours=48)
SWEPT_STATUSES = (FlightStatus.SCHEDULED, FlightStatus.AT_RISK)
ACTOR = "sweep"
# PostgreSQL's deadlock and serialization failures: the lesson's transaction is simply retried.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
ATTEMPTS_PER_LESSON = 3
# Problems a whole product shares (the source is down) are reported once, not per station.
SOURCE_PROBLEM_PREFIXES = ("METAR source:", "TAF source:")
# Lessons judged together; those the weather leaves as they are share one transaction.
QUIET_BATCH = 200
MAX_REPORTED_PROBLEMS = 20

SessionFactory = Callable[[], Session]


class Action(StrEnum):
    CANCELLED = "cancelled"  # NO_GO inside the decision window: WEATHER_CANCELLED + request + mails
    AT_RISK = "at_risk"  # NO_GO further out
    CLEARED = "cleared"  # AT_RISK back to SCHEDULED
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"  # decided meanwhile (another sweep, the front desk) or no longer upcoming


@dataclass(frozen=True, slots=True)
class _Planned:
    """A lesson as read at the start of the sweep; ``version`` tells whether it changed since."""

    lesson: LessonToCheck
    status: FlightStatus
    version: int
    decision_window: timedelta


@dataclass
class _Figures:
    """What a sweep did, for the whole run or for one school."""

    lessons: int = 0
    not_reached: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    actions: Counter[str] = field(default_factory=Counter)
    error_count: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "lessons": self.lessons,
            "not_reached": self.not_reached,
            "verdicts": {verdict.value: self.verdicts[verdict.value] for verdict in Verdict},
            "actions": {action.value: self.actions[action.value] for action in Action},
            "errors": self.error_count,
        }


@dataclass
class _Tally(_Figures):
    """The run's figures, and each school's own: a school is shown only its own
    (``SweepRun.school_counts``), never how many lessons other schools have."""

    errors: list[dict[str, Any]] = field(default_factory=list)
    schools: dict[uuid.UUID, _Figures] = field(default_factory=dict)

    def count(self, item: _Planned, *, verdict: Verdict | str | None = None,
              action: Action | None = None, lesson: bool = False, error: bool = False) -> None:
        school = self.schools.setdefault(item.lesson.school_id, _Figures())
        for figures in (self, school):
            figures.lessons += 1 if lesson else 0
            figures.error_count += 1 if error else 0
            if verdict is not None:
                figures.verdicts[Verdict(verdict).value] += 1
            if action is not None:
                figures.actions[action.value] += 1

    def not_reaching(self, items: Iterable[_Planned]) -> None:
        for item in items:
            self.not_reached += 1
            self.schools.setdefault(item.lesson.school_id, _Figures()).not_reached += 1

    def counts(self, *, stations: int, seconds: float) -> dict[str, Any]:
        return self.as_json() | {"stations": stations, "errors": len(self.errors),
                                 "duration_seconds": round(seconds, 3)}

    def school_counts(self) -> dict[str, Any]:
        return {str(school_id): figures.as_json() for school_id, figures in self.schools.items()}


def run_sweep(
    *,
    session_factory: SessionFactory,
    source: WeatherSource,
    now: datetime,
    horizon: timedelta = DEFAULT_HORIZON,
    should_stop: Callable[[], bool] | None = None,
) -> SweepRun:
    """Judge every SCHEDULED or AT_RISK lesson starting within ``horizon`` of ``now`` and act.

    Returns the finished SweepRun (detached). One lesson's failure is recorded in its ``errors``
    and the sweep goes on; only a failure to read the lessons at all ends it early (still
    recorded, then raised). ``should_stop`` (the server shutting down) is asked between batches
    of ``QUIET_BATCH`` lessons; those not reached are counted as ``not_reached`` and wait for the
    next sweep.
    """
    started = time.perf_counter()
    run = _start_run(session_factory, now)
    tally = _Tally()
    stations: list[str] = []
    try:
        planned = _load_lessons(session_factory, now=now, horizon=horizon)
        stations = sorted({place for item in planned for place in item.lesson.places})
        weather = gather_weather(source, stations, now=now)
        tally.errors.extend(_source_problems(weather.values()))
        for position in range(0, len(planned), QUIET_BATCH):
            if should_stop is not None and should_stop():
                tally.not_reaching(planned[position:])
                break
            chunk = planned[position:position + QUIET_BATCH]
            for item in _store_quiet(session_factory, chunk, weather=weather, now=now, tally=tally):
                _sweep_lesson(session_factory, item, weather=weather, now=now,
                              horizon=horizon, tally=tally)
    except Exception as exc:
        tally.errors.append({"flight_id": None, "station": None,
                             "message": f"the sweep stopped: {type(exc).__name__}: {exc}"})
        _finish_run(session_factory, run, tally, stations=len(stations), now=now, started=started)
        raise
    return _finish_run(session_factory, run, tally, stations=len(stations), now=now, started=started)


# -- the lessons -------------------------------------------------------------------------------


def _load_lessons(session_factory: SessionFactory, *, now: datetime, horizon: timedelta) -> list[_Planned]:
    """Every lesson in the horizon with its student, aircraft and school, in four queries.

    Soonest first, so that a sweep cut short has decided the most urgent lessons. The lessons are
    read as plain rows (the columns the judgement needs), their students, aircraft and schools
    once each: hydrating ORM objects per lesson cost more than judging it.
    """
    # A lesson whose aircraft is checked out is under way: the weather is the pilot's to judge.
    in_horizon = (Flight.status.in_(SWEPT_STATUSES), Flight.deleted_at.is_(None),
                  Flight.checked_out_at.is_(None),
                  Flight.start_at > now, Flight.start_at <= now + horizon)
    with session_factory() as db:
        lessons = db.execute(
            select(Flight.id, Flight.school_id, Flight.student_id, Flight.aircraft_id,
                   Flight.start_at, Flight.end_at, Flight.departure, Flight.destination,
                   Flight.route_points, Flight.status, Flight.version)
            .where(*in_horizon).order_by(Flight.start_at, Flight.id)
        ).all()
        students = _by_id(db, Student, select(Flight.student_id).where(*in_horizon))
        aircraft = _by_id(db, Aircraft, select(Flight.aircraft_id).where(*in_horizon))
        schools = _by_id(db, School, select(Flight.school_id).where(*in_horizon))
        limits: dict[tuple[uuid.UUID, int | None], PilotLimits] = {}
        planned = []
        for row in lessons:
            school, student, plane = (schools[row.school_id], students[row.student_id],
                                      aircraft[row.aircraft_id])
            key = (student.id, plane.max_crosswind_kt)
            if key not in limits:
                limits[key] = pilot_limits(school=school, student=student, aircraft=plane)
            planned.append(_Planned(
                # The row has the Flight attributes lesson_to_check reads.
                lesson=lesson_to_check(flight=row, school=school, student=student, aircraft=plane,
                                       limits=limits[key]),
                status=FlightStatus(row.status),
                version=row.version,
                decision_window=timedelta(hours=school.decision_window_hours),
            ))
        return planned


def _by_id(db: Session, model: type, ids: Any) -> dict[uuid.UUID, Any]:
    return {row.id: row for row in db.scalars(select(model).where(model.id.in_(ids)))}


def _store_quiet(
    session_factory: SessionFactory,
    chunk: list[_Planned],
    *,
    weather: dict[str, StationWeather],
    now: datetime,
    tally: _Tally,
) -> list[_Planned]:
    """Store, in one transaction, the checks of the lessons whose status the weather leaves as
    it is; return the others (a status to change, or a lesson changed since it was read), which
    are decided one transaction each.

    Why: most lessons of a sweep change nothing but gain a WeatherCheck, and a commit per lesson
    (an fsync on SQLite) would cost more than judging them. Nothing is half-decided this way: a
    quiet lesson's whole decision is its one check, and a batch that fails or is killed leaves all
    its lessons untouched for the next sweep. The rows are locked first, in id order, before the
    first write takes the sync counter's lock, so batches and single lessons of two sweeps at once
    always take their locks in the same order.
    """
    checks: dict[uuid.UUID, WeatherCheck] = {}
    loud: list[_Planned] = []
    for item in chunk:
        try:
            check = judge_with_weather(item.lesson, weather, now=now)
        except Exception:  # judged again on its own, where its error is recorded
            loud.append(item)
            continue
        if _quiet(item, Verdict(check.verdict), now=now):
            checks[item.lesson.flight_id] = check
        else:
            loud.append(item)
    if not checks:
        return loud
    by_id = {item.lesson.flight_id: item for item in chunk}
    try:
        with session_factory() as db, db.begin():
            current = db.execute(
                select(Flight.id, Flight.status, Flight.version, Flight.deleted_at)
                .where(Flight.id.in_(list(checks))).order_by(Flight.id).with_for_update()
            ).all()
            stored: list[tuple[_Planned, str]] = []
            for flight_id, status, version, deleted_at in current:
                item = by_id[flight_id]
                if deleted_at is None and status is item.status and version == item.version:
                    check = checks.pop(flight_id)
                    db.add(check)
                    stored.append((item, check.verdict))
            unchanged_loud = [by_id[flight_id] for flight_id in checks]  # changed meanwhile
    except Exception:  # every lesson of the batch gets its own transaction (and error) instead
        logger.exception("sweep: a batch of unchanged lessons failed; deciding them one by one")
        return list(chunk)
    for item, verdict in stored:
        tally.count(item, lesson=True, verdict=verdict, action=Action.UNCHANGED)
    return loud + unchanged_loud


def _quiet(item: _Planned, verdict: Verdict, *, now: datetime) -> bool:
    """Whether the verdict leaves the lesson's status as read (see ``_apply``)."""
    if verdict is Verdict.UNKNOWN:
        return True
    if verdict is Verdict.NO_GO:
        return (item.status is FlightStatus.AT_RISK
                and item.lesson.start - now > item.decision_window)
    return item.status is FlightStatus.SCHEDULED


def _sweep_lesson(
    session_factory: SessionFactory,
    item: _Planned,
    *,
    weather: dict[str, StationWeather],
    now: datetime,
    horizon: timedelta,
    tally: _Tally,
) -> None:
    tally.count(item, lesson=True)
    plan = _options_before_deciding(session_factory, item, weather=weather, now=now)
    for attempt in range(1, ATTEMPTS_PER_LESSON + 1):
        try:
            with session_factory() as db, db.begin():
                verdict, action = _decide(db, item, weather=weather, now=now,
                                          horizon=horizon, plan=plan)
        except DBAPIError as exc:
            if _retryable(exc) and attempt < ATTEMPTS_PER_LESSON:
                continue
            _record_error(tally, item, exc)
            return
        except Exception as exc:  # one lesson's failure must not cost the others their sweep
            _record_error(tally, item, exc)
            return
        tally.count(item, verdict=verdict, action=action)
        return


def _options_before_deciding(
    session_factory: SessionFactory, item: _Planned, *, weather: dict[str, StationWeather],
    now: datetime,
) -> reschedule_service.OptionPlan | None:
    """A lesson about to be cancelled, with a model configured: its options are chosen before the
    lesson's write transaction, because the model may take many seconds and that transaction holds
    the row lock (on SQLite: the database's write lock). ``open_request`` re-checks them inside it.
    None otherwise: the deterministic search alone is quick enough to run under the lock."""
    config = reschedule_ai.AiConfig.from_environment()
    if config is None:
        return None
    try:
        verdict = Verdict(judge_with_weather(item.lesson, weather, now=now).verdict)
    except Exception:  # judged again inside the transaction, where the error is recorded
        return None
    if verdict is not Verdict.NO_GO or item.lesson.start - now > item.decision_window:
        return None
    try:
        with session_factory() as db:
            flight = db.get(Flight, item.lesson.flight_id)
            if flight is None or flight.is_deleted or flight.status not in SWEPT_STATUSES:
                return None
            # The search reads under the lock; ``rollback`` ends that before the model is asked.
            return reschedule_service.plan_options(db=db, flight=flight, now=now, weather=weather,
                                                   ai_config=config, release=db.rollback)
    except Exception:  # the transaction will search (and ask) itself, as before
        logger.exception("sweep: choosing options before deciding failed; choosing them inside")
        return None


def _decide(
    db: Session,
    item: _Planned,
    *,
    weather: dict[str, StationWeather],
    now: datetime,
    horizon: timedelta,
    plan: reschedule_service.OptionPlan | None = None,
) -> tuple[Verdict | None, Action]:
    """Everything about one lesson, in ``db``'s transaction: lock, re-read, judge, store, act."""
    lesson = item.lesson
    # The row lock (FOR UPDATE on PostgreSQL; SQLite writers hold the database lock from BEGIN)
    # makes a second sweep wait here, then see the status this one committed.
    flight = db.scalars(select(Flight).where(Flight.id == lesson.flight_id).with_for_update()).one_or_none()
    if (flight is None or flight.is_deleted or flight.status not in SWEPT_STATUSES
            or flight.checked_out_at is not None):
        return None, Action.SKIPPED
    decision_window = item.decision_window
    if flight.version != item.version:
        # Changed since the sweep read it (moved, another aircraft or student): judge it as it is
        # now. A place added meanwhile has no weather in this sweep and is judged UNKNOWN.
        if not now < flight.start_at <= now + horizon:
            return None, Action.SKIPPED
        lesson = load_lesson(db=db, school_id=flight.school_id, flight_id=flight.id)
        school = db.get(School, flight.school_id)
        decision_window = timedelta(hours=school.decision_window_hours)

    check = judge_with_weather(lesson, weather, now=now)
    check.id = uuid.uuid4()  # known before the flush: the request refers to it
    db.add(check)
    return check.verdict, _apply(db, flight, check, decision_window=decision_window,
                                 weather=weather, now=now, plan=plan)


def _apply(
    db: Session, flight: Flight, check: WeatherCheck, *, decision_window: timedelta,
    weather: dict[str, StationWeather], now: datetime,
    plan: reschedule_service.OptionPlan | None = None,
) -> Action:
    verdict = Verdict(check.verdict)
    if verdict is Verdict.NO_GO:
        if flight.start_at - now <= decision_window:
            before = audit_service.snapshot(flight)
            flight.status = FlightStatus.WEATHER_CANCELLED
            # Nothing is flushed until the request is: the option search runs before this
            # transaction takes the sync counter's lock, which every writer of the service queues
            # on. A model, when configured, has answered before the transaction (``plan``); its
            # choice is re-checked here. The options are judged on the sweep's weather.
            with db.no_autoflush:
                reschedule_service.open_request(db=db, flight=flight, now=now, weather=weather,
                                                weather_check=check, actor=ACTOR, plan=plan)
            audit_service.record(db=db, school_id=flight.school_id, actor=ACTOR,
                                 action="weather_cancel", row=flight, before=before)
            return Action.CANCELLED
        if flight.status is FlightStatus.SCHEDULED:
            _change_status(db, flight, FlightStatus.AT_RISK, action="weather_at_risk")
            return Action.AT_RISK
        return Action.UNCHANGED
    if verdict in (Verdict.GO, Verdict.MARGINAL) and flight.status is FlightStatus.AT_RISK:
        _change_status(db, flight, FlightStatus.SCHEDULED, action="weather_cleared")
        return Action.CLEARED
    return Action.UNCHANGED  # UNKNOWN changes nothing: the next sweep looks again


def _change_status(db: Session, flight: Flight, status: FlightStatus, *, action: str) -> None:
    before = audit_service.snapshot(flight)
    flight.status = status
    audit_service.record(db=db, school_id=flight.school_id, actor=ACTOR, action=action, row=flight,
                         before=before)


# -- the run record ----------------------------------------------------------------------------


def _start_run(session_factory: SessionFactory, now: datetime) -> SweepRun:
    with session_factory() as db, db.begin():
        run = SweepRun(id=uuid.uuid4(), started_at=now, counts={}, errors=[])
        db.add(run)
    return run


def _finish_run(
    session_factory: SessionFactory, run: SweepRun, tally: _Tally, *, stations: int, now: datetime,
    started: float,
) -> SweepRun:
    elapsed = time.perf_counter() - started
    with session_factory() as db, db.begin():
        stored = db.get(SweepRun, run.id)
        # The sweep's own clock (``--now`` replays), advanced by the time the sweep took.
        stored.finished_at = now + timedelta(seconds=elapsed)
        stored.counts = tally.counts(stations=stations, seconds=elapsed)
        stored.school_counts = tally.school_counts()
        stored.errors = list(tally.errors)
    return stored


def _source_problems(stations: Iterable[StationWeather]) -> list[dict[str, Any]]:
    """A source that is down: said once in the run's errors (every lesson's check says it too)."""
    found: dict[str, None] = {}
    for station in stations:
        for problem in station.problems:
            if problem.startswith(SOURCE_PROBLEM_PREFIXES):
                found.setdefault(problem)
    return [{"flight_id": None, "station": None, "message": problem}
            for problem in list(found)[:MAX_REPORTED_PROBLEMS]]


def _record_error(tally: _Tally, item: _Planned, exc: Exception) -> None:
    logger.exception("sweep: lesson %s failed", item.lesson.flight_id, exc_info=exc)
    tally.count(item, error=True)
    tally.errors.append({"flight_id": str(item.lesson.flight_id), "station": None,
                         "message": f"{type(exc).__name__}: {exc}"[:500]})


def _retryable(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) in RETRYABLE_SQLSTATES
