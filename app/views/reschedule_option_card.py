"""One reschedule option as a card: time, instructor, aircraft, expected weather, why, and a pick
button. The review lays three of them side by side."""

from __future__ import annotations

import zoneinfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from app.models.reschedule_model import OptionView

__all__ = ["OptionCard", "VERDICT_COLOURS"]

# Text on a tinted badge: dark enough to read, the colour a pilot expects for the verdict.
VERDICT_COLOURS = {"GO": ("#1b5e20", "#dff3e0"), "MARGINAL": ("#8a5300", "#fff1d6")}
_NO_FORECAST_COLOURS = ("#455a64", "#eceff1")


class OptionCard(QFrame):
    """Signals:
        pick_requested(int): the option's rank, when "Pick for student" is pressed.
    """

    pick_requested = Signal(int)

    def __init__(self, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reschedule-option-card")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        # Ignored: the three cards share the row equally, whatever their text.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(190)
        self._rank = 0
        self.title_label = QLabel(self)
        self.time_label = QLabel(self)
        self.people_label = QLabel(self)
        self.verdict_label = QLabel(self)
        self.summary_label = QLabel(self)
        self.justification_label = QLabel(self)
        self.pick_button = QPushButton("Pick for student", self)
        self.pick_button.setToolTip("The student chose this option on the phone: record it for them")
        self.pick_button.clicked.connect(lambda: self.pick_requested.emit(self._rank))
        for label in (self.time_label, self.people_label, self.verdict_label, self.summary_label,
                      self.justification_label):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.time_label.setStyleSheet("font-weight: 600; font-size: 11pt;")
        self.justification_label.setStyleSheet("color: #333333;")
        layout = QVBoxLayout(self)
        for widget in (self.title_label, self.time_label, self.people_label, self.verdict_label,
                       self.summary_label, self.justification_label):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(self.pick_button)
        self.set_option(None, zone=zoneinfo.ZoneInfo("UTC"), chosen=False)

    @property
    def rank(self) -> int:
        return self._rank

    @property
    def chosen(self) -> bool:
        return bool(self.property("chosen"))

    def set_option(self, option: OptionView | None, *, zone: zoneinfo.ZoneInfo, chosen: bool) -> None:
        """Show ``option`` (times in the school's ``zone``); ``chosen``: the student's pick."""
        self.setVisible(option is not None)
        self.setProperty("chosen", chosen)
        # The student's pick stands out by its frame, not by colour alone.
        self.setStyleSheet(
            "QFrame#reschedule-option-card { border: 3px solid #1565c0; border-radius: 6px;"
            " background: #eef4fc; }" if chosen else
            "QFrame#reschedule-option-card { border: 1px solid #b0b0b0; border-radius: 6px; }")
        if option is None:
            self._rank = 0
            return
        self._rank = option.rank
        start, end = option.start.astimezone(zone), option.end.astimezone(zone)
        self.title_label.setText(f"<b>Option {option.rank}</b>" + (" — ✔ the student's pick" if chosen else ""))
        self.time_label.setText(f"{start:%a %d %b}\n{start:%H:%M}–{end:%H:%M}")
        who = f"Instructor: {option.instructor}" if option.instructor_id else "Solo (no instructor)"
        self.people_label.setText(f"{who}\nAircraft: {option.aircraft}")
        verdict = option.verdict or "no forecast yet"
        foreground, background = VERDICT_COLOURS.get(option.verdict or "", _NO_FORECAST_COLOURS)
        self.verdict_label.setText(f"Weather: {verdict}")
        self.verdict_label.setStyleSheet(f"color: {foreground}; background: {background};"
                                         " font-weight: 700; padding: 2px 6px; border-radius: 3px;")
        self.verdict_label.setProperty("verdict", option.verdict or "")
        # The summary says more than the verdict only when there is a forecast.
        self.summary_label.setText(option.weather_summary)
        self.summary_label.setVisible(option.weather_summary.strip().lower() != verdict.lower())
        self.justification_label.setText(option.justification or "—")
