"""The rescheduling workflow: open a request with options, the student's pick, the confirmation.

PENDING_STUDENT → (the student picks, or a dispatcher for them) PENDING_INSTRUCTOR → (the lesson's
instructor or a dispatcher confirms) ACCEPTED, the new lesson booked and the old one RESCHEDULED;
or REJECTED (the dispatcher reschedules by hand), or EXPIRED (nobody acted in time). Every step
runs in the caller's transaction, writes its mail into the outbox in that same transaction, and
re-checks the chosen slot under the booking lock, as a booking is judged: a slot that can no
longer be booked is a ``Conflict`` — ``SLOT_TAKEN`` (someone booked it), ``SLOT_UNAVAILABLE`` (it
now breaks a rule of the school's booking policy that blocks or warns: a student cannot
acknowledge a warning), ``SLOT_WEATHER`` (forecast NO_GO) — whose ``conflict`` carries a fresh
search's options.

Every step that proposes or re-checks a slot takes ``weather``: the decoded reports of the lesson's
places, fetched once per request through the same batched source as the sweep
(``lesson_weather``), or the sweep's own. There is no way to search without it.

``actor`` is the signed-in ``Account`` or a string naming a system actor ("sweep", "student-link").
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sync.aircraft.models import Aircraft
from sync.audit import service as audit_service
from sync.audit.models import AuditEvent
from sync.auth.models import Account, AccountRole
from sync.errors import Conflict, Forbidden, InvalidInput, NotFound
from sync.flights import service as flights_service
from sync.flights.models import Flight, FlightStatus, WeatherCheck
from sync.flights.schemas import FlightCreate
from sync.notify import mails
from sync.people.models import Instructor, Student
from sync.policy import service as policy_service
from sync.reschedule import ai, search
from sync.reschedule.models import (
    OPEN_STATES,
    ProducedBy,
    RescheduleOption,
    RescheduleRequest,
    RescheduleState,
)
from sync.schools.models import School
from sync.weather.check import lesson_places, pilot_limits
from sync.weather.lesson import assess_lesson
from sync.weather.sources import WeatherSource
from sync.weather.station_weather import StationWeather, gather_weather
from sync.weather.verdicts import Verdict

Actor = Account | str

# Lessons a request may be opened for: cancelled by weather, or forecast NO_GO further out.
RESCHEDULABLE = frozenset({FlightStatus.WEATHER_CANCELLED, FlightStatus.AT_RISK})
DEFAULT_OPTION_COUNT = 3
SUPERSEDED_REASON = "superseded by a fresh search"
STUDENT_LINK_ACTOR = "student-link"


# -- reading ---------------------------------------------------------------------------------


def get(*, db: Session, school_id: uuid.UUID, request_id: uuid.UUID) -> RescheduleRequest:
    request = db.get(RescheduleRequest, request_id)
    if request is None or request.school_id != school_id or request.is_deleted:
        raise NotFound(f"there is no reschedule request {request_id}", field="id",
                       rule="RESCHEDULE_NOT_FOUND")
    return request


def list_requests(*, db: Session, school_id: uuid.UUID, state: RescheduleState | None = None,
                  limit: int = 200) -> list[RescheduleRequest]:
    query = select(RescheduleRequest).where(RescheduleRequest.school_id == school_id,
                                            RescheduleRequest.deleted_at.is_(None))
    if state is not None:
        query = query.where(RescheduleRequest.state == state)
    return list(db.scalars(query.order_by(RescheduleRequest.detected_at.desc()).limit(limit)))


def open_request_for(*, db: Session, flight_id: uuid.UUID) -> RescheduleRequest | None:
    return db.scalar(select(RescheduleRequest).where(RescheduleRequest.open_key == flight_id))


# What each audited step is called in a request's history, and how its detail reads.
_HISTORY_ACTIONS = {
    "reschedule_open": "opened",
    "reschedule_select": "picked",
    "reschedule_confirm": "confirmed",
    "reschedule_reject": "rejected",
    "reschedule_supersede": "superseded",
    "reschedule_expire": "expired",
}


def history(*, db: Session, requests: Iterable[RescheduleRequest]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Who acted when, per request, oldest first, from the audit trail (one query for all)."""
    by_id = {request.id: request for request in requests}
    found: dict[uuid.UUID, list[dict[str, Any]]] = {request_id: [] for request_id in by_id}
    if not by_id:
        return found
    events = list(db.scalars(
        select(AuditEvent)
        .where(AuditEvent.table_name == RescheduleRequest.__tablename__,
               AuditEvent.row_id.in_(list(by_id)),
               AuditEvent.action.in_(list(_HISTORY_ACTIONS)))
        .order_by(AuditEvent.at)
    ))
    names = _actor_names(db, {event.actor_account_id for event in events} - {None})
    for event in events:
        found[event.row_id].append({
            "at": event.at,
            "actor": names.get(event.actor_account_id) or _system_actor(event.actor),
            "action": _HISTORY_ACTIONS[event.action],
            "detail": _history_detail(event),
        })
    return found


