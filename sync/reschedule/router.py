"""/reschedule: requests and their options for the desktop (dispatchers, admins, instructors);
/r/{token}: the student's page, reached from the link in their mail (no sign-in: the link is it).

Routers are thin: the rules live in ``sync.reschedule.service``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from sync.aircraft.models import Aircraft
from sync.deps import AppSettings, CurrentUser, DbSession, SchoolManager
from sync.errors import Conflict, InvalidInput, ServiceError
from sync.flights import service as flights_service
from sync.flights.models import Flight
from sync.people.models import Instructor, Student
from sync.policy.models import RuleCode
from sync.reschedule import links
from sync.reschedule import service as reschedule_service
from sync.reschedule.models import RescheduleRequest, RescheduleState
from sync.reschedule.schemas import (
    RescheduleCreate,
    RescheduleHistoryEntry,
    RescheduleReject,
    RescheduleRequestRead,
    RescheduleRequestsPage,
    RescheduleSelect,
)
from sync.resources import resource_path
from sync.schools.models import School
from sync.weather.check import weather_source_from_settings
from sync.weather.router import Weather

router = APIRouter()
student_pages_router = APIRouter()

STUDENT_LINK_ACTOR = reschedule_service.STUDENT_LINK_ACTOR


def _now() -> datetime:
    return datetime.now(UTC)


def _read(db: DbSession, request: RescheduleRequest) -> RescheduleRequestRead:
    return _read_all(db, [request])[0]


def _read_all(db: DbSession, requests: list[RescheduleRequest]) -> list[RescheduleRequestRead]:
    db.flush()
    steps = reschedule_service.history(db=db, requests=requests)
    return [RescheduleRequestRead.model_validate(request).model_copy(
        update={"history": [RescheduleHistoryEntry(**step) for step in steps[request.id]]})
        for request in requests]


# -- desktop API -----------------------------------------------------------------------------


def _lesson_weather(db: DbSession, source: Weather, flight: Flight, now: datetime) -> dict[str, Any]:
    """The lesson's weather, fetched once for this request with no transaction open: the options
    are judged on it exactly as the sweep judges its own."""
    return reschedule_service.lesson_weather(source=source, flight=flight, now=now, release=db.commit)


@router.post("", response_model=RescheduleRequestRead, status_code=status.HTTP_201_CREATED)
def open_request(body: RescheduleCreate, db: DbSession, user: SchoolManager, source: Weather) -> Any:
    """Open a request with options for a weather-cancelled or at-risk lesson (409 if one is open)."""
    flight = flights_service.get(db=db, school_id=user.school_id, flight_id=body.flight_id)
    existing = reschedule_service.open_request_for(db=db, flight_id=flight.id)
    if existing is not None:
        raise Conflict("this lesson already has an open reschedule request", field="flightId",
                       rule="REQUEST_ALREADY_OPEN", conflict={"id": str(existing.id),
                                                              "state": existing.state.value})
    now = _now()
    weather = _lesson_weather(db, source, flight, now)
    # With a model configured, it answers before the write transaction (which is ended here: on
    # SQLite it holds the database's write lock); open_request re-checks its answer.
    plan = reschedule_service.plan_options(db=db, flight=flight, now=now, weather=weather,
                                           release=db.commit)
    db.refresh(flight)  # re-read under this transaction: it may have changed while we fetched
    return _read(db, reschedule_service.open_request(db=db, flight=flight, now=now, weather=weather,
                                                     actor=user, plan=plan))


@router.get("", response_model=RescheduleRequestsPage)
def list_requests(db: DbSession, user: CurrentUser,
                  state: Annotated[RescheduleState | None, Query()] = None) -> Any:
    requests = reschedule_service.list_requests(db=db, school_id=user.school_id, state=state)
    return {"items": _read_all(db, requests)}


@router.get("/{request_id}", response_model=RescheduleRequestRead)
def get_request(request_id: uuid.UUID, db: DbSession, user: CurrentUser) -> Any:
    return _read(db, reschedule_service.get(db=db, school_id=user.school_id, request_id=request_id))


@router.post("/{request_id}/select", response_model=RescheduleRequestRead)
def select_option(request_id: uuid.UUID, body: RescheduleSelect, db: DbSession, user: SchoolManager,
                  source: Weather) -> Any:
    """A dispatcher picks for the student (who told them on the phone, say)."""
    now = _now()
    weather = _request_weather(db, source, user.school_id, request_id, now)
    request = reschedule_service.select_option(db=db, request_id=request_id, rank=body.option,
                                               now=now, actor=user, weather=weather,
                                               school_id=user.school_id)
    return _read(db, request)


def _request_weather(db: DbSession, source: Weather, school_id: uuid.UUID, request_id: uuid.UUID,
                     now: datetime) -> dict[str, Any]:
    """The weather of a request's lesson (the chosen slot is judged on it again before booking)."""
    request = reschedule_service.get(db=db, school_id=school_id, request_id=request_id)
    flight = flights_service.get(db=db, school_id=school_id, flight_id=request.flight_id)
    weather = _lesson_weather(db, source, flight, now)
    db.expire_all()  # re-read under the next transaction: the request may have moved on
    return weather


