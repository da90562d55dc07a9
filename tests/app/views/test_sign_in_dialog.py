"""Plain ``fsp``'s sign-in against a real service on 127.0.0.1; tokens in an in-memory keyring."""

from __future__ import annotations

from pathlib import Path

from app.services import sign_in as sign_in_service
from app.services.credentials import keyring_username
from app.views.sign_in_dialog import SignInDialog
from tests.app.services.conftest import memory_keyring  # noqa: F401  (the fixture)
from tests.sync.api.conftest import PASSWORD


def _dialog(qtbot, url: str = "", email: str = "") -> SignInDialog:
    dialog = SignInDialog(sign_in=lambda u, e, p, r: sign_in_service.sign_in(u, e, p, remember=r),
                          url=url, email=email)
    qtbot.add_widget(dialog)
    return dialog


def test_wrong_password_is_shown_inline(qtbot, api_server, signed_in_school, memory_keyring) -> None:
    school = signed_in_school()
    dialog = _dialog(qtbot, api_server.url, school.emails["dispatcher"])
    dialog.password_edit.setText("not the password")
    with qtbot.wait_signal(dialog.failed, timeout=10_000) as failed, \
            qtbot.assert_not_emitted(dialog.signed_in):
        dialog.sign_in_button.click()
    assert "Wrong e-mail or password" in failed.args[0]
    assert dialog.message_label.text() == failed.args[0]
    assert dialog.sign_in_button.isEnabled() and not memory_keyring.passwords


def test_missing_fields_are_asked_for(qtbot) -> None:
    dialog = _dialog(qtbot)
    with qtbot.wait_signal(dialog.failed) as failed:
        dialog.submit()
    assert "Fill in" in failed.args[0]


def test_remember_me_signs_in_silently_next_time(qtbot, api_server, signed_in_school,
                                                 memory_keyring, tmp_path: Path) -> None:
    school = signed_in_school()
    email = school.emails["dispatcher"]
    dialog = _dialog(qtbot, api_server.url, email)
    dialog.password_edit.setText(PASSWORD)
    assert dialog.remember_box.isChecked()
    with qtbot.wait_signal(dialog.signed_in, timeout=10_000) as signed_in, \
            qtbot.assert_not_emitted(dialog.failed):
        dialog.sign_in_button.click()
    client = signed_in.args[0]
    assert client.account.email == email
    assert (("fsp-dispatcher", keyring_username(api_server.url, email))
            in memory_keyring.passwords)
    session = sign_in_service.open_session(client, tmp_path)
    try:
        assert session.replica.rows("schools")
    finally:
        session.close()

    again = sign_in_service.resume(api_server.url, email)
    try:
        assert again.account.email == email
    finally:
        again.close()


def test_without_remember_me_nothing_is_kept(qtbot, api_server, signed_in_school,
                                              memory_keyring) -> None:
    school = signed_in_school()
    dialog = _dialog(qtbot, api_server.url, school.emails["dispatcher"])
    dialog.password_edit.setText(PASSWORD)
    dialog.remember_box.setChecked(False)
    with qtbot.wait_signal(dialog.signed_in, timeout=10_000) as signed_in:
        dialog.sign_in_button.click()
    signed_in.args[0].close()
    assert not memory_keyring.passwords
