"""Check-out, check-in and cancellations by kind from the main window, against a real embedded
demo service of its own (these tests change it): the dialogs, what the service refuses, the
calendar, alerts, dispatch sheet and metrics that show the outcome, and failed edits reaching the
messages."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QPoint, Qt, QThreadPool

from app.models.alerts import AlertKind
from app.models.dispatch_day import load_dispatch_day
from app.models.lessons import parse_time
from app.services.api_client import ApiClient
from app.services.embedded_server import EmbeddedServer, free_port
from app.services.sign_in import DesktopSession, open_session
from app.services.sync_loop import SyncLoop
from app.views.calendar_view import ContextRequest
from app.views.check_out_dialog import CheckOutDialog
from app.views.dispatch_sheet import sheet_html
from app.views.main_window import MainWindow
from tests.app.booking_support import is_available, iso, weekday_at

# Dialogs and menus shown on the offscreen platform make it say so; harmless.
pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support (propagateSizeHints|raise)\(\)",
    r"This plugin does not support grabbing the keyboard")

LIVE = ("SCHEDULED", "AT_RISK")


@dataclass
class School:
    server: EmbeddedServer
    url: str
    desk: DesktopSession

    @property
    def client(self) -> ApiClient:
        return self.desk.client

    def write(self, **fields: Any) -> str:
        """A lesson written straight into the service's database (as booked days ago: one that
        has started cannot be booked now); returns its id."""
        from sync.database.session import create_engine_for, session_scope
        from sync.flights.models import Flight, FlightStatus, FlightType

        school_id = self.desk.replica.rows("schools")[0].id
        values = {"departure": "KAUS", "flight_type": FlightType.DUAL,
                  "status": FlightStatus.SCHEDULED} | fields
        for key in ("student_id", "instructor_id", "aircraft_id", "series_id"):
            if values.get(key) is not None:
                values[key] = uuid.UUID(str(values[key]))
        engine = create_engine_for(self.server.database_url)
        try:
            with session_scope(engine) as db:
                flight = Flight(school_id=uuid.UUID(school_id), **values)
                db.add(flight)
                db.flush()
                return str(flight.id)
        finally:
            engine.dispose()

    def free(self, start: datetime, end: datetime, *, solo: bool = False) -> dict[str, Any]:
        """A student, an instructor (none for a solo) and an aircraft in service with nothing
        booked in [start, end)."""
        busy = [row.data for row in self.desk.replica.flights_between(start, end)
                if row.data.get("status") in (*LIVE, "COMPLETED")]

        def first(table: str, column: str, keep=lambda data: True) -> str:
            taken = {lesson.get(column) for lesson in busy}
            return next(row.id for row in self.desk.replica.rows(table)
                        if row.id not in taken and keep(row.data))

        return {"student_id": first("students", "student_id"),
                "instructor_id": None if solo else first(
                    "instructors", "instructor_id", lambda data: "CFI" in data.get("ratings", [])),
                "aircraft_id": first("aircraft", "aircraft_id",
                                     lambda data: data.get("in_service", True)),
                "start_at": start, "end_at": end}

    def set_meters(self, aircraft_id: str, **values: Any) -> None:
        row = self.client.get_aircraft(aircraft_id)
        self.client.update_aircraft(aircraft_id, values, version=row["version"])


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Iterator[School]:
    folder = tmp_path_factory.mktemp("logbook")
    server = EmbeddedServer(folder=folder)
    url, email, password = server.start()
    client = ApiClient(base_url=url)
    client.login(email, password)
    desk = open_session(client, folder / "desk")
    yield School(server=server, url=url, desk=desk)
    desk.close()
    server.stop()


def _settle(window: MainWindow) -> None:
    """Let background work still running deliver to the window while it exists."""
    actions = window.lesson_actions
    for dialog in (window.lesson_editor, actions.cancel_dialog, actions.move_dialog,
                   actions.check_out_dialog, actions.check_in_dialog):
        if dialog is not None:
            dialog.done(0)
    window._sync_loop.stop()
    for _ in range(3):
        QThreadPool.globalInstance().waitForDone(10_000)
        QCoreApplication.processEvents()


@pytest.fixture
def window(qtbot, school) -> MainWindow:
    loop = SyncLoop(engine=school.desk.engine, interval_ms=600_000)
    window = MainWindow(sync_loop=loop, replica=school.desk.replica, user_email=school.desk.email,
                        client=school.client, mode="week", restore_layout=False)
    qtbot.add_widget(window, before_close_func=_settle)
    with qtbot.wait_signal(window.loaded, timeout=15_000), \
            qtbot.assert_not_emitted(window.load_failed):
        window.reload()
    return window


def synced(qtbot, window: MainWindow) -> None:
    """A sync round, and the window's reload after it."""
    loop = window._sync_loop
    qtbot.wait_until(lambda: not loop.running, timeout=15_000)
    loop.sync_now()
    qtbot.wait_until(lambda: not loop.running, timeout=15_000)
    with qtbot.wait_signal(window.loaded, timeout=15_000):
        window.reload()


