"""The school's booking policy on the reschedule path over real HTTP: a pick or a confirmation of a
slot that broke a rule since the options were sent answers 409 ``SLOT_UNAVAILABLE`` with fresh
options, the student's page says so in words, and a confirmation racing a booking at the front
desk never lets both through (the booking lock)."""

from __future__ import annotations

import re
import threading
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from sync.database.session import session_scope
from sync.flights.models import Flight, FlightStatus, RELEASED_STATUSES
from sync.notify.models import Notification
from sync.policy.models import BookingPolicy, RuleAction, RuleCode
from sync.schools.models import School
from tests.sync.factories import make_aircraft, make_instructor, make_student

TOKEN = re.compile(r"/r/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")
AUSTIN = ZoneInfo("America/Chicago")


def _policy(api_server, school, **changes) -> None:
    with session_scope(api_server.engine) as db:
        row = db.get(School, school.school_id)
        policy = BookingPolicy.from_stored(row.booking_policy)
        actions, settings = dict(policy.actions), dict(policy.settings)
        for name, value in changes.items():
            if name in RuleCode.__members__:
                actions[RuleCode(name)] = RuleAction(value)
            else:
                settings[name] = value
        row.booking_policy = BookingPolicy(actions, settings).stored()


def _cancelled_lesson(api_server, school, *, student_id=None) -> uuid.UUID:
    """A weather-cancelled lesson the day after tomorrow at 09:00 (Chicago), its own aircraft."""
    with session_scope(api_server.engine) as db:
        row = db.get(School, school.school_id)
        start = datetime.now(UTC).replace(hour=15, minute=0, second=0, microsecond=0) + timedelta(days=2)
        flight = Flight(school_id=row.id, student_id=student_id or school.student_id,
                        instructor_id=school.instructor_id, aircraft_id=make_aircraft(db, row).id,
                        start_at=start, end_at=start + timedelta(hours=2), departure="KAUS",
                        flight_type="DUAL", status=FlightStatus.WEATHER_CANCELLED)
        db.add(flight)
        db.flush()
        return flight.id


def _open(api_server, school, **kwargs) -> tuple[uuid.UUID, dict]:
    flight_id = _cancelled_lesson(api_server, school, **kwargs)
    opened = school.dispatcher.post("/reschedule", json={"flightId": str(flight_id)})
    assert opened.status_code == 201, opened.text
    return flight_id, opened.json()


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _early_that_day(option: dict) -> datetime:
    """06:00 (Chicago) on the option's day: before the school opens, clear of every option."""
    day = _at(option["start_at"]).astimezone(AUSTIN).date()
    return datetime(day.year, day.month, day.day, 6, tzinfo=AUSTIN).astimezone(UTC)


def _book_directly(api_server, school, student_id, start: datetime, minutes: int = 30) -> None:
    """A lesson of the student written straight to the database (another instructor and
    aircraft): what the front desk booked while the student was reading their mail."""
    with session_scope(api_server.engine) as db:
        row = db.get(School, school.school_id)
        db.add(Flight(school_id=row.id, student_id=student_id, instructor_id=make_instructor(db, row).id,
                      aircraft_id=make_aircraft(db, row, model="PA-28").id, start_at=start,
                      end_at=start + timedelta(minutes=minutes), departure="KAUS", flight_type="DUAL"))


def test_a_pick_that_no_longer_fits_the_rules_is_refused_and_the_student_page_says_why(
        api_server, signed_in_school) -> None:
    school = signed_in_school()
    _policy(api_server, school, student_lessons_per_day=1)
    flight_id, request = _open(api_server, school)
    with session_scope(api_server.engine) as db:
        bodies = db.scalars(select(Notification.body_text).where(
            Notification.flight_id == flight_id, Notification.kind == "weather_cancellation")).all()
    token = {match for body in bodies for match in TOKEN.findall(body)}.pop()
    first = next(o for o in request["options"] if o["rank"] == 1)
    _book_directly(api_server, school, school.student_id, _early_that_day(first))

    with api_server.client() as anonymous:
        page = anonymous.post(f"/r/{token}", data={"option": "1"})
    assert page.status_code == 409, page.text
    assert "can no longer be booked" in page.text
    assert "you would have more lessons that day than the school allows" in page.text
    assert "choose another option" in page.text

    refused = school.dispatcher.post(f"/reschedule/{request['id']}/select", json={"option": 1})
    assert refused.status_code == 409
    body = refused.json()
    assert body["rule"] == "SLOT_UNAVAILABLE" and "already has 1 lesson" in body["detail"]
    assert [item["code"] for item in body["conflict"]["broken"]] == ["STUDENT_DAILY_LIMIT"]
    first_day = _at(first["start_at"]).astimezone(AUSTIN).date()
    fresh = body["conflict"]["options"]
    assert fresh and all(_at(o["start_at"]).astimezone(AUSTIN).date() != first_day for o in fresh)
    assert school.dispatcher.get(f"/reschedule/{request['id']}").json()["state"] == "PENDING_STUDENT"


