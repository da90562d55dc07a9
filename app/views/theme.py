"""The desktop's colours and glyphs: one table each for a lesson's status, a weather verdict and a
flight category, and the light and dark palettes.

Every panel (calendar, alerts, weather board, reschedule review, option cards, lesson editor,
legend) takes its colours from here or from the widget's palette, so one colour means one thing
everywhere and a dark palette does not turn text invisible.

The two channels a lesson carries never share a colour:

- **Weather verdict** is a *hue*: GO green, MARGINAL amber, NO_GO red, UNKNOWN grey (never
  purple: that is LIFR's). Where a verdict is known it is what a lesson block is filled with.
- **Lesson status** is a *glyph* on a neutral tone (slate, greys, brown-grey): ● scheduled,
  ⚠ at risk, ☂ cancelled for weather, ↻ rescheduled, ✈ completed, ⊘ cancelled; and ↗ flying
  (checked out, not yet checked in) on cyan, to stand out. No status is blue (MVFR's), red
  (NO_GO's) or green (GO's).
- **Flight categories** keep the colours pilots know (VFR green, MVFR blue, IFR red, LIFR
  magenta) and are always written out (VFR, MVFR…), never colour alone.

Every ``Style`` carries its own text colour for its fill, so a badge reads the same on a light or
a dark window. Text that is not on a badge takes the palette's colours (``muted_text``), and
messages (error, warning, information) take ``message_style`` for the palette they are shown in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (QBrush, QColor, QFont, QGuiApplication, QIcon, QImage, QPainter,
                           QPalette, QPixmap)

__all__ = ["Style", "STATUS_STYLES", "VERDICT_STYLES", "CATEGORY_STYLES", "MESSAGE_STYLES",
           "CHART_COLOURS", "ALERT_STYLES", "ACKNOWLEDGED_STYLE",
           "status_style", "verdict_style", "category_style", "message_style", "badge_css",
           "stripe_css", "message_colour",
           "glyph_icon", "is_dark", "muted_text", "dark_palette", "apply_color_scheme",
           "UNAVAILABLE_LABEL", "paint_unavailable", "unavailable_swatch",
           "follow_system_color_scheme", "THEMES"]

THEMES = ("system", "light", "dark")


@dataclass(frozen=True)
class Style:
    """How one value looks: ``fill`` behind ``text``, the ``glyph`` that tells it without colour,
    and the ``label`` a person reads (the same words as ``app.models.labels``)."""

    key: str
    label: str
    glyph: str
    fill: QColor
    text: QColor

    @property
    def tag(self) -> str:
        """Glyph and words, e.g. "✕ No-go": what a badge or a legend row says."""
        return f"{self.glyph} {self.label}"


def _style(key: str, label: str, glyph: str, fill: str, text: str = "#ffffff") -> Style:
    return Style(key, label, glyph, QColor(fill), QColor(text))


_DARK_INK = "#1b1b1b"

VERDICT_STYLES: dict[str, Style] = {
    "GO": _style("GO", "Go", "✓", "#2e7d32"),
    "MARGINAL": _style("MARGINAL", "Marginal", "!", "#f9a825", _DARK_INK),
    "NO_GO": _style("NO_GO", "No-go", "✕", "#c62828"),
    "UNKNOWN": _style("UNKNOWN", "Unknown (no usable report)", "?", "#757575"),
}
# A lesson nobody has judged yet (no weather check): shown as its status alone.
_NOT_CHECKED = _style("", "Not checked yet", "…", "#9e9e9e", _DARK_INK)

STATUS_STYLES: dict[str, Style] = {
    "SCHEDULED": _style("SCHEDULED", "Scheduled", "●", "#78909c", _DARK_INK),
    "AT_RISK": _style("AT_RISK", "At risk", "⚠", "#a1887f", _DARK_INK),
    "WEATHER_CANCELLED": _style("WEATHER_CANCELLED", "Cancelled for weather", "☂", "#455a64"),
    "RESCHEDULED": _style("RESCHEDULED", "Rescheduled", "↻", "#cfd8dc", _DARK_INK),
    "COMPLETED": _style("COMPLETED", "Completed", "✈", "#bdbdbd", _DARK_INK),
    "CANCELLED": _style("CANCELLED", "Cancelled", "⊘", "#616161"),
    # Not a status of the service: a scheduled (or at-risk) lesson whose aircraft is checked out
    # (``Lesson.shown_status``). Its own tone, cyan, which no verdict, category or other status
    # uses: what is in the air stands out on the calendar.
    "FLYING": _style("FLYING", "Flying (checked out)", "↗", "#00838f"),
}

CATEGORY_STYLES: dict[str, Style] = {
    "VFR": _style("VFR", "VFR", "VFR", "#2e7d32"),
    "MVFR": _style("MVFR", "MVFR", "MVFR", "#1565c0"),
    "IFR": _style("IFR", "IFR", "IFR", "#c62828"),
    "LIFR": _style("LIFR", "LIFR", "LIFR", "#ad1457"),
}
_NO_CATEGORY = _style("", "No category (unreadable or missing)", "—", "#9e9e9e", _DARK_INK)

# What else the alerts list holds: glyphs on tones no status, verdict or category uses. The
# weather alerts (at risk, cancelled) take their lesson's status style.
ALERT_STYLES: dict[str, Style] = {
    "AT_RISK": STATUS_STYLES["AT_RISK"],
    "WEATHER_CANCELLED": STATUS_STYLES["WEATHER_CANCELLED"],
    "CONFIRM": _style("CONFIRM", "Waiting for confirmation", "☑", "#00695c"),
    "MAIL_FAILED": _style("MAIL_FAILED", "Mail not sent", "✉", "#4e342e"),
    "EDIT_CONFLICT": _style("EDIT_CONFLICT", "Your change clashes", "⇄", "#4e342e"),
    "EDIT_REJECTED": _style("EDIT_REJECTED", "Your change was refused", "⊗", "#4e342e"),
    # A lesson checked out and past its booked end, not checked in: the flying lesson's tone.
    "NOT_CHECKED_IN": _style("NOT_CHECKED_IN", "Flown? Not checked in yet", "↗",
                             STATUS_STYLES["FLYING"].fill.name()),
}

# A lesson booked over the school's booking-policy warnings (someone accepted them): its glyph
# follows the verdict's and the status's on the block; the tooltip says which warnings. A flag, on
# the warning tone, since no status, verdict or category is one.
ACKNOWLEDGED_STYLE = _style("ACKNOWLEDGED", "Booked over a policy warning", "⚑", "#7a5d00")

# An instructor row of the calendar where the instructor is not available (outside their weekly
# hours, a day off): a veil with a sparse hatch, behind the lessons. A neutral ink, not a hue any
# status, verdict or category uses; a pattern where night is a plain fill, so the two read apart
# where they meet; and leaning the other way (a "\" hatch) from the dense "/" hatch of a lesson no
# longer flown. (veil, hatch) as RGBA for a light and for a dark palette.
_UNAVAILABLE_SHADES: dict[bool, tuple[tuple[int, int, int, int], tuple[int, int, int, int]]] = {
    False: ((70, 60, 50, 22), (70, 60, 50, 80)),
    True: ((0, 0, 0, 60), (255, 255, 255, 40)),
}
UNAVAILABLE_LABEL = "Not available"

# The metrics chart's series: bookings neutral, weather conflicts the no-go red (weather stopped
# them), accepted reschedules the go green (flown after all).
CHART_COLOURS = {"bookings": QColor("#78909c"), "conflicts": VERDICT_STYLES["NO_GO"].fill,
                 "reschedules": VERDICT_STYLES["GO"].fill}

# Messages in panels: (foreground, background, border) for a light and for a dark palette.
MESSAGE_STYLES: dict[str, dict[bool, tuple[str, str, str]]] = {
    "error": {False: ("#8e0000", "#fdecea", "#e0a0a0"), True: ("#ffb4ab", "#3b1612", "#93000a")},
    "warning": {False: ("#5d4000", "#fff4d6", "#e0c070"), True: ("#ffdf9e", "#3a2e0b", "#7a5d00")},
    "info": {False: ("#0d3c61", "#e3f2fd", "#90caf9"), True: ("#bbdefb", "#0d2538", "#1e5a8a")},
}


def status_style(status: str | None) -> Style:
    """The style of a lesson status (``SCHEDULED`` … ``CANCELLED``); an unknown one looks like
    ``SCHEDULED`` with its own words."""
    found = STATUS_STYLES.get(status or "")
    if found is not None:
        return found
    base = STATUS_STYLES["SCHEDULED"]
    return Style(status or "", (status or "unknown").replace("_", " ").capitalize(), base.glyph,
                 base.fill, base.text)


def verdict_style(verdict: str | None) -> Style:
    """The style of a weather verdict (``GO``, ``MARGINAL``, ``NO_GO``, ``UNKNOWN``); None (no
    check yet) is "not checked yet"."""
    if not verdict:
        return _NOT_CHECKED
    return VERDICT_STYLES.get(verdict, VERDICT_STYLES["UNKNOWN"])


def category_style(category: str | None) -> Style:
    """The style of a flight category (VFR, MVFR, IFR, LIFR); None: not decidable."""
    return CATEGORY_STYLES.get(category or "", _NO_CATEGORY)


def badge_css(style: Style, *, extra: str = "font-weight: 600; padding: 2px 6px;"
                                          " border-radius: 3px;") -> str:
    """A label's stylesheet that shows ``style`` as a badge."""
    return f"color: {style.text.name()}; background: {style.fill.name()}; {extra}"