def show_day(qtbot, window: MainWindow, moment: datetime, lesson_id: str) -> None:
    """The calendar on ``moment``'s day, once it shows the lesson."""
    day = moment.astimezone(window.calendar_model.schedule.timezone).date()
    if day not in window.calendar.days():
        window.calendar.set_day(day)
    qtbot.wait_until(lambda: shown(window, lesson_id) is not None, timeout=15_000)


def shown(window: MainWindow, lesson_id: str):
    return window.lesson_actions.lesson(lesson_id)


def menu_actions(window: MainWindow, lesson_id: str) -> dict[str, Any]:
    menu = window.calendar_actions.build_menu(ContextRequest(QPoint(), lesson_id=lesson_id))
    return {action.text().replace("&", ""): action for action in menu.actions()
            if not action.isSeparator()}


# -- check-out, then check-in ------------------------------------------------------------------


def test_check_out_then_in_through_the_dialogs_completes_the_lesson(qtbot, school, window) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    booking = school.free(now - timedelta(minutes=20), now + timedelta(minutes=100))
    school.set_meters(booking["aircraft_id"], hobbs_hours=1200.0, tach_hours=950.0)
    lesson_id = school.write(**booking)
    synced(qtbot, window)
    show_day(qtbot, window, booking["start_at"], lesson_id)
    tail = school.desk.replica.get("aircraft", booking["aircraft_id"]).data["tail_number"]

    # Nothing selected: nothing to check out or in.
    window.calendar.select_lesson("")
    actions = window.calendar_actions
    assert not actions.check_out_action.isEnabled() and not actions.check_in_action.isEnabled()
    window.calendar.select_lesson(lesson_id)
    assert actions.check_out_action.isEnabled()
    assert actions.check_in_action.isEnabled()  # started: may be checked in without check-out
    lesson_menu = next(action.menu() for action in window.menuBar().actions()
                       if action.text().replace("&", "") == "Lesson")
    assert actions.check_out_action in lesson_menu.actions()
    assert actions.check_out_action.shortcut().toString() == "Ctrl+Shift+O"
    entries = menu_actions(window, lesson_id)
    assert entries["Check out…"].isEnabled() and entries["Check in…"].isEnabled()

    actions.check_out_action.trigger()
    qtbot.wait_until(lambda: window.lesson_actions.check_out_dialog is not None, timeout=10_000)
    dialog = window.lesson_actions.check_out_dialog
    assert isinstance(dialog, CheckOutDialog) and dialog.lesson_id == lesson_id
    assert tail in dialog.windowTitle()
    # Prefilled with what the aircraft's last check-in left.
    assert (dialog.hobbs_out.value(), dialog.tach_out.value()) == (1200.0, 950.0)
    assert "1200 h" in dialog.meters_label.text()
    assert not dialog.offline_label.isVisibleTo(dialog)
    # Backwards: refused here already.
    dialog.hobbs_out.setValue(1199.0)
    assert not dialog.action_button.isEnabled()
    assert "do not run backwards" in dialog.problems_label.text()
    # Far beyond: asks for confirmation.
    dialog.hobbs_out.setValue(1290.0)
    assert "90.0 h more" in dialog.problems_label.text()
    assert dialog.confirm_box.isVisibleTo(dialog) and not dialog.action_button.isEnabled()
    dialog.confirm_box.setChecked(True)
    assert dialog.action_button.isEnabled()
    dialog.hobbs_out.setValue(1200.2)
    dialog.tach_out.setValue(950.1)
    assert not dialog.confirm_box.isVisibleTo(dialog)
    assert not dialog.problems_label.isVisibleTo(dialog)
    assert dialog.action_button.isEnabled()
    with qtbot.wait_signal(dialog.recorded, timeout=15_000) as recorded:
        qtbot.mouseClick(dialog.action_button, Qt.MouseButton.LeftButton)
    assert recorded.args[0]["checked_out_at"] and recorded.args[0]["hobbs_out"] == 1200.2
    qtbot.wait_until(lambda: window.lesson_actions.check_out_dialog is None, timeout=5_000)
    assert window.statusBar().currentMessage().startswith(f"Checked out {tail}")

    # After the sync the calendar shows it flying; it cannot be checked out again nor moved.
    qtbot.wait_until(lambda: getattr(shown(window, lesson_id), "shown_status", "") == "FLYING",
                     timeout=15_000)
    flying = shown(window, lesson_id)
    assert flying.status == "SCHEDULED" and flying.checked_out
    described = window.calendar.describe(flying)
    assert "↗ Flying (checked out)" in described and "check it in after the flight" in described
    window.calendar.select_lesson("")
    window.calendar.select_lesson(lesson_id)
    assert not actions.check_out_action.isEnabled() and actions.check_in_action.isEnabled()
    entries = menu_actions(window, lesson_id)
    assert not entries["Check out…"].isEnabled() and not entries["Cancel lesson…"].isEnabled()
    assert not entries["Move…"].isEnabled()
    sheet = sheet_html(load_dispatch_day(school.desk.replica, booking["start_at"].astimezone(
        window.calendar_model.schedule.timezone).date(), now=datetime.now(UTC)))
    assert "↗ Flying (checked out)" in sheet

    actions.check_in_action.trigger()
    qtbot.wait_until(lambda: window.lesson_actions.check_in_dialog is not None, timeout=10_000)
    dialog = window.lesson_actions.check_in_dialog
    assert dialog.out_recorded and dialog.hobbs_out is None  # the check-out's readings
    assert "Hobbs 1200.2 h, tach 950.1 h" in dialog.out_label.text()
    assert dialog.hobbs_in.value() == 1200.2
    assert dialog.flown_label.text().startswith("0.0 h on the Hobbs")
    dialog.hobbs_in.setValue(1200.1)
    assert "below the reading out" in dialog.problems_label.text()
    assert not dialog.action_button.isEnabled()
    dialog.hobbs_in.setValue(1203.0)  # 2.8 h in the few minutes since the check-out
    assert "check the reading" in dialog.problems_label.text()
    assert not dialog.action_button.isEnabled()
    dialog.hobbs_in.setValue(1200.4)
    dialog.tach_in.setValue(950.3)
    assert dialog.flown_label.text() == "0.2 h on the Hobbs (12 min) · tach 0.20 h"
    qtbot.keyClicks(dialog.remarks, "Crosswind landings")
    assert dialog.action_button.isEnabled(), dialog.problems_label.text()
    with qtbot.wait_signal(dialog.recorded, timeout=15_000) as recorded:
        qtbot.mouseClick(dialog.action_button, Qt.MouseButton.LeftButton)
    assert recorded.args[0]["status"] == "COMPLETED"
    assert window.statusBar().currentMessage().startswith("Checked in")

    # The replica, after the sync: completed with its flown time; the aircraft's hours advanced.
    replica = school.desk.replica
    qtbot.wait_until(lambda: replica.get("flights", lesson_id).data["status"] == "COMPLETED",
                     timeout=15_000)
    qtbot.wait_until(lambda: not window._sync_loop.running, timeout=15_000)
    row = replica.get("flights", lesson_id).data
    assert row["flown_hours"] == 0.2 and row["check_in_remarks"] == "Crosswind landings"
    assert (row["hobbs_out"], row["hobbs_in"], row["tach_in"]) == (1200.2, 1200.4, 950.3)
    plane = replica.get("aircraft", booking["aircraft_id"]).data
    assert (plane["hobbs_hours"], plane["tach_hours"]) == (1200.4, 950.3)
    qtbot.wait_until(lambda: getattr(shown(window, lesson_id), "status", "") == "COMPLETED",
                     timeout=15_000)
    done = shown(window, lesson_id)
    assert done.shown_status == "COMPLETED" and done.flown_hours == 0.2
    assert "✈ Completed" in window.calendar.describe(done)
    assert "Flown 0.2 h (Hobbs)" in window.calendar.describe(done)
    window.calendar.select_lesson("")
    window.calendar.select_lesson(lesson_id)
    assert not actions.check_out_action.isEnabled() and not actions.check_in_action.isEnabled()
    # The next check-out of that aircraft starts from its new hours.
    sheet = sheet_html(load_dispatch_day(replica, booking["start_at"].astimezone(
        window.calendar_model.schedule.timezone).date(), now=datetime.now(UTC)))
    assert "✈ Completed" in sheet and "Flown 0.2 h (Hobbs)" in sheet


