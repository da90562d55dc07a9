"""The workflow's mails: render them (plain text and HTML, the school's clock) and put them in the
outbox, inside the caller's transaction.

Each function returns the outbox rows it wrote; a mail already in the outbox (same lesson, kind,
recipient and window) is not written again, so callers may call these on every retry.

Kinds, and who gets them:

- ``weather_cancellation`` — student: the reasons and a link per option.
- ``cancellation_notice`` — instructor: the lesson is cancelled, these options went out.
- ``option_chosen`` — instructor (a solo: the school's dispatchers): please confirm option N.
- ``confirmation``, ``expired``, ``lesson_booked`` — student and instructor.
- ``password_reset`` — an account: a one-time link to set its password (a new account's first).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import desc, select
from sqlalchemy.orm import Session

from sync.aircraft.models import Aircraft
from sync.auth.models import Account, AccountRole
from sync.config import Settings, get_settings
from sync.flights.models import Flight, WeatherCheck
from sync.notify import outbox
from sync.notify.models import Notification
from sync.notify.rendering import local_interval, local_time, render
from sync.people.models import Instructor, Student
from sync.reschedule.models import RescheduleOption, RescheduleRequest
from sync.schools.models import School

WEATHER_CANCELLATION = "weather_cancellation"
CANCELLATION_NOTICE = "cancellation_notice"
OPTION_CHOSEN = "option_chosen"
CONFIRMATION = "confirmation"
EXPIRED = "expired"
LESSON_BOOKED = "lesson_booked"
PASSWORD_RESET = "password_reset"

NO_FORECAST = "no forecast yet"


@dataclass(frozen=True)
class _Recipient:
    address: str
    name: str | None
    audience: str  # "student", "instructor" or "dispatcher": what the template says to whom


def send_weather_cancellation(
    *, db: Session, flight: Flight, request: RescheduleRequest, now: datetime,
    settings: Settings | None = None, fresh_search: bool = False,
) -> list[Notification]:
    """Student: cancelled for weather, why, and a link per option; instructor: the same, for info.

    ``fresh_search``: the options replace an earlier request's (a dispatcher searched again), so
    the mail is a new one, not a duplicate of the first: the old link no longer acts.
    """
    # Imported here: the reschedule workflow imports this module to send its mails.
    from sync.reschedule.links import student_link

    settings = settings or get_settings()
    school = _school(db, flight.school_id)
    link = student_link(request=request, settings=settings, now=now)
    context = _lesson_context(db, school, flight) | {
        "reasons": _weather_reasons(db, flight, request),
        "reply_by": local_time(request.expires_at, school.timezone),
    }
    # The signed link acts for the student: only the student's mail carries it.
    student_context = context | {
        "options": _options_context(db, school, request, link=link), "choose_link": link,
    }
    context |= {"options": _options_context(db, school, request, link=None)}
    window = _flight_window(flight) + (f"#request={request.id}" if fresh_search else "")
    written = []
    student = _student(db, flight)
    written.append(_enqueue(
        db, school=school, flight_id=flight.id, kind=WEATHER_CANCELLATION, recipient=student,
        window_key=window, now=now, context=student_context,
        subject=f"Weather cancellation: your lesson on {context['lesson']['when']}: choose a new time",
    ))
    instructor = _instructor(db, flight)
    if instructor is not None:
        written.append(_enqueue(
            db, school=school, flight_id=flight.id, kind=CANCELLATION_NOTICE, recipient=instructor,
            window_key=window, now=now, context=context,
            subject=f"Cancelled for weather: {context['lesson']['student']}, {context['lesson']['when']}",
        ))
    return [row for row in written if row is not None]


def send_option_chosen(*, db: Session, request: RescheduleRequest, now: datetime) -> list[Notification]:
    """The instructor (a solo: the school's dispatchers) is asked to confirm the student's choice."""
    flight = _flight(db, request.flight_id)
    school = _school(db, flight.school_id)
    chosen = _chosen_option(db, request)
    options = _options_context(db, school, request, link=None)
    context = _lesson_context(db, school, flight) | {
        "chosen": next(option for option in options if option["rank"] == chosen.rank),
    }
    instructor = _instructor(db, flight)
    recipients = [instructor] if instructor is not None else _dispatchers(db, school.id)
    subject = (f"Please confirm: {context['lesson']['student']} chose option {chosen.rank}, "
               f"{context['chosen']['when']}")
    written = [
        _enqueue(db, school=school, flight_id=flight.id, kind=OPTION_CHOSEN, recipient=recipient,
                 window_key=f"request:{request.id}:option:{chosen.rank}", now=now,
                 context=context, subject=subject)
        for recipient in recipients
    ]
    return [row for row in written if row is not None]


def send_confirmation(
    *, db: Session, request: RescheduleRequest, old_flight: Flight, new_flight: Flight, now: datetime
) -> list[Notification]:
    """Student and instructor: the lesson moved from ``old_flight`` to ``new_flight``."""
    school = _school(db, old_flight.school_id)
    context = _lesson_context(db, school, new_flight) | {
        "old_lesson": _lesson_context(db, school, old_flight)["lesson"],
    }
    subject = f"Confirmed: your lesson moves to {context['lesson']['when']}"
    return _to_both(db, school=school, flight=new_flight, lesson_id=old_flight.id,
                    kind=CONFIRMATION, window_key=f"request:{request.id}", now=now,
                    context=context, subject=subject)


def send_expired(*, db: Session, request: RescheduleRequest, now: datetime) -> list[Notification]:
    """Student and instructor: nobody chose in time; the school will reschedule by hand."""
    flight = _flight(db, request.flight_id)
    school = _school(db, flight.school_id)
    context = _lesson_context(db, school, flight) | {
        "expired_at": local_time(request.expires_at, school.timezone),
    }
    subject = f"No new time chosen: your cancelled lesson of {context['lesson']['when']}"
    return _to_both(db, school=school, flight=flight, lesson_id=flight.id, kind=EXPIRED,
                    window_key=f"request:{request.id}", now=now, context=context, subject=subject)


def send_lesson_booked(*, db: Session, flight: Flight, now: datetime) -> list[Notification]:
    """Student and instructor: a lesson is booked."""
    school = _school(db, flight.school_id)
    context = _lesson_context(db, school, flight)
    subject = f"Lesson booked: {context['lesson']['when']}"
    return _to_both(db, school=school, flight=flight, lesson_id=flight.id, kind=LESSON_BOOKED,
                    window_key=_flight_window(flight), now=now, context=context, subject=subject)


def send_password_link(
    *, db: Session, school_id: uuid.UUID, email: str, role: str, link: str, link_id: uuid.UUID,
    expires_at: datetime, welcome: bool, now: datetime,
) -> Notification | None:
    """An account's one-time link to set its password: ``welcome`` for a new account's first,
    otherwise a reset an admin asked for. ``link_id``: the reset row, one mail per link.

    The body carries the link; like every mail body it never leaves the service (not synced, not
    listed, redacted from the audit trail)."""
    school = _school(db, school_id)
    subject = (f"{school.name}: set the password of your dispatch account" if welcome
               else f"{school.name}: reset the password of your dispatch account")
    context = {
        "school": {"name": school.name, "timezone": school.timezone},
        "email": email,
        "role": role,
        "link": link,
        "welcome": welcome,
        "expires": local_time(expires_at, school.timezone),
    }
    recipient = _Recipient(address=email, name=None, audience="account")
    return _enqueue(db, school=school, flight_id=None, kind=PASSWORD_RESET, recipient=recipient,
                    window_key=f"password-reset:{link_id}", now=now, context=context,
                    subject=subject)


# -- building blocks -----------------------------------------------------------------------------


def _to_both(
    db: Session, *, school: School, flight: Flight, lesson_id: uuid.UUID, kind: str,
    window_key: str, now: datetime, context: dict[str, Any], subject: str,
) -> list[Notification]:
    recipients = [_student(db, flight), _instructor(db, flight)]
    written = [
        _enqueue(db, school=school, flight_id=lesson_id, kind=kind, recipient=recipient,
                 window_key=window_key, now=now, context=context, subject=subject)
        for recipient in recipients if recipient is not None
    ]
    return [row for row in written if row is not None]


def _enqueue(
    db: Session, *, school: School, flight_id: uuid.UUID | None, kind: str, recipient: _Recipient,
    window_key: str, now: datetime, context: dict[str, Any], subject: str,
) -> Notification | None:
    body_text, body_html = render(kind, context | {
        "recipient_name": recipient.name,
        "audience": recipient.audience,
        "subject": subject,
    })
    return outbox.enqueue(
        db=db, school_id=school.id, flight_id=flight_id, kind=kind, recipient=recipient.address,
        window_key=window_key, subject=subject, body_text=body_text, body_html=body_html, now=now,
    )


def _flight_window(flight: Flight) -> str:
    return f"{flight.start_at.isoformat()}/{flight.end_at.isoformat()}"


def _school(db: Session, school_id: uuid.UUID) -> School:
    return _required(db, School, school_id)


def _flight(db: Session, flight_id: uuid.UUID) -> Flight:
    return _required(db, Flight, flight_id)


def _required(db: Session, model: type, row_id: uuid.UUID) -> Any:
    row = db.get(model, row_id)
    if row is None:
        raise LookupError(f"{model.__name__} {row_id} does not exist")
    return row


def _student(db: Session, flight: Flight) -> _Recipient:
    student = _required(db, Student, flight.student_id)
    return _Recipient(address=student.email, name=student.name, audience="student")


def _instructor(db: Session, flight: Flight) -> _Recipient | None:
    if flight.instructor_id is None:
        return None
    instructor = _required(db, Instructor, flight.instructor_id)
    return _Recipient(address=instructor.email, name=instructor.name, audience="instructor")


def _dispatchers(db: Session, school_id: uuid.UUID) -> list[_Recipient]:
    """The school's active dispatchers; its admins when it has none, so a solo is never stuck."""
    for role in (AccountRole.DISPATCHER, AccountRole.ADMIN):
        addresses = db.scalars(
            select(Account.email)
            .where(Account.school_id == school_id, Account.role == role, Account.active.is_(True))
            .order_by(Account.email)
        ).all()
        if addresses:
            return [_Recipient(address=address, name=None, audience="dispatcher") for address in addresses]
    return []


def _lesson_context(db: Session, school: School, flight: Flight) -> dict[str, Any]:
    student = _required(db, Student, flight.student_id)
    instructor = db.get(Instructor, flight.instructor_id) if flight.instructor_id else None
    aircraft = _required(db, Aircraft, flight.aircraft_id)
    return {
        "school": {"name": school.name, "timezone": school.timezone},
        "lesson": {
            "when": local_interval(flight.start_at, flight.end_at, school.timezone),
            "type": flight.flight_type.value.replace("_", " ").lower(),
            "departure": flight.departure,
            "destination": flight.destination,
            "student": student.name,
            "instructor": instructor.name if instructor else None,
            "aircraft": f"{aircraft.tail_number} ({aircraft.model})",
        },
    }


def _options_context(
    db: Session, school: School, request: RescheduleRequest, *, link: str | None
) -> list[dict[str, Any]]:
    options = db.scalars(
        select(RescheduleOption).where(RescheduleOption.request_id == request.id)
        .order_by(RescheduleOption.rank)
    ).all()
    result = []
    for option in options:
        instructor = db.get(Instructor, option.instructor_id) if option.instructor_id else None
        aircraft = _required(db, Aircraft, option.aircraft_id)
        weather = option.expected_weather or {}
        result.append({
            "rank": option.rank,
            "when": local_interval(option.start_at, option.end_at, school.timezone),
            "instructor": instructor.name if instructor else None,
            "aircraft": f"{aircraft.tail_number} ({aircraft.model})",
            "weather": weather.get("summary") or NO_FORECAST,
            "verdict": weather.get("verdict"),
            "justification": option.justification,
            "link": _with_option(link, option.rank) if link else None,
        })
    return result


def _with_option(link: str, rank: int) -> str:
    """The student's link with the option preselected (``?option=N``); the token is unchanged."""
    parts = urlsplit(link)
    query = parse_qsl(parts.query) + [("option", str(rank))]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _chosen_option(db: Session, request: RescheduleRequest) -> RescheduleOption:
    if request.selected_rank is None:
        raise ValueError(f"reschedule request {request.id} has no chosen option")
    option = db.scalar(select(RescheduleOption).where(
        RescheduleOption.request_id == request.id, RescheduleOption.rank == request.selected_rank))
    if option is None:
        raise LookupError(f"reschedule request {request.id} has no option {request.selected_rank}")
    return option


def _weather_reasons(db: Session, flight: Flight, request: RescheduleRequest) -> list[str]:
    """The texts of the check that cancelled the lesson (else the lesson's latest check)."""
    check = db.get(WeatherCheck, request.weather_check_id) if request.weather_check_id else None
    if check is None:
        check = db.scalar(select(WeatherCheck).where(WeatherCheck.flight_id == flight.id)
                          .order_by(desc(WeatherCheck.checked_at)).limit(1))
    reasons = []
    for reason in (check.reasons if check else []):
        if isinstance(reason, dict):
            text = str(reason.get("text") or reason.get("code") or "").strip()
            station = reason.get("station")
            if text:
                reasons.append(f"{station}: {text}" if station and station not in text else text)
        elif str(reason).strip():
            reasons.append(str(reason).strip())
    return reasons or ["the forecast is below the school's minimums for this lesson"]