def stripe_css(style: Style) -> str:
    """A label's stylesheet for longer text about ``style`` (a verdict and its reasons): a bar of
    its colour on the left; the text keeps the palette's colours, so it reads light or dark."""
    # Qt draws a lone border-left only once the box has a border style of its own.
    return (f"border: 0px solid transparent; border-left: 5px solid {style.fill.name()}; "
            "padding: 2px 0 2px 6px;")


def message_colour(kind: str, palette: QPalette) -> QColor:
    """The text colour of a message of ``kind`` ("error", "warning", "info") in ``palette``, for
    text without a background of its own (an inline error under a form)."""
    return QColor(MESSAGE_STYLES[kind][is_dark(palette)][0])


def is_dark(palette: QPalette) -> bool:
    """Whether ``palette`` puts light text on a dark window."""
    return palette.color(QPalette.ColorRole.Window).lightnessF() < 0.5


def message_style(kind: str, palette: QPalette) -> str:
    """A label's stylesheet for a message of ``kind`` ("error", "warning", "info"), readable in
    ``palette`` (the widget's)."""
    foreground, background, border = MESSAGE_STYLES[kind][is_dark(palette)]
    return (f"color: {foreground}; background: {background}; border: 1px solid {border};"
            " padding: 6px; border-radius: 4px;")