def test_a_lesson_not_checked_out_is_checked_in_with_its_readings_out(qtbot, school,
                                                                        window) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    booking = school.free(now - timedelta(hours=3), now - timedelta(hours=1, minutes=30))
    school.set_meters(booking["aircraft_id"], hobbs_hours=800.0, tach_hours=600.0)
    lesson_id = school.write(**booking)
    synced(qtbot, window)
    show_day(qtbot, window, booking["start_at"], lesson_id)
    window.calendar.select_lesson(lesson_id)
    # Long past its start: checked in, not out.
    assert window.calendar_actions.check_in_action.isEnabled()
    window.calendar_actions.check_in_action.trigger()
    qtbot.wait_until(lambda: window.lesson_actions.check_in_dialog is not None, timeout=10_000)
    dialog = window.lesson_actions.check_in_dialog
    assert not dialog.out_recorded and dialog.hobbs_out is not None
    assert (dialog.hobbs_out.value(), dialog.tach_out.value()) == (800.0, 600.0)
    # Its booked times (the end passed already): sent as they are.
    assert dialog.actual_times() == (booking["start_at"], booking["end_at"])
    dialog.hobbs_in.setValue(801.5)
    dialog.tach_in.setValue(601.3)
    assert dialog.flown_label.text().startswith("1.5 h on the Hobbs (1 h 30 min)")
    assert dialog.action_button.isEnabled(), dialog.problems_label.text()
    body = dialog.body()
    assert body["hobbs_out"] == 800.0 and body["actual_end_at"] == booking["end_at"]
    assert "actual_start_at" not in body  # the service's default: the booked start
    with qtbot.wait_signal(dialog.recorded, timeout=15_000) as recorded:
        qtbot.mouseClick(dialog.action_button, Qt.MouseButton.LeftButton)
    answer = recorded.args[0]
    assert answer["status"] == "COMPLETED" and answer["flown_hours"] == 1.5
    assert parse_time(answer["actual_start_at"]) == booking["start_at"]
    assert parse_time(answer["actual_end_at"]) == booking["end_at"]


