"""A dispatcher's day, end to end, in the real desktop against the real service on 127.0.0.1.

Sign in through the dialog (refresh token to the keyring), book a lesson in the editor, see a
clash refused inline, lose the network and edit offline, quit and start the app again (still
offline: the edit is there, pending), get the network back and see the edit pushed; a sweep over
a storm (the local aviationweather.gov stand-in) cancels the lesson and the alert appears; pick an
option for the student and confirm it in the review panel, and the calendar shows the new lesson.

Nothing of ours is mocked: the service runs under uvicorn (``restartable_server``: stopped and
started again on the same port and database), the keyring is a real keyring backend in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QDate, QThreadPool, QTime

from app.services import sign_in as sign_in_service
from app.services.sign_in import DesktopSession, open_session
from app.services.sync_loop import SyncLoop
from app.views.main_window import MainWindow
from app.views.sign_in_dialog import SignInDialog
from sync.database.session import make_sessionmaker, session_scope
from sync.schools.models import School
from sync.sweep.service import run_sweep
from sync.weather.sources import AviationWeatherClient
from tests.app.services.conftest import (  # noqa: F401  (fixtures)
    memory_keyring, restartable_server, seeded_school, token_store,
)
from tests.support.fake_aviationweather import FakeAviationWeather
from tests.sync.api.conftest import PASSWORD
from tests.sync.sweep.storm import metar, taf

# Opening a dialog on the offscreen platform makes Qt say it cannot size or raise native windows:
# noise of the test platform. Every other Qt warning still fails the test.
pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support (propagateSizeHints|raise)\(\)")

STATION = "KAUS"
SIGNAL_TIMEOUT = 20_000


@pytest.fixture
def api_server(restartable_server):  # noqa: F811
    """``seeded_school`` (and ``signed_in_school`` under it) use the restartable server."""
    return restartable_server


@pytest.fixture
def whole_day_school(restartable_server, seeded_school):  # noqa: F811
    """The seeded school open around the clock, so a lesson a few hours from now is bookable
    whenever the suite runs."""
    with session_scope(restartable_server.engine) as db:
        school = db.get(School, seeded_school.school.school_id)
        school.operating_hours = [{"weekday": day, "open": "00:00", "close": "23:59"}
                                  for day in range(1, 8)]
        school.decision_window_hours = 24
    return seeded_school


class Desk:
    """One run of the desktop app: a session, its sync loop and its main window."""

    def __init__(self, qtbot, session: DesktopSession) -> None:
        self.session = session
        self.loop = SyncLoop(engine=session.engine, interval_ms=600_000)
        self.window = MainWindow(sync_loop=self.loop, replica=session.replica,
                                 user_email=session.email, client=session.client, mode="week")
        qtbot.add_widget(self.window)
        self.window.show()
        with qtbot.wait_signal(self.window.loaded, timeout=SIGNAL_TIMEOUT):
            self.window.reload()

    def quit(self) -> None:
        """As the app does on exit: stop syncing, let background reads land, close the files."""
        if self.window.lesson_editor is not None:
            self.window.lesson_editor.done(0)
        self.loop.stop()
        for _ in range(3):
            QThreadPool.globalInstance().waitForDone(10_000)
            QCoreApplication.processEvents()
        self.window.close()
        self.session.close()

    def sync(self, qtbot) -> None:
        with qtbot.wait_signal(self.loop.status_changed, timeout=SIGNAL_TIMEOUT,
                               check_params_cb=lambda status: status.state != "syncing"):
            self.loop.sync_now()

    def lesson(self, lesson_id: str):
        return next((lesson for lesson in self.window.calendar_model.schedule.lessons
                     if lesson.id == lesson_id), None)


def _show_day(qtbot, desk: Desk, moment: datetime) -> None:
    day = moment.astimezone(desk.window.calendar_model.schedule.timezone).date()
    if desk.window.calendar.day != day:
        with qtbot.wait_signal(desk.window.loaded, timeout=SIGNAL_TIMEOUT):
            desk.window.calendar.set_day(day)


def _fill_time(editor, start: datetime, zone) -> None:
    local = start.astimezone(zone)
    editor.date.setDate(QDate(local.year, local.month, local.day))
    editor.start_time.setTime(QTime(local.hour, local.minute))
    editor.length.setValue(120)


def _sign_in(qtbot, url: str, email: str) -> object:
    dialog = SignInDialog(sign_in=lambda url, email, password, remember: sign_in_service.sign_in(
        url, email, password, remember=remember), url=url, email=email, remember=True)
    qtbot.add_widget(dialog)
    dialog.password_edit.setText(PASSWORD)
    with qtbot.wait_signal(dialog.signed_in, timeout=SIGNAL_TIMEOUT) as signed_in, \
            qtbot.assert_not_emitted(dialog.failed):
        dialog.submit()
    return signed_in.args[0]


@pytest.fixture
def data_folder(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "desk"
    folder.mkdir()
    yield folder


@pytest.fixture
def weather(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAviationWeather]:
    """The service's weather (the board, "check weather now", the sweep) from the local stand-in:
    clear skies until a test brings the storm."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with FakeAviationWeather(now=now) as server:
        server.set_metars({STATION: [metar(STATION, now)]})
        server.set_tafs({STATION: [taf(STATION, now)]})
        monkeypatch.setenv("FSP_WEATHER_URL", server.url)
        monkeypatch.delenv("FSP_WEATHER_RECORDED", raising=False)
        yield server