def muted_text(palette: QPalette) -> QColor:
    """Secondary text (hints, closed items) that stays readable on the palette's window."""
    colour = QColor(palette.color(QPalette.ColorRole.WindowText))
    colour.setAlphaF(0.66)
    return colour


def glyph_icon(style: Style, *, size: int = 16) -> QIcon:
    """A rounded square of the style's fill with its glyph, as an icon drawn at 1x, 2x and the
    screen's own device pixel ratio, so it stays crisp on high-DPI screens."""
    ratios = {1.0, 2.0}
    screen = QGuiApplication.primaryScreen() if QGuiApplication.instance() is not None else None
    if screen is not None:
        ratios.add(float(screen.devicePixelRatio()))
    icon = QIcon()
    for ratio in sorted(ratios):
        pixmap = QPixmap(round(size * ratio), round(size * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(style.fill)
        painter.drawRoundedRect(QRectF(0.5, 0.5, size - 1, size - 1), 3, 3)
        glyph = style.glyph if len(style.glyph) <= 2 else style.glyph[0]
        font = QFont()
        font.setBold(True)
        font.setPixelSize(max(round(size * 0.7), 6))
        painter.setFont(font)
        painter.setPen(style.text)
        painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, glyph)
        painter.end()
        icon.addPixmap(pixmap)
    return icon


def dark_palette() -> QPalette:
    """A dark palette for the Fusion style (``--theme dark``, or a dark system scheme where the
    platform style does not follow it)."""
    palette = QPalette()
    window, base, text = QColor("#2b2d30"), QColor("#1f2023"), QColor("#e6e6e6")
    disabled = QColor("#7f8288")
    for role, colour in (
            (QPalette.ColorRole.Window, window), (QPalette.ColorRole.WindowText, text),
            (QPalette.ColorRole.Base, base), (QPalette.ColorRole.AlternateBase, QColor("#272a2e")),
            (QPalette.ColorRole.ToolTipBase, QColor("#3a3d42")),
            (QPalette.ColorRole.ToolTipText, text), (QPalette.ColorRole.Text, text),
            (QPalette.ColorRole.Button, QColor("#35383d")), (QPalette.ColorRole.ButtonText, text),
            (QPalette.ColorRole.BrightText, QColor("#ff6b6b")),
            (QPalette.ColorRole.Light, QColor("#4a4d52")), (QPalette.ColorRole.Midlight, QColor("#3d4045")),
            (QPalette.ColorRole.Mid, QColor("#5a5e65")), (QPalette.ColorRole.Dark, QColor("#18191b")),
            (QPalette.ColorRole.Shadow, QColor("#000000")),
            (QPalette.ColorRole.Highlight, QColor("#3d7bd9")),
            (QPalette.ColorRole.HighlightedText, QColor("#ffffff")),
            (QPalette.ColorRole.Link, QColor("#8ab4f8")),
            (QPalette.ColorRole.LinkVisited, QColor("#c58af9")),
            (QPalette.ColorRole.PlaceholderText, QColor("#9a9da3"))):
        palette.setColor(role, colour)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


def apply_color_scheme(app: object, scheme: str) -> None:
    """``scheme`` "light" or "dark": the Fusion style with that palette, whatever the system says
    (``--theme``, screenshots); "system": follow the platform (see
    ``follow_system_color_scheme``)."""
    from PySide6.QtWidgets import QApplication, QStyleFactory

    assert isinstance(app, QApplication)
    if scheme == "system":
        follow_system_color_scheme(app)
        return
    app.setStyle(QStyleFactory.create("Fusion"))
    app.setPalette(dark_palette() if scheme == "dark" else app.style().standardPalette())


def follow_system_color_scheme(app: object) -> None:
    """Follow the system's light or dark scheme, now and when it changes (Windows, macOS, and
    Linux desktops that tell Qt). The native styles of Windows 11 and macOS follow it by
    themselves; elsewhere Fusion with ``dark_palette`` stands in when the scheme is dark."""
    from PySide6.QtWidgets import QApplication, QStyleFactory

    assert isinstance(app, QApplication)
    hints = app.styleHints()
    native = app.style().name().lower() in ("windows11", "macos")

    def follow(scheme: Qt.ColorScheme) -> None:
        if native:
            return  # the platform style repaints itself
        if scheme == Qt.ColorScheme.Dark:
            app.setStyle(QStyleFactory.create("Fusion"))
            app.setPalette(dark_palette())
        elif is_dark(app.palette()):
            app.setPalette(app.style().standardPalette())

    follow(hints.colorScheme())
    hints.colorSchemeChanged.connect(follow)


def paint_unavailable(painter: QPainter, rects: Sequence[QRectF], palette: QPalette, *,
                      origin: QPointF | None = None) -> None:
    """Shade ``rects`` as times someone is not available (see ``_UNAVAILABLE_SHADES``), in one
    go. ``origin``: where the hatch starts (the calendar's scrolled content origin, so pixels
    scrolled and pixels painted afresh line up)."""
    if not rects:
        return
    dark = palette.color(QPalette.ColorRole.Base).lightnessF() < 0.5
    brush = _HATCHES.get(dark)
    if brush is None:
        brush = _HATCHES[dark] = _hatch(*(QColor(*rgba) for rgba in _UNAVAILABLE_SHADES[dark]))
    painter.save()
    if origin is not None:
        painter.setBrushOrigin(origin)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(brush)
    painter.drawRects(list(rects))
    painter.restore()


_HATCH_STEP = 9  # pixels between two lines of the hatch
_HATCHES: dict[bool, QBrush] = {}


def _hatch(veil: QColor, ink: QColor) -> QBrush:
    """A tile of ``veil`` with "\\" lines of ``ink`` over it, ``_HATCH_STEP`` apart when tiled;
    a few periods wide, so that a band takes few tiles."""
    size = _HATCH_STEP * 8
    tile = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    tile.fill(veil)
    painter = QPainter(tile)  # (the ink over the veil)
    for x in range(size):
        for y in range(x % _HATCH_STEP, size, _HATCH_STEP):  # (y - x) a multiple of the step
            painter.fillRect(x, y, 1, 1, ink)
    painter.end()
    return QBrush(tile)


def unavailable_swatch(palette: QPalette, *, width: int = 48, height: int = 18) -> QPixmap:
    """A sample of ``paint_unavailable`` on the palette's base (the legend's)."""
    pixmap = QPixmap(width, height)
    pixmap.fill(palette.color(QPalette.ColorRole.Base))
    painter = QPainter(pixmap)
    paint_unavailable(painter, [QRectF(0, 0, width, height)], palette)
    painter.setPen(palette.color(QPalette.ColorRole.Mid))
    painter.drawRect(QRectF(0.5, 0.5, width - 1, height - 1))
    painter.end()
    return pixmap
