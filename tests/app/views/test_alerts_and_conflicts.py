"""Alerts that open something, the conflict dialog, instructor mode and the offline banner — the
main window against the real embedded demo service (its own, so these tests may change it)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt

from app.models.alerts import AlertKind
from app.services.api_client import ApiClient
from app.services.embedded_server import EmbeddedServer
from app.services.replica import Replica
from app.services.sign_in import DesktopSession, open_session
from app.services.sync_engine import SyncEngine
from app.services.sync_loop import SyncLoop
from app.models.lessons import parse_time
from app.views.main_window import MainWindow
from tests.app.booking_support import is_available, iso, weekday_at

INSTRUCTOR_PASSWORD = "confirm-my-lessons-1"
# Dialogs shown on the offscreen platform make it say so; harmless.
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")


@dataclass
class School:
    server: EmbeddedServer
    url: str
    email: str
    password: str
    desk: DesktopSession
    folder: Path

    def client(self) -> ApiClient:
        client = ApiClient(base_url=self.url)
        client.login(self.email, self.password)
        return client


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Iterator[School]:
    folder = tmp_path_factory.mktemp("school")
    server = EmbeddedServer(folder=folder)
    url, email, password = server.start()
    client = ApiClient(base_url=url)
    client.login(email, password)
    desk = open_session(client, folder / "desk")
    yield School(server=server, url=url, email=email, password=password, desk=desk, folder=folder)
    desk.close()
    server.stop()


def open_window(qtbot: Any, session: DesktopSession) -> tuple[MainWindow, SyncLoop]:
    loop = SyncLoop(engine=session.engine, interval_ms=600_000)
    window = MainWindow(sync_loop=loop, replica=session.replica, user_email=session.email,
                        client=session.client, mode="week")
    qtbot.add_widget(window)
    with qtbot.wait_signal(window.loaded, timeout=15_000), \
            qtbot.assert_not_emitted(window.load_failed):
        window.reload()
    return window, loop


@pytest.fixture
def desk_window(qtbot, school) -> Iterator[tuple[MainWindow, SyncLoop]]:
    window, loop = open_window(qtbot, school.desk)
    yield window, loop
    loop.stop()


def upcoming_lessons(replica: Replica, count: int) -> list[dict[str, Any]]:
    soon = datetime.now(UTC) + timedelta(hours=3)
    lessons = [row.data for row in replica.flights_between(soon, soon + timedelta(days=7))
               if row.data["status"] == "SCHEDULED" and row.state == "synced"]
    assert len(lessons) >= count
    return lessons[:count]


def settled(loop: SyncLoop) -> bool:
    status = loop.status
    return not loop.running and status.state == "idle" and status.pending == 0


def activate(qtbot: Any, window: MainWindow, kind: AlertKind, **ids: str) -> None:
    """Select the alert and press Enter, as a person would."""
    def row() -> int | None:
        for number, alert in enumerate(window.alerts_model.alerts):
            if alert.kind is kind and all(getattr(alert, key) == value for key, value in ids.items()):
                return number
        return None

    qtbot.wait_until(lambda: row() is not None, timeout=15_000)
    view = window.alerts_dock.list_view
    view.setCurrentIndex(window.alerts_model.index(row(), 0))
    qtbot.keyClick(view, Qt.Key.Key_Return)


def conflict_on(qtbot: Any, school: School, window: MainWindow, loop: SyncLoop,
                lesson: dict[str, Any], *, mine: str, theirs: str, tmp_path: Path) -> str:
    """Another desk changes the lesson first; this desk's change of it comes back in conflict."""
    other_client = school.client()
    other = SyncEngine(client=other_client, replica=Replica(tmp_path / f"other-{uuid.uuid4()}.sqlite3"))
    try:
        other.sync_once()
        other.replica.record_edit("flights", "update", row_id=lesson["id"], data={"notes": theirs})
        assert other.sync_once().status.pending == 0 and other.replica.outbox() == []
    finally:
        other.replica.close()
        other_client.close()
    with qtbot.wait_signal(loop.status_changed, timeout=15_000,
                           check_params_cb=lambda status: status.conflicts == 1
                           and status.state == "idle"):
        loop.record_edit("flights", "update", row_id=lesson["id"], data={"notes": mine})
    [entry] = school.desk.replica.outbox("conflict")
    return entry.mutation_id


