"""The school's accounts, for admins: who may sign in (e-mail, role, active), and the changes an
admin makes to them — create one (it gets a mail with a link to set its password, unless an
initial password is typed), change a role, disable or enable, mail a reset link.

Every call goes to the service off the GUI thread (``run_in_background``); the answer, or the
service's refusal, is shown in the dialog as plain text.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QGroupBox, QHBoxLayout,
    QHeaderView, QLabel, QLineEdit, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout,
    QWidget,
)

from app.services.api_client import ApiClient
from app.services.background import run_in_background

__all__ = ["AccountsDialog", "ROLES"]

ROLES = ("admin", "dispatcher", "instructor", "student")
COLUMNS = ("E-mail", "Role", "Active")
_ACCOUNT_ID = Qt.ItemDataRole.UserRole


class AccountsDialog(QDialog):
    """Signals:
        loaded(): the table shows the service's accounts (after each load).
        changed(object): an account as the service answered after a change (a dict).
        failed(str): a call failed; the message (also shown in the dialog) says why.
    """

    loaded = Signal()
    changed = Signal(object)
    failed = Signal(str)

    def __init__(self, *, client: ApiClient, own_account_id: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accounts-dialog")
        self.setWindowTitle("Accounts")
        self._client = client
        self._own_account_id = own_account_id
        self._accounts: list[dict[str, Any]] = []
        self._busy = False

        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("accounts-table")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._selection_changed)

        # The selected account.
        self.role_box = QComboBox(self)
        self.role_box.addItems(ROLES)
        self.role_button = QPushButton("Change &role", self)
        self.role_button.clicked.connect(self.change_role)
        self.active_button = QPushButton("&Disable", self)
        self.active_button.setToolTip("A disabled account cannot sign in; its sign-ins end at once")
        self.active_button.clicked.connect(self.toggle_active)
        self.reset_button = QPushButton("Send &reset link", self)
        self.reset_button.setToolTip("Mail a one-time link to set a new password; the account's "
                                     "sign-ins end at once")
        self.reset_button.clicked.connect(self.send_reset_link)
        selected = QHBoxLayout()
        selected.addWidget(self.role_box)
        selected.addWidget(self.role_button)
        selected.addStretch(1)
        selected.addWidget(self.active_button)
        selected.addWidget(self.reset_button)

        # A new account.
        self.email_edit = QLineEdit(self)
        self.email_edit.setPlaceholderText("name@your-school.com")
        self.new_role_box = QComboBox(self)
        self.new_role_box.addItems(ROLES)
        self.new_role_box.setCurrentText("dispatcher")
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("leave empty to mail a link to set it")
        self.create_button = QPushButton("&Create", self)
        self.create_button.clicked.connect(self.create_account)
        new_box = QGroupBox("New account", self)
        form = QFormLayout(new_box)
        form.addRow("E-mail", self.email_edit)
        form.addRow("Role", self.new_role_box)
        form.addRow("Initial password", self.password_edit)
        form.addRow("", self.create_button)

        self.message_label = QLabel(self)
        self.message_label.setObjectName("accounts-message")
        # The service's words (and e-mails people typed) are shown as they are, never as markup.
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        self.reload_button = buttons.addButton("Re&load", QDialogButtonBox.ButtonRole.ActionRole)
        self.reload_button.clicked.connect(self.reload)

        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(selected)
        layout.addWidget(new_box)
        layout.addWidget(self.message_label)
        layout.addWidget(buttons)
        self.resize(640, 520)
        self._update_buttons()

    # -- what the table shows ---------------------------------------------------------------

    @property
    def accounts(self) -> list[dict[str, Any]]:
        """The accounts as last loaded (dicts from the service), in table order."""
        return list(self._accounts)

    def selected_account(self) -> dict[str, Any] | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        account_id = self.table.item(rows[0].row(), 0).data(_ACCOUNT_ID)
        return next((a for a in self._accounts if a["id"] == account_id), None)

    def select(self, account_id: str) -> None:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(_ACCOUNT_ID) == account_id:
                self.table.selectRow(row)
                return

    def _show(self, accounts: list[dict[str, Any]]) -> None:
        selected = self.selected_account()
        self._accounts = sorted(accounts, key=lambda account: account["email"])
        self.table.setRowCount(len(self._accounts))
        for row, account in enumerate(self._accounts):
            email = account["email"] + (" (you)" if account["id"] == self._own_account_id else "")
            cells = (email, account["role"], "Yes" if account["active"] else "No")
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(_ACCOUNT_ID, account["id"])
                if not account["active"]:
                    item.setForeground(self.palette().placeholderText())
                self.table.setItem(row, column, item)
        if selected is not None:
            self.select(selected["id"])
        self._update_buttons()

    def _selection_changed(self) -> None:
        account = self.selected_account()
        if account is not None:
            self.role_box.setCurrentText(account["role"])
        self._update_buttons()

    def _update_buttons(self) -> None:
        account = self.selected_account()
        chosen = account is not None and not self._busy
        for widget in (self.role_box, self.role_button, self.active_button, self.reset_button):
            widget.setEnabled(chosen)
        self.active_button.setText("&Enable" if account is not None and not account["active"]
                                   else "&Disable")
        self.reset_button.setEnabled(chosen and bool(account and account["active"]))
        for widget in (self.create_button, self.reload_button, self.email_edit,
                       self.new_role_box, self.password_edit):
            widget.setEnabled(not self._busy)

    # -- calls to the service -----------------------------------------------------------------

    def reload(self) -> None:
        """Load the school's accounts (off the GUI thread)."""
        client = self._client

        def load() -> list[dict[str, Any]]:
            return client.list_accounts()["items"]

        self._run(load, self._loaded, busy_text="Loading the accounts…")

    def create_account(self) -> None:
        email = self.email_edit.text().strip()
        role = self.new_role_box.currentText()
        password = self.password_edit.text()
        if not email:
            self._fail("Type the new account's e-mail address first")
            return
        client = self._client
        self._run(lambda: client.create_account(email=email, role=role, password=password or None),
                  lambda account: self._created(account, mailed=not password),
                  busy_text=f"Creating {email}…")

    def change_role(self) -> None:
        account = self.selected_account()
        role = self.role_box.currentText()
        if account is None or role == account["role"]:
            return
        self._update(account, {"role": role}, f"{account['email']} is now {_a(role)}.")

    def toggle_active(self) -> None:
        account = self.selected_account()
        if account is None:
            return
        if account["active"]:
            self._update(account, {"active": False},
                         f"{account['email']} is disabled; its sign-ins have ended.")
        else:
            self._update(account, {"active": True},
                         f"{account['email']} is enabled again; it signs in with its password.")

    def send_reset_link(self) -> None:
        account = self.selected_account()
        if account is None:
            return
        client, email = self._client, account["email"]
        self._run(lambda: client.send_password_reset(account["id"]),
                  lambda _sent: self._done(f"A link to set a new password was mailed to {email}; "
                                           "its sign-ins have ended."),
                  busy_text=f"Mailing a link to {email}…")

    def _update(self, account: dict[str, Any], data: dict[str, Any], done: str) -> None:
        client = self._client
        self._run(lambda: client.update_account(account["id"], data, version=account["version"]),
                  lambda answer: self._changed(answer, done),
                  busy_text=f"Changing {account['email']}…")

    # -- answers (on the GUI thread) ------------------------------------------------------------

    def _loaded(self, accounts: list[dict[str, Any]]) -> None:
        self._set_busy(False)
        self.message_label.clear()
        self._show(accounts)
        self.loaded.emit()

    def _created(self, account: dict[str, Any], *, mailed: bool) -> None:
        self.email_edit.clear()
        self.password_edit.clear()
        how = ("a link to set the password was mailed to it" if mailed
               else "it signs in with the password you typed")
        self._changed(account, f"Created {account['email']} ({account['role']}); {how}.")
        self.select(account["id"])

    def _changed(self, account: dict[str, Any], done: str) -> None:
        self._set_busy(False)
        others = [a for a in self._accounts if a["id"] != account["id"]]
        self._show([*others, account])
        self.message_label.setText(done)
        self.changed.emit(account)

    def _done(self, message: str) -> None:
        self._set_busy(False)
        self.message_label.setText(message)

    def _run(self, job: Any, on_done: Any, *, busy_text: str) -> None:
        if self._busy:
            return
        self._set_busy(True)
        self.message_label.setText(busy_text)
        run_in_background(job, on_done, lambda error: self._fail(str(error)), owner=self)

    def _fail(self, message: str) -> None:
        self._set_busy(False)
        message = message[:1].upper() + message[1:]
        self.message_label.setText(message)
        self.failed.emit(message)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_buttons()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._accounts and not self._busy:
            self.reload()


def _a(role: str) -> str:
    return f"an {role}" if role[0] in "aeiou" else f"a {role}"
