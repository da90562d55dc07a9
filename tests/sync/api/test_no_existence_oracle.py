"""Another school's ids cannot be told apart from ids of one's own school or ids nobody holds.

Creating with a client-chosen id that is taken (REST ``id``, a push's ``row_id``) and pushing a
``mutation_id`` that is not the caller's own get ONE refusal, whoever holds the id; reading or
changing another school's row answers exactly what an id nobody holds answers. Byte for byte:
any difference would tell a caller that the id exists, and where.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from sync.database.session import session_scope
from sync.flights.models import Flight
from sync.notify import outbox
from tests.sync.api.booking import HOUR, TOMORROW, lesson, with_fleet
from tests.sync.api.conftest import ApiServer, SignedInSchool
from tests.sync.factories import make_reschedule_request

UNUSABLE_ID = {"detail": "this id cannot be used: generate a new one (a random UUID) and send again",
               "rule": "ID_TAKEN", "field": "id", "conflict": None}

STUDENT = {"name": "Ada Lovelace", "email": "ada@example.com", "training_level": "EARLY_STUDENT"}
INSTRUCTOR = {"name": "Chuck Yeager", "email": "chuck@example.com", "ratings": ["CFI"]}


def _aircraft() -> dict:
    return {"tail_number": f"N{uuid.uuid4().hex[:5].upper()}", "model": "C172S",
            "home_airport": "KAUS", "max_crosswind_kt": 15}


# The body that would create a new row of each kind in ``school`` (given a free id).
NEW_ROW: dict[str, Callable[[SignedInSchool], dict]] = {
    "students": lambda school: dict(STUDENT),
    "instructors": lambda school: dict(INSTRUCTOR),
    "aircraft": lambda school: _aircraft(),
    "flights": lambda school: lesson(school),
}


def _school(signed_in_school, api_server: ApiServer) -> SignedInSchool:
    """A school with a fleet and one booked lesson (``flight_id``), out of the way of TOMORROW."""
    school = with_fleet(signed_in_school(), api_server)
    booked = school.dispatcher.post("/flights", json=lesson(school, start=TOMORROW + 6 * HOUR))
    assert booked.status_code == 201, booked.text
    school.flight_id = uuid.UUID(booked.json()["id"])
    return school


def _held_id(school: SignedInSchool, kind: str) -> uuid.UUID:
    return {"students": school.student_id, "instructors": school.instructor_id,
            "aircraft": school.aircraft_id, "flights": school.flight_id}[kind]


@pytest.fixture
def ours(signed_in_school, api_server):
    return _school(signed_in_school, api_server)


@pytest.fixture
def theirs(signed_in_school, api_server):
    return _school(signed_in_school, api_server)


# -- creating with a chosen id -------------------------------------------------------------


@pytest.mark.parametrize("kind", list(NEW_ROW))
def test_a_taken_id_gets_one_refusal_whichever_school_holds_it(ours, theirs, kind):
    own = ours.dispatcher.post(f"/{kind}", json=NEW_ROW[kind](ours) | {"id": str(_held_id(ours, kind))})
    foreign = ours.dispatcher.post(f"/{kind}",
                                   json=NEW_ROW[kind](ours) | {"id": str(_held_id(theirs, kind))})

    assert own.status_code == foreign.status_code == 409
    assert own.content == foreign.content
    assert own.json() == UNUSABLE_ID

    free = str(uuid.uuid4())
    created = ours.dispatcher.post(f"/{kind}", json=NEW_ROW[kind](ours) | {"id": free})
    assert created.status_code == 201, created.text
    assert created.json()["id"] == free


def _push(school: SignedInSchool, *mutations: dict, client_id: uuid.UUID | None = None) -> list[dict]:
    response = school.dispatcher.post("/sync/push", json={
        "client_id": str(client_id or uuid.uuid4()), "mutations": list(mutations)})
    assert response.status_code == 200, response.text
    return response.json()["results"]


def _insert(kind: str, row_id: uuid.UUID, data: dict, mutation_id: uuid.UUID | None = None) -> dict:
    return {"mutation_id": str(mutation_id or uuid.uuid4()), "table": kind, "op": "insert",
            "row_id": str(row_id), "data": data}


@pytest.mark.parametrize("kind", list(NEW_ROW))
def test_a_pushed_insert_with_a_taken_row_id_gets_one_refusal(ours, theirs, kind):
    mutation_id = uuid.uuid4()
    [own] = _push(ours, _insert(kind, _held_id(ours, kind), NEW_ROW[kind](ours), mutation_id))
    [foreign] = _push(ours, _insert(kind, _held_id(theirs, kind), NEW_ROW[kind](ours)))

    assert own["status"] == foreign["status"] == "rejected"
    assert own["error"] == foreign["error"] == UNUSABLE_ID | {"status_code": 409}
    assert {**own, "mutation_id": None} == {**foreign, "mutation_id": None}

    free = uuid.uuid4()
    [applied] = _push(ours, _insert(kind, free, NEW_ROW[kind](ours)))
    assert applied["status"] == "applied", applied
    assert applied["row"]["id"] == str(free)


def test_a_mutation_id_is_answered_only_to_the_client_that_used_it(ours, theirs):
    desk = uuid.uuid4()
    mutation = _insert("students", uuid.uuid4(), dict(STUDENT))
    [applied] = _push(ours, mutation, client_id=desk)
    assert applied["status"] == "applied"

    # A retry by the same desk is answered with what it got (idempotency) ...
    assert _push(ours, mutation, client_id=desk) == [applied]
    # ... anyone else, in the school or not, hears only that the id cannot be used.
    same_school = _push(ours, mutation, client_id=uuid.uuid4())
    other_school = _push(theirs, mutation, client_id=desk)
    assert same_school == other_school
    assert same_school == [{
        "mutation_id": mutation["mutation_id"], "status": "rejected", "row": None,
        "error": {"status_code": 409, "rule": "MUTATION_ID_TAKEN", "field": "mutation_id",
                  "detail": "this mutation id cannot be used: generate a new one (a random UUID) "
                            "for each edit and send again", "conflict": None},
    }]
    # Nothing was applied for them: the school still has one such student.
    students = ours.dispatcher.get("/students", params={"limit": 500}).json()["items"]
    assert [row["id"] for row in students].count(mutation["row_id"]) == 1


def test_pushed_changes_to_another_schools_rows_answer_as_for_rows_nobody_has(ours, theirs):
    for kind in NEW_ROW:
        for op, data in (("update", {"notes": "x"} if kind == "flights" else {"phone": "1"}),
                         ("delete", {})):
            answers = []
            for row_id in (_held_id(theirs, kind), uuid.uuid4()):
                [result] = _push(ours, {"mutation_id": str(uuid.uuid4()), "table": kind, "op": op,
                                        "row_id": str(row_id), "base_version": 1, "data": data})
                answers.append(_without(result | {"mutation_id": None}, row_id))
            assert answers[0] == answers[1], (kind, op, answers)
            assert answers[0]["status"] == "rejected" and answers[0]["error"]["status_code"] == 404


# -- every route with an id in its path ------------------------------------------------------


def _rows_of(school: SignedInSchool, api_server: ApiServer) -> dict[str, uuid.UUID]:
    """One row of the school for each kind of id a path names."""
    with session_scope(api_server.engine) as db:
        mail = outbox.enqueue(db=db, school_id=school.school_id, flight_id=None,
                              kind="weather_cancellation", recipient="student@example.com",
                              window_key=uuid.uuid4().hex, subject="Your lesson",
                              body_text="text", body_html="<p>text</p>", now=TOMORROW)
        request = make_reschedule_request(db, db.get(Flight, school.flight_id))
        mail_id, request_id = mail.id, request.id
    return {"student_id": school.student_id, "instructor_id": school.instructor_id,
            "aircraft_id": school.aircraft_id, "flight_id": school.flight_id,
            "notification_id": mail_id, "request_id": request_id,
            "account_id": uuid.UUID(school.tokens["dispatcher"].account_id)}


# What each operation with a body is sent (by the path's last word): valid, so that only the id
# decides the answer.
_BODIES = {"cancel": {"reason": "x"}, "select": {"option": 1}, "reject": {"reason": "x"},
           "password": {"password": "a new password, long enough"},
           "check-out": {"hobbs_out": 100.0, "tach_out": 80.0},
           "check-in": {"hobbs_in": 101.0, "tach_in": 81.0, "hobbs_out": 100.0, "tach_out": 80.0}}


def _without(body, row_id: uuid.UUID):
    """The answer with the id it was asked about blanked out (messages may name it)."""
    if isinstance(body, str):
        return body.replace(str(row_id), "<id>")
    if isinstance(body, dict):
        return {key: _without(value, row_id) for key, value in body.items()}
    return body


def _operations(api_server: ApiServer) -> list[tuple[str, str, str, list[dict | None]]]:
    """(method, path, path parameter, bodies to send) of every operation with an id in its path."""
    schema = api_server.app.openapi()
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
            if not names:
                continue
            assert len(names) == 1, f"{method.upper()} {path}: teach this test two ids"
            if method == "patch":
                # With and without the version an update must name, where it takes one.
                body = operation["requestBody"]["content"]["application/json"]["schema"]
                fields = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
                bodies = [{}, {"version": 1}] if "version" in fields["properties"] else [{}]
            else:
                bodies = [_BODIES.get(path.rsplit("/", 1)[-1])]
            found.append((method.upper(), path, names[0], bodies))
    return found


def test_every_route_answers_another_schools_id_as_an_id_nobody_has(ours, theirs, api_server):
    their_rows = _rows_of(theirs, api_server)
    operations = _operations(api_server)
    assert {"GET", "PATCH", "POST"} <= {method for method, _, _, _ in operations}

    for method, path, name, bodies in operations:
        assert name in their_rows, f"{method} {path}: add a row for {{{name}}} to _rows_of"
        for body in bodies:
            answers = []
            for row_id in (their_rows[name], uuid.uuid4()):
                # The admin: every route admits them, so each gets as far as its lookup.
                response = ours.admin.request(method, path.replace(f"{{{name}}}", str(row_id)),
                                              json=body)
                answers.append((response.status_code, response.headers.get("etag"),
                                _without(response.text, row_id)))
            assert answers[0] == answers[1], (method, path, body, answers)
            assert answers[0][0] == 404, (method, path, body, answers)
