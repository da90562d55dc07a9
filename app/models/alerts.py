"""Everything that needs someone's action, read from the replica (blocking: call off the GUI thread).

``build_alerts(replica, now=…, account=…)`` turns the synced rows and the outbox into one sorted
list of plain ``Alert`` values, so the Qt model over them stays thin:

- ``AT_RISK``: an upcoming lesson whose weather fails further out than the decision window; the
  reasons are the latest weather check's. A lesson checked out (in the air) is not one: the sweep
  no longer judges it.
- ``NOT_CHECKED_IN``: a lesson checked out whose booked end has passed: check it in (or find out
  where the aircraft is).
- ``WEATHER_CANCELLED``: a lesson the sweep cancelled, and where its rescheduling stands
  (waiting for the student's choice, or no request yet — open one).
- ``CONFIRM``: a reschedule request waiting for an instructor (the student picked a slot).
- ``MAIL_FAILED``: a mail the service gave up sending (table ``notifications``; absent in
  replicas of services that do not replicate it yet).
- ``EDIT_CONFLICT`` / ``EDIT_REJECTED``: a local edit someone else's change overtook, or that the
  service refused (or that the school's booking policy warns about: its warnings are the
  reasons, and it can be booked anyway).

Order: for an instructor, the confirmations of their own lessons first; then by urgency
(``priority``, 0 the most urgent), then soonest first.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from app.models.lessons import parse_time
from app.models.weather_reasons import cause_summary, parse_reasons
from app.services.policy_warnings import warnings_in
from app.services.replica import OutboxEntry, Replica

if TYPE_CHECKING:
    from app.services.api_client import Account

__all__ = ["Alert", "AlertKind", "ALERTS_AHEAD", "ALERTS_BEHIND", "SchoolNames", "build_alerts",
           "describe_edit_target", "instructor_id_for"]

# Lessons further ahead than this are the next sweeps' business; a lesson cancelled a day ago
# may still wait for its new slot.
ALERTS_AHEAD = timedelta(days=14)
ALERTS_BEHIND = timedelta(days=2)

OPEN_REQUEST_STATES = ("PENDING_STUDENT", "PENDING_INSTRUCTOR")


class AlertKind(StrEnum):
    AT_RISK = "AT_RISK"
    WEATHER_CANCELLED = "WEATHER_CANCELLED"
    CONFIRM = "CONFIRM"
    MAIL_FAILED = "MAIL_FAILED"
    EDIT_CONFLICT = "EDIT_CONFLICT"
    EDIT_REJECTED = "EDIT_REJECTED"
    NOT_CHECKED_IN = "NOT_CHECKED_IN"


# 0 is the most urgent. An instructor's own confirmation is moved to 0 (see ``build_alerts``).
_PRIORITY = {
    AlertKind.EDIT_CONFLICT: 1,   # typed at the desk, not on the server until someone chooses
    AlertKind.EDIT_REJECTED: 1,
    AlertKind.CONFIRM: 2,         # the student is waiting for the booking
    AlertKind.NOT_CHECKED_IN: 2,  # an aircraft out past its time: back, or overdue?
    AlertKind.WEATHER_CANCELLED: 2,  # no request yet; 4 when waiting for the student
    AlertKind.MAIL_FAILED: 3,
    AlertKind.AT_RISK: 5,
}
MINE = 0
WAITING = 4


@dataclass(frozen=True)
class Alert:
    """One thing that needs action. ``title``: one line, times in the school's zone; ``reasons``:
    every reason in words (the tooltip shows them all). The ids say what activating it opens."""

    kind: AlertKind
    title: str
    reasons: tuple[str, ...] = ()
    when: datetime | None = None  # the lesson's start, or when it happened
    lesson_id: str | None = None
    request_id: str | None = None
    mutation_id: str | None = None
    notification_id: str | None = None
    priority: int = 5
    mine: bool = False  # a confirmation of the signed-in instructor's own lesson (sorted first)
    # One line with the cause, as the list shows it ("Cancelled — KAUS TSRA 14:00–18:00, ceiling
    # 700 ft < 3000 · Jane Doe Thu 14:00 N172HC"); "" for alerts whose title says it all.
    summary: str = ""

    @property
    def line(self) -> str:
        """What the alerts list shows: the one-line summary, else the title."""
        return self.summary or self.title


def instructor_id_for(replica: Replica, account: Account | None,
                      names: SchoolNames | None = None) -> str | None:
    """The instructor row of a signed-in instructor (``instructors.account_id``), if any;
    ``names``: the instructors already read (else they are read from ``replica``)."""
    if account is None or account.role != "instructor":
        return None
    instructors = (names.people["instructors"] if names is not None
                   else {row.id: row.data for row in replica.rows("instructors")})
    for instructor_id, data in instructors.items():
        if data.get("account_id") == account.id:
            return instructor_id
    return None


class SchoolNames:
    """Ids → words, and times in the school's zone."""

    def __init__(self, replica: Replica) -> None:
        schools = replica.rows("schools")
        school = schools[0].data if schools else {}
        self.zone = zoneinfo.ZoneInfo(school.get("timezone") or "UTC")
        self.people = {table: {row.id: row.data for row in replica.rows(table)}
                       for table in ("students", "instructors", "aircraft")}

    def student(self, student_id: str | None) -> str:
        return self.people["students"].get(student_id or "", {}).get("name", "a student")

    def instructor(self, instructor_id: str | None) -> str:
        if not instructor_id:
            return "solo"
        return self.people["instructors"].get(instructor_id, {}).get("name", "an instructor")

    def aircraft(self, aircraft_id: str | None) -> str:
        return self.people["aircraft"].get(aircraft_id or "", {}).get("tail_number", "?")

    def time(self, moment: datetime | None) -> str:
        return f"{moment.astimezone(self.zone):%a %d %b %H:%M}" if moment else "?"

    def short_lesson(self, flight: Mapping[str, Any]) -> str:
        """"Jane Doe Thu 14:00 N172HC": a lesson in a few words, for one-line alerts."""
        start = _time(flight.get("start_at"))
        when = f"{start.astimezone(self.zone):%a %H:%M}" if start else "?"
        return (f"{self.student(flight.get('student_id'))} {when} "
                f"{self.aircraft(flight.get('aircraft_id'))}")

    def lesson(self, flight: Mapping[str, Any]) -> str:
        """"Jane Doe's lesson of Thu 03 Dec 14:00 (N172HC)"."""
        start = _time(flight.get("start_at"))
        return (f"{self.student(flight.get('student_id'))}'s lesson of {self.time(start)}"
                f" ({self.aircraft(flight.get('aircraft_id'))})")


