"""The lesson editor's cancellation (the calendar's cancel dialog, by kind) and lessons in the air
(aircraft checked out, not yet checked in): the editor, a drag on the calendar, against a real
embedded demo service of this module's own (these tests change it; set up as in
``test_logbook_dialogs``). Undo and redo of such a lesson: tests/app/services/test_edit_history.py.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from app.services.lesson_edits import IN_FLIGHT_TEXT
from app.views.calendar_view import CalendarView
from app.views.lesson_editor import LessonEditor
from app.views.main_window import MainWindow
from tests.app.booking_support import weekday_at
from tests.app.views.test_logbook_dialogs import (  # noqa: F401 (fixtures)
    LIVE, School, school, show_day, shown, synced, window,
)

pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support (propagateSizeHints|raise)\(\)",
    r"This plugin does not support grabbing the keyboard")


def _editor(qtbot, window: MainWindow, lesson_id: str) -> LessonEditor:
    editor = window.edit_lesson(lesson_id)
    assert editor is not None, window.statusBar().currentMessage()
    return editor


def _closed(qtbot, window: MainWindow) -> None:
    qtbot.wait_until(lambda: window.lesson_editor is None, timeout=15_000)


def _flying(qtbot, school: School, window: MainWindow) -> str:
    """A lesson that started 20 minutes ago (to the second, as a lesson booked elsewhere may),
    its aircraft checked out; shown on the calendar."""
    now = datetime.now(UTC).replace(microsecond=0)
    booking = school.free(now - timedelta(minutes=20), now + timedelta(minutes=100))
    plane = school.client.get_aircraft(booking["aircraft_id"])
    lesson_id = school.write(**booking, checked_out_at=booking["start_at"],
                             hobbs_out=plane["hobbs_hours"], tach_out=plane["tach_hours"])
    synced(qtbot, window)
    show_day(qtbot, window, booking["start_at"], lesson_id)
    return lesson_id


# -- cancelling from the editor ----------------------------------------------------------------


def test_the_editor_cancels_through_the_cancel_dialog_with_the_kind_chosen(qtbot, school,
                                                                          window) -> None:
    lesson = next(lesson for lesson in window.calendar_model.schedule.lessons
                  if lesson.status in LIVE and lesson.version is not None
                  and lesson.checked_out_at is None and not lesson.series_id
                  and lesson.start > datetime.now(UTC) + timedelta(hours=1))
    editor = _editor(qtbot, window, lesson.id)
    assert not editor.cancel_lesson_button.isHidden() and editor.check_in_button.isHidden()

    # "Keep lesson": back to the editor, as it was.
    editor.cancel_lesson_button.click()
    dialog = window.lesson_actions.cancel_dialog
    assert dialog is not None and dialog.parent() is editor  # over the editor
    assert dialog.lesson_id == lesson.id and not dialog.scope_box.isVisibleTo(dialog)
    dialog.keep_button.click()
    qtbot.wait_until(lambda: window.lesson_actions.cancel_dialog is None, timeout=5_000)
    assert window.lesson_editor is editor and editor.save_button.isEnabled()

    editor.cancel_lesson_button.click()
    dialog = window.lesson_actions.cancel_dialog
    qtbot.keyClicks(dialog.reason_edit, "Instructor off sick")
    assert not dialog.cancel_lesson_button.isEnabled()  # what happened? not said yet
    dialog.kind_buttons["school"].click()
    with qtbot.wait_signal(window.lesson_saved, timeout=15_000) as saved:
        dialog.cancel_lesson_button.click()
        assert editor.status_label.text() == "Cancelling the lesson…"  # the editor waits
        assert not editor.close_button.isEnabled()
    assert saved.args[0].state == "applied", saved.args[0].message
    _closed(qtbot, window)
    server = school.client.get_flight(lesson.id)
    assert server["status"] == "CANCELLED" and server["cancel_kind"] == "school"
    assert server["cancel_reason"] == "Instructor off sick"


def test_the_editor_cancels_a_lesson_and_the_following_ones_of_its_series(qtbot, school,
                                                                          window) -> None:
    first = weekday_at(school.desk.replica, 170, hour=15)
    series = uuid.uuid4()
    booking = school.free(first, first + timedelta(hours=1))
    ids = [school.write(**booking | {"start_at": first + timedelta(weeks=week),
                                     "end_at": first + timedelta(weeks=week, hours=1)},
                        series_id=series) for week in range(3)]
    synced(qtbot, window)
    show_day(qtbot, window, first, ids[0])

    editor = _editor(qtbot, window, ids[0])
    editor.cancel_lesson_button.click()
    dialog = window.lesson_actions.cancel_dialog
    assert dialog is not None and dialog.scope_box.isVisibleTo(dialog)
    qtbot.wait_until(lambda: "following 2 lessons" in dialog.following.text(), timeout=10_000)
    dialog.kind_buttons["student"].click()
    qtbot.keyClicks(dialog.reason_edit, "Stopped training")
    dialog.following.click()
    with qtbot.wait_signal(window.lesson_saved, timeout=15_000) as saved:
        dialog.cancel_lesson_button.click()
    assert saved.args[0].state == "applied", saved.args[0].message
    assert "the following 2 lessons of its series" in saved.args[0].message
    _closed(qtbot, window)
    states = [school.client.get_flight(lesson_id) for lesson_id in ids]
    assert {state["status"] for state in states} == {"CANCELLED"}
    assert {state["cancel_kind"] for state in states} == {"student"}


def test_a_refused_cancellation_keeps_the_editor_open_saying_why(qtbot, school, window) -> None:
    lesson = next(lesson for lesson in window.calendar_model.schedule.lessons
                  if lesson.status in LIVE and lesson.version is not None
                  and lesson.checked_out_at is None and not lesson.series_id
                  and lesson.start > datetime.now(UTC) + timedelta(hours=1))
    editor = _editor(qtbot, window, lesson.id)
    editor.cancel_lesson_button.click()
    dialog = window.lesson_actions.cancel_dialog
    dialog.kind_buttons["no_show"].click()
    qtbot.keyClicks(dialog.reason_edit, "Did not come")
    # Meanwhile another desk cancelled it: the service refuses this one.
    school.client.cancel_flight(lesson.id, "weather", kind="weather")
    with qtbot.wait_signal(window.lesson_saved, timeout=15_000) as saved:
        dialog.cancel_lesson_button.click()
    assert saved.args[0].refused
    qtbot.wait_until(lambda: not editor.error_label.isHidden(), timeout=5_000)
    assert editor.error_label.text().startswith("The lesson was not cancelled")
    assert window.lesson_editor is editor and editor.close_button.isEnabled()
    assert school.client.get_flight(lesson.id)["cancel_kind"] == "weather"  # as it was
    editor.close_button.click()
    _closed(qtbot, window)


# -- a lesson in the air -----------------------------------------------------------------------


def test_a_lesson_in_the_air_opens_with_only_its_notes_to_change(qtbot, school, window) -> None:
    lesson_id = _flying(qtbot, school, window)
    before = school.client.get_flight(lesson_id)
    editor = _editor(qtbot, window, lesson_id)
    assert editor.in_flight and not editor.read_only
    for widget in (editor.student, editor.instructor, editor.aircraft, editor.date,
                   editor.start_time, editor.length, editor.departure, editor.destination,
                   editor.flight_type):
        assert not widget.isEnabled()
    assert editor.notes.isEnabled()
    assert editor.closed_label.isVisibleTo(editor)
    assert editor.closed_label.text() == (
        "↗ The aircraft is checked out for this lesson: check it in to record what was flown; "
        "only the notes can change now.")
    assert editor.closed_label.textFormat() == Qt.TextFormat.PlainText
    assert editor.cancel_lesson_button.isHidden() and editor.weekly_button.isHidden()
    assert not editor.check_in_button.isHidden() and editor.check_in_button.isEnabled()
    assert editor.save_button.isEnabled() and editor.error_label.isHidden()

    # Notes typed: "Check in…" would lose them, so it waits for the save.
    editor.notes.setPlainText("Pattern work, back by noon")
    assert not editor.check_in_button.isEnabled()
    assert "Save the notes first" in editor.check_in_button.toolTip()
    with qtbot.wait_signal(editor.saved, timeout=15_000) as saved:
        editor.save_button.click()
    assert saved.args[0].state == "applied", saved.args[0].message
    after = school.client.get_flight(lesson_id)
    assert after["notes"] == "Pattern work, back by noon"
    # Nothing else was sent (the times as booked, to the second).
    assert (after["start_at"], after["end_at"]) == (before["start_at"], before["end_at"])
    _closed(qtbot, window)

    # "Check in…": the editor closes, the check-in opens on the lesson.
    synced(qtbot, window)
    editor = _editor(qtbot, window, lesson_id)
    assert editor.notes.toPlainText() == "Pattern work, back by noon"
    editor.check_in_button.click()
    _closed(qtbot, window)
    qtbot.wait_until(lambda: window.lesson_actions.check_in_dialog is not None, timeout=10_000)
    dialog = window.lesson_actions.check_in_dialog
    assert dialog.lesson_id == lesson_id and dialog.out_recorded
    dialog.reject()


def test_a_completed_lesson_opens_read_only(qtbot, school, window) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    booking = school.free(now - timedelta(hours=5), now - timedelta(hours=4))
    lesson_id = school.write(**booking, status="COMPLETED", checked_out_at=booking["start_at"],
                             hobbs_out=10.0, tach_out=8.0, hobbs_in=11.0, tach_in=8.8)
    synced(qtbot, window)
    show_day(qtbot, window, booking["start_at"], lesson_id)
    editor = _editor(qtbot, window, lesson_id)
    assert editor.read_only and not editor.in_flight
    for widget in (editor.student, editor.instructor, editor.aircraft, editor.date,
                   editor.start_time, editor.length, editor.departure, editor.destination,
                   editor.flight_type, editor.notes):
        assert not widget.isEnabled()
    assert editor.closed_label.text() == ("This lesson is completed and can no longer be "
                                          "changed.")
    assert editor.save_button.isHidden() and editor.cancel_lesson_button.isHidden()
    assert editor.check_in_button.isHidden()
    assert editor.close_button.text() == "Close"
    editor.close_button.click()
    _closed(qtbot, window)

    # Nor is it dragged: the status bar says why.
    in_view(qtbot, window, lesson_id)
    press_and_drag(window.calendar, lesson_id)
    assert not window.calendar.is_dragging()
    assert window.statusBar().currentMessage() == ("This lesson is completed: it can no longer "
                                                   "be moved.")


def in_view(qtbot, window: MainWindow, lesson_id: str) -> None:
    """The window shown at 1280×720 with the lesson scrolled into the calendar's view."""
    window.resize(1280, 720)
    window.show()
    qtbot.wait_exposed(window)
    window.calendar.ensure_visible(lesson_id)
    qtbot.wait_until(lambda: bool(window.calendar.lesson_rects(lesson_id)), timeout=5_000)


