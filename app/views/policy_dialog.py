"""The school's booking policy (File › Booking policy…): each soft rule with what it does when a
booking breaks it — block, warn or off, its default marked — and the numbers the rules use.

Everyone on staff may read it (the desk sees why a booking warns); admins change it. A change is
sent with the version it was read at: if someone else changed the policy meanwhile, the dialog
shows the policy as it now is and says so; a value the service refuses is named, with why. The
policy lives in the service: without it the dialog says so and offers to try again.

Every call goes to the service off the GUI thread (``run_in_background``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFormLayout, QFrame, QGridLayout, QGroupBox, QLabel,
    QScrollArea, QSpinBox, QVBoxLayout, QWidget,
)

from app.models.booking_policy import ACTIONS, BookingPolicy, field_label, setting_spec
from app.models.labels import enum_words, rule_action_label
from app.services.api_client import Offline, Refused
from app.services.background import run_in_background
from app.views.plain_text import plain_label, plain_tooltip
from app.views.theme import message_colour, message_style, muted_text

__all__ = ["PolicyDialog"]

_STALE = ("STALE_VERSION",)
_NOT_ADMIN = ("Only an administrator can change the booking policy; you can read it here. "
              "Ask an administrator to change it.")


def _short(action: str) -> str:
    """ "warn" → "Warn" (the combo box's words; the whole meaning is its tooltip)."""
    return rule_action_label(action).split(" — ")[0]


class PolicyDialog(QDialog):
    """Signals:
        loaded(): the dialog shows the service's policy (after each load).
        saved(object): the policy as the service answered a change (a ``BookingPolicy``).
        failed(str): loading or saving failed; the message (also shown) says why and what next.
    """

    loaded = Signal()
    saved = Signal(object)
    failed = Signal(str)

    def __init__(self, *, load: Callable[[], dict[str, Any]],
                 save: Callable[[dict[str, Any], int], dict[str, Any]] | None,
                 can_change: bool, parent: QWidget | None = None) -> None:
        """``load``: GET /policy (``ApiClient.get_policy``); ``save(changes, version)``: PUT
        /policy (``ApiClient.update_policy``). ``can_change``: the person is an admin (the service
        refuses anyone else anyway)."""
        super().__init__(parent)
        self.setObjectName("policy-dialog")
        self.setWindowTitle("Booking policy")
        self._load = load
        self._save = save
        self._can_change = can_change and save is not None
        self._busy = False
        self.policy: BookingPolicy | None = None
        self.rule_boxes: dict[str, QComboBox] = {}
        self.setting_boxes: dict[str, QSpinBox] = {}
        self._highlighted: QWidget | None = None

        intro = plain_label(
            "What the service does when a booking breaks one of the school's rules. Block: the "
            "booking is refused. Warn: it is booked once the person booking accepts the warning "
            "(the lesson keeps who accepted it). Off: not checked. Clashes, qualifications and "
            "aircraft out of service are always refused and are not listed here.", self)
        intro.setWordWrap(True)
        self.access_label = plain_label(
            "" if self._can_change else _NOT_ADMIN, self)
        self.access_label.setObjectName("policy-access")
        self.access_label.setWordWrap(True)
        self.access_label.setStyleSheet(message_style("info", self.palette()))
        self.access_label.setVisible(not self._can_change)

        self.content = QWidget(self)
        self._content_layout = QVBoxLayout(self.content)
        self._content_layout.setContentsMargins(0, 0, 0, 0)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self.content)

        self.message_label = plain_label("", self)
        self.message_label.setObjectName("policy-message")
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label.hide()

        self.buttons = QDialogButtonBox(self)
        self.save_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Save)
        self.save_button.setVisible(self._can_change)
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save)
        self.reload_button = self.buttons.addButton("Re&load", QDialogButtonBox.ButtonRole.ResetRole)
        self.reload_button.setToolTip("Show the policy as the service has it now (changes not "
                                      "saved are dropped)")
        self.reload_button.clicked.connect(lambda: self.reload())
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.access_label)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.message_label)
        layout.addWidget(self.buttons)
        self.resize(760, 640)

    # -- what it shows ----------------------------------------------------------------------

    @property
    def can_change(self) -> bool:
        return self._can_change

    def actions(self) -> dict[str, str]:
        """The action chosen for each rule."""
        return {code: box.currentData() for code, box in self.rule_boxes.items()}

    def settings(self) -> dict[str, int | None]:
        """The numbers as set (None: no limit)."""
        found: dict[str, int | None] = {}
        for name, box in self.setting_boxes.items():
            spec = setting_spec(name)
            nullable = spec is not None and spec.nullable
            found[name] = None if nullable and box.value() == box.minimum() else box.value()
        return found

    def changes(self) -> dict[str, Any]:
        """What differs from the policy shown (the PUT body without the version)."""
        if self.policy is None:
            return {}
        return self.policy.changes(actions=self.actions(), settings=self.settings())

    def _show_policy(self, policy: BookingPolicy) -> None:
        self.policy = policy
        self.rule_boxes.clear()
        self.setting_boxes.clear()
        self._highlighted = None
        old = self.content
        self.content = QWidget(self)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.addWidget(self._rules_group(policy))
        layout.addWidget(self._settings_group(policy))
        layout.addStretch(1)
        self.scroll.setWidget(self.content)  # the old one is deleted by the scroll area
        del old
        self._update_buttons()

    def _rules_group(self, policy: BookingPolicy) -> QGroupBox:
        group = QGroupBox("Rules", self.content)
        grid = QGridLayout(group)
        grid.setColumnStretch(0, 1)
        bold = QFont(self.font())
        bold.setBold(True)
        muted = muted_text(self.palette())
        for row, rule in enumerate(policy.rules):
            title = plain_label(rule.title, group)
            title.setFont(bold)
            description = plain_label(rule.description, group)
            description.setWordWrap(True)
            shade = description.palette()
            shade.setColor(QPalette.ColorRole.WindowText, muted)
            description.setPalette(shade)
            words = QWidget(group)
            words_layout = QVBoxLayout(words)
            words_layout.setContentsMargins(0, 2, 0, 6)
            words_layout.setSpacing(1)
            words_layout.addWidget(title)
            words_layout.addWidget(description)
            box = QComboBox(group)
            box.setObjectName(f"rule-{rule.code}")
            choices = list(ACTIONS) + ([rule.action] if rule.action not in ACTIONS else [])
            for action in choices:
                text = _short(action) + (" (default)" if action == rule.default else "")
                box.addItem(text, action)
                box.setItemData(box.count() - 1, rule_action_label(action),
                                Qt.ItemDataRole.ToolTipRole)
            box.setCurrentIndex(max(box.findData(rule.action), 0))
            box.setAccessibleName(rule.title)
            box.setToolTip(plain_tooltip(f"{rule.title}: default {_short(rule.default).lower()}"))
            box.setEnabled(self._can_change)
            box.currentIndexChanged.connect(self._edited)
            title.setBuddy(box)
            grid.addWidget(words, row, 0)
            grid.addWidget(box, row, 1, Qt.AlignmentFlag.AlignTop)
            self.rule_boxes[rule.code] = box
        return group

    def _settings_group(self, policy: BookingPolicy) -> QGroupBox:
        group = QGroupBox("Limits the rules use", self.content)
        form = QFormLayout(group)
        for name, value in policy.settings.items():
            spec = setting_spec(name)
            if spec is None:  # a newer service's setting: shown, changed by a newer desktop
                shown = "no limit" if value is None else str(value)
                form.addRow(plain_label(enum_words(name), group), plain_label(shown, group))
                continue
            box = QSpinBox(group)
            box.setObjectName(f"setting-{name}")
            if spec.nullable:
                # One below the smallest limit stands for "no limit".
                box.setRange(spec.minimum - 1, spec.maximum)
                box.setSpecialValueText("No limit")
            else:
                box.setRange(spec.minimum, spec.maximum)
            box.setSuffix(spec.suffix)
            box.setValue(box.minimum() if value is None else value)
            box.setToolTip(plain_tooltip(spec.hint))
            box.setAccessibleName(spec.label)
            box.setEnabled(self._can_change)
            box.valueChanged.connect(self._edited)
            label = plain_label(spec.label, group)
            label.setToolTip(plain_tooltip(spec.hint))
            label.setBuddy(box)
            form.addRow(label, box)
            self.setting_boxes[name] = box
        return group

    # -- calls to the service ---------------------------------------------------------------

    def reload(self, message: str = "") -> None:
        """Load the policy (off the GUI thread); ``message`` is shown once it is."""
        if self._busy:
            return
        self._set_busy(True, "Loading the booking policy…")
        load = self._load
        run_in_background(lambda: BookingPolicy.from_json(load()),
                          lambda policy: self._loaded(policy, message), self._load_failed,
                          owner=self)

    def save(self) -> None:
        """Send what changed, with the version it was read at (off the GUI thread)."""
        if not self._can_change or self._busy or self.policy is None or self._save is None:
            return
        changes = self.changes()
        if not changes:
            self._say("Nothing was changed.", "info")
            return
        save, policy = self._save, self.policy
        self._set_busy(True, "Saving the booking policy…")
        run_in_background(lambda: BookingPolicy.from_json(save(changes, policy.version)),
                          lambda saved: self._saved(saved, policy.describe(changes)),
                          self._save_failed, owner=self)

    # -- answers (on the GUI thread) ---------------------------------------------------------

    def _loaded(self, policy: BookingPolicy, message: str) -> None:
        self._set_busy(False)
        self._show_policy(policy)
        if message:
            self._say(message, "warning")
        else:
            self._say("")
        self.loaded.emit()

    def _load_failed(self, error: Exception) -> None:
        self._set_busy(False)
        if isinstance(error, Offline):
            message = ("The booking policy is kept by the service, which cannot be reached now: "
                       "check the network, then press Reload.")
        else:
            message = f"The booking policy could not be loaded: {error} Press Reload to try again."
        self.content.setEnabled(False)
        self._say(message, "error")
        self.failed.emit(message)

    def _saved(self, policy: BookingPolicy, said: list[str]) -> None:
        self._set_busy(False)
        self._show_policy(policy)
        self._say("Saved. From now on bookings follow it: " + "; ".join(said) + ".", "info")
        self.saved.emit(policy)

    def _save_failed(self, error: Exception) -> None:
        self._set_busy(False)
        if isinstance(error, Refused) and (error.rule in _STALE or error.status == 412):
            message = ("Someone else changed the booking policy while you were editing it. It is "
                       "shown as it is now: make your change again and save.")
            current = error.conflict
            if isinstance(current, dict) and "version" in current and "rules" in current:
                self._loaded(BookingPolicy.from_json(current), message)
            else:
                self.reload(message)
            self.failed.emit(message)
            return
        if isinstance(error, Refused) and error.status == 403:
            message = f"Not saved: {_NOT_ADMIN}"
        elif isinstance(error, Refused) and error.status == 422:
            label = field_label(error.field, self.policy)
            where = f"{label}: " if label else ""
            message = (f"Not saved — {where}{error.detail}. Fix it and save again.")
            self._highlight(error.field)
        elif isinstance(error, Offline):
            message = ("Not saved: the service cannot be reached. Your choices are still here: "
                       "save again once you are back online.")
        else:
            message = f"Not saved: {error} Try again."
        self._say(message, "error")
        self.failed.emit(message)

    # -- internals ---------------------------------------------------------------------------

    def _edited(self, *_: object) -> None:
        if self._highlighted is not None:
            self._highlighted.setStyleSheet("")
            self._highlighted = None
        self._update_buttons()

    def _highlight(self, field: str | None) -> None:
        name = (field or "").split(".")[-1]
        widget: QWidget | None = self.setting_boxes.get(name) or self.rule_boxes.get(name)
        if widget is None:
            return
        widget.setStyleSheet(f"border: 1px solid {message_colour('error', self.palette()).name()};")
        widget.setFocus()
        self.scroll.ensureWidgetVisible(widget)
        self._highlighted = widget

    def _say(self, text: str, kind: str = "info") -> None:
        self.message_label.setText(text)
        self.message_label.setStyleSheet(message_style(kind, self.palette()) if text else "")
        self.message_label.setVisible(bool(text))

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        if text:
            self._say(text, "info")
        self.reload_button.setEnabled(not busy)
        self.content.setEnabled(not busy)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.save_button.setEnabled(self._can_change and not self._busy
                                    and self.policy is not None and bool(self.changes()))

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.policy is None and not self._busy:
            self.reload()