def _time(text: Any) -> datetime | None:
    try:
        return parse_time(text) if text else None
    except (TypeError, ValueError):
        return None


def _weather_reasons(check: Mapping[str, Any] | None) -> tuple[str, ...]:
    if not check:
        return ()
    return tuple(reason.get("text", "") for reason in check.get("reasons", []) if reason.get("text"))


def build_alerts(replica: Replica, *, now: datetime, account: Account | None) -> list[Alert]:
    """Every alert for ``account`` (None: no one in particular), sorted (see the module doc)."""
    names = SchoolNames(replica)
    my_instructor = instructor_id_for(replica, account, names)
    flights = replica.lessons_between(now - ALERTS_BEHIND, now + ALERTS_AHEAD)
    # Only the latest check of these lessons (SQLite picks them; the table grows every sweep).
    checks = replica.latest_weather_checks(row.id for row in flights)
    requests = [row.data for row in replica.rows("reschedule_requests")]
    open_requests = {request["flight_id"]: request for request in requests
                     if request.get("state") in OPEN_REQUEST_STATES}
    last_requests: dict[str, dict[str, Any]] = {}
    for request in sorted(requests, key=lambda item: item.get("detected_at") or ""):
        last_requests[request["flight_id"]] = request
    alerts: list[Alert] = []

    for row in flights:
        flight = row.data
        start = _time(flight.get("start_at"))
        lesson = names.lesson(flight)
        weather = _weather_reasons(checks.get(row.id))
        cause = (cause_summary(parse_reasons(checks.get(row.id), near=start), names.zone, most=2)
                 if start is not None else "")
        short = names.short_lesson(flight)
        checked_out = _time(flight.get("checked_out_at"))
        if checked_out is not None and flight.get("status") in ("SCHEDULED", "AT_RISK"):
            # In the air (or back and not checked in): no weather alert, but a reminder once due.
            end = _time(flight.get("end_at"))
            if end is not None and end <= now:
                alerts.append(Alert(
                    kind=AlertKind.NOT_CHECKED_IN, title=f"Not checked in: {lesson}",
                    reasons=(f"Checked out {names.time(checked_out)}, booked until "
                             f"{names.time(end)}",
                             "Check it in with the meters in (Lesson › Check in…); if the "
                             "aircraft is not back, find out where it is"),
                    when=end, lesson_id=row.id, priority=_PRIORITY[AlertKind.NOT_CHECKED_IN],
                    summary=f"Not checked in — due back {end.astimezone(names.zone):%H:%M} · "
                            f"{short}"))
            continue
        if flight.get("status") == "AT_RISK" and start is not None and start > now:
            alerts.append(Alert(
                kind=AlertKind.AT_RISK, title=f"At risk: {lesson}",
                reasons=weather or ("The latest weather check put this lesson at risk.",),
                when=start, lesson_id=row.id, priority=_PRIORITY[AlertKind.AT_RISK],
                summary=f"At risk — {cause or 'weather'} · {short}"))
        elif flight.get("status") == "WEATHER_CANCELLED":
            request = open_requests.get(row.id)
            if request is not None and request.get("state") == "PENDING_INSTRUCTOR":
                continue  # the confirmation alert below says it all
            if request is not None:
                state = "Options sent — waiting for the student's choice"
                expires = _time(request.get("expires_at"))
                if expires is not None:
                    state += f" (they expire {names.time(expires)})"
                priority = WAITING
            else:
                last = last_requests.get(row.id)
                ended = {"EXPIRED": "The student did not choose in time",
                         "REJECTED": "The new slots were turned down"}.get(
                             (last or {}).get("state", ""))
                state = (f"{ended} — open a new request" if ended
                         else "No reschedule request yet — open one")
                priority = _PRIORITY[AlertKind.WEATHER_CANCELLED]
            waiting = " · waiting for the student" if request is not None else " · no new slot yet"
            alerts.append(Alert(
                kind=AlertKind.WEATHER_CANCELLED, title=f"Cancelled for weather: {lesson}",
                reasons=(state, *weather), when=start, lesson_id=row.id,
                request_id=request["id"] if request else None, priority=priority,
                summary=f"Cancelled — {cause or 'weather'} · {short}{waiting}"))

    alerts += _confirmations(replica, requests, names, my_instructor)
    alerts += _failed_mail(replica, names)
    alerts += _refused_edits(replica, names)
    return sorted(alerts, key=_order)


