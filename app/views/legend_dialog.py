"""View › Legend: what every colour and glyph means — lesson statuses, weather verdicts, flight
categories, the alerts' kinds and the calendar's shading of instructors' unavailable times — drawn
from the theme's own tables and painters, so the legend cannot drift from what the panels show.
Each row pairs a glyph or pattern with its colour and words: never colour alone."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QGridLayout, QGroupBox, QHBoxLayout,
                               QLabel, QSizePolicy, QVBoxLayout, QWidget)

from app.models.labels import CATEGORY_LABELS
from app.views.plain_text import plain_label
from app.views.theme import (ACKNOWLEDGED_STYLE, ALERT_STYLES, CATEGORY_STYLES, STATUS_STYLES,
                             UNAVAILABLE_LABEL, VERDICT_STYLES, Style, badge_css, category_style,
                             unavailable_swatch, verdict_style)

__all__ = ["LegendDialog"]

_STATUS_NOTES = {
    "SCHEDULED": "booked; the weather verdict, once checked, colours the block",
    "AT_RISK": "the forecast is no-go, but still outside the decision window",
    "WEATHER_CANCELLED": "the sweep cancelled it; new slots are on their way",
    "RESCHEDULED": "replaced by a new lesson",
    "COMPLETED": "flown and checked in; the tooltip says how long",
    "CANCELLED": "cancelled at the desk; the tooltip says why",
    "FLYING": "checked out, in the air: its block takes this tone",
}
_VERDICT_NOTES = {
    "GO": "within every minimum",
    "MARGINAL": "close to a minimum, or a PROB period breaks one",
    "NO_GO": "a minimum is broken (thunderstorm, icing, ceiling, visibility, wind)",
    "UNKNOWN": "no usable report or forecast yet: never taken as go",
}


class LegendDialog(QDialog):
    """A small window with one section each for statuses, verdicts and flight categories. The
    badge labels carry the ``legend_key`` property (e.g. ``status:AT_RISK``) for tests."""

    def __init__(self, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("legend-dialog")
        self.setWindowTitle("Legend")
        intro = plain_label("Lesson blocks are filled with their weather verdict; the status is "
                            "the glyph. Every colour comes with a glyph and words.", self)
        intro.setWordWrap(True)
        self.badges: dict[str, QLabel] = {}
        sections = (
            ("Lesson status (glyph)", "status",
             [*((style, _STATUS_NOTES.get(key, "")) for key, style in STATUS_STYLES.items()),
              (ACKNOWLEDGED_STYLE, "someone accepted the school's booking-policy warnings to book "
                                   "it; its tooltip says which")]),
            ("Weather verdict (colour)", "verdict",
             [*((style, _VERDICT_NOTES.get(key, "")) for key, style in VERDICT_STYLES.items()),
              (verdict_style(None), "the sweep has not judged this lesson yet")]),
            ("Flight category (weather board)", "category",
             [*((style, CATEGORY_LABELS.get(key, "").split("— ")[-1])
                for key, style in CATEGORY_STYLES.items()),
              (category_style(None), "the report is missing or unreadable")]),
            ("Alerts", "alert",
             ((style, "") for key, style in ALERT_STYLES.items()
              if key not in ("AT_RISK", "WEATHER_CANCELLED"))),
        )
        columns = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        for position, (title, kind, rows) in enumerate(sections):
            (left if position % 2 == 0 else right).addWidget(self._section(title, kind, rows))
        right.addWidget(self._shading_section())
        left.addStretch(1)
        right.addStretch(1)
        columns.addLayout(left)
        columns.addLayout(right)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(columns)
        layout.addWidget(buttons)

    def _shading_section(self) -> QGroupBox:
        """The calendar's shading, painted by the calendar's own painter."""
        box = QGroupBox("Calendar shading (rows by instructor)", self)
        grid = QGridLayout(box)
        swatch = QLabel(box)
        swatch.setPixmap(unavailable_swatch(self.palette()))
        swatch.setProperty("legend_key", "shading:UNAVAILABLE")
        swatch.setAccessibleName(UNAVAILABLE_LABEL)
        swatch.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.badges["shading:UNAVAILABLE"] = swatch
        words = plain_label(f"{UNAVAILABLE_LABEL}: outside the instructor's weekly hours, or a day "
                            "off (hover over it to see which). The school's booking policy checks "
                            "a lesson there (by default it warns), and reschedule options avoid "
                            "it.", box)
        words.setWordWrap(True)
        words.setMinimumWidth(240)
        grid.addWidget(swatch, 0, 0)
        grid.addWidget(words, 0, 1)
        grid.setColumnStretch(1, 1)
        return box

    def _section(self, title: str, kind: str, rows: Iterable[tuple[Style, str]]) -> QGroupBox:
        box = QGroupBox(title, self)
        grid = QGridLayout(box)
        for row, (style, note) in enumerate(rows):
            glyph = style.glyph if style.glyph != style.label else ""
            badge = plain_label(f"{glyph} {style.label}".strip(), box)
            badge.setStyleSheet(badge_css(style))
            badge.setProperty("legend_key", f"{kind}:{style.key}")
            badge.setProperty("glyph", style.glyph)
            badge.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            self.badges[f"{kind}:{style.key}"] = badge
            grid.addWidget(badge, row, 0)
            if note:
                words = plain_label(note, box)
                words.setWordWrap(True)
                words.setMinimumWidth(240)
                grid.addWidget(words, row, 1)
        grid.setColumnStretch(1, 1)
        return box
