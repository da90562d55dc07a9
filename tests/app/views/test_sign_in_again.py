"""Signing in again from the main window after the sync was signed out, and the instructor mode of
a window started offline — against a real service this test stops and starts, tokens in an
in-memory keyring."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.services import sign_in as sign_in_service
from app.services.credentials import SERVICE_NAME, keyring_username
from app.services.sign_in import DesktopSession, replica_file, start_offline
from app.services.sync_loop import SyncLoop
from app.views.main_window import MainWindow
from tests.app.services.conftest import (memory_keyring, restartable_server,  # noqa: F401
                                         seeded_school, token_store)
from tests.sync.api.conftest import PASSWORD

NOTES = "Bring the new headset (typed before signing in again)"

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support (propagateSizeHints|raise)\(\)")


@pytest.fixture
def api_server(restartable_server):  # noqa: F811
    """``signed_in_school`` and the fixtures above it use this server instead of the session's."""
    return restartable_server


def _offline_start(server, email: str, folder: Path, *, edit_flight: str | None = None
                   ) -> DesktopSession:
    """Signed in with "remember me" and synced once (an edit typed, when asked), the app quit while
    the network was down, then started offline: the service is back, not yet asked."""
    client = sign_in_service.sign_in(server.url, email, PASSWORD, remember=True)
    session = sign_in_service.open_session(client, folder)
    school_id = client.account.school_id
    if edit_flight is not None:
        session.replica.record_edit("flights", "update", row_id=edit_flight, data={"notes": NOTES})
    server.stop()
    session.close()
    offline = start_offline(server.url, email, folder, school_id)
    assert offline.replica.path == replica_file(folder, school_id)
    server.start()
    return offline


@pytest.fixture
def signed_out(qtbot, restartable_server, seeded_school, memory_keyring,  # noqa: F811
               tmp_path) -> Iterator[tuple[MainWindow, SyncLoop, DesktopSession]]:
    """A window offline-started as the dispatcher, with a queued edit, whose saved sign-in was
    forgotten meanwhile: its first round signs out."""
    email = seeded_school.school.emails["dispatcher"]
    session = _offline_start(restartable_server, email, tmp_path,
                             edit_flight=seeded_school.flight_ids[0])
    del memory_keyring.passwords[(SERVICE_NAME, keyring_username(restartable_server.url, email))]
    loop = SyncLoop(engine=session.engine, interval_ms=600_000)
    window = MainWindow(sync_loop=loop, replica=session.replica, user_email=email,
                        client=session.client, fetch_weather=lambda stations: [],
                        restore_layout=False)
    qtbot.add_widget(window)
    assert not window.sign_in_again_action.isEnabled()
    with qtbot.wait_signal(loop.status_changed, timeout=20_000,
                           check_params_cb=lambda status: status.state == "signed_out"):
        loop.sync_now()
    yield window, loop, session
    loop.stop()
    session.close()


def test_signed_out_offers_to_sign_in_again_and_the_next_round_pushes(
        qtbot, signed_out, seeded_school, memory_keyring, restartable_server) -> None:  # noqa: F811
    window, loop, session = signed_out
    email = seeded_school.school.emails["dispatcher"]
    assert window.sign_in_again_action.isEnabled()
    assert "Signed out" in window.online_label.text()
    assert loop.status.pending == 1

    window.sign_in_again_action.trigger()
    dialog = window.sign_in_flow.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.url_edit.text() == restartable_server.url and dialog.url_edit.isReadOnly()
    assert dialog.email_edit.text() == email and dialog.password_edit.text() == ""
    assert dialog.message_label.text() == loop.status.message
    assert "sign in again" in dialog.message_label.text()

    dialog.password_edit.setText(PASSWORD)
    with qtbot.wait_signal(loop.status_changed, timeout=20_000,
                           check_params_cb=lambda status: status.state == "idle") as synced, \
            qtbot.assert_not_emitted(dialog.failed):
        with qtbot.wait_signal(window.sign_in_flow.signed_in, timeout=20_000):
            dialog.sign_in_button.click()
    assert synced.args[0].pending == 0
    assert session.client.account.email == email            # the sync engine's own client
    flight_id = seeded_school.flight_ids[0]
    assert seeded_school.school.dispatcher.get(f"/flights/{flight_id}").json()["notes"] == NOTES
    assert not window.sign_in_again_action.isEnabled()
    assert window.online_label.text() == "Online"
    # "Remember me" was on: the next start signs in silently.
    assert (SERVICE_NAME, keyring_username(restartable_server.url, email)) in memory_keyring.passwords
    again = sign_in_service.resume(restartable_server.url, email)
    again.close()


