"""Signing in again from the main window once the sync says "signed out": the sign-in dialog,
prefilled, and the new sign-in taken by the very client the sync engine uses, so the queued
edits go out at the next round."""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtWidgets import QWidget

from app.services import sign_in as sign_in_service
from app.services.api_client import ApiClient, Session
from app.services.replica import Replica
from app.services.sync_loop import SyncLoop
from app.views.sign_in_dialog import SignInDialog

__all__ = ["SignInAgain"]


class SignInAgain(QObject):
    """Signals:
        signed_in(object): the ``Session`` the client took; a sync round has been asked for.
    """

    signed_in = Signal(object)

    def __init__(self, *, client: ApiClient, sync_loop: SyncLoop, replica: Replica,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._client = client
        self._sync_loop = sync_loop
        self._replica = replica
        self._window = parent
        self.dialog: SignInDialog | None = None

    def open(self, *, email: str, message: str = "") -> SignInDialog:
        """The dialog on the client's server (fixed: the replica belongs to it) with ``email``;
        the one already open is raised instead of a second."""
        if self.dialog is not None:
            self.dialog.raise_()
            return self.dialog
        settings = QSettings()
        client, replica = self._client, self._replica

        def sign_in(_url: str, email: str, password: str, remember: bool) -> Session:
            # Off the GUI thread (the dialog runs it in the background): the replica says which
            # school the queued edits belong to.
            schools = replica.rows("schools")
            if not schools:
                raise sign_in_service.SignInError(
                    "This computer's copy of the schedule has no school yet: quit, then start the "
                    "app again and sign in")
            return sign_in_service.sign_in_again(client, email, password, remember=remember,
                                                 school_id=schools[0].id)

        dialog = SignInDialog(sign_in=sign_in, url=client.base_url, email=email,
                              remember=settings.value("signin/remember", "true") == "true",
                              message=message, parent=self._window)
        dialog.url_edit.setReadOnly(True)
        dialog.url_edit.setToolTip("The server this schedule comes from")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.signed_in.connect(self._signed_in)
        dialog.finished.connect(lambda *_: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _signed_in(self, session: Session) -> None:
        settings = QSettings()
        dialog = self.dialog
        settings.setValue("signin/email", session.account.email)
        settings.setValue("signin/role", session.account.role)
        if dialog is not None:
            settings.setValue("signin/remember",
                              "true" if dialog.remember_box.isChecked() else "false")
        self._sync_loop.sync_now()
        self.signed_in.emit(session)
