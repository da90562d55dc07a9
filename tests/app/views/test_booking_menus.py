"""Where the booking policy and weekly series are found in the main window (the real demo
service, signed in as its dispatcher): File › Booking policy… (read only for a dispatcher),
Lesson › Book a weekly series… (Ctrl+Shift+N) and "Make it weekly…" in a new lesson."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QKeySequence

from app.views.policy_dialog import PolicyDialog
from app.views.series_dialog import SeriesDialog
from app.views.shortcuts_dialog import menu_actions, plain_text
from tests.app.booking_support import bookable, school_zone, weekday_at

pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support (propagateSizeHints|raise)\(\)")


def _path(window, action) -> str:
    return next(path for path, found in menu_actions(window.menuBar()) if found is action)


def test_file_menu_shows_the_booking_policy_read_only_to_a_dispatcher(qtbot, window) -> None:
    assert window.policy_action.isVisible() and _path(window, window.policy_action) == "File"

    window.policy_action.trigger()
    dialog = window.policy_dialog
    assert isinstance(dialog, PolicyDialog)
    qtbot.wait_until(lambda: bool(dialog.rule_boxes), timeout=10_000)

    assert not dialog.can_change and dialog.access_label.isVisible()
    assert not any(box.isEnabled() for box in dialog.rule_boxes.values())
    assert window.show_policy() is dialog  # one at a time
    dialog.close()


def test_lesson_menu_books_a_weekly_series(qtbot, window) -> None:
    action = window.series_action
    assert _path(window, action) == "Lesson"
    assert action.shortcut() == QKeySequence("Ctrl+Shift+N")
    assert plain_text(action.text()) == "Book a weekly series…"
    assert action in window.booking_actions()  # off for instructors, as every booking

    action.trigger()
    dialog = window.lesson_actions.series_dialog
    assert isinstance(dialog, SeriesDialog) and dialog.isVisible()
    assert dialog.student.count() > 0 and dialog.lessons.count() == 8  # one weekday, 8 weeks
    dialog.reject()
    qtbot.wait_until(lambda: window.lesson_actions.series_dialog is None)


def test_a_new_lesson_can_be_made_weekly(qtbot, window) -> None:
    editor = window.lesson_actions.open_lesson_editor()
    assert editor is not None and editor.weekly_button.isVisible()
    student = editor.student.itemText(1)
    editor.student.setCurrentIndex(1)
    fields = editor.fields()

    editor.weekly_button.click()

    dialog = window.lesson_actions.series_dialog
    assert isinstance(dialog, SeriesDialog)
    assert dialog.student.currentText() == student
    assert dialog.plan().start_time.strftime("%H:%M") == editor.start_time.time().toString("HH:mm")
    assert dialog.departure.text() == fields["departure"]
    qtbot.wait_until(lambda: window.lesson_editor is None)  # the editor gave way
    dialog.reject()


def test_a_booked_series_reaches_the_replica_by_a_sync(qtbot, window, demo) -> None:
    start = weekday_at(demo.replica, 70, hour=14)
    dialog = window.lesson_actions.book_series(bookable(demo.replica, start))
    dialog.set_weekdays(start.astimezone(school_zone(demo.replica)).isoweekday())
    dialog.weeks.setValue(2)

    with qtbot.wait_signal(dialog.booked, timeout=20_000) as booked:
        dialog.book_button.click()

    ids = [occurrence.lesson_id for occurrence in booked.args[0].booked]
    assert ids
    qtbot.wait_until(lambda: all(demo.replica.get("flights", lesson_id) is not None
                                 for lesson_id in ids), timeout=20_000)
    assert "Weekly series: " in window.statusBar().currentMessage()
    dialog.reject()
