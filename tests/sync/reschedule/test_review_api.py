"""The reschedule review's service side: who acted when, and a fresh search replacing a request."""

from __future__ import annotations

import re

from sqlalchemy import select

from sync.database.session import session_scope
from sync.notify.models import Notification
from tests.sync.reschedule.test_workflow_api import _open, _student_token

TOKEN = re.compile(r"/r/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")


def _steps(body: dict) -> list[tuple[str, str]]:
    return [(step["action"], step["actor"]) for step in body["history"]]


def test_history_says_who_acted_when(api_server, signed_in_school) -> None:
    school = signed_in_school()
    flight_id, request = _open(api_server, school)
    assert _steps(request) == [("opened", school.emails["dispatcher"])]
    assert "3 options" in request["history"][0]["detail"] and request["history"][0]["at"].endswith("Z")

    token = _student_token(api_server, flight_id)
    with api_server.client() as anonymous:
        assert anonymous.post(f"/r/{token}", data={"option": "3"}).status_code == 200
    confirmed = school.instructor.post(f"/reschedule/{request['id']}/confirm")
    assert confirmed.status_code == 200, confirmed.text
    steps = confirmed.json()["history"]
    assert [step["action"] for step in steps] == ["opened", "picked", "confirmed"]
    assert steps[1]["actor"] == "student (via e-mail link)" and steps[1]["detail"] == "option 3 chosen"
    # An instructor reads as their name and e-mail.
    assert school.emails["instructor"] in steps[2]["actor"] and "CFI" in steps[2]["actor"]
    assert steps[2]["detail"] == "option 3 booked"
    listed = school.dispatcher.get("/reschedule").json()["items"]
    assert [step["action"] for step in listed[0]["history"]] == ["opened", "picked", "confirmed"]


def test_a_rejection_keeps_its_reason(api_server, signed_in_school) -> None:
    school = signed_in_school()
    _, request = _open(api_server, school)
    school.dispatcher.post(f"/reschedule/{request['id']}/reject", json={"reason": "student on holiday"})
    body = school.dispatcher.get(f"/reschedule/{request['id']}").json()
    assert body["history"][-1] == {**body["history"][-1], "action": "rejected",
                                   "actor": school.emails["dispatcher"], "detail": "student on holiday"}


def test_search_again_replaces_the_open_request_and_mails_a_new_link(api_server, signed_in_school) -> None:
    school = signed_in_school()
    flight_id, old = _open(api_server, school)
    old_token = _student_token(api_server, flight_id)
    picked = school.dispatcher.post(f"/reschedule/{old['id']}/select", json={"option": 1})
    assert picked.json()["state"] == "PENDING_INSTRUCTOR"

    answer = school.dispatcher.post(f"/reschedule/{old['id']}/search-again")
    assert answer.status_code == 201, answer.text
    new = answer.json()
    assert new["id"] != old["id"] and new["flight_id"] == str(flight_id)
    assert new["state"] == "PENDING_STUDENT" and len(new["options"]) == 3
    assert "fresh search" in new["history"][0]["detail"]

    closed = school.dispatcher.get(f"/reschedule/{old['id']}").json()
    assert closed["state"] == "REJECTED" and closed["closed_at"]
    assert closed["history"][-1]["action"] == "superseded"
    assert closed["history"][-1]["detail"] == "superseded by a fresh search"

    with session_scope(api_server.engine) as db:
        bodies = db.scalars(select(Notification.body_text).where(
            Notification.flight_id == flight_id, Notification.kind == "weather_cancellation")).all()
    tokens = {match for body in bodies for match in TOKEN.findall(body)}
    assert len(tokens) == 2 and old_token in tokens  # the student got a second mail, a new link
    with api_server.client() as anonymous:
        assert anonymous.get(f"/r/{old_token}").status_code == 410
        new_token = (tokens - {old_token}).pop()
        assert anonymous.get(f"/r/{new_token}").status_code == 200


def test_search_again_refuses_closed_requests_and_non_dispatchers(api_server, signed_in_school) -> None:
    school = signed_in_school()
    _, request = _open(api_server, school)
    refused = school.instructor.post(f"/reschedule/{request['id']}/search-again")
    assert refused.status_code == 403
    school.dispatcher.post(f"/reschedule/{request['id']}/select", json={"option": 1})
    assert school.dispatcher.post(f"/reschedule/{request['id']}/confirm").status_code == 200
    closed = school.dispatcher.post(f"/reschedule/{request['id']}/search-again")
    assert closed.status_code == 409 and closed.json()["rule"] == "REQUEST_CLOSED"
    assert "ACCEPTED" in closed.json()["detail"]
    stranger = signed_in_school()
    assert stranger.dispatcher.post(f"/reschedule/{request['id']}/search-again").status_code == 404
