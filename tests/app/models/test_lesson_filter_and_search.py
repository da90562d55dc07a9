"""The calendar's filter and the find bar's search, over the replica of the real demo service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.models.calendar_model import CalendarModel
from app.models.lesson_filter import NOT_CHECKED, SOLO, LessonFilter
from app.models.lesson_search import find, folded
from app.models.lessons import load_schedule


def _week(demo):
    now = datetime.now(UTC)
    return load_schedule(demo.replica, now - timedelta(days=7), now + timedelta(days=7))


def test_a_filter_keeps_only_matching_lessons_and_the_schedule_shape(qtmodeltester, demo) -> None:
    schedule = _week(demo)
    instructor_id = next(lesson.instructor_id for lesson in schedule.lessons if lesson.instructor_id)
    by_instructor = LessonFilter(instructor_ids=frozenset({instructor_id})).apply(schedule)
    assert 0 < len(by_instructor.lessons) < len(schedule.lessons)
    assert {lesson.instructor_id for lesson in by_instructor.lessons} == {instructor_id}
    # Rows, people and zone stay: the calendar keeps its rows, the editor its choices.
    assert by_instructor.aircraft == schedule.aircraft
    assert by_instructor.students == schedule.students and by_instructor.timezone == schedule.timezone

    both = LessonFilter(instructor_ids=frozenset({instructor_id}),
                        statuses=frozenset({"WEATHER_CANCELLED"})).apply(schedule)
    assert all(lesson.status == "WEATHER_CANCELLED" and lesson.instructor_id == instructor_id
               for lesson in both.lessons)
    assert len(both.lessons) < len(by_instructor.lessons)

    model = CalendarModel()
    model.set_schedule(both)
    qtmodeltester.check(model)
    assert model.rowCount() == len(both.lessons)
    assert LessonFilter().apply(schedule) is schedule and not LessonFilter().active


def test_solo_and_not_checked_stand_for_no_instructor_and_no_verdict(demo) -> None:
    schedule = _week(demo)
    solo = LessonFilter(instructor_ids=frozenset({SOLO})).apply(schedule)
    assert all(lesson.instructor_id is None for lesson in solo.lessons)
    unchecked = LessonFilter(verdicts=frozenset({NOT_CHECKED})).apply(schedule)
    assert all(lesson.verdict is None for lesson in unchecked.lessons)
    judged = LessonFilter(verdicts=frozenset({"NO_GO", "MARGINAL"})).apply(schedule)
    assert judged.lessons and {lesson.verdict for lesson in judged.lessons} <= {"NO_GO", "MARGINAL"}
    assert len(unchecked.lessons) + len(LessonFilter(verdicts=frozenset(
        {"GO", "MARGINAL", "NO_GO", "UNKNOWN"})).apply(schedule).lessons) == len(schedule.lessons)


def test_find_lists_the_person_then_their_lessons_soonest_first(demo) -> None:
    now = datetime.now(UTC)
    schedule = _week(demo)
    lesson = next(lesson for lesson in schedule.lessons if lesson.end > now)
    first_name = lesson.student.split()[0]

    found = find(demo.replica, first_name.upper(), now=now)
    kinds = [result.kind for result in found.results]
    assert kinds[0] == "student" and "lesson" in kinds
    person = found.results[0]
    assert person.title == lesson.student and person.detail.startswith("Student · next lesson")
    theirs = [result for result in found.results if result.kind == "lesson"]
    assert all(lesson.student in result.title for result in theirs)
    upcoming = [result.start for result in theirs if result.start >= now]
    assert upcoming == sorted(upcoming)  # soonest first
    assert person.lesson_id == theirs[0].lesson_id  # the person leads to their next lesson


def test_find_matches_every_word_across_names_tail_numbers_notes_and_ids(demo) -> None:
    now = datetime.now(UTC)
    lesson = next(lesson for lesson in _week(demo).lessons if lesson.instructor)
    found = find(demo.replica, f"{lesson.aircraft.lower()} {lesson.instructor.split()[-1]}", now=now)
    assert found.results and all(result.kind == "lesson" for result in found.results)
    assert lesson.id in [result.lesson_id for result in found.results]
    assert all(lesson.aircraft in result.detail for result in found.results)

    by_id = find(demo.replica, lesson.id[:8], now=now)
    assert [result.lesson_id for result in by_id.results] == [lesson.id]
    noted = next(row for row in demo.replica.rows("flights") if row.data.get("notes"))
    word = noted.data["notes"].split()[0]
    assert noted.id in [result.lesson_id for result in find(demo.replica, word, now=now, limit=500).results]

    aircraft = find(demo.replica, lesson.aircraft, now=now).results
    assert aircraft[0].kind == "aircraft" and aircraft[0].title.startswith(lesson.aircraft)
    assert find(demo.replica, "zzz-nobody", now=now).count == 0
    assert find(demo.replica, "   ", now=now).results == ()


def test_find_ignores_case_and_accents_and_counts_what_it_leaves_out(demo) -> None:
    assert folded("José ÅSTRÖM") == "jose astrom"
    now = datetime.now(UTC)
    everything = find(demo.replica, "k", now=now, limit=3)  # every lesson flies from a K… airport
    assert len([result for result in everything.results if result.kind == "lesson"]) == 3
    assert everything.more > 0 and everything.count == len(everything.results) + everything.more
