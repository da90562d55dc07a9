"""/students, /instructors, /aircraft over HTTP: CRUD, validation, roles, isolation, audit."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from sync.audit.models import AuditEvent
from sync.database.session import session_scope

STUDENT = {"name": "Ada Lovelace", "email": "ada@example.com", "training_level": "EARLY_STUDENT",
           "availability": [{"weekday": 1, "start": "08:00", "end": "12:00"}]}
INSTRUCTOR = {"name": "Chuck Yeager", "email": "chuck@example.com", "ratings": ["CFI"]}


def aircraft(tail: str | None = None) -> dict:
    return {"tail_number": tail or f"N{uuid.uuid4().hex[:5].upper()}", "model": "C172S",
            "home_airport": "KAUS", "max_crosswind_kt": 15}


KINDS = {"students": STUDENT, "instructors": INSTRUCTOR, "aircraft": None}


def body_for(kind: str) -> dict:
    return aircraft() if kind == "aircraft" else dict(KINDS[kind])


@pytest.mark.parametrize("kind", list(KINDS))
def test_create_get_list_update(signed_in_school, kind):
    school = signed_in_school()
    created = school.dispatcher.post(f"/{kind}", json=body_for(kind))
    assert created.status_code == 201, created.text
    row = created.json()
    assert row["school_id"] == str(school.school_id) and row["version"] == 1
    assert school.instructor.get(f"/{kind}/{row['id']}").json() == row
    listed = school.admin.get(f"/{kind}").json()
    assert row["id"] in [item["id"] for item in listed["items"]]
    change = {"aircraft": {"in_service": False}}.get(kind, {"name": "Renamed Person"})
    updated = school.admin.patch(f"/{kind}/{row['id']}", json=change | {"version": 1})
    assert updated.status_code == 200, updated.text
    assert updated.json()["version"] == 2


@pytest.mark.parametrize("kind", list(KINDS))
def test_other_school_rows_are_invisible(signed_in_school, kind):
    ours, theirs = signed_in_school(), signed_in_school()
    row = ours.dispatcher.post(f"/{kind}", json=body_for(kind)).json()
    assert theirs.dispatcher.get(f"/{kind}/{row['id']}").status_code == 404
    assert theirs.admin.patch(f"/{kind}/{row['id']}", json={}).status_code == 404
    assert theirs.instructor.get(f"/{kind}/{row['id']}").status_code == 404
    their_list = theirs.dispatcher.get(f"/{kind}", params={"limit": 500}).json()["items"]
    assert {item["school_id"] for item in their_list} <= {str(theirs.school_id)}
    assert row["id"] not in [item["id"] for item in their_list]
    assert ours.dispatcher.get(f"/{kind}/{uuid.uuid4()}").status_code == 404


@pytest.mark.parametrize("kind", list(KINDS))
def test_instructors_read_but_do_not_write(signed_in_school, kind):
    school = signed_in_school()
    assert school.instructor.get(f"/{kind}").status_code == 200
    assert school.instructor.post(f"/{kind}", json=body_for(kind)).status_code == 403


@pytest.mark.parametrize("kind", list(KINDS))
def test_stale_version_is_a_conflict_with_the_server_row(signed_in_school, kind):
    school = signed_in_school()
    row = school.dispatcher.post(f"/{kind}", json=body_for(kind)).json()
    change = {"aircraft": {"max_crosswind_kt": 12}}.get(kind, {"phone": "555-0100"})
    assert school.dispatcher.patch(f"/{kind}/{row['id']}", json=change | {"version": 1}).status_code == 200
    stale = school.admin.patch(f"/{kind}/{row['id']}", json=change | {"version": 1})
    assert stale.status_code == 409
    body = stale.json()
    assert body["rule"] == "STALE_VERSION" and body["field"] == "version"
    assert body["conflict"]["id"] == row["id"] and body["conflict"]["version"] == 2


@pytest.mark.parametrize("kind", list(KINDS))
def test_changes_are_audited_with_before_and_after(signed_in_school, api_server, kind):
    school = signed_in_school()
    row = school.dispatcher.post(f"/{kind}", json=body_for(kind)).json()
    school.dispatcher.patch(f"/{kind}/{row['id']}", json={"aircraft": {"model": "PA-28"}}.get(
        kind, {"name": "After Name"}) | {"version": 1})
    with session_scope(api_server.engine, read_only=True) as db:
        events = db.scalars(select(AuditEvent).where(AuditEvent.row_id == uuid.UUID(row["id"]))
                            .order_by(AuditEvent.at)).all()
        assert [event.action for event in events] == ["create", "update"]
        create, update = events
        assert create.before is None and create.after["id"] == row["id"]
        assert update.before["version"] == 1 and update.after["version"] == 2
        assert update.actor == school.emails["dispatcher"]
        assert str(update.school_id) == str(school.school_id)


@pytest.mark.parametrize(("change", "field"), [
    ({"availability": [{"weekday": 2, "start": "10:00", "end": "09:00"}]}, "availability"),
    ({"availability": [{"weekday": 8, "start": "08:00", "end": "09:00"}]}, "weekday"),
    ({"availability": [{"weekday": 1, "start": "8am", "end": "09:00"}]}, "start"),
    ({"training_level": "ACE"}, "training_level"),
    ({"email": "not-an-address"}, "email"),
])
def test_student_validation_names_the_field(signed_in_school, change, field):
    school = signed_in_school()
    response = school.dispatcher.post("/students", json=STUDENT | change)
    assert response.status_code == 422
    assert field in str(response.json()["detail"])


@pytest.mark.parametrize(("minimums", "field"), [
    ({"visibility_sm": 5, "ceiling_ft": 3000, "max_wind_kt": 10}, "personal_minimums.visibility_sm"),
    ({"visibility_sm": 10, "ceiling_ft": 2500, "max_wind_kt": 10}, "personal_minimums.ceiling_ft"),
    ({"visibility_sm": 10, "ceiling_ft": 3000, "max_wind_kt": 12}, "personal_minimums.max_wind_kt"),
])
def test_personal_minimums_cannot_be_looser_than_the_school(signed_in_school, minimums, field):
    school = signed_in_school()
    response = school.dispatcher.post("/students", json=STUDENT | {"personal_minimums": minimums})
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert response.json()["rule"] == "PERSONAL_MINIMUMS_LOOSER"
    stricter = {"visibility_sm": 10, "ceiling_ft": 3500, "max_wind_kt": 8}
    assert school.dispatcher.post("/students", json=STUDENT | {"personal_minimums": stricter}).status_code == 201


def test_duplicate_tail_number_is_a_conflict_naming_it(signed_in_school):
    school, other = signed_in_school(), signed_in_school()
    first = school.dispatcher.post("/aircraft", json=aircraft("N123AB")).json()
    duplicate = school.dispatcher.post("/aircraft", json=aircraft("n123ab"))
    assert duplicate.status_code == 409
    assert "N123AB" in duplicate.json()["detail"] and duplicate.json()["field"] == "tail_number"
    assert duplicate.json()["conflict"]["id"] == first["id"]
    assert other.dispatcher.post("/aircraft", json=aircraft("N123AB")).status_code == 201


def test_unknown_home_airport_is_invalid(signed_in_school):
    school = signed_in_school()
    response = school.dispatcher.post("/aircraft", json=aircraft() | {"home_airport": "ZZZZ"})
    assert response.status_code == 422
    assert response.json()["field"] == "home_airport"


def test_instructor_changes_only_own_availability(signed_in_school):
    school = signed_in_school()
    own = f"/instructors/{school.instructor_id}"
    hours = {"availability": [{"weekday": 3, "start": "07:00", "end": "15:00"}]}
    assert school.instructor.patch(own, json=hours | {"version": 1}).status_code == 200
    assert school.instructor.patch(own, json={"ratings": ["CFI"]}).status_code == 403
    someone_else = school.dispatcher.post("/instructors", json=INSTRUCTOR).json()
    assert school.instructor.patch(f"/instructors/{someone_else['id']}", json=hours).status_code == 403


def test_lists_page_with_total(signed_in_school):
    school = signed_in_school()
    for _ in range(3):
        assert school.dispatcher.post("/aircraft", json=aircraft()).status_code == 201
    first = school.dispatcher.get("/aircraft", params={"limit": 2}).json()
    rest = school.dispatcher.get("/aircraft", params={"offset": 2, "limit": 2}).json()
    assert first["total"] == rest["total"] == 3
    assert len(first["items"]) == 2 and len(rest["items"]) == 1
    assert {row["id"] for row in first["items"]}.isdisjoint(row["id"] for row in rest["items"])
