"""The workflow over real HTTP: open, the student's link, select, confirm, reject, expiry, races."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from sync.database.session import session_scope
from sync.flights.models import Flight, FlightStatus
from sync.notify.models import Notification
from sync.reschedule import links
from sync.reschedule.models import RescheduleRequest
from sync.schools.models import School
from tests.sync.factories import make_aircraft, make_instructor, make_student

TOKEN = re.compile(r"/r/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")


def _day_after_tomorrow_9am() -> datetime:
    # 15:00 UTC is 09:00 in Chicago (CST) — inside the default school hours.
    return datetime.now(UTC).replace(hour=15, minute=0, second=0, microsecond=0) + timedelta(days=2)


def _cancelled_lesson(api_server, school, *, instructor_id=None, student_id=None) -> uuid.UUID:
    with session_scope(api_server.engine) as db:
        row = db.get(School, school.school_id)
        aircraft = make_aircraft(db, row)
        start = _day_after_tomorrow_9am()
        flight = Flight(school_id=row.id, student_id=student_id or school.student_id,
                        instructor_id=instructor_id or school.instructor_id, aircraft_id=aircraft.id,
                        start_at=start, end_at=start + timedelta(hours=2), departure="KAUS",
                        flight_type="DUAL", status=FlightStatus.WEATHER_CANCELLED)
        db.add(flight)
        db.flush()
        return flight.id


def _student_token(api_server, flight_id: uuid.UUID) -> str:
    """The token in the link of the student's cancellation mail (from the outbox)."""
    with session_scope(api_server.engine) as db:
        bodies = db.scalars(select(Notification.body_text).where(
            Notification.flight_id == flight_id, Notification.kind == "weather_cancellation")).all()
    tokens = {match for body in bodies for match in TOKEN.findall(body)}
    assert len(tokens) == 1, bodies
    return tokens.pop()


def _open(api_server, school, **kwargs):
    flight_id = _cancelled_lesson(api_server, school, **kwargs)
    response = school.dispatcher.post("/reschedule", json={"flightId": str(flight_id)})
    assert response.status_code == 201, response.text
    return flight_id, response.json()


def test_the_student_picks_through_the_link_and_the_instructor_confirms(api_server, signed_in_school) -> None:
    school = signed_in_school()
    flight_id, request = _open(api_server, school)
    assert request["state"] == "PENDING_STUDENT" and len(request["options"]) == 3
    assert request["produced_by"] == "deterministic"
    again = school.dispatcher.post("/reschedule", json={"flightId": str(flight_id)})
    assert again.status_code == 409 and again.json()["rule"] == "REQUEST_ALREADY_OPEN"

    token = _student_token(api_server, flight_id)
    with api_server.client() as anonymous:
        page = anonymous.get(f"/r/{token}")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert page.text.count("<form") == 3
        for rank in (1, 2, 3):
            assert f"Choose option {rank}" in page.text
        assert "America/Chicago" in page.text

        chosen = anonymous.post(f"/r/{token}", data={"option": "2"})
        assert chosen.status_code == 200 and "Thank you" in chosen.text

        used = anonymous.post(f"/r/{token}", data={"option": "1"})
        assert used.status_code == 410 and "already chose option 2" in used.text
        assert anonymous.get(f"/r/{token}").status_code == 410

    state = school.dispatcher.get(f"/reschedule/{request['id']}").json()
    assert state["state"] == "PENDING_INSTRUCTOR" and state["selected_rank"] == 2

    confirmed = school.instructor.post(f"/reschedule/{request['id']}/confirm")
    assert confirmed.status_code == 200, confirmed.text
    body = confirmed.json()
    assert body["state"] == "ACCEPTED" and body["confirmed_at"] and body["new_flight_id"]
    new = school.dispatcher.get(f"/flights/{body['new_flight_id']}").json()
    option = next(o for o in request["options"] if o["rank"] == 2)
    assert new["status"] == "SCHEDULED" and new["start_at"] == option["start_at"]
    assert new["aircraft_id"] == option["aircraft_id"] and new["rescheduled_from_id"] == str(flight_id)
    assert school.dispatcher.get(f"/flights/{flight_id}").json()["status"] == "RESCHEDULED"
    with session_scope(api_server.engine) as db:
        kinds = set(db.scalars(select(Notification.kind).where(Notification.school_id == school.school_id)))
    assert {"weather_cancellation", "option_chosen", "confirmation"} <= kinds


def test_instructors_confirm_only_their_own_lessons(api_server, signed_in_school) -> None:
    school = signed_in_school()
    with session_scope(api_server.engine) as db:
        other = make_instructor(db, db.get(School, school.school_id)).id
    _, request = _open(api_server, school, instructor_id=other)
    picked = school.dispatcher.post(f"/reschedule/{request['id']}/select", json={"option": 1})
    assert picked.status_code == 200 and picked.json()["state"] == "PENDING_INSTRUCTOR"
    refused = school.instructor.post(f"/reschedule/{request['id']}/confirm")
    assert refused.status_code == 403 and refused.json()["rule"] == "NOT_YOUR_LESSON"
    # (unless the chosen slot is theirs to teach — here it is the other instructor's)
    confirmed = school.dispatcher.post(f"/reschedule/{request['id']}/confirm")
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "ACCEPTED"