def test_a_conflict_shows_both_versions_and_keep_mine_sends_mine(qtbot, school, desk_window,
                                                                  tmp_path) -> None:
    window, loop = desk_window
    lesson = upcoming_lessons(school.desk.replica, 1)[0]
    mutation_id = conflict_on(qtbot, school, window, loop, lesson, mine="Mine: bring the logbook",
                              theirs="Theirs: briefing at 8", tmp_path=tmp_path)

    with qtbot.wait_signal(window.alerts_dock.edit_activated, timeout=15_000,
                           check_params_cb=lambda found: found == mutation_id):
        activate(qtbot, window, AlertKind.EDIT_CONFLICT, mutation_id=mutation_id)
    qtbot.wait_until(lambda: window.conflict_dialog is not None, timeout=10_000)
    dialog = window.conflict_dialog
    table = dialog.table
    rows = {table.item(row, 0).text(): (table.item(row, 1).text(), table.item(row, 2).text())
            for row in range(table.rowCount())}
    assert rows["Notes"] == ("Mine: bring the logbook", "Theirs: briefing at 8")
    notes_row = next(row for row in range(table.rowCount()) if table.item(row, 0).text() == "Notes")
    start_row = next(row for row in range(table.rowCount()) if table.item(row, 0).text() == "Start")
    assert table.item(notes_row, 1).font().bold() and not table.item(start_row, 1).font().bold()
    # Ids are names, times are in the school's zone (Central), not UTC.
    student = school.desk.replica.get("students", lesson["student_id"]).data["name"]
    assert rows["Student"] == (student, student)
    assert re.fullmatch(r"\w{3} \d\d \w{3} \d{4} \d\d:\d\d", rows["Start"][0])
    assert dialog.keep_theirs_button is not None and dialog.discard_button is None

    with qtbot.wait_signal(dialog.resolved, timeout=5_000):
        qtbot.mouseClick(dialog.keep_mine_button, Qt.MouseButton.LeftButton)
    qtbot.wait_until(lambda: settled(loop) and loop.status.conflicts == 0, timeout=15_000)
    assert school.desk.replica.outbox() == []
    assert school.desk.client.get_flight(lesson["id"])["notes"] == "Mine: bring the logbook"
    qtbot.wait_until(lambda: not any(alert.kind is AlertKind.EDIT_CONFLICT
                                     for alert in window.alerts_model.alerts), timeout=15_000)


def test_keep_theirs_drops_my_change(qtbot, school, desk_window, tmp_path) -> None:
    window, loop = desk_window
    lesson = upcoming_lessons(school.desk.replica, 2)[1]
    mutation_id = conflict_on(qtbot, school, window, loop, lesson, mine="Mine again",
                              theirs="Theirs stands", tmp_path=tmp_path)
    window.review_edit(mutation_id)
    qtbot.wait_until(lambda: window.conflict_dialog is not None, timeout=10_000)
    with qtbot.wait_signal(window.conflict_dialog.resolved, timeout=5_000,
                           check_params_cb=lambda found, keep: keep == "theirs"):
        qtbot.mouseClick(window.conflict_dialog.keep_theirs_button, Qt.MouseButton.LeftButton)
    qtbot.wait_until(lambda: settled(loop) and loop.status.conflicts == 0, timeout=15_000)
    assert school.desk.replica.outbox() == []
    assert school.desk.replica.get("flights", lesson["id"]).data["notes"] == "Theirs stands"
    assert school.desk.client.get_flight(lesson["id"])["notes"] == "Theirs stands"