def _order(alert: Alert) -> tuple[Any, ...]:
    when = alert.when or datetime.max.replace(tzinfo=UTC)
    return (alert.priority, when, alert.title)


def _confirmations(replica: Replica, requests: list[dict[str, Any]], names: SchoolNames,
                   my_instructor: str | None) -> list[Alert]:
    waiting = [request for request in requests if request.get("state") == "PENDING_INSTRUCTOR"]
    if not waiting:
        return []
    options: dict[tuple[str, int], dict[str, Any]] = {
        (row.data.get("request_id", ""), row.data.get("rank")): row.data
        for row in replica.rows("reschedule_options")}
    alerts = []
    for request in waiting:
        flight_row = replica.get("flights", request["flight_id"])
        flight = flight_row.data if flight_row is not None else {}
        option = options.get((request["id"], request.get("selected_rank")), {})
        new_start = _time(option.get("start_at"))
        student = names.student(flight.get("student_id"))
        teaching = {flight.get("instructor_id"), option.get("instructor_id")} - {None}
        mine = my_instructor is not None and my_instructor in teaching
        reasons = [f"New slot: {names.time(new_start)} with {names.instructor(option.get('instructor_id'))}"
                   f" in {names.aircraft(option.get('aircraft_id'))}"]
        if option.get("justification"):
            reasons.append(option["justification"])
        summary = (option.get("expected_weather") or {}).get("summary")
        if summary:
            reasons.append(f"Expected weather: {summary}")
        if flight:
            reasons.append(f"Replaces {names.lesson(flight)}, cancelled for weather")
        expires = _time(request.get("expires_at"))
        if expires is not None:
            reasons.append(f"Confirm before {names.time(expires)}, or the slots lapse")
        alerts.append(Alert(
            kind=AlertKind.CONFIRM,
            summary=f"Confirm — {student} picked {names.time(new_start)}"
                    + (f", replacing {names.short_lesson(flight)}" if flight else ""),
            title=f"{student} picked {names.time(new_start)} — confirm",
            reasons=tuple(reasons), when=new_start, lesson_id=request["flight_id"],
            request_id=request["id"], priority=MINE if mine else _PRIORITY[AlertKind.CONFIRM],
            mine=mine))
    return alerts


