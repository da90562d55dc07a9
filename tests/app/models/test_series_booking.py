"""The weekly series as planned at the desk and the service's answer read back — pure logic.

The service's own answers are exercised end to end in ``tests/app/views/test_series_dialog.py``;
here the plan's lessons, its checks and the reading of answers, case by case."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

import pytest

from app.models.series_booking import SeriesPlan, merge, read_result

ZONE = zoneinfo.ZoneInfo("America/Chicago")
NOW = datetime(2026, 2, 2, 12, tzinfo=UTC)  # a Monday


def plan(**fields) -> SeriesPlan:
    base = dict(student_id="s", instructor_id="i", aircraft_id="a", flight_type="DUAL",
                departure="KAUS", destination="", weekdays=(2, 4), start_time=time(14),
                duration_minutes=90, first_date=date(2026, 2, 3), weeks=8)
    return SeriesPlan(**(base | fields))


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def test_eight_weeks_of_tuesdays_and_thursdays_are_sixteen_lessons_at_school_time() -> None:
    lessons = plan().occurrences(ZONE)

    assert len(lessons) == 16
    local = [start.astimezone(ZONE) for start, _ in lessons]
    assert [start.isoweekday() for start in local] == [2, 4] * 8
    assert {(start.hour, start.minute) for start in local} == {(14, 0)}
    assert all(end - start == timedelta(minutes=90) for start, end in lessons)
    # The clocks change on 8 March 2026: the school's time stays, UTC moves.
    assert {start.astimezone(UTC).hour for start, _ in lessons} == {20, 19}
    assert plan().summary(ZONE) == ("16 lessons, Tue 03 Feb 2026 to Thu 26 Mar 2026, 14:00 "
                                    "school time (America/Chicago)")


def test_until_counts_the_last_day_and_the_request_says_until() -> None:
    until = plan(weeks=None, until=date(2026, 2, 12))
    assert len(until.occurrences(ZONE)) == 4
    body = until.request()
    assert body["until"] == "2026-02-12" and "weeks" not in body
    assert body["start_time"] == "14:00" and body["weekdays"] == [2, 4]
    assert plan().request()["weeks"] == 8 and "until" not in plan().request()
    assert plan().acknowledged(["OUTSIDE_SCHOOL_HOURS"]).request()["acknowledge"] == [
        "OUTSIDE_SCHOOL_HOURS"]


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"weekdays": ()}, "weekdays", "Tick at least one weekday"),
    ({"flight_type": "SOLO"}, "instructor_id", "A solo lesson has no instructor"),
    ({"instructor_id": None}, "instructor_id", "needs an instructor"),
    ({"departure": "AUS"}, "departure", "not an ICAO code"),
    ({"flight_type": "CROSS_COUNTRY"}, "destination", "needs a destination"),
    ({"weeks": None, "until": date(2026, 2, 1)}, "until", "before the first"),
    ({"weeks": None, "until": date(2027, 6, 1)}, "until", "at most 52 weeks"),
    ({"weekdays": (1,), "weeks": None, "until": date(2026, 2, 4)}, "weekdays", "None of the ticked"),
    ({"first_date": date(2026, 2, 2), "weekdays": (1, 2), "start_time": time(5)}, "first_date",
     "in the past"),
])
def test_a_plan_that_cannot_be_booked_says_what_to_change(fields, field, words) -> None:
    found = plan(**fields).problem(zone=ZONE, now=NOW)
    assert found is not None and found[0] == field and words in found[1], found
    assert plan().problem(zone=ZONE, now=NOW) is None


def _answer(booked_at, refused) -> dict:
    return {"series_id": "series-1" if booked_at else None,
            "booked": [{"id": f"lesson-{n}", "start_at": iso(start),
                        "end_at": iso(start + timedelta(hours=1))} for n, start in booked_at],
            "refused": refused, "notices": []}


def test_refusals_read_in_school_time_with_the_names_chosen() -> None:
    first = datetime(2026, 2, 3, 14, tzinfo=ZONE)
    second = first + timedelta(days=2)
    taken = {"id": "other", "start_at": iso(second - timedelta(minutes=30)),
             "end_at": iso(second + timedelta(minutes=30)), "status": "SCHEDULED"}
    body = _answer([(1, first)], [
        {"start_at": iso(second), "end_at": iso(second + timedelta(hours=1)), "status_code": 409,
         "detail": "the aircraft is already booked from …Z (lesson other)",
         "rule": "AIRCRAFT_DOUBLE_BOOKED", "conflict": taken},
        {"start_at": iso(second + timedelta(days=5)), "end_at": iso(second + timedelta(days=5, hours=1)),
         "status_code": 409, "detail": "needs acknowledging", "rule": "NEEDS_ACKNOWLEDGEMENT",
         "warnings": [{"code": "OUTSIDE_SCHOOL_HOURS", "text": "the lesson is outside school hours"}]},
    ])

    result = read_result(body, zone=ZONE, names={"aircraft": "N172HC", "student": "Jane"})

    assert [occurrence.booked for occurrence in result.occurrences] == [True, False, False]
    clash = result.occurrences[1]
    assert clash.reason == "N172HC is already booked Thu 05 Feb 2026 13:30–14:30 CST."
    assert clash.line(ZONE) == ("Not booked — Thu 05 Feb 2026 14:00–15:00 CST: N172HC is already "
                                "booked Thu 05 Feb 2026 13:30–14:30 CST.")
    warned = result.occurrences[2]
    assert warned.warnings and warned.reason == ("The booking policy warns: The lesson is outside "
                                                 "school hours.")
    assert result.warning_codes() == ["OUTSIDE_SCHOOL_HOURS"]
    assert result.summary() == "1 lesson was booked; 2 were not (see why below)."


def test_book_anyway_after_a_partial_booking_keeps_the_first_lessons_booked() -> None:
    tuesday = datetime(2026, 2, 3, 18, 30, tzinfo=ZONE)
    thursday = tuesday + timedelta(days=2)
    warning = [{"code": "OUTSIDE_SCHOOL_HOURS", "text": "outside the school's hours on Tuesdays"}]
    first = read_result(_answer([(1, thursday)], [
        {"start_at": iso(tuesday), "end_at": iso(tuesday + timedelta(hours=1)), "status_code": 409,
         "detail": "x", "rule": "NEEDS_ACKNOWLEDGEMENT", "warnings": warning}]), zone=ZONE)
    # Sent again with the warning accepted: Thursday now clashes with the lesson booked first.
    again = read_result(_answer([(2, tuesday)], [
        {"start_at": iso(thursday), "end_at": iso(thursday + timedelta(hours=1)), "status_code": 409,
         "detail": "the student is already booked", "rule": "STUDENT_DOUBLE_BOOKED",
         "conflict": {"id": "lesson-1", "start_at": iso(thursday),
                      "end_at": iso(thursday + timedelta(hours=1))}}]), zone=ZONE)

    merged = merge(first, again)

    assert [(o.booked, o.lesson_id) for o in merged.occurrences] == [(True, "lesson-2"),
                                                                       (True, "lesson-1")]
    assert merged.refused == () and merged.summary() == "All 2 lessons were booked."


def test_book_anyway_is_offered_only_where_it_would_book_something() -> None:
    tuesday = datetime(2026, 2, 3, 18, 30, tzinfo=ZONE)
    lessons = [(tuesday + timedelta(weeks=n), tuesday + timedelta(weeks=n, hours=1)) for n in range(3)]
    warned = {"start_at": iso(lessons[0][0]), "end_at": iso(lessons[0][1]), "status_code": 409,
              "detail": "x", "rule": "NEEDS_ACKNOWLEDGEMENT",
              "warnings": [{"code": "OUTSIDE_SCHOOL_HOURS", "text": "outside hours"}]}
    clash = {"start_at": iso(lessons[1][0]), "end_at": iso(lessons[1][1]), "status_code": 409,
             "detail": "the aircraft is already booked", "rule": "AIRCRAFT_DOUBLE_BOOKED"}

    only_warned = read_result(_answer([], [warned]), zone=ZONE, planned=lessons)
    assert [o.rule for o in only_warned.occurrences] == ["NEEDS_ACKNOWLEDGEMENT", "ALL_OR_NOTHING",
                                                         "ALL_OR_NOTHING"]
    assert only_warned.can_book_anyway(all_or_nothing=True)
    both = read_result(_answer([], [warned, clash]), zone=ZONE, planned=lessons)
    assert not both.can_book_anyway(all_or_nothing=True)
    assert both.can_book_anyway(all_or_nothing=False)
    assert both.summary() == ("None of the 3 lessons was booked: 2 could not be, and the series "
                              "was to be booked all or nothing. The reasons are listed below.")