def test_the_services_refusals_show_in_the_dialog(qtbot, school, window) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    booking = school.free(now + timedelta(minutes=30), now + timedelta(hours=2))
    school.set_meters(booking["aircraft_id"], hobbs_hours=300.0, tach_hours=250.0)
    lesson_id = school.write(**booking)
    synced(qtbot, window)
    show_day(qtbot, window, booking["start_at"], lesson_id)
    window.calendar.select_lesson(lesson_id)
    assert not window.calendar_actions.check_in_action.isEnabled()  # not started yet
    window.calendar_actions.check_out_action.trigger()
    qtbot.wait_until(lambda: window.lesson_actions.check_out_dialog is not None, timeout=10_000)
    dialog = window.lesson_actions.check_out_dialog

    # Meanwhile the aircraft went into the shop (422): said in the dialog, which stays open.
    row = school.client.get_aircraft(booking["aircraft_id"])
    school.client.update_aircraft(booking["aircraft_id"], {"in_service": False},
                                  version=row["version"])
    qtbot.mouseClick(dialog.action_button, Qt.MouseButton.LeftButton)
    qtbot.wait_until(lambda: dialog.refusal_label.isVisibleTo(dialog), timeout=15_000)
    assert dialog.refusal_label.text().startswith("The service refused it: Aircraft ")
    assert "out of service" in dialog.refusal_label.text()
    assert dialog.refusal_label.textFormat() == Qt.TextFormat.PlainText
    assert window.lesson_actions.check_out_dialog is dialog and dialog.isVisible()
    assert dialog.action_button.isEnabled()  # to try again

    # Back in service, but another desk checked it out first (409).
    row = school.client.get_aircraft(booking["aircraft_id"])
    school.client.update_aircraft(booking["aircraft_id"], {"in_service": True},
                                  version=row["version"])
    school.client.check_out(lesson_id, hobbs_out=300.0, tach_out=250.0)
    qtbot.mouseClick(dialog.action_button, Qt.MouseButton.LeftButton)
    qtbot.wait_until(lambda: "already checked out" in dialog.refusal_label.text(), timeout=15_000)
    assert "check it in instead" in dialog.refusal_label.text()
    dialog.reject()


