"""The calendar's commands in the main window, against the real demo service: context menus,
Delete and Move… on the selected lesson, Ctrl+N in the next free slot, zoom remembered."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, time, timedelta

import pytest
from PySide6.QtCore import QCoreApplication, QDate, QPoint, QSettings, Qt, QThreadPool, QTime

from app.models.free_slot import opening_hours
from app.services.sync_loop import SyncLoop
from app.views.calendar_view import ContextRequest, SlotRequest
from app.views.main_window import MainWindow

# The offscreen platform cannot resize or raise native windows, nor grab the keyboard for a popup
# menu, and says so when a dialog or menu opens.
pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support (propagateSizeHints|raise)\(\)",
    r"This plugin does not support grabbing the keyboard")

FAR = (datetime.now(UTC) + timedelta(days=60)).replace(hour=16, minute=0, second=0,
                                                       microsecond=0)


def _settle(window) -> None:
    """Let background work still running deliver to the window while it exists."""
    for dialog in (window.lesson_editor, window.lesson_actions.cancel_dialog,
                   window.lesson_actions.move_dialog):
        if dialog is not None:
            dialog.done(0)
    window._sync_loop.stop()
    for _ in range(3):
        QThreadPool.globalInstance().waitForDone(10_000)
        QCoreApplication.processEvents()


def _open_window(qtbot, demo, **kwargs) -> MainWindow:
    loop = SyncLoop(engine=demo.engine, interval_ms=600_000)
    window = MainWindow(sync_loop=loop, replica=demo.replica, user_email=demo.email, mode="week",
                        client=demo.client, **kwargs)
    qtbot.add_widget(window, before_close_func=_settle)
    with qtbot.wait_signal(window.loaded, timeout=10_000):
        window.reload()
    return window


@pytest.fixture
def window(qtbot, demo) -> MainWindow:
    return _open_window(qtbot, demo)


def _live(window):
    return [lesson for lesson in window.calendar_model.schedule.lessons
            if lesson.status in ("SCHEDULED", "AT_RISK") and lesson.version is not None
            and lesson.start > datetime.now(UTC) + timedelta(hours=1)]


def _texts(menu) -> list[str]:
    return [action.text().replace("&", "") for action in menu.actions() if not action.isSeparator()]


def test_a_lessons_context_menu_offers_its_commands(qtbot, window) -> None:
    lesson = _live(window)[0]
    menu = window.calendar_actions.build_menu(ContextRequest(QPoint(), lesson_id=lesson.id))
    assert _texts(menu) == ["Open", "Check weather now", "Check out…", "Check in…", "Move…",
                            "Cancel lesson…"]
    # Check out and in only on its day (this one is an hour or more ahead); the others always.
    by_text = {action.text().replace("&", ""): action for action in menu.actions()}
    assert not by_text["Check in…"].isEnabled()
    assert all(action.isEnabled() for text, action in by_text.items()
               if text not in ("Check out…", "Check in…"))
    assert menu.defaultAction().text() == "&Open"
    menu.actions()[0].trigger()
    editor = window.lesson_editor
    assert editor is not None and editor.lesson_id == lesson.id and not editor.read_only
    editor.done(0)

    # Shown for real when the calendar asks (right click, menu key).
    window.calendar.context_menu_requested.emit(ContextRequest(QPoint(10, 10),
                                                               lesson_id=lesson.id))
    shown = window.calendar_actions.context_menu
    assert shown is not None and shown.isVisible()
    shown.close()


def test_a_cancelled_lessons_menu_opens_its_reschedule_request(qtbot, window) -> None:
    review = window.reschedule_review
    qtbot.wait_until(lambda: review.model.rowCount() > 0, timeout=10_000)
    shown = {lesson.id: lesson for lesson in window.calendar_model.schedule.lessons}
    request = next(item for item in review.model.reschedules.requests if item.flight_id in shown)
    menu = window.calendar_actions.build_menu(ContextRequest(QPoint(),
                                                             lesson_id=request.flight_id))
    assert "Open reschedule request" in _texts(menu)
    by_text = {action.text().replace("&", ""): action for action in menu.actions()}
    assert not by_text["Cancel lesson…"].isEnabled()  # cancelled already: nothing to cancel
    assert not by_text["Move…"].isEnabled()
    with qtbot.wait_signal(review.request_shown, timeout=10_000) as opened:
        by_text["Open reschedule request"].trigger()
    assert opened.args == [request.id]
    # A lesson without one has no such command.
    lesson = next(item for item in _live(window) if not any(
        item.id in (r.flight_id, r.new_flight_id) for r in review.model.reschedules.requests))
    assert "Open reschedule request" not in _texts(window.calendar_actions.build_menu(
        ContextRequest(QPoint(), lesson_id=lesson.id)))


def test_a_free_slots_context_menu_books_a_lesson_there(window) -> None:
    aircraft_id = window.calendar_model.schedule.aircraft[-1][0]
    menu = window.calendar_actions.build_menu(
        ContextRequest(QPoint(), slot=SlotRequest(FAR, "aircraft", aircraft_id)))
    assert _texts(menu) == ["Book a lesson here"]
    menu.actions()[0].trigger()
    editor = window.lesson_editor
    assert editor is not None and editor.windowTitle() == "New lesson"
    assert editor.aircraft.currentData() == aircraft_id and editor.times()[0] == FAR
    editor.done(0)


def test_delete_asks_then_cancels_the_selected_lesson(qtbot, demo, window) -> None:
    lesson = _live(window)[-1]
    action = window.calendar_actions.cancel_action
    assert action.shortcut().toString() == "Del" and action in window.calendar.actions()
    assert any(action in menu_action.menu().actions() for menu_action in window.menuBar().actions()
               if menu_action.menu() is not None)
    window.show()
    with qtbot.wait_active(window):
        window.activateWindow()
    window.calendar.setFocus()
    window.calendar.select_lesson(lesson.id)
    qtbot.keyClick(window.calendar, Qt.Key.Key_Delete)
    dialog = window.lesson_actions.cancel_dialog
    assert dialog is not None and dialog.lesson_id == lesson.id
    assert lesson.student in dialog.summary_label.text()
    assert not dialog.cancel_lesson_button.isEnabled()  # no reason yet
    dialog.keep_button.click()  # changed one's mind: nothing happens
    assert window.lesson_actions.cancel_dialog is None
    assert demo.replica.get("flights", lesson.id).data["status"] == lesson.status
    assert demo.replica.outbox() == []

    action.trigger()  # (the Lesson menu's "Cancel lesson…", the same as Delete)
    dialog = window.lesson_actions.cancel_dialog
    qtbot.keyClicks(dialog.reason_edit, "Aircraft needed for a check ride")
    assert not dialog.cancel_lesson_button.isEnabled()  # what kind of cancellation? not said
    dialog.kind_buttons["school"].click()
    assert dialog.cancel_lesson_button.isEnabled()
    with qtbot.wait_signal(window.lesson_saved, timeout=10_000) as saved:
        dialog.cancel_lesson_button.click()
    assert saved.args[0].state == "applied", saved.args[0].message
    server = demo.client.get_flight(lesson.id)
    assert server["status"] == "CANCELLED"
    assert "Aircraft needed for a check ride" in (server.get("notes") or "")
    assert server["cancel_kind"] == "school"


def test_move_from_the_keyboard_sends_the_move(qtbot, demo, window) -> None:
    lesson = _live(window)[-2]
    window.calendar.select_lesson(lesson.id)
    window.calendar_actions.move_action.trigger()
    dialog = window.lesson_actions.move_dialog
    assert dialog is not None and not dialog.move_button.isEnabled()  # nothing changed yet
    local = FAR.astimezone(window.calendar_model.schedule.timezone)
    dialog.date.setDate(QDate(local.year, local.month, local.day))
    dialog.start_time.setTime(QTime(local.hour, local.minute))
    assert dialog.move_button.isEnabled()
    with qtbot.wait_signal(window.lesson_saved, timeout=10_000) as saved:
        dialog.move_button.click()
    assert saved.args[0].state == "applied", saved.args[0].message
    assert datetime.fromisoformat(demo.client.get_flight(lesson.id)["start_at"]) == FAR


def test_ctrl_n_proposes_the_next_free_slot_inside_school_hours(qtbot, demo) -> None:
    school = demo.replica.rows("schools")[0].data
    zone = zoneinfo.ZoneInfo(school["timezone"])
    # Twenty to one at night, school time, tomorrow: not "01:00", the morning's first free slot.
    tomorrow = (datetime.now(zone) + timedelta(days=1)).date()
    now = datetime.combine(tomorrow, time(0, 40), zone).astimezone(UTC)
    window = _open_window(qtbot, demo, clock=lambda: now)
    assert window.new_lesson_action.shortcut().toString() == "Ctrl+N"
    window.new_lesson_action.trigger()
    qtbot.wait_until(lambda: window.lesson_editor is not None, timeout=10_000)
    editor = window.lesson_editor
    start, end = editor.times()
    opens, closes = opening_hours(school)[start.astimezone(zone).isoweekday()]
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    assert start > now and local_start.date() >= tomorrow
    assert opens <= local_start.time() and local_end.time() <= closes
    assert local_start.minute in (0, 30) and local_start.second == 0
    # The aircraft proposed is free then.
    aircraft_id = editor.aircraft.currentData()
    assert aircraft_id is not None
    clashes = [row for row in demo.replica.lessons_between(start, end)
               if row.data["aircraft_id"] == aircraft_id
               and row.data["status"] not in ("WEATHER_CANCELLED", "RESCHEDULED", "CANCELLED")]
    assert clashes == []
    assert editor.problem() is None or editor.problem()[0] != "start_at"
    editor.done(0)


def test_zoom_is_remembered_for_the_next_start(qtbot, demo, window) -> None:
    try:
        assert window.calendar_actions.zoom_in_action.shortcuts()[0].toString() == "Ctrl++"
        window.calendar_actions.fit_action.trigger()  # (from the readable default, by hand)
        window.calendar_actions.zoom_in_action.trigger()
        window.calendar_actions.zoom_in_action.trigger()
        assert window.calendar.zoom == pytest.approx(1.5625)
        again = _open_window(qtbot, demo)
        assert again.calendar.zoom == pytest.approx(1.5625)
        again.set_mode("day")
        # The day view has its own: never zoomed by hand, the readable default.
        assert again.calendar.zoom_is_readable
        assert again.calendar.zoom == pytest.approx(again.calendar.readable_zoom())
        window.calendar_actions.fit_action.trigger()
        assert _open_window(qtbot, demo).calendar.zoom == 1.0
    finally:
        QSettings().remove("calendar/zoom")  # the next tests' windows start at the default