def test_a_refused_edit_shows_the_reason_and_can_be_discarded(qtbot, school, desk_window) -> None:
    window, loop = desk_window
    replica = school.desk.replica
    lesson = upcoming_lessons(replica, 3)[2]
    in_the_shop = next(row for row in replica.rows("aircraft") if not row.data["in_service"])
    with qtbot.wait_signal(loop.status_changed, timeout=15_000,
                           check_params_cb=lambda status: status.rejected == 1
                           and status.state == "idle"):
        loop.record_edit("flights", "update", row_id=lesson["id"],
                         data={"aircraft_id": in_the_shop.id})
    [entry] = replica.outbox("rejected")
    reason = entry.error["detail"]
    assert reason

    with qtbot.wait_signal(window.alerts_dock.edit_activated, timeout=15_000):
        activate(qtbot, window, AlertKind.EDIT_REJECTED, mutation_id=entry.mutation_id)
    [alert] = [alert for alert in window.alerts_model.alerts if alert.mutation_id == entry.mutation_id]
    assert alert.title.startswith("Your change to ") and alert.title.endswith(f"was refused: {reason}")
    qtbot.wait_until(lambda: window.conflict_dialog is not None, timeout=10_000)
    dialog = window.conflict_dialog
    assert reason in dialog.reason_label.text()
    assert dialog.keep_mine_button is None and dialog.edit_again_button is not None
    assert dialog.book_anyway_button is None  # a refusal, not a warning: nothing to book over
    table = dialog.table
    rows = {table.item(row, 0).text(): (table.item(row, 1).text(), table.item(row, 2).text())
            for row in range(table.rowCount())}
    assert rows["Aircraft"][0] == in_the_shop.data["tail_number"]

    with qtbot.wait_signal(dialog.discarded, timeout=5_000):
        qtbot.mouseClick(dialog.discard_button, Qt.MouseButton.LeftButton)
    qtbot.wait_until(lambda: replica.outbox() == [] and loop.status.rejected == 0, timeout=15_000)
    assert replica.get("flights", lesson["id"]).data["aircraft_id"] == lesson["aircraft_id"]
    qtbot.wait_until(lambda: not any(alert.mutation_id == entry.mutation_id
                                     for alert in window.alerts_model.alerts), timeout=15_000)


def test_an_offline_edit_the_policy_warns_about_can_be_booked_anyway_from_the_alerts(
        qtbot, school, desk_window) -> None:
    window, loop = desk_window
    replica = school.desk.replica
    target = weekday_at(replica, 100, hour=15)  # daylight all year round, weeks ahead: free
    lesson = next(lesson for lesson in upcoming_lessons(replica, 8)[3:]
                  if lesson.get("instructor_id") and not is_available(
                      replica, "instructors", lesson["instructor_id"], target,
                      target + (parse_time(lesson["end_at"]) - parse_time(lesson["start_at"]))))
    length = parse_time(lesson["end_at"]) - parse_time(lesson["start_at"])
    instructor = replica.get("instructors", lesson["instructor_id"]).data["name"]
    # Made while offline (only the outbox knows it); the loop's next round sends it.
    entry = replica.record_edit("flights", "update", row_id=lesson["id"],
                                data={"start_at": iso(target), "end_at": iso(target + length)})
    with qtbot.wait_signal(loop.status_changed, timeout=15_000,
                           check_params_cb=lambda status: status.rejected == 1
                           and status.state == "idle"):
        loop.sync_now()
    assert replica.entry(entry.mutation_id).error["rule"] == "NEEDS_ACKNOWLEDGEMENT"

    with qtbot.wait_signal(window.alerts_dock.edit_activated, timeout=15_000):
        activate(qtbot, window, AlertKind.EDIT_REJECTED, mutation_id=entry.mutation_id)
    [alert] = [alert for alert in window.alerts_model.alerts if alert.mutation_id == entry.mutation_id]
    assert "booking policy" in alert.title and f"outside {instructor}'s availability" in alert.title
    assert any(f"outside {instructor}'s availability" in reason for reason in alert.reasons)
    qtbot.wait_until(lambda: window.conflict_dialog is not None, timeout=10_000)
    dialog = window.conflict_dialog
    assert dialog.windowTitle() == "Your change goes against the booking policy"
    assert f"outside {instructor}'s availability" in dialog.reason_label.text()
    assert dialog.reason_label.textFormat() == Qt.TextFormat.PlainText
    assert dialog.discard_button is not None and dialog.edit_again_button is not None
    rows = {dialog.table.item(row, 0).text() for row in range(dialog.table.rowCount())}
    assert "Acknowledge" not in rows and "Acknowledged warnings" not in rows

    with qtbot.wait_signal(dialog.acknowledged, timeout=5_000):
        qtbot.mouseClick(dialog.book_anyway_button, Qt.MouseButton.LeftButton)
    qtbot.wait_until(lambda: replica.outbox() == [] and settled(loop) and loop.status.rejected == 0,
                     timeout=15_000)
    server = school.desk.client.get_flight(lesson["id"])
    assert parse_time(server["start_at"]) == target
    assert "INSTRUCTOR_UNAVAILABLE" in [warning["code"] for warning in server["acknowledged_warnings"]]
    assert replica.get("flights", lesson["id"]).data["acknowledged_warnings"] == \
        server["acknowledged_warnings"]
    qtbot.wait_until(lambda: not any(alert.mutation_id == entry.mutation_id
                                     for alert in window.alerts_model.alerts), timeout=15_000)