def test_who_may_do_what(api_server, signed_in_school) -> None:
    school = signed_in_school()
    flight_id = _cancelled_lesson(api_server, school)
    assert school.instructor.post("/reschedule", json={"flightId": str(flight_id)}).status_code == 403
    assert school.student.get("/reschedule").status_code == 403
    _, request = _open(api_server, school)
    assert school.instructor.post(f"/reschedule/{request['id']}/select", json={"option": 1}).status_code == 403
    stranger = signed_in_school()
    assert stranger.dispatcher.get(f"/reschedule/{request['id']}").status_code == 404
    # Only weather-cancelled or at-risk lessons.
    with session_scope(api_server.engine) as db:
        db.get(Flight, flight_id).status = FlightStatus.SCHEDULED
    refused = school.dispatcher.post("/reschedule", json={"flightId": str(flight_id)})
    assert refused.status_code == 409 and refused.json()["rule"] == "FLIGHT_NOT_RESCHEDULABLE"
    confirm_too_early = school.dispatcher.post(f"/reschedule/{request['id']}/confirm")
    assert confirm_too_early.status_code == 409 and confirm_too_early.json()["rule"] == "WRONG_STATE"


def test_reject_closes_the_request_and_the_link(api_server, signed_in_school) -> None:
    school = signed_in_school()
    flight_id, request = _open(api_server, school)
    token = _student_token(api_server, flight_id)
    rejected = school.dispatcher.post(f"/reschedule/{request['id']}/reject",
                                      json={"reason": "the student called: none of these"})
    assert rejected.status_code == 200 and rejected.json()["state"] == "REJECTED"
    listed = school.dispatcher.get("/reschedule", params={"state": "REJECTED"}).json()["items"]
    assert [item["id"] for item in listed] == [request["id"]]
    assert school.dispatcher.get("/reschedule", params={"state": "PENDING_STUDENT"}).json()["items"] == []
    with api_server.client() as anonymous:
        closed = anonymous.get(f"/r/{token}")
        assert closed.status_code == 410 and "closed" in closed.text
    # The lesson may be opened again (the dispatcher's second try).
    assert school.dispatcher.post("/reschedule", json={"flightId": str(flight_id)}).status_code == 201


def test_a_slot_taken_meanwhile_is_refused_with_fresh_options(api_server, signed_in_school) -> None:
    school = signed_in_school()
    flight_id, request = _open(api_server, school)
    token = _student_token(api_server, flight_id)
    first = next(o for o in request["options"] if o["rank"] == 1)
    with session_scope(api_server.engine) as db:
        other_student = make_student(db, db.get(School, school.school_id)).id
    booked = school.dispatcher.post("/flights", json={
        "student_id": str(other_student), "instructor_id": first["instructor_id"],
        "aircraft_id": first["aircraft_id"], "start_at": first["start_at"], "end_at": first["end_at"],
        "departure": "KAUS", "flight_type": "DUAL"})
    assert booked.status_code == 201, booked.text

    with api_server.client() as anonymous:
        page = anonymous.post(f"/r/{token}", data={"option": "1"})
        assert page.status_code == 409 and "just taken" in page.text
    refused = school.dispatcher.post(f"/reschedule/{request['id']}/select", json={"option": 1})
    assert refused.status_code == 409
    body = refused.json()
    assert body["rule"] == "SLOT_TAKEN" and len(body["conflict"]["options"]) == 3
    for option in body["conflict"]["options"]:
        same_slot = option["start_at"] == first["start_at"]
        assert not (same_slot and option["aircraft_id"] == first["aircraft_id"])
        assert not (same_slot and option["instructor_id"] == first["instructor_id"])
    # Another option is still free: the link still works for it.
    with api_server.client() as anonymous:
        assert anonymous.post(f"/r/{token}", data={"option": "3"}).status_code == 200


def test_expired_and_broken_links_say_so(api_server, signed_in_school) -> None:
    school = signed_in_school()
    flight_id, request = _open(api_server, school)
    token = _student_token(api_server, flight_id)
    with api_server.client() as anonymous:
        broken = anonymous.get(f"/r/{token[:-4]}AAAA")
        assert broken.status_code == 400 and "does not work" in broken.text
        assert "Traceback" not in broken.text
        assert anonymous.get("/r/not-a-token").status_code == 400
        with session_scope(api_server.engine) as db:
            db.get(RescheduleRequest, uuid.UUID(request["id"])).expires_at = \
                datetime.now(UTC) - timedelta(minutes=1)
        expired = anonymous.get(f"/r/{token}")
        assert expired.status_code == 410 and "expired" in expired.text
        assert anonymous.post(f"/r/{token}", data={"option": "1"}).status_code == 410
    late = school.dispatcher.post(f"/reschedule/{request['id']}/select", json={"option": 1})
    assert late.status_code == 409 and late.json()["rule"] == "REQUEST_EXPIRED"


def test_an_expired_token_is_refused_by_its_own_clock(api_server) -> None:
    request = RescheduleRequest(id=uuid.uuid4(), expires_at=datetime(2026, 11, 26, 12, tzinfo=UTC))
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    token = links.student_token(request=request, settings=api_server.settings, now=now)
    assert links.read_student_token(token, settings=api_server.settings, now=now) == request.id
    with pytest.raises(links.LinkExpired):
        links.read_student_token(token, settings=api_server.settings, now=request.expires_at)
    link = links.student_link(request=request, settings=api_server.settings, now=now)
    assert link.startswith(api_server.settings.public_url + "/r/")
