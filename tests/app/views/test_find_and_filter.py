"""Edit › Find… (Ctrl+F) and Filter lessons… in the main window, over the real demo service."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from app.models.lesson_filter import LessonFilter
from app.models.lessons import load_schedule


def _lesson_in_another_week(window, demo):
    shown = window.calendar.days()
    start, end = window.calendar.visible_range()
    later = load_schedule(demo.replica, end, end + timedelta(days=21)).lessons
    earlier = load_schedule(demo.replica, start - timedelta(days=21), start).lessons
    lesson = next(iter(later or earlier), None)
    assert lesson is not None, "the demo has lessons outside this week"
    assert lesson.start.astimezone(window.calendar_model.schedule.timezone).date() not in shown
    return lesson


def _search(qtbot, window, text: str):
    bar = window.find_bar
    with qtbot.wait_signal(bar.searched, timeout=10_000) as searched:
        qtbot.keyClicks(bar.field, text)
    return searched.args[0]


def test_ctrl_f_finds_a_lesson_of_another_week_and_selects_it_there(qtbot, window, demo) -> None:
    assert QKeySequence("Ctrl+F") in window.find_action.shortcuts()
    assert window.find_action in [action for menu in window.menuBar().actions()
                                  if menu.text() == "&Edit" for action in menu.menu().actions()]
    lesson = _lesson_in_another_week(window, demo)
    window.find_action.trigger()
    assert window.find_bar.isVisibleTo(window)

    found = _search(qtbot, window, lesson.id[:8])
    assert [result.lesson_id for result in found.results] == [lesson.id]
    assert window.find_bar.count_label.text() == "1 found"
    with qtbot.wait_signal(window.lesson_jump.arrived, timeout=10_000) as arrived:
        qtbot.keyClick(window.find_bar.field, Qt.Key.Key_Return)
    assert arrived.args == [lesson.id]
    zone = window.calendar_model.schedule.timezone
    assert lesson.start.astimezone(zone).date() in window.calendar.days()
    assert window.calendar.selected_lesson_id == lesson.id
    assert window.calendar.selected_lesson().student == lesson.student

    qtbot.keyClick(window.find_bar.field, Qt.Key.Key_Escape)
    assert not window.find_bar.isVisibleTo(window)


def test_a_person_leads_to_their_next_lesson_and_arrow_keys_pick_another(qtbot, window) -> None:
    lesson = next(lesson for lesson in window.calendar_model.schedule.lessons if lesson.instructor)
    window.find_action.trigger()
    found = _search(qtbot, window, lesson.instructor)
    kinds = [result.kind for result in found.results]
    assert kinds[0] == "instructor" and kinds.count("lesson") > 1
    qtbot.keyClick(window.find_bar.field, Qt.Key.Key_Down)
    chosen = found.results[1]
    with qtbot.wait_signal(window.lesson_jump.arrived, timeout=10_000):
        qtbot.keyClick(window.find_bar.field, Qt.Key.Key_Return)
    assert window.calendar.selected_lesson_id == chosen.lesson_id

    nothing = _search(qtbot, window, "zzz")  # appended: "<name>zzz"
    assert nothing.count == 0 and window.find_bar.count_label.text() == "Nothing found"
    assert not window.find_bar.results.isVisibleTo(window)


def test_filter_hides_lessons_says_so_and_clears_in_one_click(qtbot, window) -> None:
    every = window.calendar_model.schedule.lessons
    instructor_id = next(lesson.instructor_id for lesson in every if lesson.instructor_id)
    bar = window.filter_bar
    assert not bar.isVisibleTo(window) and not window.show_all_action.isEnabled()
    window.filter_action.trigger()
    assert bar.isVisibleTo(window)

    name = dict(bar.schedule.instructors)[instructor_id]
    bar.instructor.setCurrentIndex(bar.instructor.findText(name))
    shown = window.calendar_model.schedule.lessons
    assert 0 < len(shown) < len(every)
    assert {lesson.instructor_id for lesson in shown} == {instructor_id}
    assert bar.indicator.text() == f"Filtered: {len(shown)} of {len(every)} lessons"
    assert window.show_all_action.isEnabled()
    bar.status.setCurrentIndex(bar.status.findText("Still to fly (scheduled, at risk)"))
    assert all(lesson.status in ("SCHEDULED", "AT_RISK") and lesson.instructor_id == instructor_id
               for lesson in window.calendar_model.schedule.lessons)

    # A new read of the replica keeps the filter (and the bar in view).
    with qtbot.wait_signal(window.loaded, timeout=10_000):
        window.reload()
    assert window.calendar_model.schedule.lessons
    assert {lesson.instructor_id for lesson in window.calendar_model.schedule.lessons} == {instructor_id}
    assert bar.isVisibleTo(window)

    qtbot.mouseClick(bar.clear_button, Qt.MouseButton.LeftButton)
    assert len(window.calendar_model.schedule.lessons) == len(bar.schedule.lessons)
    assert not bar.filter.active and bar.indicator.text() == "Showing every lesson"
    assert not window.show_all_action.isEnabled() and not bar.clear_button.isEnabled()


def test_closing_the_filter_bar_shows_every_lesson(qtbot, window) -> None:
    bar = window.filter_bar
    bar.set_filter(LessonFilter(verdicts=frozenset({"NO_GO", "MARGINAL"})))
    assert bar.isVisibleTo(window)  # a filter on: the bar says so
    assert all(lesson.verdict in ("NO_GO", "MARGINAL")
               for lesson in window.calendar_model.schedule.lessons)
    qtbot.mouseClick(bar.close_button, Qt.MouseButton.LeftButton)
    assert not bar.isVisibleTo(window) and not bar.filter.active
    assert window.calendar_model.schedule.lessons == bar.schedule.lessons


def test_a_found_lesson_hidden_by_the_filter_is_shown_by_clearing_it(qtbot, window) -> None:
    bar = window.filter_bar
    lesson = next(lesson for lesson in bar.schedule.lessons if lesson.status == "WEATHER_CANCELLED")
    bar.set_filter(LessonFilter(statuses=frozenset({"SCHEDULED", "AT_RISK"})))
    assert lesson.id not in [shown.id for shown in window.calendar_model.schedule.lessons]

    window.find_action.trigger()
    _search(qtbot, window, lesson.id)
    with qtbot.wait_signal(window.lesson_jump.arrived, timeout=10_000):
        window.find_bar.go_to_current()
    assert not bar.filter.active
    assert window.calendar.selected_lesson_id == lesson.id
    assert "filter" in window.statusBar().currentMessage().lower()