def test_a_failed_mail_offers_to_retry(qtbot, school, desk_window) -> None:
    from sqlalchemy import select

    from sync.database.session import create_engine_for, session_scope
    from sync.notify.models import Notification, NotificationStatus

    window, loop = desk_window
    # The mail server refused one of the demo's mails, five times: the sender gave up.
    engine = create_engine_for(school.server.database_url)
    try:
        with session_scope(engine) as db:
            mail = db.scalars(select(Notification).order_by(Notification.created_at)).first()
            assert mail is not None, "the demo's sweep mails the students of cancelled lessons"
            mail.status, mail.attempts = NotificationStatus.FAILED, 5
            mail.last_error = "550 mailbox unavailable"
            mail_id, recipient = str(mail.id), mail.recipient
    finally:
        engine.dispose()
    with qtbot.wait_signal(window.loaded, timeout=15_000):
        loop.sync_now()  # pulled; the window reloads
    with qtbot.wait_signal(window.alerts_dock.notification_activated, timeout=5_000,
                           check_params_cb=lambda found: found == mail_id):
        activate(qtbot, window, AlertKind.MAIL_FAILED, notification_id=mail_id)
    box = window.mail_box
    assert box is not None and recipient in box.text()
    assert "Last error: 550 mailbox unavailable" in box.informativeText()
    [retry] = [button for button in box.buttons() if button.text() == "Retry sending"]
    qtbot.mouseClick(retry, Qt.MouseButton.LeftButton)
    qtbot.wait_until(lambda: window.statusBar().currentMessage().startswith("The mail is queued"),
                     timeout=15_000)
    qtbot.wait_until(lambda: not any(alert.notification_id == mail_id
                                     for alert in window.alerts_model.alerts), timeout=15_000)
    assert school.desk.replica.get("notifications", mail_id).data["status"] != "FAILED"


def test_activating_a_lesson_alert_goes_to_its_day_and_opens_it(qtbot, school, desk_window) -> None:
    window, loop = desk_window
    alert = next(alert for alert in window.alerts_model.alerts
                 if alert.kind in (AlertKind.AT_RISK, AlertKind.WEATHER_CANCELLED))
    with qtbot.wait_signal(window.loaded, timeout=15_000):
        window.calendar.set_day(alert.when.date() + timedelta(days=60))
    # The alert opens its weather and request; "Open lesson…" there goes to the lesson's day.
    with qtbot.wait_signal(window.alerts_dock.weather_activated, timeout=5_000,
                           check_params_cb=lambda found: found == alert.lesson_id):
        activate(qtbot, window, alert.kind, lesson_id=alert.lesson_id)
    dialog = window.alert_actions.weather_dialog
    assert dialog is not None and dialog.lesson_id == alert.lesson_id
    dialog.open_lesson_button.click()
    qtbot.wait_until(lambda: window.lesson_editor is not None, timeout=15_000)
    dialog.close()
    zone = window.calendar_model.schedule.timezone
    assert alert.when.astimezone(zone).date() in window.calendar.days()
    window.lesson_editor.reject()