def _actor_names(db: Session, account_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not account_ids:
        return {}
    names = {account.id: account.email for account in
             db.scalars(select(Account).where(Account.id.in_(list(account_ids))))}
    for instructor in db.scalars(select(Instructor).where(Instructor.account_id.in_(list(account_ids)))):
        names[instructor.account_id] = f"{instructor.name} ({names.get(instructor.account_id, instructor.email)})"
    return names


def _system_actor(actor: str) -> str:
    return {STUDENT_LINK_ACTOR: "student (via e-mail link)"}.get(actor, actor)


def _history_detail(event: AuditEvent) -> str:
    after = event.after or {}
    if event.action == "reschedule_open":
        count = after.get("options")
        detail = f"{count} option{'s' if count != 1 else ''}" if count is not None else "options"
        detail += " chosen by the AI model" if after.get("produced_by") == "ai" else " by the school's ranking"
        if after.get("replaces"):
            detail += ", a fresh search replacing the earlier request"
        if after.get("fewer_options_reason"):
            detail += f" ({after['fewer_options_reason']})"
        return detail
    if event.action == "reschedule_select":
        return f"option {after.get('selected_rank')} chosen"
    if event.action == "reschedule_confirm":
        return f"option {after.get('selected_rank')} booked"
    if event.action in ("reschedule_reject", "reschedule_supersede"):
        return after.get("reason") or "no reason given"
    if event.action == "reschedule_expire":
        return "nobody answered in time"
    return ""


# -- opening ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OptionPlan:
    """Options chosen before the write transaction, because the model may take many seconds.

    ``open_request`` runs the deterministic search again inside its transaction and keeps the
    plan only if every planned slot is still among the free candidates (same instructor too).
    """

    flight_id: uuid.UUID
    choice: ai.Choice
    weather: Mapping[str, StationWeather]


def _resolved_config(ai_config: ai.AiConfig | None | bool) -> ai.AiConfig | None:
    """``ai_config`` as given to ``open_request``: True reads it from the environment; None or
    False never asks a model."""
    return ai.AiConfig.from_environment() if ai_config is True else (ai_config or None)


def lesson_weather(*, source: WeatherSource, flight: Flight, now: datetime,
                   release: Callable[[], None] | None = None) -> dict[str, StationWeather]:
    """The latest reports for every place ``flight`` goes: one batched request per product.

    ``release()`` is called between reading the lesson and asking the network (end the caller's
    transaction: the network must never hold the database's lock). A source that fails leaves its
    stations with problems, so their slots are judged UNKNOWN, never GO."""
    places = lesson_places(flight)
    if release is not None:
        release()
    return gather_weather(source, places, now=now)


def plan_options(*, db: Session, flight: Flight, now: datetime,
                 weather: Mapping[str, StationWeather],
                 ai_config: ai.AiConfig | None | bool = True,
                 release: Callable[[], None] | None = None) -> OptionPlan | None:
    """When a model is configured: search, call ``release()`` (end the caller's transaction, so no
    lock is held while the model thinks), then ask the model. None when no model is configured:
    ``open_request`` then does everything in its own transaction (the search alone is quick)."""
    config = _resolved_config(ai_config)
    if config is None:
        return None
    school = db.get(School, flight.school_id)
    count = school.reschedule_option_count or DEFAULT_OPTION_COUNT
    found = search.find_candidates(db=db, flight=flight, now=now, weather=weather)
    context = _lesson_context(flight, school)
    if release is not None:
        release()
    choice = ai.choose(found.candidates, count=count, config=config, context=context)
    return OptionPlan(flight_id=flight.id, choice=choice, weather=weather)


def _still_free(plan: OptionPlan, found: search.SearchResult, count: int) -> ai.Choice:
    """The plan's choice if the fresh search still offers every planned slot; else its top ``count``."""
    fresh = {candidate.key: candidate for candidate in found.candidates}
    planned = plan.choice.options
    if (len(planned) >= min(count, len(found.candidates))
            and all(c.key in fresh and fresh[c.key].instructor_id == c.instructor_id for c in planned)):
        return plan.choice
    return ai.Choice(list(found.candidates[:count]), ProducedBy.DETERMINISTIC,
                     "the slots chosen before booking were no longer all free: the fresh ranking's "
                     f"top {count} instead")


def open_request(
    *,
    db: Session,
    flight: Flight,
    now: datetime,
    weather: Mapping[str, StationWeather],
    weather_check: WeatherCheck | None = None,
    actor: Actor = "sweep",
    ai_config: ai.AiConfig | None | bool = True,
    plan: OptionPlan | None = None,
    replaces: RescheduleRequest | None = None,
) -> RescheduleRequest:
    """The lesson's open request, opened now with its options unless one is open already.

    ``weather``: station code → ``StationWeather`` for judging the candidate slots (what the sweep
    has gathered, or ``lesson_weather``); a slot forecast NO_GO is never offered.
    ``ai_config``: True reads it from the environment; None or False never asks a model.
    ``plan``: options chosen beforehand (``plan_options``), re-checked here against a fresh search.
    ``replaces``: the request this one supersedes (``search_again``): the student gets a new mail.
    """
    existing = open_request_for(db=db, flight_id=flight.id)
    if existing is not None:
        return existing
    if FlightStatus(flight.status) not in RESCHEDULABLE:
        raise Conflict(
            f"the lesson is {FlightStatus(flight.status).value}; only a weather-cancelled or at-risk "
            "lesson is rescheduled this way (change others with PATCH /flights/{id})",
            field="flight_id", rule="FLIGHT_NOT_RESCHEDULABLE",
        )
    school = db.get(School, flight.school_id)
    count = school.reschedule_option_count or DEFAULT_OPTION_COUNT
    if plan is not None and plan.flight_id == flight.id:
        # The model has already answered; only the quick deterministic re-check runs under the lock.
        found = search.find_candidates(db=db, flight=flight, now=now, weather=plan.weather)
        choice = _still_free(plan, found, count)
    else:
        found = search.find_candidates(db=db, flight=flight, now=now, weather=weather)
        choice = ai.choose(found.candidates, count=count, config=_resolved_config(ai_config),
                           context=_lesson_context(flight, school))

    earliest_option = min((c.start for c in choice.options), default=None)
    expires_at = now + timedelta(hours=school.reschedule_reply_hours)
    if earliest_option is not None:
        expires_at = min(expires_at, earliest_option)
    request = RescheduleRequest(
        school_id=flight.school_id, flight_id=flight.id, state=RescheduleState.PENDING_STUDENT,
        produced_by=choice.produced_by, weather_check_id=weather_check.id if weather_check else None,
        detected_at=now, expires_at=expires_at,
    )
    try:
        # A savepoint: losing the race to another sweep must not undo the caller's own work.
        with db.begin_nested():
            db.add(request)
            db.flush()
    except IntegrityError:
        winner = open_request_for(db=db, flight_id=flight.id)
        if winner is None:
            raise
        return winner
    for rank, candidate in enumerate(choice.options, start=1):
        db.add(RescheduleOption(
            school_id=flight.school_id, request_id=request.id, rank=rank, start_at=candidate.start,
            end_at=candidate.end, instructor_id=candidate.instructor_id,
            aircraft_id=candidate.aircraft_id, expected_weather=dict(candidate.expected_weather),
            justification=candidate.justification,
        ))
    db.flush()
    db.refresh(request, ["options"])
    event = audit_service.record(db=db, school_id=flight.school_id, actor=_actor_name(actor),
                                 action="reschedule_open", row=request, actor_account_id=_actor_id(actor))
    # Why there are fewer options than asked for, and why a model's answer was not used.
    event.after = dict(event.after or {}) | {
        "options": len(choice.options), "slots_considered": found.slots_considered,
        "fewer_options_reason": found.reason if len(choice.options) < count else None,
        "ai_note": choice.note, "replaces": str(replaces.id) if replaces is not None else None,
    }
    mails.send_weather_cancellation(db=db, flight=flight, request=request, now=now,
                                    fresh_search=replaces is not None)
    return request


def _lesson_context(flight: Flight, school: School) -> dict[str, Any]:
    return {"type": flight.flight_type.value, "timezone": school.timezone,
            "cancelled_start_at": flight.start_at.isoformat(), "length_minutes":
            int((flight.end_at - flight.start_at).total_seconds() // 60)}


# -- transitions -----------------------------------------------------------------------------


def select_option(*, db: Session, request_id: uuid.UUID, rank: int, now: datetime, actor: Actor,
                  weather: Mapping[str, StationWeather],
                  school_id: uuid.UUID | None = None) -> RescheduleRequest:
    """The student's pick (through their link, or a dispatcher on their behalf)."""
    request = _load(db, request_id, school_id)
    if not isinstance(actor, str) and AccountRole(actor.role) not in (AccountRole.ADMIN, AccountRole.DISPATCHER):
        raise Forbidden("only the student (through their link) or a dispatcher picks an option",
                        rule="NOT_ALLOWED_TO_SELECT")
    _require_state(request, RescheduleState.PENDING_STUDENT, now)
    option = _option(request, rank)
    _recheck(db, request, option, now, weather)
    before = audit_service.snapshot(request)
    request.state = RescheduleState.PENDING_INSTRUCTOR
    request.selected_rank = rank
    request.selected_at = now
    audit_service.record(db=db, school_id=request.school_id, actor=_actor_name(actor), action="reschedule_select",
                         row=request, before=before, actor_account_id=_actor_id(actor))
    mails.send_option_chosen(db=db, request=request, now=now)
    return request


def confirm(*, db: Session, request_id: uuid.UUID, now: datetime, actor: Actor,
            weather: Mapping[str, StationWeather],
            school_id: uuid.UUID | None = None) -> RescheduleRequest:
    """Book the chosen slot: the new lesson SCHEDULED, the old one RESCHEDULED, both mailed."""
    request = _load(db, request_id, school_id)
    old = db.get(Flight, request.flight_id)
    option = None
    if request.selected_rank is not None:
        option = _option(request, request.selected_rank)
    _require_may_confirm(db, actor, old, option)
    _require_state(request, RescheduleState.PENDING_INSTRUCTOR, now)
    assert option is not None  # PENDING_INSTRUCTOR always has a selection
    _recheck(db, request, option, now, weather)
    before = audit_service.snapshot(request)
    try:
        # One savepoint: a booking refused at the last moment leaves the old lesson as it was.
        with db.begin_nested():
            if FlightStatus(old.status) is not FlightStatus.RESCHEDULED:
                old_before = audit_service.snapshot(old)
                old.status = FlightStatus.RESCHEDULED
                audit_service.record(db=db, school_id=old.school_id, actor=_actor_name(actor),
                                     action="rescheduled", row=old, before=old_before,
                                     actor_account_id=_actor_id(actor))
            new = flights_service.create(
                # Permission was decided above (the instructor of the lesson or a dispatcher);
                # the booking itself is the workflow's, on their behalf.
                db=db, actor=_actor_name(actor), school_id=old.school_id, now=now,
                data=FlightCreate(
                    student_id=old.student_id, instructor_id=option.instructor_id,
                    aircraft_id=option.aircraft_id, start_at=option.start_at, end_at=option.end_at,
                    departure=old.departure, destination=old.destination,
                    route_points=[p for p in (old.route_points or ()) if isinstance(p, str)],
                    flight_type=old.flight_type,
                    notes=f"Rescheduled from the lesson of {_show(old.start_at)} (weather).",
                ),
            )
            new.rescheduled_from_id = old.id
            db.flush()
    except Conflict as exc:
        raise _taken(db, request, exc.message, now, weather) from None
    request.state = RescheduleState.ACCEPTED
    request.new_flight_id = new.id
    request.confirmed_at = now
    request.closed_at = now
    audit_service.record(db=db, school_id=request.school_id, actor=_actor_name(actor), action="reschedule_confirm",
                         row=request, before=before, actor_account_id=_actor_id(actor))
    mails.send_confirmation(db=db, request=request, old_flight=old, new_flight=new, now=now)
    return request


def reject(*, db: Session, request_id: uuid.UUID, now: datetime, actor: Actor, reason: str,
           school_id: uuid.UUID | None = None) -> RescheduleRequest:
    """Close the request: none of the options will do; the dispatcher reschedules by hand."""
    request = _load(db, request_id, school_id)
    if not isinstance(actor, str):
        old = db.get(Flight, request.flight_id)
        option = _option(request, request.selected_rank) if request.selected_rank else None
        _require_may_confirm(db, actor, old, option)
    if RescheduleState(request.state) not in OPEN_STATES:
        raise Conflict(f"the request is already {RescheduleState(request.state).value}",
                       field="state", rule="REQUEST_CLOSED")
    _close_rejected(db, request, now=now, actor=actor, action="reschedule_reject", reason=reason)
    return request


def _close_rejected(db: Session, request: RescheduleRequest, *, now: datetime, actor: Actor,
                    action: str, reason: str) -> None:
    """Close ``request`` as REJECTED, audited as ``action`` with the reason."""
    before = audit_service.snapshot(request)
    request.state = RescheduleState.REJECTED
    request.closed_at = now
    event = audit_service.record(db=db, school_id=request.school_id, actor=_actor_name(actor),
                                 action=action, row=request, before=before,
                                 actor_account_id=_actor_id(actor))
    event.after = dict(event.after or {}) | {"reason": reason}


def search_again(*, db: Session, request_id: uuid.UUID, now: datetime, actor: Actor,
                 weather: Mapping[str, StationWeather],
                 school_id: uuid.UUID | None = None, plan: OptionPlan | None = None,
                 ai_config: ai.AiConfig | None | bool = True) -> RescheduleRequest:
    """Close the open request (REJECTED, "superseded by a fresh search") and open a new one for the
    same lesson with freshly searched options, mailed to the student. In the caller's transaction:
    both happen or neither. The new request."""
    request = _load(db, request_id, school_id)
    if not isinstance(actor, str) and AccountRole(actor.role) not in (AccountRole.ADMIN, AccountRole.DISPATCHER):
        raise Forbidden("only a dispatcher or an admin starts a fresh search", rule="NOT_ALLOWED_TO_SEARCH")
    state = RescheduleState(request.state)
    if state not in OPEN_STATES:
        raise Conflict(f"the request is already {state.value}: a fresh search replaces only an open "
                       "request (open a new one with POST /reschedule if the lesson still needs it)",
                       field="state", rule="REQUEST_CLOSED", conflict={"state": state.value})
    flight = db.get(Flight, request.flight_id)
    if FlightStatus(flight.status) not in RESCHEDULABLE:
        raise Conflict(f"the lesson is {FlightStatus(flight.status).value}; there is nothing to "
                       "reschedule any more", field="state", rule="FLIGHT_NOT_RESCHEDULABLE")
    _close_rejected(db, request, now=now, actor=actor, action="reschedule_supersede",
                    reason=SUPERSEDED_REASON)
    db.flush()  # the lesson's open slot (``open_key``) is free before the new request takes it
    check = db.get(WeatherCheck, request.weather_check_id) if request.weather_check_id else None
    return open_request(db=db, flight=flight, now=now, weather=weather, weather_check=check,
                        actor=actor, ai_config=ai_config, plan=plan, replaces=request)


def expire_due(*, db: Session, now: datetime) -> int:
    """Close every open request whose reply time is over (all schools); mails both. The count."""
    due = list(db.scalars(
        select(RescheduleRequest)
        .where(RescheduleRequest.open_key.is_not(None), RescheduleRequest.expires_at <= now)
        .order_by(RescheduleRequest.expires_at)
    ))
    for request in due:
        before = audit_service.snapshot(request)
        request.state = RescheduleState.EXPIRED
        request.closed_at = now
        audit_service.record(db=db, school_id=request.school_id, actor="sweep", action="reschedule_expire",
                             row=request, before=before)
        mails.send_expired(db=db, request=request, now=now)
    return len(due)


def fresh_options(*, db: Session, request: RescheduleRequest, now: datetime,
                  weather: Mapping[str, StationWeather]) -> list[dict[str, Any]]:
    """A new search for the request's lesson, in the API's option shape (for a 409's body)."""
    flight = db.get(Flight, request.flight_id)
    found = search.find_candidates(db=db, flight=flight, now=now, weather=weather)
    school = db.get(School, flight.school_id)
    count = school.reschedule_option_count or DEFAULT_OPTION_COUNT
    return [
        {"rank": rank, "start_at": _show(c.start), "end_at": _show(c.end),
         "instructor_id": str(c.instructor_id) if c.instructor_id else None,
         "aircraft_id": str(c.aircraft_id), "expected_weather": c.expected_weather,
         "justification": c.justification}
        for rank, c in enumerate(found.candidates[:count], start=1)
    ]


# -- rules -----------------------------------------------------------------------------------


def _load(db: Session, request_id: uuid.UUID, school_id: uuid.UUID | None) -> RescheduleRequest:
    request = db.get(RescheduleRequest, request_id)
    if request is None or request.is_deleted or (school_id is not None and request.school_id != school_id):
        raise NotFound(f"there is no reschedule request {request_id}", field="id",
                       rule="RESCHEDULE_NOT_FOUND")
    return request


def _require_state(request: RescheduleRequest, state: RescheduleState, now: datetime) -> None:
    current = RescheduleState(request.state)
    if current is not state:
        if current is RescheduleState.PENDING_INSTRUCTOR and state is RescheduleState.PENDING_STUDENT:
            message = "an option has already been chosen; the instructor is confirming it"
        elif current is RescheduleState.PENDING_STUDENT:
            message = "no option has been chosen yet"
        else:
            message = f"the request is already {current.value}"
        raise Conflict(message, field="state", rule="WRONG_STATE",
                       conflict={"state": current.value})
    if now >= request.expires_at:
        raise Conflict(f"the time to answer ran out at {_show(request.expires_at)}", field="state",
                       rule="REQUEST_EXPIRED", conflict={"expires_at": _show(request.expires_at)})


def _option(request: RescheduleRequest, rank: int) -> RescheduleOption:
    for option in request.options:
        if option.rank == rank:
            return option
    raise InvalidInput(f"there is no option {rank} (choose 1 to {len(request.options)})",
                       field="option", rule="NO_SUCH_OPTION")


def _recheck(db: Session, request: RescheduleRequest, option: RescheduleOption, now: datetime,
             weather: Mapping[str, StationWeather]) -> None:
    """The slot can still be booked as it is, judged under the booking lock as a booking is (a
    booking made at the same moment is seen, or waits for this transaction): in the future, the
    aircraft in service, nobody booked meanwhile (``SLOT_TAKEN``); no rule of the school's policy
    that blocks or warns broken (``SLOT_UNAVAILABLE``: a turnaround, an instructor's hours, the
    student's lessons that day, a day off…); the forecast, which may have changed since the
    options were offered, not NO_GO (``SLOT_WEATHER``)."""
    old = db.get(Flight, request.flight_id)
    problem = None
    rule = "SLOT_TAKEN"
    broken: list[policy_service.Finding] = []
    if option.start_at <= now:
        problem = "the slot has already started"
    else:
        aircraft = db.get(Aircraft, option.aircraft_id)
        if aircraft is None or not aircraft.in_service or aircraft.is_deleted:
            problem = "the aircraft is no longer available"
    if problem is None:
        # The new lesson takes the old one's place: the old one is left out of the others.
        slot = policy_service.Slot(
            old.school_id, old.student_id, option.instructor_id, option.aircraft_id,
            option.start_at, option.end_at, old.departure, old.destination,
            tuple(point for point in (old.route_points or ()) if isinstance(point, str)), id=old.id)
        rules = policy_service.SlotRules(db=db, school=db.get(School, old.school_id),
                                         student=db.get(Student, old.student_id))
        try:
            others = flights_service.check_free(db, old.school_id, slot, rules.around(slot))
        except Conflict as exc:
            problem = exc.message
        else:
            broken = rules.problems(slot, now=now, lessons=policy_service.KnownLessons(others))
            if broken:
                problem, rule = policy_service.describe(broken), "SLOT_UNAVAILABLE"
    if problem is None:
        forecast = _slot_forecast(db, request, option, now, weather)
        if forecast is not None:
            problem, rule = f"the forecast for it is now NO_GO: {forecast}", "SLOT_WEATHER"
    if problem is not None:
        raise _taken(db, request, problem, now, weather, rule=rule,
                     broken=[{"code": finding.code.value, "text": finding.text} for finding in broken])


def _slot_forecast(db: Session, request: RescheduleRequest, option: RescheduleOption, now: datetime,
                   weather: Mapping[str, StationWeather]) -> str | None:
    """Why the option's slot is forecast NO_GO for the student now, or None when it is not."""
    old = db.get(Flight, request.flight_id)
    limits = pilot_limits(school=db.get(School, old.school_id), student=db.get(Student, old.student_id),
                          aircraft=db.get(Aircraft, option.aircraft_id))
    assessment = assess_lesson(lesson_places(old), weather, limits=limits, start=option.start_at,
                               end=option.end_at, now=now)
    if assessment.verdict is not Verdict.NO_GO:
        return None
    return next((reason.text for reason in assessment.reasons if reason.effect is Verdict.NO_GO), "NO_GO")


def _taken(db: Session, request: RescheduleRequest, problem: str, now: datetime,
           weather: Mapping[str, StationWeather], *, rule: str = "SLOT_TAKEN",
           broken: list[dict[str, str]] | None = None) -> Conflict:
    """The refusal of a slot that can no longer be booked, with freshly searched options (and,
    for ``SLOT_UNAVAILABLE``, the policy's rules it breaks: ``broken``, [{code, text}])."""
    conflict: dict[str, Any] = {"request_id": str(request.id),
                                "options": fresh_options(db=db, request=request, now=now, weather=weather)}
    if broken:
        conflict["broken"] = broken
    return Conflict(f"that slot can no longer be booked ({problem}); here are the slots free now",
                    rule=rule, conflict=conflict)


def _require_may_confirm(db: Session, actor: Actor, old: Flight, option: RescheduleOption | None) -> None:
    """Dispatchers, admins and the system: any request; an instructor: their own lesson only."""
    if isinstance(actor, str):
        return
    role = AccountRole(actor.role)
    if role in (AccountRole.ADMIN, AccountRole.DISPATCHER):
        return
    if role is AccountRole.INSTRUCTOR:
        teaching = {old.instructor_id, option.instructor_id if option else None} - {None}
        mine = db.scalar(select(Instructor.id).where(Instructor.account_id == actor.id))
        if mine is not None and mine in teaching:
            return
        raise Forbidden("instructors confirm only the lessons they teach", rule="NOT_YOUR_LESSON")
    raise Forbidden("students choose through the link in their e-mail", rule="STUDENT_NOT_ALLOWED")


def _actor_name(actor: Actor) -> str:
    return actor if isinstance(actor, str) else actor.email


def _actor_id(actor: Actor) -> uuid.UUID | None:
    return None if isinstance(actor, str) else actor.id


def _show(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