def test_an_account_of_another_school_is_refused(qtbot, signed_out, signed_in_school,
                                                 memory_keyring, restartable_server) -> None:  # noqa: F811
    window, loop, session = signed_out
    other = signed_in_school().emails["dispatcher"]
    dialog = window.sign_in_again()
    dialog.email_edit.setText(other)
    dialog.password_edit.setText(PASSWORD)
    with qtbot.wait_signal(dialog.failed, timeout=20_000) as failed, \
            qtbot.assert_not_emitted(window.sign_in_flow.signed_in):
        dialog.sign_in_button.click()
    assert "belongs to another school than the schedule shown here" in failed.args[0]
    assert "sign in with an account of this school" in failed.args[0]
    assert dialog.message_label.text() == failed.args[0]
    assert session.client.account is None, "the sync client did not take the other sign-in"
    assert (SERVICE_NAME, keyring_username(restartable_server.url, other)) \
        not in memory_keyring.passwords
    assert window.sign_in_again_action.isEnabled() and loop.status.pending == 1
    dialog.reject()


def test_an_instructor_started_offline_is_in_instructor_mode_before_the_resume(
        qtbot, restartable_server, seeded_school, memory_keyring, tmp_path) -> None:  # noqa: F811
    email = seeded_school.school.emails["instructor"]
    session = _offline_start(restartable_server, email, tmp_path)
    loop = SyncLoop(engine=session.engine, interval_ms=600_000)
    try:
        window = MainWindow(sync_loop=loop, replica=session.replica, user_email=email,
                            client=session.client, fetch_weather=lambda stations: [],
                            restore_layout=False, role="instructor")
        qtbot.add_widget(window)
        assert session.client.account is None                  # not signed in yet
        assert window.is_instructor and "(instructor)" in window.windowTitle()
        assert not window.new_lesson_action.isEnabled()
        assert not window.can_edit(object())                    # own lessons not known yet

        # The first round signs in silently; the window then finds the instructor's own lessons.
        with qtbot.wait_signal(loop.status_changed, timeout=20_000,
                               check_params_cb=lambda status: status.state == "idle"):
            loop.sync_now()
        assert session.client.account.role == "instructor"
        assert window.is_instructor and not window.new_lesson_action.isEnabled()
        qtbot.waitUntil(lambda: window._instructor_id == str(seeded_school.school.instructor_id),
                        timeout=20_000)
    finally:
        loop.stop()
        session.close()


def test_a_dispatcher_started_offline_without_a_remembered_role_books(
        qtbot, restartable_server, seeded_school, memory_keyring, tmp_path) -> None:  # noqa: F811
    email = seeded_school.school.emails["dispatcher"]
    session = _offline_start(restartable_server, email, tmp_path)
    loop = SyncLoop(engine=session.engine, interval_ms=600_000)
    try:
        window = MainWindow(sync_loop=loop, replica=session.replica, user_email=email,
                            client=session.client, fetch_weather=lambda stations: [],
                            restore_layout=False, role="dispatcher")
        qtbot.add_widget(window)
        assert not window.is_instructor and window.new_lesson_action.isEnabled()
    finally:
        loop.stop()
        session.close()