def test_a_dispatchers_day(qtbot, restartable_server, whole_day_school, memory_keyring,  # noqa: F811
                           data_folder, weather) -> None:
    school = whole_day_school.school
    email = school.emails["dispatcher"]
    sweep_now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    # Inside the storm's first thunderstorm (hours 2–6 after the sweep), inside the decision window.
    lesson_start = sweep_now + timedelta(hours=3)

    # -- sign in, and the first sync fills the calendar -----------------------------------------
    client = _sign_in(qtbot, restartable_server.url, email)
    assert memory_keyring.passwords, "remember me keeps the refresh token in the keyring"
    desk = Desk(qtbot, open_session(client, data_folder))
    zone = desk.window.calendar_model.schedule.timezone
    assert desk.window.calendar_model.schedule.school.startswith("School ")

    # -- book a lesson ---------------------------------------------------------------------------
    _show_day(qtbot, desk, lesson_start)
    desk.window.new_lesson_action.trigger()  # (the next free slot is looked for first)
    qtbot.wait_until(lambda: desk.window.lesson_editor is not None, timeout=SIGNAL_TIMEOUT)
    editor = desk.window.lesson_editor
    _fill_time(editor, lesson_start, zone)
    assert editor.problem() is None, editor.problem()
    with qtbot.wait_signal(desk.window.lesson_saved, timeout=SIGNAL_TIMEOUT) as saved, \
            qtbot.wait_signal(desk.window.loaded, timeout=SIGNAL_TIMEOUT):
        editor.save_button.click()
    booked = saved.args[0]
    assert booked.state == "applied", booked.message
    lesson_id = booked.lesson_id
    assert school.dispatcher.get(f"/flights/{lesson_id}").json()["status"] == "SCHEDULED"
    assert desk.lesson(lesson_id) is not None and not desk.lesson(lesson_id).pending

    # -- the same aircraft at the same time: refused, in the dialog -----------------------------
    desk.window.new_lesson_action.trigger()
    qtbot.wait_until(lambda: desk.window.lesson_editor is not None, timeout=SIGNAL_TIMEOUT)
    clash = desk.window.lesson_editor
    _fill_time(clash, lesson_start + timedelta(minutes=30), zone)
    clash.aircraft.setCurrentIndex(clash.aircraft.findData(desk.lesson(lesson_id).aircraft_id))
    with qtbot.wait_signal(clash.saved, timeout=SIGNAL_TIMEOUT) as refused:
        clash.save_button.click()
    assert refused.args[0].state == "rejected"
    assert clash.isVisible() or desk.window.lesson_editor is clash, "the dialog stays open"
    assert "already" in clash.error_label.text()
    with qtbot.wait_signal(clash.discarded, timeout=SIGNAL_TIMEOUT):
        clash.reject()  # gives up: the refused booking is dropped, nothing half-written stays
    assert desk.session.replica.outbox() == []

    # -- the network drops; an edit is kept -------------------------------------------------------
    restartable_server.stop()
    desk.window.edit_lesson(lesson_id)
    editor = desk.window.lesson_editor
    editor.notes.setPlainText("Bring the new headset (typed offline)")
    with qtbot.wait_signal(desk.window.lesson_saved, timeout=SIGNAL_TIMEOUT) as saved:
        editor.save_button.click()
    assert saved.args[0].state == "queued"
    desk.sync(qtbot)
    assert desk.loop.status.state == "offline"
    assert desk.window.pending_label.text().startswith("1 pending edit")
    desk.quit()

    # -- the app starts again, still offline: the edit is there, pending -----------------------
    with pytest.raises(sign_in_service.SignInError):
        sign_in_service.resume(restartable_server.url, email)
    desk = Desk(qtbot, sign_in_service.start_offline(restartable_server.url, email, data_folder,
                                                     str(school.school_id)))
    _show_day(qtbot, desk, lesson_start)
    assert desk.lesson(lesson_id).pending
    assert desk.lesson(lesson_id).notes == "Bring the new headset (typed offline)"

    # -- back online: the next round signs in silently (the keyring) and pushes the edit --------
    restartable_server.start()
    with qtbot.wait_signal(desk.window.loaded, timeout=SIGNAL_TIMEOUT):
        desk.sync(qtbot)
    assert desk.loop.status.state == "idle" and desk.loop.status.pending == 0
    assert school.dispatcher.get(f"/flights/{lesson_id}").json()["notes"] == \
        "Bring the new headset (typed offline)"
    assert not desk.lesson(lesson_id).pending

    # -- a storm: the sweep cancels the lesson and the alert appears ---------------------------
    weather.set_tafs({STATION: [taf(STATION, sweep_now, storms=((2, 6),))]})
    source = AviationWeatherClient(base_url=weather.url, max_retries=0, timeout=5,
                                   sleep=lambda _: None)
    run_sweep(session_factory=make_sessionmaker(restartable_server.engine), source=source,
              now=sweep_now)
    with qtbot.wait_signal(desk.window.loaded, timeout=SIGNAL_TIMEOUT):
        desk.sync(qtbot)
    assert desk.lesson(lesson_id).status == "WEATHER_CANCELLED"
    alerts = [alert for alert in desk.window.alerts_model.alerts if alert.lesson_id == lesson_id]
    assert alerts and alerts[0].kind == "WEATHER_CANCELLED", desk.window.alerts_model.alerts
    assert desk.window.windowTitle().startswith(f"({desk.window.alerts_dock.count}) ")

    # -- pick an option for the student, confirm it: the calendar shows the new lesson ---------
    review = desk.window.reschedule_review
    request_id = alerts[0].request_id
    assert request_id, "the sweep opened a reschedule request"
    with qtbot.wait_signal(review.request_shown, timeout=SIGNAL_TIMEOUT):
        review.show_request(request_id)
    with qtbot.wait_signal(review.acted, timeout=SIGNAL_TIMEOUT), \
            qtbot.assert_not_emitted(review.action_failed):
        review.pick_for_student(1)
    qtbot.wait_until(lambda: review.current is not None
                     and review.current.state == "PENDING_INSTRUCTOR", timeout=SIGNAL_TIMEOUT)
    with qtbot.wait_signal(review.acted, timeout=SIGNAL_TIMEOUT), \
            qtbot.assert_not_emitted(review.action_failed):
        review.confirm()
    request = school.dispatcher.get(f"/reschedule/{request_id}").json()
    assert request["state"] == "ACCEPTED"
    new_lesson_id = request["new_flight_id"]
    new_start = datetime.fromisoformat(request["options"][0]["start_at"].replace("Z", "+00:00"))

    qtbot.wait_until(lambda: desk.session.replica.get("flights", new_lesson_id) is not None,
                     timeout=SIGNAL_TIMEOUT)
    _show_day(qtbot, desk, new_start)
    qtbot.wait_until(lambda: desk.lesson(new_lesson_id) is not None, timeout=SIGNAL_TIMEOUT)
    assert desk.lesson(new_lesson_id).status == "SCHEDULED"
    assert desk.session.replica.get("flights", lesson_id).data["status"] == "RESCHEDULED"
    desk.quit()