def test_offline_the_dialog_says_nothing_was_kept(qtbot, school, window) -> None:
    lesson = next(lesson for lesson in window.calendar_model.schedule.lessons
                  if lesson.status in LIVE and lesson.version is not None)
    from app.models.logbook import load_meter_form

    form = load_meter_form(school.desk.replica, lesson.id)
    unreachable = ApiClient(base_url=f"http://127.0.0.1:{free_port()}", timeout=2)
    unreachable.adopt(school.client.session)
    try:
        dialog = CheckOutDialog(
            lesson=lesson, form=form, zone=window.calendar_model.schedule.timezone,
            send=lambda body: unreachable.check_out(lesson.id, **body), offline=True)
        qtbot.add_widget(dialog)
        assert dialog.offline_label.isVisibleTo(dialog)
        assert "not kept on this computer" in dialog.offline_label.text()
        assert dialog.action_button.isEnabled()  # the network may be back: it may be tried
        qtbot.mouseClick(dialog.action_button, Qt.MouseButton.LeftButton)
        qtbot.wait_until(lambda: dialog.refusal_label.isVisibleTo(dialog), timeout=15_000)
        assert dialog.refusal_label.text().startswith(
            "Not recorded: the service cannot be reached. Nothing was kept on this computer")
    finally:
        unreachable._http.close()


def test_an_aircraft_out_past_its_time_is_an_alert_that_opens_the_check_in(qtbot, school,
                                                                              window) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    booking = school.free(now - timedelta(hours=2), now - timedelta(minutes=10))
    lesson_id = school.write(**booking, checked_out_at=booking["start_at"], hobbs_out=0.0,
                             tach_out=0.0, status="AT_RISK")
    synced(qtbot, window)
    [alert] = [alert for alert in window.alerts_model.alerts if alert.lesson_id == lesson_id]
    assert alert.kind is AlertKind.NOT_CHECKED_IN  # not "at risk": it is in the air
    assert alert.line.startswith("Not checked in — due back ")
    row = next(number for number, item in enumerate(window.alerts_model.alerts)
               if item.lesson_id == lesson_id)
    with qtbot.wait_signal(window.alerts_dock.check_in_activated, timeout=5_000):
        window.alerts_dock.activate_row(row)
    qtbot.wait_until(lambda: window.lesson_actions.check_in_dialog is not None, timeout=10_000)
    assert window.lesson_actions.check_in_dialog.lesson_id == lesson_id
    window.lesson_actions.check_in_dialog.reject()


