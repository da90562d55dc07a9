"""One reschedule option as a card: time, instructor, aircraft, expected weather, why, and a pick
button. The review lays three of them side by side."""

from __future__ import annotations

import zoneinfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from app.models.reschedule_model import OptionView
from app.views.plain_text import make_plain
from app.views.theme import VERDICT_STYLES, badge_css, verdict_style

__all__ = ["OptionCard", "VERDICT_COLOURS"]

# The verdict's badge: the theme's colours and glyph, as on the calendar and in the legend.
VERDICT_COLOURS = {verdict: (style.text.name(), style.fill.name())
                   for verdict, style in VERDICT_STYLES.items()}


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
        # Names and the model's justification are shown as written, never as markup.
        make_plain(self.time_label, self.people_label, self.verdict_label, self.summary_label,
                   self.justification_label)
        for label in (self.time_label, self.people_label, self.verdict_label, self.summary_label,
                      self.justification_label):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.time_label.setStyleSheet("font-weight: 600; font-size: 11pt;")
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
        # The student's pick stands out by its thick frame in the palette's highlight and its
        # "✔ the student's pick" title, not by colour alone; the text keeps the palette's colours.
        self.setStyleSheet(
            "QFrame#reschedule-option-card { border: 3px solid palette(highlight);"
            " border-radius: 6px; }" if chosen else
            "QFrame#reschedule-option-card { border: 1px solid palette(mid); border-radius: 6px; }")
        if option is None:
            self._rank = 0
            return
        self._rank = option.rank
        start, end = option.start.astimezone(zone), option.end.astimezone(zone)
        self.title_label.setText(f"<b>Option {option.rank}</b>" + (" — ✔ the student's pick" if chosen else ""))
        self.time_label.setText(f"{start:%a %d %b}\n{start:%H:%M}–{end:%H:%M}")
        who = f"Instructor: {option.instructor}" if option.instructor_id else "Solo (no instructor)"
        self.people_label.setText(f"{who}\nAircraft: {option.aircraft}")
        # No verdict yet means no forecast yet: the unknown verdict's look, in those words.
        style = verdict_style(option.verdict or "UNKNOWN")
        verdict = style.label if option.verdict else "no forecast yet"
        self.verdict_label.setText(f"Weather: {style.glyph} {verdict}")
        self.verdict_label.setStyleSheet(badge_css(style))
        self.verdict_label.setProperty("verdict", option.verdict or "")
        # The summary says more than the verdict only when there is a forecast.
        self.summary_label.setText(option.weather_summary)
        self.summary_label.setVisible(option.weather_summary.strip().lower() != verdict.lower())
        self.justification_label.setText(option.justification or "—")