def _failed_mail(replica: Replica, names: SchoolNames) -> list[Alert]:
    alerts = []
    for row in replica.rows("notifications"):  # no rows while the service does not replicate it
        mail = row.data
        if mail.get("status") != "FAILED":
            continue
        flight_row = replica.get("flights", mail["flight_id"]) if mail.get("flight_id") else None
        reasons = [f"Subject: {mail.get('subject') or '(none)'}",
                   f"Last error: {mail.get('last_error') or 'not recorded'}",
                   f"Tried {mail.get('attempts', 0)} time(s); retry sending, or check the address"]
        if flight_row is not None:
            reasons.append(f"About {names.lesson(flight_row.data)}")
        when = _time(mail.get("updated_at")) or _time(mail.get("created_at"))
        alerts.append(Alert(
            kind=AlertKind.MAIL_FAILED,
            title=f"Mail to {mail.get('recipient') or '?'} was not sent ({mail.get('kind', 'mail')})",
            reasons=tuple(reasons), when=when, lesson_id=mail.get("flight_id"),
            notification_id=row.id, priority=_PRIORITY[AlertKind.MAIL_FAILED]))
    return alerts


def describe_edit_target(replica: Replica, entry: OutboxEntry, names: SchoolNames | None = None) -> str:
    """"Jane Doe's lesson of Thu 03 Dec 14:00 (N172HC)", "student Jane Doe", "aircraft N172HC"."""
    names = names or SchoolNames(replica)
    row = replica.get(entry.table, entry.row_id)
    data = (entry.server_row or {}) | (row.data if row is not None else {}) | entry.data
    if entry.table == "flights":
        return names.lesson(data)
    if entry.table == "aircraft":
        return f"aircraft {data.get('tail_number', '?')}"
    return f"{entry.table.rstrip('s')} {data.get('name', '?')}"


def _refused_edits(replica: Replica, names: SchoolNames) -> list[Alert]:
    alerts = []
    for entry in replica.outbox("conflict", "rejected"):
        target = describe_edit_target(replica, entry, names)
        made = f"You made this change {names.time(entry.created_at)}"
        if entry.state == "conflict":
            detail = (entry.error or {}).get("detail")
            alerts.append(Alert(
                kind=AlertKind.EDIT_CONFLICT,
                title=f"Your change to {target} clashes with a newer one — choose which to keep",
                reasons=tuple(reason for reason in (
                    "Someone changed it on the server after you started; open it to compare both "
                    "versions and keep yours or theirs", detail, made) if reason),
                when=entry.created_at, mutation_id=entry.mutation_id, lesson_id=_lesson(entry),
                priority=_PRIORITY[AlertKind.EDIT_CONFLICT]))
        elif warnings := warnings_in(entry.error):
            alerts.append(Alert(
                kind=AlertKind.EDIT_REJECTED,
                title=f"Your change to {target} goes against the school's booking policy: "
                      f"{'; '.join(warning.text for warning in warnings)} — book it anyway?",
                reasons=(*(warning.sentence for warning in warnings),
                         "Open it to book it anyway, edit it and send it again, or discard it",
                         made),
                when=entry.created_at, mutation_id=entry.mutation_id, lesson_id=_lesson(entry),
                priority=_PRIORITY[AlertKind.EDIT_REJECTED]))
        else:
            detail = (entry.error or {}).get("detail") or "no reason given"
            alerts.append(Alert(
                kind=AlertKind.EDIT_REJECTED,
                title=f"Your change to {target} was refused: {detail}",
                reasons=(f"The service refused it: {detail}",
                         "Open it to discard the change, or edit it and send it again", made),
                when=entry.created_at, mutation_id=entry.mutation_id, lesson_id=_lesson(entry),
                priority=_PRIORITY[AlertKind.EDIT_REJECTED]))
    return alerts


def _lesson(entry: OutboxEntry) -> str | None:
    return entry.row_id if entry.table == "flights" else None