def test_instructor_mode(qtbot, school, tmp_path) -> None:
    from sync.auth import service as auth_service
    from sync.database.session import create_engine_for, session_scope

    desk = school.desk
    # A lesson with an instructor, cancelled for weather, whose student picks a slot (here the
    # desk picks for them, as after a phone call): it waits for that instructor's confirmation.
    waiting = None
    for request in desk.replica.rows("reschedule_requests"):
        flight = desk.replica.get("flights", request.data["flight_id"]).data
        if request.data["state"] == "PENDING_STUDENT" and flight.get("instructor_id"):
            waiting = (request.id, flight)
            break
    instructor_id = waiting[1]["instructor_id"] if waiting else None
    instructors = {row.id: row.data for row in desk.replica.rows("instructors")}
    me = instructors[instructor_id] if instructor_id else next(iter(instructors.values()))
    if waiting:
        picked = httpx.post(f"{school.url}/reschedule/{waiting[0]}/select", json={"option": 1},
                            headers={"Authorization":
                                     f"Bearer {desk.client.session.tokens.access_token}"})
        assert picked.status_code == 200, picked.text

    engine = create_engine_for(school.server.database_url)
    try:
        with session_scope(engine) as db:
            auth_service.reset_password(db=db, email=me["email"], password=INSTRUCTOR_PASSWORD,
                                        actor="test")
    finally:
        engine.dispose()
    client = ApiClient(base_url=school.url)
    client.login(me["email"], INSTRUCTOR_PASSWORD)
    session = open_session(client, tmp_path / "instructor")
    try:
        window, loop = open_window(qtbot, session)
        with qtbot.wait_signal(window.loaded, timeout=15_000):
            window.reload()  # after the first load the school's zone is known
        assert "(instructor)" in window.windowTitle()
        assert all(not action.isEnabled() for action in window.booking_actions())
        lessons = window.calendar_model.schedule.lessons
        own = [lesson for lesson in lessons if lesson.instructor_id == me["id"]]
        others = [lesson for lesson in lessons if lesson.instructor_id != me["id"]]
        assert all(window.can_edit(lesson) for lesson in own)
        assert others and not any(window.can_edit(lesson) for lesson in others)
        if waiting:
            first = window.alerts_model.alerts[0]
            assert first.kind is AlertKind.CONFIRM and first.request_id == waiting[0]
            assert first.mine and first.title.endswith("— confirm")
        loop.stop()
    finally:
        session.close()


def test_the_offline_banner_shows_when_the_service_is_gone(qtbot, tmp_path) -> None:
    server = EmbeddedServer(folder=tmp_path / "service", sweep_on_start=False)
    url, email, password = server.start()
    try:
        client = ApiClient(base_url=url, timeout=3)
        client.login(email, password)
        session = open_session(client, tmp_path / "desk")
        window, loop = open_window(qtbot, session)
        window.show()
        with qtbot.wait_signal(loop.status_changed, timeout=15_000,
                               check_params_cb=lambda status: status.state == "idle"):
            loop.sync_now()
        assert window.offline_banner.isHidden()

        server.stop()
        with qtbot.wait_signal(loop.status_changed, timeout=15_000,
                               check_params_cb=lambda status: status.state == "offline"):
            loop.sync_now()
        assert window.offline_banner.isVisible()
        assert re.match(r"Offline — last known schedule as of \d\d:\d\d [A-Z0-9+-]+\.",
                        window.offline_banner.text())
        assert window.calendar.isVisible()
        loop.stop()
        session.close()
    finally:
        server.stop()
