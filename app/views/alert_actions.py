"""What the alerts open from the main window: a weather alert's lesson, weather and reschedule
request (the ``WeatherAlertDialog``), the conflict or refusal of a local edit (the
``ConflictDialog``) and a mail that was not sent (a message box with "Retry sending")."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from app.models.alerts_model import AlertsModel
from app.models.edit_review import EditReview, load_edit_review
from app.services.api_client import ApiClient
from app.services.background import run_in_background
from app.services.replica import Replica
from app.services.sync_loop import SyncLoop
from app.views.conflict_dialog import ConflictDialog
from app.views.plain_text import make_plain_box
from app.views.weather_alert_dialog import WeatherAlertDialog

__all__ = ["AlertActions"]


class AlertActions(QObject):
    """Signals:
        message(str, int): a status-bar line and how long to show it (ms; 0: until replaced).
        edit_again(str): the person wants to fix a refused edit (its mutation id) in the editor.
        open_lesson(str): the weather alert dialog's "Open lesson…" (the lesson's id).
        open_review(str): the weather alert dialog's "Open in the review" (the request's id).
        outdated(): what the alerts show may no longer be so: read the replica again.
        read_failed(object): reading the replica failed (the exception).
    """

    message = Signal(str, int)
    edit_again = Signal(str)
    open_lesson = Signal(str)
    open_review = Signal(str)
    outdated = Signal()
    read_failed = Signal(object)

    def __init__(self, *, alerts_model: AlertsModel, replica: Replica, sync_loop: SyncLoop,
                 client: ApiClient | None, parent: QWidget | None = None) -> None:
        """``parent``: the window the dialogs open over; once it is closed and deleted (and this
        with it), the answers of background calls still running are dropped."""
        super().__init__(parent)
        self._alerts_model = alerts_model
        self._replica = replica
        self._sync_loop = sync_loop
        self._client = client
        self.conflict_dialog: ConflictDialog | None = None
        self.mail_box: QMessageBox | None = None
        self.weather_dialog: WeatherAlertDialog | None = None

    # -- a weather alert: at risk, cancelled, waiting for confirmation ----------------------

    def show_weather(self, lesson_id: str) -> WeatherAlertDialog:
        """The lesson's weather and reschedule request in one dialog; the one already open
        shows this lesson instead of a second dialog opening."""
        if self.weather_dialog is not None:
            self.weather_dialog.show_lesson(lesson_id)
            self.weather_dialog.raise_()
            self.weather_dialog.activateWindow()
            return self.weather_dialog
        dialog = WeatherAlertDialog(replica=self._replica, sync_loop=self._sync_loop,
                                    client=self._client, lesson_id=lesson_id, parent=self.parent())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open_lesson_requested.connect(self.open_lesson)
        dialog.review_requested.connect(self.open_review)
        dialog.finished.connect(lambda *_: setattr(self, "weather_dialog", None)
                                if self.weather_dialog is dialog else None)
        self.weather_dialog = dialog
        dialog.show()
        return dialog

    # -- a local edit in conflict or refused ----------------------------------------------

    def review_edit(self, mutation_id: str) -> None:
        """Open the conflict or refusal of a local edit (read off the GUI thread)."""
        replica = self._replica
        run_in_background(lambda: load_edit_review(replica, mutation_id), self._show_edit_review,
                          self.read_failed.emit, owner=self)

    def _show_edit_review(self, review: EditReview | None) -> None:
        if review is None:
            self.message.emit("That change was already sent or dropped; nothing to decide.",
                              10_000)
            self.outdated.emit()
            return
        if self.conflict_dialog is not None:
            self.conflict_dialog.close()
        dialog = ConflictDialog(review=review, sync_loop=self._sync_loop, parent=self.parent())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.edit_again.connect(self.edit_again)
        dialog.acknowledged.connect(lambda *_: self.message.emit(
            "Sending your change again, with the school's warnings accepted…", 10_000))
        dialog.finished.connect(lambda *_: self._forget_dialog(dialog))
        self.conflict_dialog = dialog
        dialog.open()

    def _forget_dialog(self, dialog: ConflictDialog) -> None:
        if self.conflict_dialog is dialog:
            self.conflict_dialog = None

    # -- a mail not sent ------------------------------------------------------------------

    def show_failed_mail(self, notification_id: str) -> None:
        """What failed about a mail, with "Retry sending"."""
        alert = next((item for item in self._alerts_model.alerts
                      if item.notification_id == notification_id), None)
        details = "\n".join(alert.reasons) if alert is not None else ""
        box = QMessageBox(QMessageBox.Icon.Warning, "Mail not sent",
                          (alert.title if alert is not None else "A mail was not sent."),
                          QMessageBox.StandardButton.Close, self.parent())
        box.setObjectName("failed-mail-box")
        box.setInformativeText(details)
        make_plain_box(box)
        retry = box.addButton("Retry sending", QMessageBox.ButtonRole.ActionRole)
        if self._client is None:
            retry.setEnabled(False)
            retry.setToolTip("Not connected to the service: sign in to send it again.")
        retry.clicked.connect(lambda: self._retry_mail(notification_id))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda *_: setattr(self, "mail_box", None)
                             if self.mail_box is box else None)
        self.mail_box = box
        box.open()

    def _retry_mail(self, notification_id: str) -> None:
        client = self._client
        if client is None:
            return
        self.message.emit("Asking the service to send the mail again…", 0)
        # Bound methods, not closures: a window closed meanwhile is simply not called back.
        run_in_background(lambda: client.retry_notification(notification_id), self._mail_retried,
                          self._mail_retry_failed, owner=self)

    def _mail_retried(self, _answer: object) -> None:
        self.message.emit("The mail is queued to be sent again.", 10_000)
        self._sync_loop.sync_now()

    def _mail_retry_failed(self, error: Exception) -> None:
        self.message.emit(f"Could not retry the mail: {error}. Try again when the service is "
                          "reachable.", 15_000)
