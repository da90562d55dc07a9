"""GET /sync/pull and POST /sync/push over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import threading
import time
import uuid
from datetime import timedelta

import pytest

from sync.database.session import session_scope
from sync.flights.models import Flight, FlightType
from sync.people.models import Student
from sync.weather.minimums import TrainingLevel
from tests.sync.api.booking import HOUR, TOMORROW, lesson, with_fleet


@pytest.fixture
def school(signed_in_school, api_server):
    return with_fleet(signed_in_school(), api_server)


def mutation(table, op, row_id=None, base_version=None, **data):
    return {"mutation_id": str(uuid.uuid4()), "table": table, "op": op,
            "row_id": str(row_id or uuid.uuid4()), "base_version": base_version, "data": data}


def push(client, *mutations, client_id=None):
    response = client.post("/sync/push", json={"client_id": str(client_id or uuid.uuid4()),
                                               "mutations": list(mutations)})
    assert response.status_code == 200, response.text
    return response.json()["results"]


def pull_all(client, cursor=0, limit=500):
    """Every page from ``cursor``: (changes, final cursor, number of pages)."""
    changes, pages = [], 0
    while True:
        response = client.get("/sync/pull", params={"cursor": cursor, "limit": limit})
        assert response.status_code == 200, response.text
        page = response.json()
        pages += 1
        assert all(change["server_seq"] > cursor for change in page["changes"])
        changes += page["changes"]
        cursor = page["cursor"]
        if not page["has_more"]:
            return changes, cursor, pages


def add_students(api_server, school, count):
    with session_scope(api_server.engine) as db:
        rows = [Student(school_id=school.school_id, name=f"Student {n}", email=f"s{n}@example.com",
                        training_level=TrainingLevel.EARLY_STUDENT) for n in range(count)]
        db.add_all(rows)
        db.flush()
        return [str(row.id) for row in rows]


# -- pull ------------------------------------------------------------------------------------


def test_initial_pull_comes_in_pages_in_sequence_order(school, api_server):
    students = add_students(api_server, school, 7)

    changes, cursor, pages = pull_all(school.dispatcher, limit=3)

    seqs = [change["server_seq"] for change in changes]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs) and cursor == seqs[-1]
    assert pages == -(-len(changes) // 3)  # ceil: full pages, then the rest
    by_table = {}
    for change in changes:
        by_table.setdefault(change["table"], set()).add(change["id"])
    assert by_table["schools"] == {str(school.school_id)}
    assert set(students) | {str(school.student_id)} == by_table["students"]
    assert by_table["instructors"] == {str(school.instructor_id), str(school.colleague_id)}
    assert by_table["aircraft"] == {str(school.aircraft_id)}
    student = next(c for c in changes if c["id"] == str(school.student_id))
    assert student["deleted"] is False and student["data"]["training_level"] == "PRIVATE_PILOT"
    assert student["data"]["version"] == student["version"]

    again = school.dispatcher.get("/sync/pull", params={"cursor": cursor}).json()
    assert again == {"changes": [], "cursor": cursor, "has_more": False}


def test_the_limit_is_bounded(school):
    assert school.dispatcher.get("/sync/pull", params={"limit": 5001}).status_code == 422
    assert school.dispatcher.get("/sync/pull", params={"limit": 0}).status_code == 422
    assert school.dispatcher.get("/sync/pull", params={"cursor": -1}).status_code == 422


def test_an_incremental_pull_sees_only_later_changes(school):
    _, cursor, _ = pull_all(school.dispatcher)
    booked = school.dispatcher.post("/flights", json=lesson(school)).json()
    renamed = school.dispatcher.patch(f"/students/{school.student_id}",
                                      json={"phone": "555-0100", "version": 1})
    assert renamed.status_code == 200

    changes, new_cursor, _ = pull_all(school.instructor, cursor)

    assert [(c["table"], c["id"]) for c in changes] == [
        ("flights", booked["id"]), ("students", str(school.student_id))]
    assert changes[0]["data"] == booked
    assert changes[1]["data"]["phone"] == "555-0100" and changes[1]["version"] == 2
    assert new_cursor == changes[-1]["server_seq"]


def test_tombstones_are_pulled_with_minimal_data(school, api_server):
    [extra] = add_students(api_server, school, 1)
    _, cursor, _ = pull_all(school.dispatcher)

    [result] = push(school.dispatcher, mutation("students", "delete", extra, base_version=1))
    assert result["status"] == "applied", result

    [change] = pull_all(school.dispatcher, cursor)[0]
    assert change["id"] == extra and change["deleted"] is True and change["version"] == 2
    assert set(change["data"]) == {"id", "school_id", "deleted_at"}
    assert school.dispatcher.get(f"/students/{extra}").status_code == 404


def test_another_schools_rows_never_appear(school, signed_in_school, api_server):
    other = signed_in_school()
    add_students(api_server, other, 3)
    other.dispatcher.patch(f"/students/{other.student_id}", json={"phone": "1", "version": 1})

    changes, _, _ = pull_all(school.dispatcher, limit=2)

    assert changes
    assert all(c["data"]["school_id"] == str(school.school_id) for c in changes
               if c["table"] != "schools")
    assert [c["id"] for c in changes if c["table"] == "schools"] == [str(school.school_id)]
    other_ids = {c["id"] for c in pull_all(other.dispatcher)[0]}
    assert other_ids.isdisjoint({c["id"] for c in changes})


def test_students_and_strangers_are_refused(school, api_client):
    assert school.student.get("/sync/pull").status_code == 403
    assert school.student.post("/sync/push", json={"client_id": str(uuid.uuid4()),
                                                   "mutations": []}).status_code == 403
    assert api_client.get("/sync/pull").status_code == 401
    assert api_client.post("/sync/push", json={"client_id": str(uuid.uuid4()),
                                               "mutations": []}).status_code == 401


# -- push ------------------------------------------------------------------------------------


def test_push_inserts_updates_and_deletes_a_lesson(school):
    flight_id = uuid.uuid4()
    [created] = push(school.dispatcher, mutation("flights", "insert", flight_id, **lesson(school)))
    assert created["status"] == "applied", created
    assert created["row"]["id"] == str(flight_id) and created["row"]["version"] == 1
    assert school.dispatcher.get(f"/flights/{flight_id}").json() == created["row"]

    [updated] = push(school.dispatcher,
                     mutation("flights", "update", flight_id, base_version=1, notes="headset"))
    assert updated["status"] == "applied" and updated["row"]["notes"] == "headset"
    assert updated["row"]["version"] == 2

    [deleted] = push(school.dispatcher,
                     mutation("flights", "delete", flight_id, base_version=2, reason="sick"))
    assert deleted["status"] == "applied" and deleted["row"]["status"] == "CANCELLED"

    changes, _, _ = pull_all(school.dispatcher)
    [pulled] = [c for c in changes if c["id"] == str(flight_id)]
    assert pulled["data"]["status"] == "CANCELLED" and pulled["version"] == 3


def test_push_inserts_and_updates_people_and_aircraft(school):
    student_id, aircraft_id = uuid.uuid4(), uuid.uuid4()
    results = push(
        school.dispatcher,
        mutation("students", "insert", student_id, name="New Student", email="new@example.com",
                 training_level="EARLY_STUDENT"),
        mutation("aircraft", "insert", aircraft_id, tail_number=f"N{uuid.uuid4().hex[:5]}",
                 model="PA-28", home_airport="KAUS", max_crosswind_kt=17),
        mutation("instructors", "update", school.colleague_id, base_version=1, phone="555"),
    )
    assert [r["status"] for r in results] == ["applied"] * 3, results
    assert school.dispatcher.get(f"/students/{student_id}").json()["name"] == "New Student"
    assert school.dispatcher.get(f"/aircraft/{aircraft_id}").json()["model"] == "PA-28"
    assert results[2]["row"]["phone"] == "555" and results[2]["row"]["version"] == 2


def test_a_retried_mutation_is_answered_not_applied_twice(school):
    client_id = uuid.uuid4()
    insert = mutation("flights", "insert", **lesson(school))
    rename = mutation("students", "update", school.student_id, base_version=1, phone="1")

    first = push(school.dispatcher, insert, rename, client_id=client_id)
    again = push(school.dispatcher, insert, rename, client_id=client_id)

    assert [r["status"] for r in first] == ["applied", "applied"]
    assert again == first
    flights = school.dispatcher.get("/flights").json()
    assert flights["total"] == 1
    assert school.dispatcher.get(f"/students/{school.student_id}").json()["version"] == 2


def test_a_stale_base_version_is_a_conflict_carrying_the_servers_row(school):
    school.dispatcher.patch(f"/students/{school.student_id}", json={"phone": "server", "version": 1})
    booked = school.dispatcher.post("/flights", json=lesson(school)).json()
    school.dispatcher.patch(f"/flights/{booked['id']}", json={"notes": "server", "version": 1})

    results = push(
        school.dispatcher,
        mutation("students", "update", school.student_id, base_version=1, phone="desktop"),
        mutation("flights", "delete", booked["id"], base_version=1),
    )

    assert [r["status"] for r in results] == ["conflict", "conflict"], results
    assert results[0]["row"]["phone"] == "server" and results[0]["row"]["version"] == 2
    assert results[0]["error"]["rule"] == "STALE_VERSION"
    assert results[1]["row"]["notes"] == "server" and results[1]["row"]["status"] == "SCHEDULED"
    assert school.dispatcher.get(f"/flights/{booked['id']}").json()["status"] == "SCHEDULED"


def test_a_double_booking_is_rejected_with_the_rule_and_the_clashing_lesson(school):
    first = school.dispatcher.post("/flights", json=lesson(school)).json()
    clash = lesson(school, start=TOMORROW + HOUR / 2)
    later_id = uuid.uuid4()

    results = push(school.dispatcher,
                   mutation("flights", "insert", **clash),
                   mutation("flights", "insert", later_id, **lesson(school, start=TOMORROW + 3 * HOUR)))

    assert [r["status"] for r in results] == ["rejected", "applied"], results
    error = results[0]["error"]
    rest = school.dispatcher.post("/flights", json=clash)
    assert rest.status_code == error["status_code"] == 409
    assert {key: value for key, value in error.items() if key != "status_code"} == rest.json()
    assert error["rule"] == "STUDENT_DOUBLE_BOOKED" and error["conflict"]["id"] == first["id"]
    assert school.dispatcher.get(f"/flights/{later_id}").status_code == 200


def test_invalid_data_is_rejected_without_harm(school):
    [result] = push(school.dispatcher, mutation("flights", "insert", departure="KAUS"))
    assert result["status"] == "rejected" and result["error"]["status_code"] == 422
    [missing] = push(school.dispatcher, mutation("flights", "update", uuid.uuid4(), notes="x"))
    assert missing["status"] == "rejected" and missing["error"]["status_code"] == 404


def test_an_instructor_pushes_only_what_rest_allows_them(school):
    own, theirs = uuid.uuid4(), uuid.uuid4()
    results = push(
        school.instructor,
        mutation("flights", "insert", own, **lesson(school)),
        mutation("flights", "insert", theirs,
                 **lesson(school, start=TOMORROW + 3 * HOUR, instructor_id=str(school.colleague_id))),
        mutation("students", "update", school.student_id, base_version=1, phone="2"),
        mutation("instructors", "update", school.instructor_id, base_version=1,
                 availability=[{"weekday": 1, "start": "08:00", "end": "12:00"}]),
        mutation("instructors", "update", school.instructor_id, base_version=2, name="Renamed"),
        mutation("students", "insert", name="X", email="x@example.com",
                 training_level="EARLY_STUDENT"),
    )

    assert [r["status"] for r in results] == [
        "applied", "rejected", "rejected", "applied", "rejected", "rejected"], results
    assert results[1]["error"]["rule"] == "NOT_YOUR_LESSON"
    assert all(r["error"]["status_code"] == 403 for r in results if r["status"] == "rejected")
    assert school.dispatcher.get(f"/flights/{theirs}").status_code == 404
    assert school.dispatcher.get(f"/students/{school.student_id}").json()["phone"] is None


def test_a_booked_student_is_not_deleted(school):
    booked = school.dispatcher.post("/flights", json=lesson(school)).json()
    [result] = push(school.dispatcher, mutation("students", "delete", school.student_id))
    assert result["status"] == "rejected" and result["error"]["conflict"]["id"] == booked["id"]


# -- no change is ever skipped ---------------------------------------------------------------


def test_a_pull_never_skips_a_change_committed_concurrently(school, api_server, database_kind):
    if database_kind != "postgresql":
        pytest.skip("SQLite serializes every writer on its database lock; the race to rule out "
                    "(numbers taken out of commit order) only exists on PostgreSQL")
    committed: set[str] = set()
    lock = threading.Lock()
    failures: list[BaseException] = []

    def writer(number: int) -> None:
        rng = random.Random(number)
        try:
            for n in range(12):
                with session_scope(api_server.engine) as db:
                    start = TOMORROW + timedelta(days=number + 1, hours=n)
                    flight = Flight(school_id=school.school_id, student_id=school.student_id,
                                    instructor_id=school.instructor_id,
                                    aircraft_id=school.aircraft_id, start_at=start,
                                    end_at=start + HOUR, departure="KAUS",
                                    flight_type=FlightType.DUAL)
                    db.add(flight)
                    db.flush()  # takes its server_seq now ...
                    time.sleep(rng.uniform(0, 0.015))  # ... and commits a while later
                with lock:
                    committed.add(str(flight.id))
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    _, cursor, _ = pull_all(school.dispatcher)
    writers = [threading.Thread(target=writer, args=(n,)) for n in range(5)]
    for thread in writers:
        thread.start()
    seen: set[str] = set()
    pulls = 0
    with api_server.client(school.tokens["dispatcher"].access_token) as client:
        while any(thread.is_alive() for thread in writers):
            page = client.get("/sync/pull", params={"cursor": cursor, "limit": 4}).json()
            assert all(change["server_seq"] > cursor for change in page["changes"])
            seen |= {change["id"] for change in page["changes"]}
            cursor, pulls = page["cursor"], pulls + 1
        for thread in writers:
            thread.join()
        rest, _, _ = pull_all(client, cursor)
    seen |= {change["id"] for change in rest}

    assert not failures, failures
    assert len(committed) == 60 and pulls > 5
    assert committed <= seen