@router.post("/{request_id}/confirm", response_model=RescheduleRequestRead)
def confirm(request_id: uuid.UUID, db: DbSession, user: CurrentUser, source: Weather) -> Any:
    """The lesson's instructor, or a dispatcher or admin, books the chosen slot."""
    now = _now()
    weather = _request_weather(db, source, user.school_id, request_id, now)
    request = reschedule_service.confirm(db=db, request_id=request_id, now=now, actor=user,
                                         weather=weather, school_id=user.school_id)
    return _read(db, request)


@router.post("/{request_id}/reject", response_model=RescheduleRequestRead)
def reject(request_id: uuid.UUID, db: DbSession, user: CurrentUser,
           body: RescheduleReject | None = None) -> Any:
    request = reschedule_service.reject(db=db, request_id=request_id, now=_now(), actor=user,
                                        reason=(body.reason if body else ""), school_id=user.school_id)
    return _read(db, request)


@router.post("/{request_id}/search-again", response_model=RescheduleRequestRead,
             status_code=status.HTTP_201_CREATED)
def search_again(request_id: uuid.UUID, db: DbSession, user: SchoolManager, source: Weather) -> Any:
    """Close the open request as "superseded by a fresh search" and open a new one for the same
    lesson with newly searched options, mailed to the student (409 ``REQUEST_CLOSED`` if closed)."""
    old = reschedule_service.get(db=db, school_id=user.school_id, request_id=request_id)
    now = _now()
    flight = flights_service.get(db=db, school_id=user.school_id, flight_id=old.flight_id)
    weather = _lesson_weather(db, source, flight, now)
    plan = None
    if RescheduleState(old.state).is_open:
        plan = reschedule_service.plan_options(db=db, flight=flight, now=now, weather=weather,
                                               release=db.commit)
    db.expire_all()  # re-read under the new transaction: the request may have moved on
    new = reschedule_service.search_again(db=db, request_id=request_id, now=now, actor=user,
                                          weather=weather, school_id=user.school_id, plan=plan)
    return _read(db, new)


# -- the student's page ----------------------------------------------------------------------

