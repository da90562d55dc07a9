"""Recurring lessons over real HTTP: POST /flights/series, each occurrence on every rule, and
cancelling one or "this and following". On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sync.database.session import session_scope
from sync.people.models import Student
from tests.sync.api.booking import iso, lesson, with_fleet

ZONE = ZoneInfo("America/Chicago")


@pytest.fixture
def school(signed_in_school, api_server):
    school = with_fleet(signed_in_school(), api_server)
    with session_scope(api_server.engine) as db:
        db.get(Student, school.student_id).night_trained = True
    return school


def next_monday(weeks_ahead: int = 1) -> date:
    today = datetime.now(ZONE).date()
    return today + timedelta(days=7 - today.weekday() + 7 * (weeks_ahead - 1))


def series(school, **fields) -> dict:
    return {"student_id": str(school.student_id), "instructor_id": str(school.instructor_id),
            "aircraft_id": str(school.aircraft_id), "departure": "KAUS", "flight_type": "DUAL",
            "weekdays": [1, 3], "start_time": "10:00", "duration_minutes": 90,
            "first_date": next_monday().isoformat(), "weeks": 3} | fields


def local_start(lesson_row: dict) -> datetime:
    return datetime.fromisoformat(lesson_row["start_at"].replace("Z", "+00:00")).astimezone(ZONE)


def test_a_weekly_series_is_booked_with_one_series_id(school):
    response = school.dispatcher.post("/flights/series", json=series(school))

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["refused"] == [] and len(body["booked"]) == 6
    assert {row["series_id"] for row in body["booked"]} == {body["series_id"]}
    starts = [local_start(row) for row in body["booked"]]
    assert [start.isoweekday() for start in starts] == [1, 3] * 3
    assert {(start.hour, start.minute) for start in starts} == {(10, 0)}
    assert all(row["end_at"] > row["start_at"] for row in body["booked"])
    listed = school.dispatcher.get("/flights").json()
    assert listed["total"] == 6


def test_each_occurrence_is_judged_and_refusals_say_why(school):
    monday = next_monday()
    clash_at = datetime(monday.year, monday.month, monday.day, 10, 30, tzinfo=ZONE) + timedelta(days=7)
    taken = school.dispatcher.post("/flights", json=lesson(
        school, start_at=iso(clash_at), end_at=iso(clash_at + timedelta(hours=1))))
    assert taken.status_code == 201, taken.text

    body = school.dispatcher.post("/flights/series", json=series(school, weekdays=[1])).json()

    assert len(body["booked"]) == 2
    [refused] = body["refused"]
    assert refused["rule"] == "STUDENT_DOUBLE_BOOKED" and refused["status_code"] == 409
    assert refused["conflict"]["id"] == taken.json()["id"]
    assert datetime.fromisoformat(refused["start_at"].replace("Z", "+00:00")).astimezone(ZONE).date() == \
        monday + timedelta(days=7)


def test_all_or_nothing_books_none_when_one_is_refused(school):
    monday = next_monday(2)
    at = datetime(monday.year, monday.month, monday.day, 10, tzinfo=ZONE)
    school.dispatcher.post("/flights", json=lesson(school, start_at=iso(at), end_at=iso(at + timedelta(hours=1))))

    response = school.dispatcher.post("/flights/series", json=series(school, weekdays=[1], all_or_nothing=True))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["booked"] == [] and body["series_id"] is None
    assert [refused["rule"] for refused in body["refused"]] == ["STUDENT_DOUBLE_BOOKED"]
    assert school.dispatcher.get("/flights").json()["total"] == 1


def test_occurrences_needing_acknowledgement_are_refused_with_the_warnings_until_acknowledged(school):
    evening = series(school, start_time="19:30", weeks=1, weekdays=[2])
    refused = school.dispatcher.post("/flights/series", json=evening).json()["refused"]
    assert [r["rule"] for r in refused] == ["NEEDS_ACKNOWLEDGEMENT"]
    assert [w["code"] for w in refused[0]["warnings"]] == ["OUTSIDE_SCHOOL_HOURS"]

    booked = school.dispatcher.post("/flights/series", json=evening | {
        "acknowledge": ["OUTSIDE_SCHOOL_HOURS"]}).json()["booked"]
    assert booked[0]["acknowledged_warnings"][0]["code"] == "OUTSIDE_SCHOOL_HOURS"


def test_the_acknowledged_occurrences_join_the_series_they_were_refused_from(school):
    """The desk books a series, some occurrences need an acknowledgement, "Book anyway" sends
    those again: they join the first series, so "this and following" reaches every lesson."""
    first = school.dispatcher.post("/flights/series", json=series(school, weekdays=[1], weeks=2)).json()
    evening = series(school, weekdays=[2], weeks=2, start_time="19:30",
                     acknowledge=["OUTSIDE_SCHOOL_HOURS"], series_id=first["series_id"])

    joined = school.dispatcher.post("/flights/series", json=evening)

    assert joined.status_code == 201, joined.text
    assert joined.json()["series_id"] == first["series_id"]
    assert {row["series_id"] for row in joined.json()["booked"]} == {first["series_id"]}
    following = school.dispatcher.post(f"/flights/{first['booked'][0]['id']}/cancel", json={
        "reason": "course ended", "reason_kind": "student", "scope": "following"}).json()
    assert len(following["also_cancelled"]) == 3


@pytest.mark.parametrize("whose", ["unknown", "another student's"])
def test_a_series_to_join_must_be_this_students(school, whose):
    series_id = str(uuid.uuid4())
    if whose == "another student's":
        other = school.dispatcher.post("/students", json={
            "name": "Ana Other", "email": "ana.other@example.com", "training_level": "PRIVATE_PILOT"})
        assert other.status_code == 201, other.text
        series_id = school.dispatcher.post("/flights/series", json=series(
            school, student_id=other.json()["id"], weeks=1)).json()["series_id"]
        assert series_id is not None

    response = school.dispatcher.post("/flights/series", json=series(school, weeks=1, series_id=series_id))

    assert response.status_code == 404, response.text
    assert response.json()["rule"] == "SERIES_NOT_FOUND"
    assert school.dispatcher.get("/flights").json()["total"] == (2 if whose != "unknown" else 0)


def test_a_series_keeps_its_school_time_across_a_daylight_saving_change(school):
    # Mondays from two weeks before the next change of the clocks, for four weeks.
    today = datetime.now(ZONE).date()
    day = today + timedelta(days=1)
    while ZONE.utcoffset(datetime(day.year, day.month, day.day, 12)) == \
            ZONE.utcoffset(datetime(today.year, today.month, today.day, 12)):
        day += timedelta(days=1)
    first = max(day - timedelta(days=14), today + timedelta(days=1))
    body = school.dispatcher.post("/flights/series", json=series(
        school, weekdays=[first.isoweekday()], first_date=first.isoformat(), weeks=4)).json()

    assert len(body["booked"]) == 4, body["refused"]
    assert {(local_start(row).hour, local_start(row).minute) for row in body["booked"]} == {(10, 0)}
    assert len({row["start_at"][11:16] for row in body["booked"]}) == 2  # UTC moved, not the clock


@pytest.mark.parametrize(("fields", "where"), [
    ({"weeks": 2, "until": "2031-01-01"}, "weeks or until"),
    ({"weeks": None}, "weeks or until"),
    ({"weekdays": [8]}, "weekdays"),
    ({"start_time": "25:00"}, "start_time"),
    ({"weeks": 53}, "weeks"),
])
def test_an_invalid_series_is_refused(school, fields, where):
    response = school.dispatcher.post("/flights/series", json=series(school, **fields))
    assert response.status_code == 422 and where in response.json()["detail"], response.text
    assert school.dispatcher.get("/flights").json()["total"] == 0


def test_a_series_with_no_day_to_fly_is_refused(school):
    monday = next_monday()
    response = school.dispatcher.post("/flights/series", json=series(
        school, weekdays=[3], weeks=None, first_date=monday.isoformat(), until=monday.isoformat()))
    assert response.status_code == 422 and response.json()["rule"] == "SERIES_EMPTY"


def test_cancel_one_occurrence_or_this_and_following(school):
    booked = school.dispatcher.post("/flights/series", json=series(school)).json()["booked"]

    one = school.dispatcher.post(f"/flights/{booked[1]['id']}/cancel",
                                 json={"reason": "student away", "reason_kind": "student"})
    assert one.status_code == 200 and one.json()["also_cancelled"] == []
    following = school.dispatcher.post(f"/flights/{booked[3]['id']}/cancel", json={
        "reason": "the student moved away", "reason_kind": "student", "scope": "following"})

    assert following.status_code == 200, following.text
    assert following.json()["also_cancelled"] == [row["id"] for row in booked[4:]]
    statuses = [school.dispatcher.get(f"/flights/{row['id']}").json() for row in booked]
    assert [row["status"] for row in statuses] == ["SCHEDULED", "CANCELLED", "SCHEDULED",
                                                   "CANCELLED", "CANCELLED", "CANCELLED"]
    assert {row["cancel_kind"] for row in statuses[3:]} == {"student"}
    assert statuses[5]["cancel_reason"] == "the student moved away"


def test_this_and_following_of_a_lesson_outside_any_series_is_that_lesson(school):
    single = school.dispatcher.post("/flights", json=lesson(school)).json()
    response = school.dispatcher.post(f"/flights/{single['id']}/cancel",
                                      json={"reason": "x", "scope": "following"})
    assert response.status_code == 200 and response.json()["status"] == "CANCELLED"
    assert response.json()["also_cancelled"] == []


def test_instructors_book_series_only_for_lessons_they_teach(school):
    theirs = school.instructor.post("/flights/series", json=series(
        school, instructor_id=str(school.colleague_id), weeks=1)).json()
    assert theirs["booked"] == [] and {r["rule"] for r in theirs["refused"]} == {"NOT_YOUR_LESSON"}
    assert school.student.post("/flights/series", json=series(school)).status_code == 403


def test_moving_this_and_following_keeps_the_series_together(school):
    booked = school.dispatcher.post("/flights/series", json=series(school, weekdays=[1], weeks=4)).json()["booked"]
    second = booked[1]
    start = local_start(second)
    later = start.replace(hour=14, minute=30) + timedelta(days=1)  # Tuesday 14:30, same length

    moved = school.dispatcher.patch(f"/flights/{second['id']}", json={
        "version": second["version"], "scope": "following", "start_at": iso(later),
        "end_at": iso(later + timedelta(minutes=90))})

    assert moved.status_code == 200, moved.text
    assert moved.json()["also_changed"] == [row["id"] for row in booked[2:]]
    rows = [school.dispatcher.get(f"/flights/{row['id']}").json() for row in booked]
    assert [(local_start(row).isoweekday(), local_start(row).hour) for row in rows] == \
        [(1, 10), (2, 14), (2, 14), (2, 14)]
    assert rows[0]["version"] == 1 and all(row["version"] == 2 for row in rows[1:])


def test_moving_the_following_is_all_or_none_and_times_only(school):
    booked = school.dispatcher.post("/flights/series", json=series(school, weekdays=[1], weeks=3)).json()["booked"]
    blocker_at = local_start(booked[2]).replace(hour=15) + timedelta(days=1)
    school.dispatcher.post("/flights", json=lesson(school, start_at=iso(blocker_at),
                                                   end_at=iso(blocker_at + timedelta(hours=1))))
    target = local_start(booked[0]).replace(hour=14, minute=30) + timedelta(days=1)
    refused = school.dispatcher.patch(f"/flights/{booked[0]['id']}", json={
        "version": 1, "scope": "following", "start_at": iso(target),
        "end_at": iso(target + timedelta(minutes=90))})

    assert refused.status_code == 409, refused.text
    assert refused.json()["rule"] == "STUDENT_DOUBLE_BOOKED" and "in this series" in refused.json()["detail"]
    assert all(school.dispatcher.get(f"/flights/{row['id']}").json()["version"] == 1 for row in booked)
    other = school.dispatcher.patch(f"/flights/{booked[0]['id']}", json={
        "version": 1, "scope": "following", "notes": "x"})
    assert other.status_code == 422 and other.json()["rule"] == "SCOPE_TIMES_ONLY"
