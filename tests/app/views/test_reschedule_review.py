"""The reschedule review against the real embedded demo service, offscreen: the three options side
by side, and every decision (pick for the student, confirm, reject, search again) going to the
service and coming back through a sync; offline, no decision can be started."""

from __future__ import annotations

import socket

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

from app.services.api_client import ApiClient
from app.services.sync_engine import SyncEngine
from app.services.sync_loop import SyncLoop
from app.views.reschedule_review import OFFLINE_NOTE, RescheduleReview

OPEN_STATES = ("PENDING_STUDENT", "PENDING_INSTRUCTOR")
# Showing any window with a dock says so on the offscreen platform (its limitation, not ours):
# the tests show the review to check its layout, so that one message is let through.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def loop(demo):
    loop = SyncLoop(engine=demo.engine, interval_ms=600_000)
    yield loop
    loop.stop()


def _hosted(qtbot, review: RescheduleReview) -> QMainWindow:
    """The dock in a window, as the app has it (a floating dock warns on the offscreen platform)."""
    host = QMainWindow()
    qtbot.add_widget(host)
    host.setCentralWidget(QWidget(host))
    host.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, review)
    host.resize(1400, 800)
    host.resizeDocks([review], [1300], Qt.Orientation.Horizontal)
    host.show()
    review.host = host  # kept alive with the dock
    return host


@pytest.fixture
def review(qtbot, demo, loop):
    review = RescheduleReview(replica=demo.replica, sync_loop=loop, client=demo.client)
    _hosted(qtbot, review)
    yield review


def _request_waiting_for_the_student(demo) -> str:
    """An open request in PENDING_STUDENT: the demo's, or one opened for a cancelled lesson."""
    waiting = demo.client.list_reschedule_requests(state="PENDING_STUDENT")
    if waiting:
        return waiting[0]["id"]
    has_open = {r["flight_id"] for r in demo.client.list_reschedule_requests()
                if r["state"] in OPEN_STATES}
    for row in demo.replica.rows("flights"):
        if row.data["status"] in ("WEATHER_CANCELLED", "AT_RISK") and row.id not in has_open:
            request_id = demo.client.open_reschedule_request(row.id)["id"]
            demo.engine.sync_once()
            return request_id
    pytest.skip("the demo has no weather-cancelled or at-risk lesson to reschedule")


def _show(qtbot, review, request_id: str) -> None:
    """Read the replica again, then show ``request_id`` with its history."""
    with qtbot.wait_signal(review.refreshed, timeout=10_000):
        review.refresh()
    with qtbot.wait_signal(review.request_shown, timeout=10_000,
                           check_params_cb=lambda shown: shown == request_id):
        review.show_request(request_id)


def _act(qtbot, demo, review, trigger) -> tuple[str, str]:
    """Start a decision; wait until it is accepted and the sync round after it has been shown."""
    with qtbot.assert_not_emitted(review.action_failed):
        with qtbot.wait_signal(review.acted, timeout=20_000) as acted:
            trigger()
            assert not review.confirm_button.isEnabled() and not review.search_button.isEnabled()
    new_id, action = acted.args
    version = demo.client.get_reschedule_request(new_id)["version"]

    def synced() -> bool:
        row = demo.replica.get("reschedule_requests", new_id)
        return row is not None and row.version >= version

    qtbot.wait_until(synced, timeout=20_000)  # the sync round the review started after the decision
    _show(qtbot, review, new_id)
    assert review.current.id == new_id and review.current.version >= version
    return new_id, action



def test_three_options_side_by_side(qtbot, demo, review) -> None:
    request_id = _request_waiting_for_the_student(demo)
    _show(qtbot, review, request_id)
    request = review.current
    assert request.id == request_id and request.state == "PENDING_STUDENT"
    cards = review.cards
    assert all(card.isVisible() for card in cards)
    # Side by side: the same row, left to right in rank order.
    tops = {card.geometry().top() for card in cards}
    lefts = [card.geometry().left() for card in cards]
    assert len(tops) == 1 and lefts == sorted(lefts)
    zone = review.model.reschedules.timezone
    for card, option in zip(cards, request.options, strict=True):
        start = option.start.astimezone(zone)
        assert card.time_label.text().startswith(f"{start:%a %d %b}\n{start:%H:%M}–")
        assert option.aircraft in card.people_label.text()
        assert card.justification_label.text() == option.justification
        assert card.justification_label.wordWrap()
        assert card.verdict_label.property("verdict") == (option.verdict or "")
        assert card.pick_button.isVisible() and card.pick_button.isEnabled()
        assert not card.chosen
    assert request.student in review.lesson_label.text()
    assert "Waiting for the student" in review.state_label.text()
    # Who acted when, from the service: the sweep opened it.
    assert "opened by sweep" in review.history_label.text()
    assert not review.confirm_button.isEnabled()  # nothing chosen yet
    assert review.reject_button.isEnabled() and review.search_button.isEnabled()
    assert not review.offline_label.isVisible()


