"""How lesson blocks are painted on the calendar.

Two channels, never colour alone (the colours, glyphs and words are ``app.views.theme``'s):

- **weather verdict**: the block's fill (the verdict's hue) and its glyph (✓ ! ✕ ? …) leading
  the text, and in the day view its words and the first reason ("✕ No-go — ceiling 700 ft");
- **status**: the block's pattern and border — cancelled (for weather, or at the desk) and
  rescheduled lessons are hatched and their text struck through, an at-risk lesson has a thick
  dashed border, a local edit not yet accepted a dotted one — and the status glyph (⚠ ☂ ↻ ✈ ⊘ ↗)
  after the verdict's; a lesson booked over a booking-policy warning adds a flag (⚑). A lesson
  no longer flown (rescheduled, completed, cancelled) is filled with its status's neutral tone
  instead of a verdict's hue, and so is one in the air (checked out: ``Lesson.shown_status``
  FLYING), on its own tone; a completed lesson's day-view line says how long it flew.

Text is what fits, elided with the font's metrics, never overflowing: in the week the start time
and the student (initials when narrow), in the day the student, instructor, type and time, and
the verdict with its short reason. A hatched corner marks a lesson the signed-in person may not
change; a translucent ghost shows a drag.

Blocks are painted in batches (one ``drawRects`` per look) and their lines of text are kept per
block size, so a week of a thousand lessons paints in a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, tzinfo
from functools import lru_cache

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPainterPath,
    QPen,
    QStaticText,
)

from app.models.labels import flight_type_label, status_label, verdict_label
from app.models.lessons import Lesson
from app.views.theme import ACKNOWLEDGED_STYLE, status_style, verdict_style

__all__ = ["BlockLook", "LessonPainter", "block_look", "initials"]

# Lessons still to be flown, and the cancelled-for-weather one: their fill is the weather's.
_VERDICT_FILLED = frozenset({"SCHEDULED", "AT_RISK", "WEATHER_CANCELLED"})
_STRUCK = frozenset({"WEATHER_CANCELLED", "RESCHEDULED", "CANCELLED"})

def _inset(width: float) -> int:
    """Text inset from a block's left edge: less in a narrow block, where every pixel counts."""
    return 4 if width >= 40 else 2

_LINES_KEPT = 20_000  # cached block texts before the cache starts again


@dataclass(frozen=True, eq=False)
class BlockLook:
    """How blocks of one (status, verdict, pending) look."""

    fill: QColor
    text: QColor
    border: QPen
    hatch: QBrush | None  # over the fill: no longer flown
    struck: bool  # text struck through
    marks: str  # the verdict's glyph, then the status's unless simply scheduled
    verdict_glyph: str
    verdict_words: str
    status_words: str


@lru_cache(maxsize=64)
def _look(status: str, verdict: str | None, pending: bool) -> BlockLook:
    state, weather = status_style(status), verdict_style(verdict)
    chosen = weather if status in _VERDICT_FILLED and verdict else state
    text = QColor(chosen.text)
    if status == "AT_RISK":
        border = QPen(text, 2, Qt.PenStyle.DashLine)
    elif pending:
        border = QPen(text, 1, Qt.PenStyle.DotLine)
    else:
        border = QPen(chosen.fill.darker(150), 1)
    hatch = None
    if status in _STRUCK:
        # A darker shade of the fill: seen at a glance, yet the text over it stays readable.
        hatch = QBrush(chosen.fill.darker(150), Qt.BrushStyle.BDiagPattern)
    marks = weather.glyph + ("" if status == "SCHEDULED" else state.glyph)
    return BlockLook(fill=QColor(chosen.fill), text=text, border=border, hatch=hatch,
                     struck=status in _STRUCK, marks=marks, verdict_glyph=weather.glyph,
                     verdict_words=verdict_label(verdict), status_words=status_label(status))


def block_look(lesson: Lesson) -> BlockLook:
    """The look of ``lesson``'s block (shared by every block of the same status and verdict)."""
    return _look(lesson.shown_status, lesson.verdict, lesson.pending)


