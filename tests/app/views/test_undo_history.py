"""Edit › Undo and Redo of lesson edits in the main window, against the real demo service.

Every undo is a new edit sent to the service: these check the service's rows, not only the
window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QCoreApplication, QThreadPool
from PySide6.QtGui import QKeySequence

from app.services.api_client import Account, Session, Tokens
from app.services.sync_loop import SyncLoop
from app.views.calendar_view import MoveRequest as Move
from app.views.main_window import MainWindow
from tests.app.booking_support import bookable, iso, weekday_at

pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support (propagateSizeHints|raise)\(\)")


def _settle(window) -> None:
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


def _book(qtbot, demo, window, start, **fields) -> tuple[str, str]:
    """Book through the window's edits; the lesson id and its student's name."""
    outcome = window.lesson_edits.save(lesson_id=None, base_version=None,
                                       fields=bookable(demo.replica, start, **fields))
    assert outcome.state == "applied", outcome.message
    qtbot.wait_until(lambda: window.undo_history.stack.count() > 0
                     and window.undo_history.stack.command(
                         window.undo_history.stack.index() - 1).record.lesson_id == outcome.lesson_id,
                     timeout=10_000)
    student_id = demo.replica.get("flights", outcome.lesson_id).data["student_id"]
    return outcome.lesson_id, demo.replica.get("students", student_id).data["name"]


def _undo(qtbot, window, redo: bool = False) -> str:
    action = window.redo_action if redo else window.undo_action
    history = window.undo_history
    with qtbot.wait_signal(history.done, timeout=10_000) as done, \
            qtbot.assert_not_emitted(history.refused):
        action.trigger()
    assert not history.busy
    return done.args[0]


def _live(window):
    return [lesson for lesson in window.calendar_model.schedule.lessons
            if lesson.status in ("SCHEDULED", "AT_RISK") and lesson.version is not None
            and lesson.start > datetime.now(UTC) + timedelta(hours=2)]


def test_the_edit_menu_has_undo_and_redo_with_the_platform_keys(window) -> None:
    edit = next(menu.menu() for menu in window.menuBar().actions() if menu.text() == "&Edit")
    assert edit.actions()[:2] == [window.undo_action, window.redo_action]
    assert window.menuBar().actions()[1].text() == "&Edit"  # right after File
    assert QKeySequence("Ctrl+Z") in window.undo_action.shortcuts()
    assert QKeySequence("Ctrl+Shift+Z") in window.redo_action.shortcuts()
    assert window.redo_action.shortcuts() == QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)
    assert not window.undo_action.isEnabled() and window.undo_action.text() == "&Undo"
    assert not window.redo_action.isEnabled()


def test_undo_and_redo_of_a_booking(qtbot, demo, window) -> None:
    lesson_id, student = _book(qtbot, demo, window, weekday_at(demo.replica, 120))
    assert window.undo_action.isEnabled()
    assert window.undo_action.text() == f"&Undo booking of {student}'s lesson"

    assert _undo(qtbot, window) == f"Undone: booking of {student}'s lesson."
    assert demo.client.get_flight(lesson_id)["status"] == "CANCELLED"
    assert window.redo_action.text() == f"&Redo booking of {student}'s lesson"
    assert not window.undo_action.isEnabled()

    _undo(qtbot, window, redo=True)
    rebooked = [row for row in demo.replica.rows("flights") if row.id != lesson_id
                and row.data["start_at"] == demo.client.get_flight(lesson_id)["start_at"]
                and row.data["status"] == "SCHEDULED"]
    assert len(rebooked) == 1
    # Undo again: the lesson booked by the redo is the one cancelled now.
    _undo(qtbot, window)
    assert demo.client.get_flight(rebooked[0].id)["status"] == "CANCELLED"
    assert demo.replica.outbox() == []


def test_undo_and_redo_of_a_move_on_the_calendar(qtbot, demo, window) -> None:
    lesson = _live(window)[0]
    later = lesson.start + timedelta(days=28)  # the same weekday and hour: inside everyone's hours
    with qtbot.wait_signal(window.lesson_saved, timeout=10_000) as saved:
        window.calendar.move_requested.emit(Move(lesson.id, later, later + (lesson.end - lesson.start),
                                                 "aircraft", lesson.aircraft_id))
    assert saved.args[0].state == "applied", saved.args[0].message
    qtbot.wait_until(window.undo_action.isEnabled, timeout=10_000)
    assert window.undo_action.text() == f"&Undo move of {lesson.student}'s lesson"

    with qtbot.wait_signal(window.lesson_jump.arrived, timeout=10_000):
        _undo(qtbot, window)
    assert demo.client.get_flight(lesson.id)["start_at"] == iso(lesson.start)
    # What was undone is shown: the lesson is selected where it is now.
    assert window.calendar.selected_lesson_id == lesson.id

    _undo(qtbot, window, redo=True)
    assert demo.client.get_flight(lesson.id)["start_at"] == iso(later)
    _undo(qtbot, window)
    assert demo.client.get_flight(lesson.id)["start_at"] == iso(lesson.start)


def test_undo_and_redo_of_a_change(qtbot, demo, window) -> None:
    lesson_id, student = _book(qtbot, demo, window, weekday_at(demo.replica, 127),
                               notes="pattern work")
    changed = window.lesson_edits.save(lesson_id=lesson_id, base_version=None,
                                       fields={"notes": "pattern work; bring the logbook",
                                               "departure": "KGTU"})
    assert changed.state == "applied", changed.message
    qtbot.wait_until(lambda: window.undo_action.text().startswith("&Undo change"), timeout=10_000)
    assert window.undo_action.text() == f"&Undo change of {student}'s lesson"

    _undo(qtbot, window)
    server = demo.client.get_flight(lesson_id)
    assert server["notes"] == "pattern work" and server["departure"] == "KAUS"
    assert window.undo_action.text() == f"&Undo booking of {student}'s lesson"
    _undo(qtbot, window, redo=True)
    assert demo.client.get_flight(lesson_id)["departure"] == "KGTU"


def test_undo_of_a_cancellation_books_the_lesson_again(qtbot, demo, window) -> None:
    start = weekday_at(demo.replica, 134)
    lesson_id, student = _book(qtbot, demo, window, start)
    with qtbot.wait_signal(window.lesson_saved, timeout=10_000) as saved:
        window.lesson_actions.cancel_lesson(lesson_id, "student sick")
    assert saved.args[0].state == "applied"
    qtbot.wait_until(lambda: window.undo_action.text().startswith("&Undo cancellation"),
                     timeout=10_000)
    assert window.undo_action.text() == f"&Undo cancellation of {student}'s lesson"

    _undo(qtbot, window)
    again = [row for row in demo.replica.rows("flights")
             if row.data["start_at"] == iso(start) and row.data["status"] == "SCHEDULED"
             and row.data["student_id"] == demo.client.get_flight(lesson_id)["student_id"]]
    assert len(again) == 1 and again[0].id != lesson_id
    assert demo.client.get_flight(lesson_id)["status"] == "CANCELLED"

    _undo(qtbot, window, redo=True)  # cancels the lesson booked again, with the same reason
    server = demo.client.get_flight(again[0].id)
    assert server["status"] == "CANCELLED" and "student sick" in server["notes"]


def test_an_undo_the_service_refuses_says_why_and_stays_to_try_again(qtbot, demo, window) -> None:
    start = weekday_at(demo.replica, 141)
    lesson_id, student = _book(qtbot, demo, window, start)
    aircraft_id = demo.replica.get("flights", lesson_id).data["aircraft_id"]
    with qtbot.wait_signal(window.lesson_saved, timeout=10_000):
        window.lesson_actions.cancel_lesson(lesson_id, "student sick")
    qtbot.wait_until(lambda: window.undo_action.text().startswith("&Undo cancellation"),
                     timeout=10_000)
    # Another desk books the aircraft meanwhile.
    taken = demo.client.create_flight(bookable(demo.replica, start, aircraft_id=aircraft_id))
    demo.engine.sync_once()
    history = window.undo_history
    count = history.stack.count()

    with qtbot.wait_signal(history.refused, timeout=10_000) as refused, \
            qtbot.assert_not_emitted(history.done):
        window.undo_action.trigger()
    text = refused.args[0]
    assert text.startswith(f"Could not undo the cancellation of {student}'s lesson. ")
    assert " already " in text and text.endswith("Edit › Undo tries again.")
    assert window.statusBar().currentMessage() == text
    assert history.stack.count() == count and window.undo_action.isEnabled()
    assert window.undo_action.text() == f"&Undo cancellation of {student}'s lesson"
    assert demo.replica.outbox() == []

    demo.client.cancel_flight(taken["id"], "made room")
    demo.engine.sync_once()
    _undo(qtbot, window)  # tried again: the slot is free now


def test_an_undo_that_can_never_go_through_leaves_the_history(qtbot, demo, window) -> None:
    first_id, _ = _book(qtbot, demo, window, weekday_at(demo.replica, 148))
    lesson_id, student = _book(qtbot, demo, window, weekday_at(demo.replica, 155))
    demo.client.cancel_flight(lesson_id, "cancelled at another desk")
    demo.engine.sync_once()
    history = window.undo_history

    with qtbot.wait_signal(history.refused, timeout=10_000) as refused:
        window.undo_action.trigger()
    assert "The lesson is cancelled now and can no longer be changed." in refused.args[0]
    assert "taken out of the undo history" in refused.args[0]
    assert history.stack.count() == 1  # the booking before it is next
    assert window.undo_action.text().startswith("&Undo booking of ")
    assert not window.redo_action.isEnabled()
    _undo(qtbot, window)
    assert demo.client.get_flight(first_id)["status"] == "CANCELLED"


def test_another_person_signing_in_gets_an_empty_history(qtbot, demo, window) -> None:
    _book(qtbot, demo, window, weekday_at(demo.replica, 162))
    account = demo.client.account
    same = Session(account, Tokens("access", "refresh", 900))
    window._signed_in_again(same)  # the same person again (their session had expired)
    assert window.undo_action.isEnabled()

    other = Session(Account("other-account", "other@hillcountry.example", "dispatcher",
                            account.school_id), Tokens("access", "refresh", 900))
    window._signed_in_again(other)
    assert window.undo_history.stack.count() == 0
    assert not window.undo_action.isEnabled() and window.undo_action.text() == "&Undo"
