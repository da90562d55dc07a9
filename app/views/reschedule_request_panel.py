"""One reschedule request and the decisions the desk makes on it: the lesson, its state, the
three options as cards (side by side when there is room, stacked when not), who acted when, and
Confirm, Reject and Search again in a bar that stays in sight however the cards are laid out.

The reschedule review shows it beside its list of requests; the weather alert dialog shows it
under the weather that cancelled the lesson. Every decision goes to the service in the background;
on success a sync round follows so the calendar and alerts change too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.models.labels import STATUS_LABELS, flight_type_label
from app.models.lessons import parse_time
from app.models.reschedule_model import STATE_LABELS, Reschedules, RescheduleView
from app.services.api_client import ApiClient, ApiError, Offline, Refused, Unauthorized
from app.services.background import run_in_background
from app.services.sync_engine import SyncStatus
from app.services.sync_loop import SyncLoop
from app.views.plain_text import escape, make_plain
from app.views.reschedule_option_card import OptionCard
from app.views.theme import message_style, muted_text, status_style

__all__ = ["RequestPanel", "OptionCardsGrid", "OPTION_CARDS", "OFFLINE_NOTE", "MANAGER_ROLES"]

OPTION_CARDS = 3
MANAGER_ROLES = frozenset({"admin", "dispatcher"})
OFFLINE_NOTE = "Offline — decisions need the service. Showing the request as last synced."
CARD_WIDTH = 210  # a card's least comfortable width: fewer columns below it


class OptionCardsGrid(QWidget):
    """The option cards in as many columns as fit (three, two or one), never wider than the
    space given: a narrow panel stacks them instead of scrolling sideways."""

    def __init__(self, *, cards: Sequence[OptionCard], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cards = list(cards)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._columns = 0
        self._arrange(len(self._cards))

    @property
    def columns(self) -> int:
        return self._columns

    def minimumSizeHint(self) -> QSize:
        # One card wide: the panel may be narrowed to that, the cards then stack.
        hint = super().minimumSizeHint()
        return QSize(CARD_WIDTH, hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        columns = max(1, min(len(self._cards), event.size().width() // CARD_WIDTH))
        if columns != self._columns:
            self._arrange(columns)
        super().resizeEvent(event)

    def _arrange(self, columns: int) -> None:
        for card in self._cards:
            self._grid.removeWidget(card)
        for position, card in enumerate(self._cards):
            self._grid.addWidget(card, position // columns, position % columns)
        for column in range(len(self._cards)):
            self._grid.setColumnStretch(column, 1 if column < columns else 0)
        self._columns = columns


class RequestPanel(QWidget):
    """Signals:
        acted(str, str): a decision the service accepted — (request id, action), the action one of
            "pick", "confirm", "reject", "search_again"; for "search_again" the id is the new
            request's.
        action_failed(str): the service refused a decision or could not be reached; the message
            (also shown in the panel) says what happened and what to do next.
        request_shown(str): the panel shows this request with its history (online or offline).
    """

    acted = Signal(str, str)
    action_failed = Signal(str)
    request_shown = Signal(str)

    def __init__(self, *, sync_loop: SyncLoop, client: ApiClient | None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 show_lesson: bool = True, parent: QWidget | None = None) -> None:
        """``show_lesson``: the lesson's line on top (False where the lesson is shown above)."""
        super().__init__(parent)
        self._sync_loop = sync_loop
        self._client = client
        self._clock = clock
        self._show_lesson = show_lesson
        self._busy = False
        self._service_reachable = True  # False after a call found the service down
        self._current: RescheduleView | None = None
        self._reschedules = Reschedules()
        self._server: dict[str, dict[str, Any]] = {}  # the service's latest answer per request
        self._history_for: str | None = None

        panel = QWidget(self)
        self.lesson_label = QLabel(panel)
        self.lesson_label.setWordWrap(True)
        self.lesson_label.setTextFormat(Qt.TextFormat.RichText)
        self.state_label = QLabel(panel)
        self.state_label.setWordWrap(True)
        self.state_label.setStyleSheet("font-size: 11pt; font-weight: 600;")
        self.offline_label = QLabel(OFFLINE_NOTE, panel)
        self.offline_label.setWordWrap(True)
        self.message_label = QLabel(panel)
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label.hide()

        self.cards = [OptionCard(parent=panel) for _ in range(OPTION_CARDS)]
        for card in self.cards:
            card.pick_requested.connect(self.pick_for_student)
        self.cards_grid = OptionCardsGrid(cards=self.cards, parent=panel)

        self.history_title = QLabel("<b>Who acted when</b>", panel)
        self.history_label = QLabel(panel)
        self.history_label.setWordWrap(True)
        self.history_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.empty_label = QLabel("No reschedule requests. When weather cancels a lesson, its new "
                                  "options appear here.", panel)
        self.empty_label.setWordWrap(True)

        layout = QVBoxLayout(panel)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.lesson_label)
        layout.addWidget(self.state_label)
        layout.addWidget(self.offline_label)
        layout.addWidget(self.message_label)
        layout.addWidget(self.cards_grid)
        layout.addWidget(self.history_title)
        layout.addWidget(self.history_label)
        layout.addStretch(1)
        self.scroll = QScrollArea(self)
        self.scroll.setObjectName("reschedule-request-scroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        # The cards wrap to the width: sideways scrolling would hide them and the decisions.
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(panel)

        # The decisions, below the scrolled part: always in sight, whatever the cards take.
        bar = QWidget(self)
        self.confirm_button = QPushButton("Confirm", bar)
        self.confirm_button.setToolTip("Book the student's pick as the new lesson (Ctrl+Return)")
        self.reject_button = QPushButton("Reject…", bar)
        self.reject_button.setToolTip("None of these will do: close the request and reschedule by hand "
                                      "(Ctrl+Backspace)")
        self.search_button = QPushButton("Search again", bar)
        self.search_button.setToolTip("Replace these options by a fresh search; the student gets a "
                                      "new e-mail (Ctrl+Shift+R)")
        self.confirm_button.clicked.connect(self.confirm)
        self.reject_button.clicked.connect(lambda: self.reject())
        self.search_button.clicked.connect(self.search_again)
        buttons = QHBoxLayout()
        for button in (self.confirm_button, self.reject_button, self.search_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        # Why a decision cannot be made now, in words (a greyed button alone does not say).
        self.hint_label = QLabel(bar)
        self.hint_label.setWordWrap(True)
        bar_layout = QVBoxLayout(bar)
        bar_layout.setContentsMargins(9, 4, 9, 6)
        bar_layout.addLayout(buttons)
        bar_layout.addWidget(self.hint_label)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self.scroll, 1)
        outer.addWidget(bar)
        make_plain(self.state_label, self.message_label, self.hint_label, self.history_label)
        self._follow_palette()

        sync_loop.status_changed.connect(self._on_status)
        self.show_request(None)

    # -- public ---------------------------------------------------------------------------

    @property
    def current(self) -> RescheduleView | None:
        """The request the panel shows, as the replica last had it."""
        return self._current

    @property
    def reschedules(self) -> Reschedules:
        return self._reschedules

    @property
    def online(self) -> bool:
        return (self._client is not None and self._service_reachable
                and self._sync_loop.status.state not in ("offline", "signed_out"))

    def set_reschedules(self, reschedules: Reschedules) -> None:
        """The school's zone and instructors' accounts the requests are shown with."""
        self._reschedules = reschedules

    def show_request(self, request: RescheduleView | None) -> None:
        """Show ``request`` (None: the empty note), its history asked of the service if online."""
        self._show(request)

    def set_message(self, message: str) -> None:
        """A message in the panel's error box (a refusal, a failed read)."""
        self.message_label.setText(message)
        self.message_label.show()

    def confirm(self) -> None:
        """Book the student's pick (the lesson's instructor, a dispatcher or an admin)."""
        if self._current is not None and self.confirm_button.isEnabled():
            request_id = self._current.id
            self._act(request_id, "confirm", lambda client: client.confirm_reschedule(request_id))

    def pick_for_student(self, rank: int) -> None:
        """Record the student's choice (told on the phone): option ``rank``."""
        if self._current is not None and self._may_pick():
            request_id = self._current.id
            self._act(request_id, "pick",
                      lambda client: client.select_reschedule_option(request_id, rank))

    def reject(self, reason: str | None = None) -> None:
        """Close the request; without ``reason`` the person is asked for one (it may stay empty)."""
        if self._current is None or not self.reject_button.isEnabled():
            return
        if reason is None:
            reason, accepted = QInputDialog.getText(
                self, "Reject the options",
                "Why will none of these do? (The reason is kept with the request.)")
            if not accepted:
                return
        request_id, text = self._current.id, reason.strip()
        self._act(request_id, "reject", lambda client: client.reject_reschedule(request_id, text))

    def search_again(self) -> None:
        """Replace the request by one with freshly searched options (dispatchers and admins)."""
        if self._current is not None and self.search_button.isEnabled():
            request_id = self._current.id
            self._act(request_id, "search_again",
                      lambda client: client.search_reschedule_again(request_id))

    # -- showing --------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._follow_palette()
        super().changeEvent(event)

    def _follow_palette(self) -> None:
        palette = self.palette()
        self.offline_label.setStyleSheet(message_style("warning", palette))
        self.message_label.setStyleSheet(message_style("error", palette))
        muted = muted_text(palette)
        self.hint_label.setStyleSheet(f"color: rgba({muted.red()}, {muted.green()}, {muted.blue()},"
                                      f" {muted.alpha()});")

    def _show(self, request: RescheduleView | None) -> None:
        changed = (request is None) != (self._current is None) or (
            request is not None and self._current is not None and request.id != self._current.id)
        self._current = request
        if changed:
            self.message_label.hide()
        has_request = request is not None
        self.lesson_label.setVisible(has_request and self._show_lesson)
        for widget in (self.state_label, self.history_title, self.history_label):
            widget.setVisible(has_request)
        self.empty_label.setVisible(not has_request)
        zone = self._reschedules.timezone
        if request is None:
            for card in self.cards:
                card.set_option(None, zone=zone, chosen=False)
            self._update_buttons()
            return
        start, end = request.original_start.astimezone(zone), request.original_end.astimezone(zone)
        teacher = f" with {request.instructor}" if request.instructor else " (solo)"
        status = status_style(request.lesson_status)
        student, aircraft, teacher = (escape(text) for text in (request.student, request.aircraft,
                                                                teacher))
        kind = escape(flight_type_label(request.flight_type).lower())
        words = escape(STATUS_LABELS.get(request.lesson_status, status.label).lower())
        self.lesson_label.setText(
            f"<span style='font-size: 12pt; font-weight: 600'>{student}</span>"
            f" — {kind} lesson in {aircraft}{teacher}"
            f"<br>Was {start:%a %d %b %H:%M}–{end:%H:%M} {start:%Z} · {escape(status.glyph)} lesson {words}")
        server = self._server.get(request.id)
        state, selected = request.state, request.selected_rank
        if server is not None and (request.version is None or server.get("version", 0) > request.version):
            state, selected = server["state"], server.get("selected_rank")  # newer than the replica
        self._show_state(request, state)
        options = {option.rank: option for option in request.options}
        for rank, card in enumerate(self.cards, start=1):
            card.set_option(options.get(rank), zone=zone, chosen=rank == selected)
        self._show_history(request)
        self._update_buttons()

    def _show_state(self, request: RescheduleView, state: str) -> None:
        zone = self._reschedules.timezone
        text = STATE_LABELS.get(state, state)
        if state in ("PENDING_STUDENT", "PENDING_INSTRUCTOR"):
            deadline = f"{request.expires_at.astimezone(zone):%a %d %b %H:%M}"
            text += (f" — reply by {deadline}" if self._clock() < request.expires_at else
                     f" — the reply time ran out {deadline}: search again, or reject and "
                     "reschedule by hand")
        elif state == "ACCEPTED" and request.selected_option is not None:
            booked = request.selected_option.start.astimezone(zone)
            text += f" — new lesson {booked:%a %d %b %H:%M}"
        self.state_label.setText(text)
        self.state_label.setProperty("state", state)

    def _show_history(self, request: RescheduleView) -> None:
        server = self._server.get(request.id)
        if server is not None and "history" in server:
            self._render_history(server["history"], offline=False)
        else:
            self._render_replica_history(request)
        # Asked again only when the replica has a newer version than the history shown: every
        # step of a request changes its version, and a reload of the calendar changes nothing.
        stale = server is None or request.version is None or server.get("version", 0) < request.version
        if self.online and stale:
            if self._history_for != request.id:
                self._history_for = request.id
                client, request_id = self._client, request.id
                run_in_background(lambda: client.get_reschedule_request(request_id),
                                  lambda body: self._history_arrived(request_id, body),
                                  lambda error: self._history_failed(request_id, error),
                                  owner=self)
        else:
            self.request_shown.emit(request.id)

    def _history_arrived(self, request_id: str, body: dict[str, Any]) -> None:
        self._history_for = None
        self._server[request_id] = body
        if self._current is not None and self._current.id == request_id:
            self._render_history(body.get("history", []), offline=False)
            self.request_shown.emit(request_id)

    def _history_failed(self, request_id: str, error: Exception) -> None:
        self._history_for = None
        if isinstance(error, Offline):
            self._service_reachable = False
            self._update_buttons()
        if self._current is not None and self._current.id == request_id:
            self._render_replica_history(self._current)
            self.request_shown.emit(request_id)

    def _render_history(self, steps: list[dict[str, Any]], *, offline: bool) -> None:
        zone = self._reschedules.timezone
        lines = []
        for step in steps:
            at = parse_time(step["at"]).astimezone(zone)
            detail = f" — {step['detail']}" if step.get("detail") else ""
            lines.append(f"{at:%a %d %b %H:%M} · {step['action']} by {step['actor']}{detail}")
        self.history_title.setText("<b>Who acted when</b>")
        self.history_label.setText("\n".join(lines) or "Nothing recorded yet.")

    def _render_replica_history(self, request: RescheduleView) -> None:
        zone = self._reschedules.timezone
        lines = [f"{at.astimezone(zone):%a %d %b %H:%M} · {what}" for at, what in request.replica_history()]
        self.history_title.setText("<b>Who acted when</b> (offline: times from the last sync; "
                                   "who acted shows when the service is reachable)")
        self.history_label.setText("\n".join(lines))

    # -- deciding -------------------------------------------------------------------------

    def _role(self) -> str:
        account = self._client.account if self._client is not None else None
        return account.role if account is not None else ""

    def _is_manager(self) -> bool:
        return self._role() in MANAGER_ROLES

    def _teaches(self, request: RescheduleView) -> bool:
        """The signed-in instructor teaches the lesson (or the student's pick)."""
        account = self._client.account if self._client is not None else None
        if account is None or account.role != "instructor":
            return False
        mine = {instructor for acc, instructor in self._reschedules.instructor_accounts
                if acc == account.id}
        selected = request.selected_option
        return bool(mine & ({request.instructor_id, selected.instructor_id if selected else None} - {None}))

    def _state(self) -> str:
        request = self._current
        if request is None:
            return ""
        server = self._server.get(request.id)
        if server is not None and (request.version is None or server.get("version", 0) > request.version):
            return server["state"]
        return request.state

    def _may_pick(self) -> bool:
        return (self._current is not None and self.online and not self._busy and self._is_manager()
                and self._state() == "PENDING_STUDENT")

    def _update_buttons(self) -> None:
        request, state = self._current, self._state()
        ready = request is not None and self.online and not self._busy
        is_open = state in ("PENDING_STUDENT", "PENDING_INSTRUCTOR")
        may_decide = request is not None and (self._is_manager() or self._teaches(request))
        self.confirm_button.setEnabled(ready and state == "PENDING_INSTRUCTOR" and may_decide)
        self.reject_button.setEnabled(ready and is_open and may_decide)
        self.search_button.setEnabled(ready and is_open and self._is_manager())
        may_pick = self._may_pick()
        for card in self.cards:
            card.pick_button.setVisible(state == "PENDING_STUDENT" and self._is_manager())
            card.pick_button.setEnabled(may_pick)
        self.offline_label.setVisible(request is not None and not self.online)
        self.hint_label.setText(self._hint(state, may_decide) if request is not None else "")
        self.hint_label.setVisible(bool(self.hint_label.text()))

    def _hint(self, state: str, may_decide: bool) -> str:
        if not self.online or self._busy:
            return ""
        if state == "PENDING_STUDENT":
            return ("Confirm books the student's pick: the student has not chosen yet. If they "
                    "tell you by phone, press “Pick for student” under their option."
                    if self._is_manager() else "Confirm becomes possible once the student has chosen.")
        if state == "PENDING_INSTRUCTOR" and not may_decide:
            return "Only the lesson's instructor or a dispatcher can confirm this request."
        if state not in ("PENDING_STUDENT", "PENDING_INSTRUCTOR"):
            return "This request is closed; nothing more to decide."
        return ""

    def _act(self, request_id: str, action: str, call: Callable[[ApiClient], dict[str, Any]]) -> None:
        client = self._client
        if client is None:
            return
        self._busy = True
        self.message_label.hide()
        self._update_buttons()
        run_in_background(lambda: call(client), lambda body: self._acted(request_id, action, body),
                          lambda error: self._refused(request_id, action, error), owner=self)

    def _acted(self, request_id: str, action: str, body: dict[str, Any]) -> None:
        self._busy = False
        self._service_reachable = True
        self._server[body["id"]] = body
        if action != "search_again" and self._current is not None and self._current.id == request_id:
            self._show(self._current)  # the service's answer is newer than the replica
        self._update_buttons()
        self.acted.emit(body["id"], action)
        self._sync_loop.sync_now()

    def _refused(self, request_id: str, action: str, error: Exception) -> None:
        self._busy = False
        if isinstance(error, Offline):
            self._service_reachable = False
            message = ("The service cannot be reached, so nothing was decided. "
                       "Try again when it is back (the status bar shows when).")
        elif isinstance(error, Unauthorized):
            message = f"{error} Nothing was decided."
        elif isinstance(error, Refused):
            message = _refusal_text(error, self._reschedules)
        elif isinstance(error, ApiError):
            message = f"{error} Nothing may have been decided: check the request after the next sync."
        else:
            message = f"Could not send the decision ({error}). Try again; if it persists, report it."
        self.set_message(message)
        self._update_buttons()
        self.action_failed.emit(message)
        if isinstance(error, Refused):
            self._server.pop(request_id, None)
            self._history_for = None
            self._sync_loop.sync_now()  # the request may have moved on: show what it is now

    def _on_status(self, status: SyncStatus) -> None:
        if status.state == "idle":
            self._service_reachable = True
        self._update_buttons()


def _refusal_text(error: Refused, reschedules: Reschedules) -> str:
    message = error.detail.rstrip(".")
    message = message[:1].upper() + message[1:] + "."
    options = (error.conflict or {}).get("options") if error.conflict else None
    if error.rule == "SLOT_TAKEN" and options:
        zone = reschedules.timezone
        free = ", ".join(f"{parse_time(o['start_at']).astimezone(zone):%a %d %b %H:%M}" for o in options)
        return f"{message} Free now: {free}. Press “Search again” to offer these to the student."
    if error.rule == "SLOT_TAKEN":
        return f"{message} No slot is free in the search window: reject and reschedule by hand."
    if error.status == 403:
        return f"{message} Ask a dispatcher to do it."
    return f"{message} The request is shown as it is now."