# -- cancelling by kind ------------------------------------------------------------------------


def test_a_no_show_is_cancelled_with_its_kind_and_counted_in_the_metrics(qtbot, school,
                                                                          window) -> None:
    before = school.client.metrics()["totals"]["cancellations"]
    lesson = next(lesson for lesson in window.calendar_model.schedule.lessons
                  if lesson.status in LIVE and lesson.version is not None
                  and lesson.checked_out_at is None and not lesson.series_id
                  and lesson.start > datetime.now(UTC) + timedelta(hours=1))
    window.calendar.select_lesson(lesson.id)
    window.calendar_actions.cancel_action.trigger()
    dialog = window.lesson_actions.cancel_dialog
    assert dialog is not None and not dialog.scope_box.isVisibleTo(dialog)  # not a series
    assert [button.text() for button in dialog.kind_buttons.values()] == [
        "Student cancelled", "No-show", "Instructor or school (aircraft, instructor…)",
        "Weather (decided at the desk)", "Other"]
    qtbot.keyClicks(dialog.reason_edit, "Did not turn up, not answering the phone")
    assert not dialog.cancel_lesson_button.isEnabled()  # what happened? not said yet
    dialog.kind_buttons["no_show"].click()
    assert dialog.kind() == "no_show" and dialog.scope() == "this"
    assert dialog.cancel_lesson_button.isEnabled()
    with qtbot.wait_signal(window.lesson_saved, timeout=15_000) as saved:
        dialog.cancel_lesson_button.click()
    assert saved.args[0].state == "applied", saved.args[0].message
    server = school.client.get_flight(lesson.id)
    assert server["status"] == "CANCELLED" and server["cancel_kind"] == "no_show"
    assert server["cancel_reason"] == "Did not turn up, not answering the phone"

    panel = window.metrics_panel
    with qtbot.wait_signal(panel.refreshed, timeout=15_000):
        panel.refresh()
    labels = panel.cancellation_labels
    assert labels["no_show"].text() == str(before["no_show"] + 1)
    assert labels["student"].text() == str(before["student"])
    synced(qtbot, window)
    cancelled = shown(window, lesson.id)
    assert "Cancelled: no-show" in window.calendar.describe(cancelled)


def test_this_and_following_cancels_the_rest_of_a_series(qtbot, school, window) -> None:
    first = weekday_at(school.desk.replica, 150, hour=15)
    series = uuid.uuid4()
    booking = school.free(first, first + timedelta(hours=1))
    ids = [school.write(**booking | {"start_at": first + timedelta(weeks=week),
                                     "end_at": first + timedelta(weeks=week, hours=1)},
                        series_id=series) for week in range(4)]
    synced(qtbot, window)
    second = first + timedelta(weeks=1)
    show_day(qtbot, window, second, ids[1])

    window.lesson_actions.ask_cancel(ids[1])
    dialog = window.lesson_actions.cancel_dialog
    assert dialog is not None, window.statusBar().currentMessage()
    assert dialog.scope_box.isVisibleTo(dialog)
    assert dialog.this_only.isChecked()
    qtbot.wait_until(lambda: "following 2 lessons" in dialog.following.text(), timeout=10_000)
    dialog.kind_buttons["student"].click()
    qtbot.keyClicks(dialog.reason_edit, "Moving away")
    dialog.following.click()
    assert dialog.scope() == "following" and dialog.cancel_lesson_button.isEnabled()
    # Offline, the following lessons cannot be cancelled: said, and refused here.
    dialog.set_offline(True)
    assert not dialog.cancel_lesson_button.isEnabled()
    assert "cancelled by the service only" in dialog.note_label.text()
    dialog.this_only.click()
    assert dialog.cancel_lesson_button.isEnabled()  # this one alone is queued offline
    dialog.following.click()
    dialog.set_offline(False)
    with qtbot.wait_signal(window.lesson_saved, timeout=15_000) as saved:
        dialog.cancel_lesson_button.click()
    assert saved.args[0].state == "applied", saved.args[0].message
    assert "the following 2 lessons of its series" in saved.args[0].message
    states = [school.client.get_flight(lesson_id) for lesson_id in ids]
    assert [state["status"] for state in states] == ["SCHEDULED", "CANCELLED", "CANCELLED",
                                                     "CANCELLED"]
    assert {state["cancel_kind"] for state in states[1:]} == {"student"}
    # The desk's copy follows with the next round.
    replica = school.desk.replica
    qtbot.wait_until(lambda: replica.get("flights", ids[3]).data["status"] == "CANCELLED",
                     timeout=15_000)