def test_a_confirmation_of_a_slot_that_no_longer_fits_books_nothing(api_server, signed_in_school) -> None:
    school = signed_in_school()
    _policy(api_server, school, student_lessons_per_day=1)
    flight_id, request = _open(api_server, school)
    assert school.dispatcher.post(f"/reschedule/{request['id']}/select", json={"option": 1}).status_code == 200
    first = next(o for o in request["options"] if o["rank"] == 1)
    _book_directly(api_server, school, school.student_id, _early_that_day(first))

    confirmed = school.instructor.post(f"/reschedule/{request['id']}/confirm")

    assert confirmed.status_code == 409 and confirmed.json()["rule"] == "SLOT_UNAVAILABLE", confirmed.text
    assert confirmed.json()["conflict"]["options"]
    with session_scope(api_server.engine) as db:
        assert db.get(Flight, flight_id).status is FlightStatus.WEATHER_CANCELLED
        assert db.scalars(select(Flight).where(Flight.rescheduled_from_id == flight_id)).all() == []


def test_a_confirmation_and_a_booking_at_the_desk_at_once_never_both_break_the_rule(
        api_server, signed_in_school) -> None:
    """One lesson a day for each student (blocking): the confirmation of a slot and a booking
    of the same student on the same day, sent at the same moment. Each takes the booking lock
    before it judges, so whichever comes second sees the first and is refused."""
    school = signed_in_school()
    _policy(api_server, school, student_lessons_per_day=1, STUDENT_DAILY_LIMIT="block")
    pairs = []
    with session_scope(api_server.engine) as db:
        row = db.get(School, school.school_id)
        students = [make_student(db, row).id for _ in range(5)]
        desk = [(make_instructor(db, row).id, make_aircraft(db, row, model="PA-28").id) for _ in students]
    for student_id, (instructor_id, aircraft_id) in zip(students, desk):
        flight_id, request = _open(api_server, school, student_id=student_id)
        assert school.dispatcher.post(f"/reschedule/{request['id']}/select",
                                      json={"option": 1}).status_code == 200
        first = next(o for o in request["options"] if o["rank"] == 1)
        # An hour inside school hours on the option's day, clear of the option itself.
        option_start, option_end = _at(first["start_at"]), _at(first["end_at"])
        day = option_start.astimezone(AUSTIN).date()
        moments = [datetime(day.year, day.month, day.day, hour, tzinfo=AUSTIN).astimezone(UTC)
                   for hour in (7, 9, 11, 13, 15, 17)]
        start = next(m for m in moments if m + timedelta(hours=1) <= option_start or m >= option_end)
        pairs.append((student_id, request["id"], {
            "student_id": str(student_id), "instructor_id": str(instructor_id),
            "aircraft_id": str(aircraft_id), "start_at": start.isoformat(),
            "end_at": (start + timedelta(hours=1)).isoformat(), "departure": "KAUS",
            "flight_type": "DUAL"}, day))

    go = threading.Barrier(2 * len(pairs))
    answers: dict[tuple[int, str], int] = {}
    lock = threading.Lock()

    def send(n: int, kind: str, call) -> None:
        with api_server.client(school.tokens["dispatcher"].access_token) as client:
            go.wait()
            response = call(client)
        with lock:
            answers[(n, kind)] = response.status_code

    threads = []
    for n, (_, request_id, booking, _) in enumerate(pairs):
        threads.append(threading.Thread(target=send, args=(
            n, "confirm", lambda client, request_id=request_id: client.post(f"/reschedule/{request_id}/confirm"))))
        threads.append(threading.Thread(target=send, args=(
            n, "book", lambda client, booking=booking: client.post("/flights", json=booking))))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    for n, (student_id, _, _, day) in enumerate(pairs):
        outcome = (answers[(n, "confirm")], answers[(n, "book")])
        assert outcome in ((200, 409), (409, 201)), (n, outcome)
        with session_scope(api_server.engine) as db:
            that_day = [f for f in db.scalars(select(Flight).where(
                Flight.student_id == student_id, Flight.status.not_in(RELEASED_STATUSES),
                Flight.deleted_at.is_(None))) if f.start_at.astimezone(AUSTIN).date() == day]
        assert len(that_day) == 1, (n, outcome, that_day)
