"""From a weather alert to a decision in one place: the lesson, the verdict with every reason
(which airport, which report or TAF period, the value and the limit), the METAR and TAF text it
came from, and the lesson's reschedule request with its options and the desk's decisions (the
reschedule review's ``RequestPanel``).

Opened by an at-risk, a weather-cancelled or a waiting-for-confirmation alert. Everything is read
from the replica off the GUI thread, and read again when a sync brings changes (after a decision,
say), so the dialog always shows the lesson as it now stands.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.labels import flight_type_label
from app.models.weather_alert import WeatherAlertDetail, load_weather_alert
from app.services.api_client import ApiClient
from app.services.background import run_in_background
from app.services.replica import Changes, Replica
from app.services.sync_loop import SyncLoop
from app.views.plain_text import make_plain, plain_label, plain_tooltip
from app.views.reschedule_request_panel import MANAGER_ROLES, RequestPanel
from app.views.theme import badge_css, message_style, status_style, verdict_style

__all__ = ["WeatherAlertDialog", "REASON_COLUMNS"]

REASON_COLUMNS = ("Airport", "Report", "Finding", "Value", "Limit", "Effect")


class WeatherAlertDialog(QDialog):
    """Signals:
        loaded(): the dialog shows the lesson as the replica has it now (after each read).
        open_lesson_requested(str): "Open lesson…" was pressed (the lesson's id).
        review_requested(str): "Open in the review" was pressed (the request's id).
    """

    loaded = Signal()
    open_lesson_requested = Signal(str)
    review_requested = Signal(str)

    def __init__(self, *, replica: Replica, sync_loop: SyncLoop, client: ApiClient | None,
                 lesson_id: str, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("weather-alert-dialog")
        self.setWindowTitle("Weather alert")
        self._replica = replica
        self._client = client
        self._lesson_id = lesson_id
        self._detail: WeatherAlertDetail | None = None
        self._opening = False

        self.heading_label = plain_label("Reading the lesson…", self)
        self.heading_label.setWordWrap(True)
        self.heading_label.setStyleSheet("font-size: 12pt; font-weight: 600;")
        self.status_badge = plain_label("", self)
        self.verdict_badge = plain_label("", self)
        self.checked_label = plain_label("", self)
        self.checked_label.setWordWrap(True)
        badges = QHBoxLayout()
        badges.addWidget(self.status_badge)
        badges.addWidget(self.verdict_badge)
        badges.addWidget(self.checked_label, 1)

        self.reasons_table = QTableWidget(0, len(REASON_COLUMNS), self)
        self.reasons_table.setObjectName("weather-reasons")
        self.reasons_table.setHorizontalHeaderLabels(list(REASON_COLUMNS))
        self.reasons_table.verticalHeader().hide()
        self.reasons_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.reasons_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.reasons_table.setWordWrap(True)
        header = self.reasons_table.horizontalHeader()
        for column in range(len(REASON_COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(REASON_COLUMNS.index("Finding"), QHeaderView.ResizeMode.Stretch)
        self.reasons_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.reports_title = QLabel("<b>The reports it came from</b>", self)
        self.reports_text = QPlainTextEdit(self)
        self.reports_text.setObjectName("weather-reports")
        self.reports_text.setReadOnly(True)
        self.reports_text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.reports_text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))

        weather = QWidget(self)
        weather_layout = QVBoxLayout(weather)
        weather_layout.setContentsMargins(0, 0, 0, 0)
        weather_layout.addWidget(self.reasons_table, 3)
        weather_layout.addWidget(self.reports_title)
        weather_layout.addWidget(self.reports_text, 2)

        self.request_title = QLabel("<b>Reschedule request</b>", self)
        self.no_request_label = plain_label("", self)
        self.no_request_label.setWordWrap(True)
        self.open_request_button = QPushButton("&Find new slots", self)
        self.open_request_button.setToolTip("Search three new slots for this lesson and mail them "
                                            "to the student")
        self.open_request_button.clicked.connect(self.open_request)
        self.message_label = plain_label("", self)
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet(message_style("error", self.palette()))
        self.message_label.hide()
        self.request_panel = RequestPanel(sync_loop=sync_loop, client=client, clock=clock,
                                          show_lesson=False, parent=self)
        request = QWidget(self)
        request_layout = QVBoxLayout(request)
        request_layout.setContentsMargins(0, 0, 0, 0)
        request_layout.addWidget(self.request_title)
        no_request = QHBoxLayout()
        no_request.addWidget(self.no_request_label, 1)
        no_request.addWidget(self.open_request_button)
        request_layout.addLayout(no_request)
        request_layout.addWidget(self.message_label)
        request_layout.addWidget(self.request_panel, 1)

        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(weather)
        self.splitter.addWidget(request)
        self.splitter.setSizes([300, 420])

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.open_lesson_button = self.buttons.addButton("Open &lesson…",
                                                         QDialogButtonBox.ButtonRole.ActionRole)
        self.open_lesson_button.clicked.connect(
            lambda: self.open_lesson_requested.emit(self._lesson_id))
        self.review_button = self.buttons.addButton("Open in the &review",
                                                    QDialogButtonBox.ButtonRole.ActionRole)
        self.review_button.clicked.connect(self._open_in_review)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading_label)
        layout.addLayout(badges)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.buttons)
        make_plain(self.checked_label)
        self.resize(980, 760)

        sync_loop.changed.connect(self._on_changed)
        self.request_panel.acted.connect(lambda *_: self.reload())
        self.reload()

    # -- public ---------------------------------------------------------------------------

    @property
    def lesson_id(self) -> str:
        return self._lesson_id

    @property
    def detail(self) -> WeatherAlertDetail | None:
        """What the dialog shows, as last read."""
        return self._detail

    def show_lesson(self, lesson_id: str) -> None:
        """Show another lesson's alert in this dialog."""
        self._lesson_id = lesson_id
        self.reload()

    def reload(self) -> None:
        """Read the lesson, its weather and its request from the replica (off the GUI thread)."""
        replica, lesson_id = self._replica, self._lesson_id
        run_in_background(lambda: load_weather_alert(replica, lesson_id), self._show,
                          self._read_failed, owner=self)

    def open_request(self) -> None:
        """Ask the service for new slots for a lesson with no open request."""
        client = self._client
        if client is None or self._opening:
            return
        self._opening = True
        self.open_request_button.setEnabled(False)
        lesson_id = self._lesson_id
        run_in_background(lambda: client.open_reschedule_request(lesson_id), self._request_opened,
                          self._request_failed, owner=self)

    # -- showing --------------------------------------------------------------------------

    def _show(self, detail: WeatherAlertDetail | None) -> None:
        self._detail = detail
        if detail is None:
            self.heading_label.setText("This lesson is no longer in the schedule (deleted, or "
                                       "not synced to this computer).")
            self.request_panel.show_request(None)
            self.loaded.emit()
            return
        zone = detail.zone
        start, end = detail.start.astimezone(zone), detail.end.astimezone(zone)
        teacher = f" with {detail.instructor}" if detail.instructor else " (solo)"
        route = detail.departure + (f" → {detail.destination}" if detail.destination else "")
        self.heading_label.setText(
            f"{detail.student} — {flight_type_label(detail.flight_type).lower()} lesson in "
            f"{detail.aircraft}{teacher}, {start:%a %d %b %H:%M}–{end:%H:%M} {start:%Z}, {route}")
        status = status_style(detail.status)
        self.status_badge.setText(status.tag)
        self.status_badge.setStyleSheet(badge_css(status))
        verdict = verdict_style(detail.verdict)
        self.verdict_badge.setText(f"Weather: {verdict.tag}")
        self.verdict_badge.setStyleSheet(badge_css(verdict))
        self.verdict_badge.setProperty("verdict", detail.verdict or "")
        if detail.checked_at is not None:
            checked = detail.checked_at.astimezone(zone)
            self.checked_label.setText(
                f"Checked {checked:%a %d %b %H:%M} {checked:%Z}"
                + (f" against {detail.minimums}" if detail.minimums else ""))
        else:
            self.checked_label.setText("No weather check yet: the next sweep judges this lesson.")
        self.setWindowTitle(f"Weather alert — {detail.student}, {start:%a %d %b %H:%M}")
        self._show_reasons(detail)
        self.reports_text.setPlainText("\n\n".join(
            (report.raw if report.raw.startswith(report.product) else f"{report.product} {report.raw}")
            for report in detail.reports) or "No report was used (none could be had).")
        self._show_request(detail)
        self.loaded.emit()

    def _show_reasons(self, detail: WeatherAlertDetail) -> None:
        table = self.reasons_table
        table.setRowCount(len(detail.reasons))
        zone = detail.zone
        for row, reason in enumerate(detail.reasons):
            when = reason.period_text(zone)
            local = reason.period_start.astimezone(zone) if reason.period_start else None
            report = reason.source + (f" {when} {local:%Z}" if when and local else "")
            if reason.observed_at is not None:  # the METAR, at its time
                observed = reason.observed_at.astimezone(zone)
                report = f"{reason.source} {observed:%H:%M %Z}"
            if reason.chance:
                report += f" ({reason.chance}% chance)"
            effect = verdict_style(reason.effect)
            cells = (reason.station or "—", report or "—", reason.finding, reason.value or "—",
                     reason.limit or "—", effect.tag)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(plain_tooltip(reason.text))
                if column == len(cells) - 1:
                    item.setBackground(effect.fill)
                    item.setForeground(effect.text)
                table.setItem(row, column, item)
        table.resizeRowsToContents()
        # As tall as its rows (a few reasons need no more), at most a third of the dialog.
        height = (table.horizontalHeader().height() + 2 * table.frameWidth()
                  + sum(table.rowHeight(row) for row in range(table.rowCount())))
        table.setMaximumHeight(max(min(height, self.height() // 3), 60))

    def _show_request(self, detail: WeatherAlertDetail) -> None:
        request = detail.request
        self.request_panel.set_reschedules(detail.reschedules)
        has_request = request is not None
        self.request_panel.setVisible(has_request)
        self.review_button.setEnabled(has_request)
        may_open = (not (request is not None and request.is_open)
                    and detail.status in ("WEATHER_CANCELLED", "AT_RISK")
                    and self._client is not None and self._role() in MANAGER_ROLES)
        self.open_request_button.setVisible(may_open)
        self.open_request_button.setEnabled(may_open and not self._opening)
        if request is None:
            self.no_request_label.setText(
                "No reschedule request yet." + (" Find new slots to mail the student three options."
                                                if may_open else ""))
        elif not request.is_open:
            self.no_request_label.setText("The last request is closed" + (
                ": find new slots to start again." if may_open else "."))
        else:
            self.no_request_label.setText("")
        self.no_request_label.setVisible(bool(self.no_request_label.text()))
        current = self.request_panel.current
        if request is not None:
            self.request_panel.show_request(request)
        elif current is not None:
            self.request_panel.show_request(None)

    def _role(self) -> str:
        account = self._client.account if self._client is not None else None
        return account.role if account is not None else ""

    # -- acting ---------------------------------------------------------------------------

    def _open_in_review(self) -> None:
        detail = self._detail
        if detail is not None and detail.request is not None:
            self.review_requested.emit(detail.request.id)

    def _request_opened(self, _body: object) -> None:
        self._opening = False
        self.message_label.hide()
        self.reload()

    def _request_failed(self, error: Exception) -> None:
        self._opening = False
        self.message_label.setText(f"No new slots could be asked for: {error}. Try again; the "
                                   "lesson is shown as it is now.")
        self.message_label.show()
        self.reload()

    def _read_failed(self, error: Exception) -> None:
        self.message_label.setText(f"Could not read the lesson from the local copy: {error}. "
                                   "Close this and open the alert again.")
        self.message_label.show()

    def _on_changed(self, changes: Changes) -> None:
        if any(changes.touches(table) for table in (
                "flights", "weather_checks", "reschedule_requests", "reschedule_options")):
            self.reload()