_templates = Environment(
    loader=FileSystemLoader(str(resource_path("web"))),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _page(name: str, status_code: int, **context: Any) -> HTMLResponse:
    html = _templates.get_template(name).render(**context)
    return HTMLResponse(html, status_code=status_code)


def _notice(status_code: int, title: str, message: str) -> HTMLResponse:
    return _page("reschedule_notice.html", status_code, title=title, message=message)


def _open_for_student(db: DbSession, settings: AppSettings, token: str,
                      now: datetime) -> RescheduleRequest | HTMLResponse:
    """The request the link names, if the link may still act; else the page saying why not."""
    try:
        request_id = links.read_student_token(token, settings=settings, now=now)
    except links.LinkExpired:
        return _notice(status.HTTP_410_GONE, "This link has expired",
                       "The time to choose a new slot is over. The school will contact you to "
                       "find a new time for your lesson.")
    except InvalidInput:
        return _notice(status.HTTP_400_BAD_REQUEST, "This link does not work",
                       "Please open the link again from the e-mail (the whole address, on one line), "
                       "or ask the school to send it again.")
    request = db.get(RescheduleRequest, request_id)
    if request is None:
        return _notice(status.HTTP_400_BAD_REQUEST, "This link does not work",
                       "The school no longer has this request. Please contact the school.")
    state = RescheduleState(request.state)
    if state is not RescheduleState.PENDING_STUDENT:
        if state in (RescheduleState.PENDING_INSTRUCTOR, RescheduleState.ACCEPTED):
            message = (f"You already chose option {request.selected_rank}. "
                       + ("Your instructor confirmed it." if state is RescheduleState.ACCEPTED
                          else "Your instructor will confirm it, and you will get an e-mail."))
            return _notice(status.HTTP_410_GONE, "This link has been used", message)
        return _notice(status.HTTP_410_GONE, "This request is closed",
                       "The school is finding a new time for your lesson and will contact you.")
    if now >= request.expires_at:
        return _notice(status.HTTP_410_GONE, "This link has expired",
                       "The time to choose a new slot is over. The school will contact you.")
    return request


def _options_view(db: DbSession, request: RescheduleRequest) -> dict[str, Any]:
    flight = db.get(Flight, request.flight_id)
    school = db.get(School, request.school_id)
    zone = ZoneInfo(school.timezone)
    student = db.get(Student, flight.student_id)
    options = []
    for option in request.options:
        start, end = option.start_at.astimezone(zone), option.end_at.astimezone(zone)
        instructor = db.get(Instructor, option.instructor_id) if option.instructor_id else None
        aircraft = db.get(Aircraft, option.aircraft_id)
        options.append({
            "rank": option.rank,
            "day": f"{start:%A} {start.day} {start:%B}",
            "time": f"{start:%H:%M}–{end:%H:%M}",
            "instructor": instructor.name if instructor else "solo",
            "aircraft": aircraft.tail_number if aircraft else "",
            "weather": (option.expected_weather or {}).get("summary") or "no forecast yet",
            "justification": option.justification,
        })
    start = flight.start_at.astimezone(zone)
    return {
        "school": school.name, "student": student.name if student else "",
        "timezone": school.timezone, "options": options,
        "cancelled": f"{start:%A} {start.day} {start:%B} at {start:%H:%M}",
        "reply_by": f"{request.expires_at.astimezone(zone):%A %H:%M}",
    }


@student_pages_router.get("/{token}", response_class=HTMLResponse, include_in_schema=False)
def student_page(token: str, db: DbSession, settings: AppSettings,
                 option: Annotated[int | None, Query()] = None) -> HTMLResponse:
    request = _open_for_student(db, settings, token, _now())
    if isinstance(request, HTMLResponse):
        return request
    return _page("reschedule_choose.html", status.HTTP_200_OK, preselected=option,
                 **_options_view(db, request))


@student_pages_router.post("/{token}", response_class=HTMLResponse, include_in_schema=False)
async def student_choice(token: str, http_request: Request) -> HTMLResponse:
    # Read the form here (no multipart dependency for one field), then do the work in a thread.
    form = parse_qs((await http_request.body()).decode("utf-8", "replace"))
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_choose, token, form.get("option", [""])[0], http_request)


def _link_weather(http_request: Request, token: str, now: datetime) -> dict[str, Any]:
    """The weather of the lesson a student's link names, fetched before any write transaction
    (the chosen slot is judged on it again); nothing when the link names nothing."""
    settings = http_request.app.state.settings
    try:
        request_id = links.read_student_token(token, settings=settings, now=now)
    except (links.LinkExpired, InvalidInput):
        return {}  # the page will say why the link does not work
    db = http_request.app.state.sessionmaker()
    try:
        request = db.get(RescheduleRequest, request_id)
        flight = db.get(Flight, request.flight_id) if request is not None else None
        if flight is None:
            return {}
        source = weather_source_from_settings(settings)
        try:
            return reschedule_service.lesson_weather(source=source, flight=flight, now=now,
                                                     release=db.rollback)
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()
    finally:
        db.close()


