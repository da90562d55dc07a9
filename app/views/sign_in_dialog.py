"""The sign-in dialog for a school's own server: address, e-mail, password, "remember me"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QLabel,
                               QLineEdit, QVBoxLayout, QWidget)

from app.services.background import run_in_background
from app.services.credentials import NO_KEYRING_NOTE, keyring_available
from app.views.plain_text import plain_label
from app.views.theme import message_colour

__all__ = ["SignInDialog"]


class SignInDialog(QDialog):
    """Signals:
        signed_in(object): the signed-in client (whatever ``sign_in`` returned); the dialog accepts.
        failed(str): the sign-in was refused or the server unreachable; shown inline.
    """

    signed_in = Signal(object)
    failed = Signal(str)

    def __init__(self, *, sign_in: Callable[[str, str, str, bool], Any], url: str = "",
                 email: str = "", remember: bool = True, message: str = "",
                 can_remember: bool | None = None, parent: QWidget | None = None) -> None:
        """``can_remember``: whether this computer has a keyring to keep the sign-in in (None:
        ask ``credentials.keyring_available``). Without one "remember me" is off and greyed, and
        the dialog says why: ticked, it would only make the sign-in fail."""
        super().__init__(parent)
        self.setWindowTitle("Sign in — Flight Schedule Pro Dispatcher")
        self._sign_in = sign_in
        self.client: Any = None
        self.url_edit = QLineEdit(url, self)
        self.url_edit.setPlaceholderText("https://dispatch.your-school.com")
        self.email_edit = QLineEdit(email, self)
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember_box = QCheckBox("Remember me on this computer", self)
        if can_remember is None:
            can_remember = keyring_available()
        self.can_remember = can_remember
        self.remember_box.setChecked(remember and can_remember)
        self.remember_box.setEnabled(can_remember)
        self.keyring_note = plain_label(NO_KEYRING_NOTE, self)
        self.keyring_note.setObjectName("no-keyring-note")
        self.keyring_note.setWordWrap(True)
        self.keyring_note.setVisible(not can_remember)
        self.message_label = plain_label(message, self)
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet(f"color: {message_colour('error', self.palette()).name()}")
        form = QFormLayout()
        form.addRow("Server", self.url_edit)
        form.addRow("E-mail", self.email_edit)
        form.addRow("Password", self.password_edit)
        form.addRow("", self.remember_box)
        form.addRow("", self.keyring_note)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.sign_in_button = self.buttons.addButton("Sign in",
                                                     QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message_label)
        layout.addWidget(self.buttons)
        (self.password_edit if url and email else self.url_edit).setFocus()

    def submit(self) -> None:
        """Sign in off the GUI thread with what was typed."""
        url, email = self.url_edit.text().strip(), self.email_edit.text().strip()
        password, remember = self.password_edit.text(), self.remember_box.isChecked()
        if not (url and email and password):
            self._show_failure("Fill in the server, your e-mail and your password")
            return
        self._set_busy(True)
        self.message_label.setText("Signing in…")
        sign_in = self._sign_in
        run_in_background(lambda: sign_in(url, email, password, remember),
                          self._succeeded, lambda error: self._show_failure(str(error)), owner=self)

    def _succeeded(self, client: Any) -> None:
        self._set_busy(False)
        self.client = client
        self.message_label.clear()
        self.signed_in.emit(client)
        self.accept()

    def _show_failure(self, message: str) -> None:
        self._set_busy(False)
        self.message_label.setText(message)
        self.password_edit.selectAll()
        self.failed.emit(message)

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.url_edit, self.email_edit, self.password_edit, self.sign_in_button):
            widget.setEnabled(not busy)
        self.remember_box.setEnabled(not busy and self.can_remember)
