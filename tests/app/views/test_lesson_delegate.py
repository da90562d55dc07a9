"""What a lesson block says and how it looks: text that fits (never overflowing), status and
weather verdict on two channels that do not rely on colour alone."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics

from app.models.calendar_model import CalendarModel
from app.views.calendar_view import CalendarView
from app.views.lesson_delegate import LessonPainter, block_look, initials
from app.views.theme import ACKNOWLEDGED_STYLE, status_style, verdict_style
from tests.app.views.calendar_support import CHICAGO, DAY, lesson, local, schedule

JANE = lesson("L1", start=local(9), hours=1.5, student="Jane Doe", verdict="GO",
              reasons=("Forecast within minimums at KAUS",))


@pytest.fixture
def painter(qapp) -> LessonPainter:
    return LessonPainter(font=QFont())


def _fits(lines, width: int) -> bool:
    return all(QFontMetrics(font).horizontalAdvance(text) <= width - (4 if width >= 40 else 2) - 1
               for font, text in lines)


def test_week_blocks_show_time_and_student_as_far_as_they_fit(painter) -> None:
    wide = painter.lines(JANE, 160, 40, mode="week", zone=CHICAGO)
    assert [text for _font, text in wide] == ["✓ 09:00", "Jane Doe"]
    one_line = painter.lines(JANE, 160, 20, mode="week", zone=CHICAGO)
    assert [text for _font, text in one_line] == ["✓ 09:00 Jane Doe"]
    narrow = painter.lines(JANE, 34, 40, mode="week", zone=CHICAGO)
    assert narrow[1][1] == "JD"  # initials when the name does not fit
    for width in range(8, 200, 3):
        for height in (16, 20, 40, 80):
            lines = painter.lines(JANE, width, height, mode="week", zone=CHICAGO)
            assert _fits(lines, width), (width, lines)
            assert len(lines) * painter.line_height <= height


def test_day_blocks_show_student_instructor_type_verdict_and_reason(painter) -> None:
    texts = [text for _font, text in painter.lines(JANE, 400, 80, mode="day", zone=CHICAGO)]
    assert texts == ["Jane Doe", "Instructor I1", "Dual · 09:00–10:30",
                     "✓ Go — Forecast within minimums at KAUS"]
    cancelled = lesson("L2", start=local(9), student="Jane Doe", status="WEATHER_CANCELLED",
                       verdict="NO_GO", reasons=("Ceiling 700 ft at KHYI",))
    texts = [text for _font, text in painter.lines(cancelled, 400, 80, mode="day", zone=CHICAGO)]
    assert texts[0] == "☂ Jane Doe" and texts[2].endswith("Cancelled for weather")
    assert texts[3] == "✕ No-go — Ceiling 700 ft at KHYI"
    for width in range(8, 400, 7):
        for height in (16, 34, 50, 80):
            lines = painter.lines(cancelled, width, height, mode="day", zone=CHICAGO)
            assert _fits(lines, width), (width, lines)
            assert len(lines) * painter.line_height <= height


def test_status_and_verdict_are_two_channels_never_colour_alone(qapp) -> None:
    scheduled = block_look(lesson("A", start=local(9), verdict="GO"))
    at_risk = block_look(lesson("B", start=local(9), verdict="GO", status="AT_RISK"))
    cancelled = block_look(lesson("C", start=local(9), verdict="GO", status="CANCELLED"))
    weather = block_look(lesson("D", start=local(9), verdict="NO_GO",
                                status="WEATHER_CANCELLED"))
    # The verdict: the fill's hue and a glyph.
    assert scheduled.fill == verdict_style("GO").fill and scheduled.marks == "✓"
    assert weather.fill == verdict_style("NO_GO").fill and weather.marks.startswith("✕")
    # The status: border and pattern (and its glyph), whatever the verdict.
    assert at_risk.border.style() == Qt.PenStyle.DashLine and at_risk.border.width() == 2
    assert scheduled.border.style() == Qt.PenStyle.SolidLine and scheduled.hatch is None
    assert weather.hatch is not None and weather.struck and "☂" in weather.marks
    # No longer flown: the status's neutral tone, hatched and struck through.
    assert cancelled.fill == status_style("CANCELLED").fill
    assert cancelled.hatch is not None and cancelled.struck and "⊘" in cancelled.marks
    pending = block_look(lesson("E", start=local(9)))
    assert pending.fill == status_style("SCHEDULED").fill  # not checked yet: no verdict's hue
    assert pending.marks == verdict_style(None).glyph


def test_initials() -> None:
    assert initials("Jane Doe") == "JD"
    assert initials("Jane Q. Public Doe") == "JQP"
    assert initials("Ōsaka") == "Ō"
    assert initials("") == ""


def test_a_lesson_booked_over_a_policy_warning_is_flagged_and_says_which(qtbot, painter) -> None:
    accepted = ("The lesson is outside Sam Lee's availability on Tuesdays (11:00–19:00) "
                "(accepted by dispatcher@example.com).",)
    flagged = replace(JANE, acknowledged=accepted)
    flag = ACKNOWLEDGED_STYLE.glyph
    week = [text for _font, text in painter.lines(flagged, 160, 40, mode="week", zone=CHICAGO)]
    assert week == [f"✓{flag} 09:00", "Jane Doe"]
    day = [text for _font, text in painter.lines(flagged, 400, 80, mode="day", zone=CHICAGO)]
    assert day[0] == f"{flag} Jane Doe"
    assert painter.lines(JANE, 160, 40, mode="week", zone=CHICAGO)[0][1] == "✓ 09:00"  # unflagged
    for width in range(8, 200, 5):  # the flag never makes a line overflow
        assert _fits(painter.lines(flagged, width, 40, mode="week", zone=CHICAGO), width)

    model = CalendarModel()
    model.set_schedule(schedule(flagged))
    view = CalendarView(model=model, mode="day", day=DAY)
    qtbot.add_widget(view)
    described = view.describe(flagged).splitlines()
    assert f"{flag} Booked over the school's booking policy:" in described
    assert f"• {accepted[0]}" in described
    assert "booking policy" not in view.describe(JANE)
