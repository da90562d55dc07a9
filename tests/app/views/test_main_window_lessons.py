"""Booking, editing and moving lessons from the main window, against the real demo service.

Lessons are booked and moved inside everyone's weekly availability (``tests.app.booking_support``),
so the school's booking policy has nothing to say unless a test is about it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QCoreApplication, QDate, QThreadPool, QTime

from app.services.sync_loop import SyncLoop
from app.views.calendar_view import MoveRequest as Move
from app.views.calendar_view import SlotRequest
from app.views.main_window import MainWindow
from tests.app.booking_support import bookable, is_available, school_zone, weekday_at, weeks_later

# The offscreen platform cannot resize or raise native windows and says so when a dialog opens
# (its layout sets the minimum size): noise of the test platform, not of the app. Any other Qt
# warning still fails.
pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support (propagateSizeHints|raise)\(\)")

FAR = (datetime.now(UTC) + timedelta(days=45)).replace(hour=15, minute=0, second=0, microsecond=0)


def _settle(window) -> None:
    """Let background reads still running deliver to the window while it exists."""
    if window.lesson_editor is not None:
        window.lesson_editor.done(0)
    window._sync_loop.stop()
    for _ in range(3):
        QThreadPool.globalInstance().waitForDone(10_000)
        QCoreApplication.processEvents()


@pytest.fixture
def window(qtbot, demo):
    loop = SyncLoop(engine=demo.engine, interval_ms=600_000)
    window = MainWindow(sync_loop=loop, replica=demo.replica, user_email=demo.email, mode="week",
                        client=demo.client)
    qtbot.add_widget(window, before_close_func=_settle)
    with qtbot.wait_signal(window.loaded, timeout=10_000):
        window.reload()
    return window


def _live(window):
    return [lesson for lesson in window.calendar_model.schedule.lessons
            if lesson.status in ("SCHEDULED", "AT_RISK") and lesson.version is not None
            and lesson.start > datetime.now(UTC) + timedelta(hours=1)]


def test_new_lesson_from_the_menu_is_booked(qtbot, demo, window) -> None:
    window.new_lesson_action.trigger()
    # The next free slot is looked for in the replica first (off the GUI thread).
    qtbot.wait_until(lambda: window.lesson_editor is not None, timeout=10_000)
    editor = window.lesson_editor
    assert editor is not None and editor.windowTitle() == "New lesson"
    start = weekday_at(demo.replica, 45)
    local = start.astimezone(window.calendar_model.schedule.timezone)
    editor.date.setDate(QDate(local.year, local.month, local.day))
    # (The time proposed is the next free one inside school hours, maybe before the student's.)
    editor.start_time.setTime(QTime(local.hour, local.minute))
    fields = bookable(demo.replica, start)
    for combo, key in ((editor.student, "student_id"), (editor.instructor, "instructor_id")):
        combo.setCurrentIndex(combo.findData(fields[key]))
    assert editor.problem() is None, editor.problem()

    with qtbot.wait_signal(window.lesson_saved, timeout=10_000) as saved, \
            qtbot.wait_signal(window.loaded, timeout=10_000):
        editor.save_button.click()
    assert saved.args[0].state == "applied"
    assert window.lesson_editor is None
    assert demo.replica.get("flights", saved.args[0].lesson_id).state == "synced"


def test_return_edits_the_selected_lesson_and_opened_lessons_are_read_only(window) -> None:
    lessons = _live(window)
    lesson, other = lessons[0], lessons[1]
    window.calendar.select_lesson(lesson.id)
    window.calendar.lesson_hovered.emit(other.id)  # the mouse passing another: the selection wins
    window.calendar.lesson_hovered.emit("")
    assert window.edit_lesson_action in window.calendar.actions()  # Return, on the calendar
    window.edit_lesson_action.trigger()
    editor = window.lesson_editor
    assert editor is not None and editor.windowTitle() == "Edit lesson"
    assert editor.student.currentData() == lesson.student_id and not editor.read_only
    assert editor.lesson_id == lesson.id
    editor.done(0)
    assert window.lesson_editor is None

    read_only = window.edit_lesson(lesson.id, read_only=True)
    assert read_only is not None and read_only.read_only
    assert window.edit_lesson(lesson.id) is None  # one editor at a time
    read_only.done(0)


def test_a_refused_move_is_reported_and_leaves_the_lesson_where_it_was(qtbot, demo,
                                                                        window) -> None:
    lessons = _live(window)
    mover = lessons[0]
    # Onto another aircraft's lesson: that aircraft is taken then.
    blocker = next(lesson for lesson in lessons if lesson.aircraft_id != mover.aircraft_id)
    length = mover.end - mover.start

    with qtbot.wait_signal(window.edit_refused, timeout=10_000) as refused, \
            qtbot.assert_not_emitted(window.load_failed):
        window.move_lesson(Move(mover.id, blocker.start, blocker.start + length, "aircraft",
                                blocker.aircraft_id))
    assert refused.args[0].startswith("The lesson was not moved: ")
    assert "already" in refused.args[0]
    assert window.statusBar().currentMessage() == refused.args[0]
    assert demo.replica.outbox() == []
    assert demo.replica.get("flights", mover.id).data["start_at"] == \
        demo.client.get_flight(mover.id)["start_at"]


def test_a_move_to_a_free_time_is_saved(qtbot, demo, window) -> None:
    mover = _live(window)[-1]
    start = weeks_later(demo.replica, mover.start, 8)  # its own hours, weeks ahead: all free
    with qtbot.wait_signal(window.lesson_saved, timeout=10_000) as saved, \
            qtbot.assert_not_emitted(window.edit_refused):
        window.calendar.move_requested.emit(Move(mover.id, start, start + (mover.end - mover.start), "aircraft",
                                mover.aircraft_id))
    assert saved.args[0].state == "applied", saved.args[0].message
    assert datetime.fromisoformat(demo.client.get_flight(mover.id)["start_at"]) == start


def test_a_refused_edit_from_the_alerts_opens_in_the_editor_to_fix(qtbot, demo, window) -> None:
    lessons = _live(window)
    mover = lessons[1]
    blocker = next(lesson for lesson in lessons if lesson.aircraft_id != mover.aircraft_id)
    refused = window.lesson_edits.save(
        lesson_id=mover.id, base_version=mover.version,
        fields={"aircraft_id": blocker.aircraft_id, "start_at": blocker.start,
                "end_at": blocker.start + (mover.end - mover.start)})
    assert refused.state == "rejected"

    window.lesson_actions.edit_again(refused.mutation_id)
    qtbot.wait_until(lambda: window.lesson_editor is not None, timeout=10_000)
    editor = window.lesson_editor
    assert editor.refused_mutation == refused.mutation_id
    assert editor.aircraft.currentData() == blocker.aircraft_id  # the refused change, shown
    editor.close_button.click()  # not this dialog's edit: the alerts keep it
    assert [entry.mutation_id for entry in demo.replica.outbox()] == [refused.mutation_id]

    window.lesson_actions.edit_again(refused.mutation_id)
    qtbot.wait_until(lambda: window.lesson_editor is not None, timeout=10_000)
    editor = window.lesson_editor
    # The lesson's own hours (its people are available then), weeks ahead: the aircraft is free.
    local = weeks_later(demo.replica, mover.start, 10).astimezone(school_zone(demo.replica))
    editor.date.setDate(QDate(local.year, local.month, local.day))
    editor.start_time.setTime(QTime(local.hour, local.minute))
    with qtbot.wait_signal(window.lesson_saved, timeout=10_000) as saved:
        editor.save_button.click()
    assert saved.args[0].state == "applied", saved.args[0].message
    assert demo.replica.outbox() == []
    server = demo.client.get_flight(mover.id)
    assert server["aircraft_id"] == blocker.aircraft_id and server["version"] == mover.version + 1


def test_double_clicking_a_free_slot_opens_the_editor_there(window) -> None:
    schedule = window.calendar_model.schedule
    aircraft_id = schedule.aircraft[-1][0]
    window.calendar.book_requested.emit(SlotRequest(FAR, "aircraft", aircraft_id))
    editor = window.lesson_editor
    assert editor is not None and editor.aircraft.currentData() == aircraft_id
    assert editor.times()[0] == FAR
    editor.done(0)

    instructor_id = schedule.instructors[-1][0]
    window.calendar.book_requested.emit(SlotRequest(FAR, "instructor", instructor_id))
    assert window.lesson_editor.instructor.currentData() == instructor_id
    window.lesson_editor.done(0)

    window.calendar.book_requested.emit(SlotRequest(FAR, "instructor", None))  # the solo row
    editor = window.lesson_editor
    assert editor.flight_type.currentData() == "SOLO" and editor.instructor.currentData() is None
    assert editor.problem() is None
    editor.done(0)


def _warned_move(demo, window, days: int):
    """A lesson on the calendar and a start, weeks ahead, outside its instructor's hours (15:00
    school time on a Tuesday or Thursday, in daylight all year round): the policy warns."""
    target = weekday_at(demo.replica, days, hour=15)
    for lesson in _live(window):
        if lesson.instructor_id and not is_available(
                demo.replica, "instructors", lesson.instructor_id, target,
                target + (lesson.end - lesson.start)):
            return lesson, target
    raise AssertionError("no lesson on the calendar whose instructor is away at 15:00")


def test_a_warned_drag_asks_and_move_anyway_moves(qtbot, demo, window) -> None:
    mover, target = _warned_move(demo, window, 86)
    length = mover.end - mover.start
    instructor = demo.replica.get("instructors", mover.instructor_id).data["name"]

    with qtbot.assert_not_emitted(window.edit_refused):
        window.calendar.move_requested.emit(Move(mover.id, target, target + length, "aircraft",
                                                 mover.aircraft_id))
        qtbot.wait_until(lambda: window.lesson_actions.warning_dialog is not None, timeout=10_000)
    dialog = window.lesson_actions.warning_dialog
    assert dialog.heading.text().startswith(f"Moving {mover.student}'s lesson to ")
    assert f"outside {instructor}'s availability" in dialog.warnings_label.text()
    assert dialog.go_button.text().replace("&", "") == "Move anyway"
    [entry] = demo.replica.outbox()
    assert entry.state == "rejected"  # shown at its new place, marked, while asked

    with qtbot.wait_signal(window.lesson_saved, timeout=10_000,
                           check_params_cb=lambda outcome: outcome.state == "applied"):
        dialog.go_button.click()
    assert window.lesson_actions.warning_dialog is None
    assert demo.replica.outbox() == []
    server = demo.client.get_flight(mover.id)
    assert datetime.fromisoformat(server["start_at"]) == target
    assert "INSTRUCTOR_UNAVAILABLE" in [warning["code"] for warning in server["acknowledged_warnings"]]
    qtbot.wait_until(lambda: window.statusBar().currentMessage() == "Lesson moved.", timeout=5_000)


def test_cancelling_a_warned_move_leaves_the_lesson_where_it_was(qtbot, demo, window) -> None:
    mover, target = _warned_move(demo, window, 93)
    before = demo.client.get_flight(mover.id)
    window.calendar.select_lesson(mover.id)
    window.calendar_actions.move_action.trigger()  # Ctrl+M
    move = window.lesson_actions.move_dialog
    assert move is not None
    local = target.astimezone(school_zone(demo.replica))
    move.date.setDate(QDate(local.year, local.month, local.day))
    move.start_time.setTime(QTime(local.hour, local.minute))
    move.move_button.click()
    qtbot.wait_until(lambda: window.lesson_actions.warning_dialog is not None, timeout=10_000)

    window.lesson_actions.warning_dialog.cancel_button.click()

    def back() -> bool:  # the block snaps back: where it was, no longer marked
        shown = [lesson for lesson in window.calendar_model.schedule.lessons
                 if lesson.id == mover.id]
        return bool(shown) and shown[0].start == mover.start and not shown[0].pending

    qtbot.wait_until(lambda: window.statusBar().currentMessage() == "The lesson was not moved.",
                     timeout=10_000)
    qtbot.wait_until(back, timeout=10_000)
    assert window.lesson_actions.warning_dialog is None
    assert demo.replica.outbox() == []
    assert demo.replica.get("flights", mover.id).data["start_at"] == before["start_at"]
    assert demo.client.get_flight(mover.id)["version"] == before["version"]