def initials(name: str) -> str:
    """"Jane Q. Doe" → "JQD" (at most three letters): a student's name where it does not fit."""
    letters = [word[0] for word in name.replace(".", " ").split() if word[:1].isalnum()]
    return "".join(letters[:3]).upper() or name[:1]


class LessonPainter:
    """Paints lesson blocks: their fill, pattern, border and as much text as fits."""

    def __init__(self, *, font: QFont) -> None:
        # Each block's lines, by lesson object and size (``lines``); each lesson's candidate
        # lines, by its value (``_compose``); and text measured and laid out per font.
        self._lines: dict[tuple[int, int, int, str], tuple[Lesson, list[tuple[QFont, str]]]] = {}
        self._advances: dict[tuple[int, str], int] = {}
        self._statics: dict[tuple[int, str], QStaticText] = {}
        self._wanted: dict[tuple[Lesson, str, int],
                           list[tuple[QFont, tuple[tuple[str, int], ...], int, int]]] = {}
        self._elided: dict[tuple[int, str, int], str] = {}
        self.set_font(font)

    def set_font(self, font: QFont) -> None:
        """The widget's font (the name line is bold; cancelled lessons struck through)."""
        regular, bold = QFont(font), QFont(font)
        bold.setBold(True)
        struck, struck_bold = QFont(regular), QFont(bold)
        struck.setStrikeOut(True)
        struck_bold.setStrikeOut(True)
        self._fonts = {(False, False): regular, (True, False): bold,
                       (False, True): struck, (True, True): struck_bold}
        self._metrics = {id(each): QFontMetrics(each) for each in self._fonts.values()}
        metrics = QFontMetrics(bold)
        self.line_height = max(metrics.height(), QFontMetrics(regular).height())
        self._advances.clear()  # (keyed by the fonts replaced here)
        self._elided.clear()
        self._statics.clear()
        self.forget()

    def forget(self) -> None:
        """Drop the texts kept per block (another font, or another time zone)."""
        self._lines.clear()
        self._wanted.clear()
        if len(self._advances) + len(self._elided) > _LINES_KEPT:
            self._advances.clear()
            self._elided.clear()

    # -- text ---------------------------------------------------------------------------------

    def initials_width(self) -> int:
        """The least width of a block of two lines or more at which its name line has room for
        a student's initials — two of the widest letters, in the name's (bold) font: what the
        calendar's readable zoom gives a one-hour lesson (``CalendarView.readable_zoom``)."""
        advance = self._advance(self._fonts[(True, False)], "WW")
        # ``lines`` leaves the text a block's width less its inset and a pixel.
        width = advance + _inset(0) + 1
        return width if width < 40 else advance + _inset(40) + 1

    def lines(self, lesson: Lesson, width: float, height: float, *, mode: str,
              zone: tzinfo = UTC) -> list[tuple[QFont, str]]:
        """The lines of text a block of ``width``×``height`` shows (font, text), each fitting
        the width."""
        # By the object (kept with the answer, so a new object at a reused id is not taken
        # for it): hashing a lesson's value at every block of every paint costs too much.
        key = (id(lesson), int(width), int(height), mode)
        found = self._lines.get(key)
        if found is None or found[0] is not lesson:
            if len(self._lines) > _LINES_KEPT:
                self._lines.clear()
            found = self._lines[key] = (lesson, self._compose(
                lesson, int(width) - _inset(width) - 1, int(height) - 2, mode, zone))
        return found[1]

    def _compose(self, lesson: Lesson, width: int, height: int, mode: str,
                 zone: tzinfo) -> list[tuple[QFont, str]]:
        count = min(height // self.line_height, 4)
        if count < 1 or width < 4:
            return []
        # By the lesson's value: a reload brings new objects, mostly of unchanged lessons.
        key = (lesson, mode, count)
        wanted = self._wanted.get(key)
        if wanted is None:
            if len(self._wanted) > _LINES_KEPT:
                self._wanted.clear()
            wanted = self._wanted[key] = [
                (font, tuple((text, self._advance(font, text)) for text in texts if text),
                 keep, self._advance(font, texts[0][:keep] + "…") if keep and texts else 0)
                for font, texts, keep in self._candidates(lesson, mode, count, zone)]
        lines = []
        for font, texts, keep, least in wanted:
            chosen = ""
            # Elided only where that can keep enough of it (narrower: no need to measure).
            if keep and texts and texts[0][1] > width and width >= least:
                elided = self._elided_text(font, texts[0][0], width)
                if len(elided.replace(" ", "")) > keep:  # (the ellipsis counts as one)
                    chosen = elided
            if not chosen:
                for text, advance in texts:
                    if advance <= width:
                        chosen = text
                        break
            lines.append((font, chosen))
        return lines

    def _candidates(self, lesson: Lesson, mode: str, count: int,
                    zone: tzinfo) -> list[tuple[QFont, tuple[str, ...], int]]:
        """Each line a block of ``count`` lines shows: its font and what to write — the first
        text if it fits, else the first elided if that keeps ``keep`` characters (0: never
        elided), else the first of the others that fits (initials, glyphs), else nothing."""
        look = block_look(lesson)
        # Only the name is struck through: every line struck would be hard to read.
        regular = self._fonts[(False, False)]
        bold = self._fonts[(True, look.struck)]
        start = f"{lesson.start.astimezone(zone):%H:%M}"
        student, short = lesson.student or "?", initials(lesson.student or "?")
        marks, glyph = look.marks, look.verdict_glyph
        if lesson.acknowledged:  # booked over a policy warning: a flag after the status glyph
            marks += ACKNOWLEDGED_STYLE.glyph
        if mode == "week":
            if count >= 2:
                return [(regular, (f"{marks} {start}", f"{glyph} {start}", marks, glyph), 0),
                        (bold, (student, short, short[:1]), 4)]
            prefix = f"{marks} {start} "
            return [(bold, (prefix + student, prefix + short, f"{marks} {short}",
                            f"{glyph} {short}", marks, glyph),
                     len(prefix.replace(" ", "")) + 4)]
        end = f"{lesson.end.astimezone(zone):%H:%M}"
        teacher = lesson.instructor or "Solo"
        weather = f"{glyph} {look.verdict_words}"
        if lesson.reasons and lesson.reasons[0]:
            weather += f" — {lesson.reasons[0]}"
        when = f"{flight_type_label(lesson.flight_type)} · {start}–{end}"
        if lesson.shown_status != "SCHEDULED":
            when += f" · {look.status_words}"
        if lesson.flown_hours is not None:
            when += f" {lesson.flown_hours:.1f} h"
        status_glyph = marks[len(glyph):]
        name = f"{status_glyph} {student}" if status_glyph else student
        if count >= 4:
            return [(bold, (name, short), 4), (regular, (teacher,), 4), (regular, (when,), 4),
                    (regular, (weather, glyph), 4)]
        if count == 3:
            return [(bold, (name, short), 4), (regular, (f"{teacher} · {when}",), 4),
                    (regular, (weather, glyph), 4)]
        if count == 2:
            return [(bold, (f"{name} · {teacher}", short), 4), (regular, (weather, glyph), 4)]
        return [(bold, (f"{glyph} {name} · {teacher}", f"{glyph} {short}"), 4)]

    def _advance(self, font: QFont, text: str) -> int:
        key = (id(font), text)
        found = self._advances.get(key)
        if found is None:
            found = self._advances[key] = self._metrics[id(font)].horizontalAdvance(text)
        return found

    def _elided_text(self, font: QFont, text: str, width: int) -> str:
        key = (id(font), text, width)
        elided = self._elided.get(key)
        if elided is None:
            elided = self._elided[key] = self._metrics[id(font)].elidedText(
                text, Qt.TextElideMode.ElideRight, width)
        return elided

    # -- painting ------------------------------------------------------------------------------

    def paint(self, painter: QPainter, rect: QRectF, lesson: Lesson, *, read_only: bool = False,
              mode: str = "day", zone: tzinfo = UTC) -> None:
        """One block (the batch below, for one)."""
        self.paint_blocks(painter, [(rect.x(), rect.y(), rect.width(), rect.height(), lesson,
                                     read_only)], mode=mode, zone=zone)

    def paint_blocks(self, painter: QPainter,
                     items: Sequence[tuple[float, float, float, float, Lesson, bool]], *,
                     mode: str, zone: tzinfo = UTC) -> None:
        """Blocks (x, y, width, height, lesson, read-only): the fills and borders one look at a
        time, then the patterns, then the text (laid out once per text and font)."""
        groups: dict[BlockLook, list[tuple[float, float, float, float, Lesson, bool]]] = {}
        for item in items:
            lesson = item[4]
            look = _look(lesson.shown_status, lesson.verdict, lesson.pending)
            found = groups.get(look)
            if found is None:
                groups[look] = [item]
            else:
                found.append(item)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        outlines = {}
        for look, members in groups.items():
            painter.setPen(look.border)
            painter.setBrush(look.fill)
            outlines[look] = rects = [QRectF(x + 0.5, y + 0.5, width - 1, height - 1)
                                      for x, y, width, height, _lesson, _locked in members]
            painter.drawRects(rects)
        painter.setPen(Qt.PenStyle.NoPen)
        for look, members in groups.items():
            if look.hatch is not None:
                painter.setBrush(look.hatch)
                painter.drawRects(outlines[look])
        line_height, lines, static = self.line_height, self.lines, self._static
        for look, members in groups.items():
            painter.setPen(look.text)
            current = None
            for x, y, width, height, lesson, read_only in members:
                left, top = round(x) + _inset(width), round(y) + 1
                for font, text in lines(lesson, width, height, mode=mode, zone=zone):
                    if text:
                        if font is not current:
                            painter.setFont(font)
                            current = font
                        painter.drawStaticText(left, top, static(font, text))
                    top += line_height
                if read_only:
                    self._paint_lock_marker(painter, QRectF(x, y, width, height), look.text)
        painter.setBrush(Qt.BrushStyle.NoBrush)

    def _static(self, font: QFont, text: str) -> QStaticText:
        """``text`` laid out once in ``font`` (drawing it again costs half as much)."""
        key = (id(font), text)
        found = self._statics.get(key)
        if found is None:
            if len(self._statics) > _LINES_KEPT:
                self._statics.clear()
            found = self._statics[key] = QStaticText(text)
            found.setTextFormat(Qt.TextFormat.PlainText)  # names are never markup
            found.prepare(font=font)
        return found

    def paint_ghost(self, painter: QPainter, rect: QRectF, lesson: Lesson, *, outline: QColor,
                    mode: str = "day", zone: tzinfo = UTC) -> None:
        """Where a dragged lesson would go: the block, see-through, with a dashed outline."""
        painter.save()
        painter.setOpacity(0.55)
        self.paint(painter, rect, lesson, mode=mode, zone=zone)
        painter.setOpacity(1.0)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(outline, 1.5, Qt.PenStyle.DashLine))
        painter.drawRect(rect.adjusted(0.5, 0.5, -0.5, -0.5))
        painter.restore()

    @staticmethod
    def _paint_lock_marker(painter: QPainter, rect: QRectF, ink: QColor) -> None:
        """A hatched triangle in the top-right corner: "not yours to change"."""
        size = min(12.0, rect.width() / 2, rect.height() / 2)
        corner = QPainterPath()
        corner.moveTo(rect.right() - size, rect.top())
        corner.lineTo(rect.right(), rect.top())
        corner.lineTo(rect.right(), rect.top() + size)
        corner.closeSubpath()
        painter.fillPath(corner, QBrush(ink, Qt.BrushStyle.BDiagPattern))
