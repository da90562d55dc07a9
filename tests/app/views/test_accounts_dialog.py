"""The Accounts dialog (admins) and its menu entry, against the real service on 127.0.0.1."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.services.api_client import Account as SignedInAccount
from app.services.api_client import ApiClient, Session, Tokens
from app.services.sign_in import open_session
from app.services.sync_loop import SyncLoop
from app.views.accounts_dialog import AccountsDialog
from app.views.main_window import MainWindow
from sync.auth.models import Account
from sync.database.session import session_scope
from sync.notify.models import Notification

# Dialogs shown on the offscreen platform make it say so; harmless.
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")


def _client(api_server, school, role: str) -> ApiClient:
    """A client signed in as ``role`` of ``school`` (its tokens, no argon2 round)."""
    tokens = school.tokens[role]
    client = ApiClient(base_url=api_server.url)
    client.adopt(Session(
        account=SignedInAccount(id=tokens.account_id, email=school.emails[role], role=role,
                                school_id=str(school.school_id)),
        tokens=Tokens(access_token=tokens.access_token, refresh_token=tokens.refresh_token,
                      expires_in=900),
    ))
    return client


@pytest.fixture
def school(signed_in_school):
    return signed_in_school()


@pytest.fixture
def dialog(qtbot, api_server, school) -> Iterator[AccountsDialog]:
    client = _client(api_server, school, "admin")
    dialog = AccountsDialog(client=client, own_account_id=school.tokens["admin"].account_id)
    qtbot.add_widget(dialog)
    with qtbot.wait_signal(dialog.loaded, timeout=10_000), qtbot.assert_not_emitted(dialog.failed):
        dialog.show()
    yield dialog
    client.close()


def _row(dialog: AccountsDialog, email: str) -> list[str]:
    for row in range(dialog.table.rowCount()):
        cells = [dialog.table.item(row, column).text() for column in range(3)]
        if cells[0].split(" ")[0] == email:
            return cells
    raise AssertionError(f"{email} is not in the table")


def _server_account(api_server, account_id: str) -> Account:
    with session_scope(api_server.engine, read_only=True) as db:
        return db.get(Account, uuid.UUID(account_id))


def _password_mails(api_server, email: str) -> int:
    with session_scope(api_server.engine, read_only=True) as db:
        return len(db.scalars(select(Notification).where(
            Notification.recipient == email, Notification.kind == "password_reset")).all())


def test_lists_the_schools_accounts(dialog, school) -> None:
    assert dialog.table.rowCount() == 4
    assert [dialog.table.horizontalHeaderItem(c).text() for c in range(3)] == [
        "E-mail", "Role", "Active"]
    for role, email in school.emails.items():
        cells = _row(dialog, email)
        assert cells[1:] == [role, "Yes"]
    assert _row(dialog, school.emails["admin"])[0].endswith("(you)")
    # What the service says is shown as it is, never as markup.
    assert dialog.message_label.textFormat() == Qt.TextFormat.PlainText
    assert not dialog.reset_button.isEnabled()  # nothing selected yet


def test_create_mails_a_link_to_set_the_password(qtbot, dialog, api_server) -> None:
    email = f"<b>new</b>-{uuid.uuid4().hex[:6]}@school.example"
    dialog.email_edit.setText(email)
    dialog.new_role_box.setCurrentText("instructor")

    with qtbot.wait_signal(dialog.changed, timeout=10_000) as created, \
            qtbot.assert_not_emitted(dialog.failed):
        dialog.create_button.click()

    assert created.args[0]["email"] == email and created.args[0]["role"] == "instructor"
    assert _row(dialog, email)[1:] == ["instructor", "Yes"]
    assert dialog.selected_account()["email"] == email
    assert dialog.message_label.text() == (f"Created {email} (instructor); a link to set the "
                                           "password was mailed to it.")
    assert _password_mails(api_server, email) == 1
    assert dialog.email_edit.text() == ""


def test_a_weak_initial_password_is_refused_with_the_reason(qtbot, dialog) -> None:
    email = f"new-{uuid.uuid4().hex[:6]}@school.example"
    dialog.email_edit.setText(email)
    dialog.password_edit.setText("password1234")

    with qtbot.wait_signal(dialog.failed, timeout=10_000) as failed:
        dialog.create_button.click()

    assert "too easy to guess" in failed.args[0] and "common password" in failed.args[0]
    assert dialog.message_label.text() == failed.args[0]
    assert dialog.table.rowCount() == 4
    assert dialog.create_button.isEnabled()


def test_change_role_disable_and_enable(qtbot, dialog, school, api_server) -> None:
    account_id = school.tokens["instructor"].account_id
    dialog.select(account_id)
    dialog.role_box.setCurrentText("dispatcher")
    with qtbot.wait_signal(dialog.changed, timeout=10_000), qtbot.assert_not_emitted(dialog.failed):
        dialog.role_button.click()
    assert _row(dialog, school.emails["instructor"])[1] == "dispatcher"
    assert _server_account(api_server, account_id).role.value == "dispatcher"

    assert dialog.active_button.text() == "&Disable"
    with qtbot.wait_signal(dialog.changed, timeout=10_000), qtbot.assert_not_emitted(dialog.failed):
        dialog.active_button.click()
    assert _row(dialog, school.emails["instructor"])[2] == "No"
    assert "its sign-ins have ended" in dialog.message_label.text()
    assert _server_account(api_server, account_id).active is False
    assert school.instructor.get("/flights").status_code == 401
    assert not dialog.reset_button.isEnabled()  # no link for a disabled account

    assert dialog.active_button.text() == "&Enable"
    with qtbot.wait_signal(dialog.changed, timeout=10_000):
        dialog.active_button.click()
    assert _row(dialog, school.emails["instructor"])[2] == "Yes"


def test_send_a_reset_link(qtbot, dialog, school, api_server) -> None:
    dialog.select(school.tokens["dispatcher"].account_id)
    # The account itself does not change: only a mail goes out.
    with qtbot.assert_not_emitted(dialog.failed), qtbot.assert_not_emitted(dialog.changed):
        dialog.reset_button.click()
        qtbot.wait_until(lambda: "was mailed" in dialog.message_label.text(), timeout=10_000)
    assert _password_mails(api_server, school.emails["dispatcher"]) == 1
    assert school.dispatcher.get("/students").status_code == 401


def test_the_last_admin_is_told_why_they_cannot_step_down(qtbot, dialog, school) -> None:
    dialog.select(school.tokens["admin"].account_id)
    with qtbot.wait_signal(dialog.failed, timeout=10_000) as failed:
        dialog.active_button.click()
    assert failed.args[0].startswith("You are the school's last active admin")
    assert _row(dialog, school.emails["admin"])[2] == "Yes"


# -- the menu ---------------------------------------------------------------------------------


def _window(qtbot, client: ApiClient, folder: Path) -> tuple[MainWindow, SyncLoop, object]:
    session = open_session(client, folder)
    loop = SyncLoop(engine=session.engine, interval_ms=600_000)
    window = MainWindow(sync_loop=loop, replica=session.replica, user_email=session.email,
                        client=client, mode="week", restore_layout=False)
    qtbot.add_widget(window)
    return window, loop, session


def test_file_accounts_is_there_for_admins_only(qtbot, api_server, school, tmp_path) -> None:
    window, loop, session = _window(qtbot, _client(api_server, school, "dispatcher"),
                                    tmp_path / "desk")
    try:
        assert not window.accounts_action.isVisible()
        assert window.show_accounts() is None
    finally:
        loop.stop()
        session.close()

    window, loop, session = _window(qtbot, _client(api_server, school, "admin"), tmp_path / "admin")
    try:
        assert window.accounts_action.isVisible()
        file_menu = window.menuBar().actions()[0].menu()
        assert window.accounts_action in file_menu.actions()
        window.accounts_action.trigger()
        dialog = window.accounts_dialog
        assert isinstance(dialog, AccountsDialog)
        qtbot.wait_until(lambda: dialog.table.rowCount() == 4, timeout=10_000)
        dialog.reject()
    finally:
        loop.stop()
        session.close()