# -- a failed edit is said ---------------------------------------------------------------------


def test_book_anyway_refused_by_the_service_reaches_the_messages(qtbot, school, window) -> None:
    replica = school.desk.replica
    loop = window._sync_loop
    target = weekday_at(replica, 120, hour=15)
    soon = datetime.now(UTC) + timedelta(hours=3)
    lesson = next(row.data for row in replica.flights_between(soon, soon + timedelta(days=7))
                  if row.data["status"] == "SCHEDULED" and row.state == "synced"
                  and row.data.get("instructor_id") and not row.data.get("series_id")
                  and not is_available(replica, "instructors", row.data["instructor_id"], target,
                                       target + timedelta(hours=1)))
    length = parse_time(lesson["end_at"]) - parse_time(lesson["start_at"])
    entry = replica.record_edit("flights", "update", row_id=lesson["id"],
                                data={"start_at": iso(target), "end_at": iso(target + length)})
    with qtbot.wait_signal(loop.status_changed, timeout=15_000,
                           check_params_cb=lambda status: status.rejected == 1):
        loop.sync_now()
    assert replica.entry(entry.mutation_id).error["rule"] == "NEEDS_ACKNOWLEDGEMENT"
    # Before "book it anyway", someone else took the aircraft then.
    other = school.free(target, target + length, solo=True)
    school.write(**other | {"aircraft_id": lesson["aircraft_id"]}, flight_type="SOLO")
    qtbot.wait_until(lambda: not loop.running, timeout=15_000)
    with qtbot.wait_signal(loop.edit_failed, timeout=15_000) as failed:
        loop.acknowledge_edit(entry.mutation_id, ["INSTRUCTOR_UNAVAILABLE"])
    text = failed.args[0]
    assert text.startswith("The change was not booked: ") and "already booked" in text
    assert window.message_log.messages[-1] == text
    assert window.statusBar().currentMessage() == text
    # And a change that no longer waits to be booked anyway says so too.
    with qtbot.wait_signal(loop.edit_failed, timeout=15_000) as failed:
        loop.acknowledge_edit(str(uuid.uuid4()), ["INSTRUCTOR_UNAVAILABLE"])
    assert failed.args[0].startswith("The change could not be booked anyway: That change no "
                                     "longer waits")
    assert window.message_log.messages[-1] == failed.args[0]
    loop.discard_edit(replica.outbox("rejected")[0].mutation_id)
    qtbot.wait_until(lambda: replica.outbox() == [], timeout=15_000)


def test_the_legend_shows_flying_and_completed_apart(qtbot, window) -> None:
    legend = window.show_legend()
    flying, completed = legend.badges["status:FLYING"], legend.badges["status:COMPLETED"]
    assert flying.text() == "↗ Flying (checked out)" and completed.text() == "✈ Completed"
    assert flying.styleSheet() != completed.styleSheet()
    assert legend.badges["alert:NOT_CHECKED_IN"].text().startswith("↗ ")
    legend.close()