# Why a picked slot no longer fits the school's booking rules, in the student's words (the
# rules' own texts are written for the front desk: names of other people, other lessons).
_UNAVAILABLE_WORDS = {
    RuleCode.OUTSIDE_SCHOOL_HOURS: "the school is not open then",
    RuleCode.INSTRUCTOR_UNAVAILABLE: "the instructor is not available then",
    RuleCode.STUDENT_UNAVAILABLE: "it is outside the times you can fly",
    RuleCode.NIGHT_WITHOUT_TRAINING: "part of it would be after dark",
    RuleCode.FORECAST_NO_GO: "the forecast for it is below your minimums",
    RuleCode.INSTRUCTION_8_IN_24: "the instructor would fly more hours that day than the rules allow",
    RuleCode.INSTRUCTION_WEEKLY_LIMIT: "the instructor would fly more hours that week than the school allows",
    RuleCode.TURNAROUND_BUFFER: "the aircraft or the instructor would not have enough time between lessons",
    RuleCode.STUDENT_DAILY_LIMIT: "you would have more lessons that day than the school allows",
    RuleCode.STUDENT_WEEKLY_LIMIT: "you would have more lessons that week than the school allows",
}


def _why_unavailable(exc: Conflict) -> str:
    codes = [item.get("code") for item in (exc.conflict or {}).get("broken") or ()]
    words = [_UNAVAILABLE_WORDS[RuleCode(code)] for code in dict.fromkeys(codes)
             if code in RuleCode.__members__]
    if not words:
        return "that time no longer fits the school's booking rules"
    return "that time no longer fits the school's booking rules: " + "; ".join(words)


def _choose(token: str, raw_option: str, http_request: Request) -> HTMLResponse:
    settings = http_request.app.state.settings
    weather = _link_weather(http_request, token, _now())
    db = http_request.app.state.sessionmaker()
    try:
        with db.begin():
            now = _now()
            request = _open_for_student(db, settings, token, now)
            if isinstance(request, HTMLResponse):
                return request
            try:
                rank = int(raw_option)
            except ValueError:
                return _notice(status.HTTP_400_BAD_REQUEST, "Please choose an option",
                               "Go back and press the button under the time you want.")
            try:
                reschedule_service.select_option(db=db, request_id=request.id, rank=rank, now=now,
                                                 actor=STUDENT_LINK_ACTOR, weather=weather)
            except Conflict as exc:
                if exc.rule == "SLOT_TAKEN":
                    return _notice(status.HTTP_409_CONFLICT, "That time was just taken",
                                   "Someone booked it a moment ago. The school will send you new "
                                   "options by e-mail.")
                if exc.rule == "SLOT_WEATHER":
                    return _notice(status.HTTP_409_CONFLICT, "The weather turned at that time",
                                   "The forecast for that time is now below your minimums. Go back "
                                   "and choose another option; if none suits, the school will "
                                   "contact you.")
                if exc.rule == "SLOT_UNAVAILABLE":
                    return _notice(status.HTTP_409_CONFLICT, "That time can no longer be booked",
                                   f"Since the options were sent, {_why_unavailable(exc)}. Go back "
                                   "and choose another option; if none suits, the school will "
                                   "contact you.")
                return _notice(status.HTTP_410_GONE, "This link has been used", exc.message.capitalize())
            except ServiceError as exc:
                return _notice(status.HTTP_400_BAD_REQUEST, "Please choose an option",
                               exc.message.capitalize())
            view = _options_view(db, request)
            chosen = next(o for o in view["options"] if o["rank"] == rank)
            return _page("reschedule_chosen.html", status.HTTP_200_OK, chosen=chosen, **view)
    finally:
        db.close()