def test_pick_for_the_student_then_confirm_books_the_new_lesson(qtbot, demo, review) -> None:
    request_id = _request_waiting_for_the_student(demo)
    _show(qtbot, review, request_id)
    old_flight = review.current.flight_id
    picked_option = review.current.options[1]

    _, action = _act(qtbot, demo, review, lambda: review.cards[1].pick_button.click())
    assert action == "pick"
    assert review.current.state == "PENDING_INSTRUCTOR" and review.current.selected_rank == 2
    assert review.cards[1].chosen and not review.cards[0].chosen
    assert "Waiting for the instructor" in review.state_label.text()
    assert review.confirm_button.isEnabled()
    assert "picked by dispatcher@" in review.history_label.text()

    _, action = _act(qtbot, demo, review, review.confirm)
    assert action == "confirm"
    request = review.current
    assert request.state == "ACCEPTED" and request.new_flight_id
    assert "Booked" in review.state_label.text()
    new_lesson = demo.replica.get("flights", request.new_flight_id)  # the calendar's data changed
    assert new_lesson is not None and new_lesson.data["status"] == "SCHEDULED"
    assert new_lesson.data["start_at"].replace("Z", "+00:00") == picked_option.start.isoformat()
    assert demo.replica.get("flights", old_flight).data["status"] == "RESCHEDULED"
    assert not any(button.isEnabled() for button in (review.confirm_button, review.reject_button,
                                                     review.search_button))
    assert "confirmed by dispatcher@" in review.history_label.text()


def test_search_again_gives_a_new_request_and_reject_closes_it(qtbot, demo, review) -> None:
    request_id = _request_waiting_for_the_student(demo)
    _show(qtbot, review, request_id)
    flight_id = review.current.flight_id

    new_id, action = _act(qtbot, demo, review, review.search_again)
    assert action == "search_again" and new_id != request_id
    assert review.current.flight_id == flight_id and review.current.state == "PENDING_STUDENT"
    assert len(review.current.options) == 3
    old = demo.replica.get("reschedule_requests", request_id).data
    assert old["state"] == "REJECTED"

    _, action = _act(qtbot, demo, review, lambda: review.reject("the student will call back"))
    assert action == "reject"
    assert review.current.state == "REJECTED"
    assert "rejected by dispatcher@" in review.history_label.text()
    assert "the student will call back" in review.history_label.text()



def test_a_refusal_is_shown_in_the_panel(qtbot, demo, review) -> None:
    request_id = _request_waiting_for_the_student(demo)
    _show(qtbot, review, request_id)
    # Someone else closes it meanwhile; this panel still shows it open.
    demo.client.reject_reschedule(request_id, "handled at the other desk")
    assert review.search_button.isEnabled()
    with qtbot.assert_not_emitted(review.acted):
        with qtbot.wait_signal(review.action_failed, timeout=10_000) as failed:
            review.search_again()
    message = failed.args[0]
    assert "already REJECTED" in message and "shown as it is now" in message
    assert review.message_label.isVisible() and review.message_label.text() == message
    # The sync round the refusal started shows the request as it is now.
    qtbot.wait_until(lambda: demo.replica.get("reschedule_requests", request_id).data["state"]
                     == "REJECTED", timeout=20_000)
    _show(qtbot, review, request_id)
    assert review.current.state == "REJECTED" and not review.search_button.isEnabled()
    assert "handled at the other desk" in review.history_label.text()


def test_offline_disables_every_decision(qtbot, demo) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]  # nothing listens once the probe is closed
    client = ApiClient(base_url=f"http://127.0.0.1:{dead_port}", timeout=2)
    client.adopt(demo.client.session)
    offline_loop = SyncLoop(engine=SyncEngine(client=client, replica=demo.replica), interval_ms=600_000)
    try:
        with qtbot.wait_signal(offline_loop.status_changed, timeout=10_000,
                               check_params_cb=lambda status: status.state == "offline"):
            offline_loop.sync_now()
        review = RescheduleReview(replica=demo.replica, sync_loop=offline_loop, client=client)
        _hosted(qtbot, review)
        with qtbot.wait_signal(review.request_shown, timeout=10_000):
            review.refresh()
        assert review.current is not None
        assert review.offline_label.isVisible() and review.offline_label.text() == OFFLINE_NOTE
        assert not any(button.isEnabled() for button in (review.confirm_button,
                                                         review.reject_button, review.search_button))
        assert not any(card.pick_button.isEnabled() for card in review.cards)
        assert "offline" in review.history_title.text()
        assert "opened with" in review.history_label.text()
        with qtbot.assert_not_emitted(review.acted), qtbot.assert_not_emitted(review.action_failed):
            review.search_again()
            review.confirm()
            qtbot.wait(100)
    finally:
        offline_loop.stop()
        client.close()


def test_the_main_window_has_the_dock_and_its_menu(qtbot, demo, loop) -> None:
    from app.views.main_window import MainWindow

    window = MainWindow(sync_loop=loop, replica=demo.replica, user_email=demo.email,
                        client=demo.client, mode="week")
    qtbot.add_widget(window)
    dock = window.findChild(QDockWidget, "reschedule-dock")
    assert dock is window.reschedule_review and dock.windowTitle() == "Reschedule review"
    assert window.review_action.shortcut().toString() == "Ctrl+3"
    assert window.confirm_reschedule_action.shortcut().toString() == "Ctrl+Return"
    assert window.reject_reschedule_action.shortcut().toString() == "Ctrl+Backspace"
    assert window.search_again_action.shortcut().toString() == "Ctrl+Shift+R"
    with qtbot.wait_signal(window.loaded, timeout=10_000):
        window.reload()
    qtbot.wait_until(lambda: window.reschedule_review.model.rowCount() > 0, timeout=10_000)
    window.show()
    window.review_action.trigger()
    assert not window.reschedule_review.visibleRegion().isEmpty()
    window.close()