def press_and_drag(view: CalendarView, lesson_id: str, *, by: float = 120) -> None:
    """Press the lesson's block and move the mouse ``by`` pixels to the right, button held (sent
    to the widget, shown or not); released there."""
    start = view.lesson_rects(lesson_id)[0].center()
    end = start + QPointF(by, 0)

    def send(kind: QEvent.Type, at: QPointF, button: Qt.MouseButton,
             buttons: Qt.MouseButton) -> None:
        QApplication.sendEvent(view, QMouseEvent(kind, at, view.mapToGlobal(at), button, buttons,
                                                 Qt.KeyboardModifier.NoModifier))

    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    send(QEvent.Type.MouseButtonPress, start, left, left)
    for step in range(1, 7):
        send(QEvent.Type.MouseMove, start + QPointF(by * step / 6, 0), none, left)
    send(QEvent.Type.MouseButtonRelease, end, left, none)


def test_a_lesson_in_the_air_is_not_dragged_and_the_status_bar_says_why(qtbot, school,
                                                                         window) -> None:
    lesson_id = _flying(qtbot, school, window)
    before = school.client.get_flight(lesson_id)
    in_view(qtbot, window, lesson_id)
    calendar = window.calendar
    with qtbot.assert_not_emitted(calendar.move_requested), \
            qtbot.wait_signal(calendar.drag_refused) as refused:
        press_and_drag(calendar, lesson_id)
    assert refused.args == [lesson_id]
    assert not calendar.is_dragging()
    assert window.statusBar().currentMessage() == (
        "The aircraft is checked out for this lesson: it cannot be moved while it is flying. "
        "Check it in to record what was flown.")
    assert school.client.get_flight(lesson_id)["start_at"] == before["start_at"]

    # A lesson on the ground still moves (the drag starts; Escape ends it here).
    other = next(lesson for lesson in window.calendar_model.schedule.lessons
                 if lesson.status in LIVE and lesson.version is not None and not lesson.checked_out
                 and calendar.lesson_rects(lesson.id))
    in_view(qtbot, window, other.id)
    start = calendar.lesson_rects(other.id)[0].center()
    QApplication.sendEvent(calendar, QMouseEvent(
        QEvent.Type.MouseButtonPress, start, calendar.mapToGlobal(start),
        Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    for step in range(1, 4):
        at = start + QPointF(20 * step, 0)
        QApplication.sendEvent(calendar, QMouseEvent(
            QEvent.Type.MouseMove, at, calendar.mapToGlobal(at), Qt.MouseButton.NoButton,
            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    assert calendar.is_dragging()
    qtbot.keyClick(calendar, Qt.Key.Key_Escape)
    assert not calendar.is_dragging()
