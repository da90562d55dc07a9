"""Rows scroll under a fixed header beside fixed row labels; the time axis zooms (Ctrl+wheel,
Ctrl++ / Ctrl+-, Ctrl+0) and then scrolls sideways."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QColor, QWheelEvent
from PySide6.QtWidgets import QApplication

from app.models.calendar_model import CalendarModel
from app.models.lessons import Schedule
from app.views.calendar_view import HEADER_HEIGHT, LABEL_WIDTH, CalendarView
from tests.app.views.calendar_support import DAY, lesson, local, schedule


@pytest.fixture
def make_view(qtbot):
    def make(data: Schedule, *, mode: str = "week", size: tuple[int, int] = (1280, 720)
             ) -> CalendarView:
        model = CalendarModel()
        model.set_schedule(data)
        view = CalendarView(model=model, mode=mode, day=DAY,
                            clock=lambda: local(0, day=DAY + timedelta(days=30)))
        qtbot.add_widget(view)
        view.resize(*size)
        view.show()
        qtbot.wait_exposed(view)
        return view
    return make


def wheel(view: CalendarView, at: QPointF, *, dy: int = 0, dx: int = 0,
          modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    event = QWheelEvent(at, QPointF(view.mapToGlobal(at.toPoint())), QPoint(0, 0),
                        QPoint(dx, dy), Qt.MouseButton.NoButton, modifiers,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view, event)


def _has_ink(image, rect: QRect, background: QColor) -> bool:
    """Whether anything but the background is drawn in ``rect`` (text, lines)."""
    return any(QColor(image.pixel(x, y)) != background
               for x in range(rect.left(), rect.right(), 2)
               for y in range(rect.top(), rect.bottom(), 2))


@pytest.mark.parametrize(("size", "rows"), [((1280, 720), "aircraft"), ((1280, 720), "instructor"),
                                            ((900, 420), "aircraft")])
def test_forty_rows_are_all_reachable_by_scrolling(qtbot, make_view, size, rows) -> None:
    lessons = [lesson(f"L{n}", start=local(8 + n % 10), aircraft_id=f"A{n + 1}",
                      instructor_id=f"I{n + 1}") for n in range(40)]
    view = make_view(schedule(*lessons, aircraft=40, instructors=40), size=size)
    view.set_rows(rows)
    count = 40 if rows == "aircraft" else 41  # (and the solo row)
    assert view.row_count() == count
    bar = view.vertical_scroll_bar()
    assert bar.isVisible() and bar.maximum() > 0
    seen = set(view.visible_rows())
    assert 0 in seen and count - 1 not in seen
    middle = QPointF(LABEL_WIDTH + 200, HEADER_HEIGHT + 100)
    for _ in range(200):
        before = bar.value()
        wheel(view, middle, dy=-120)
        seen |= set(view.visible_rows())
        if bar.value() == before:
            break
    assert bar.value() == bar.maximum()
    assert seen == set(range(count))
    # The last row's lesson can be pointed at, and its label is drawn beside it; the header
    # with the days stays on top.
    last = lessons[-1]
    [rect] = view.lesson_rects(last.id)
    assert view.lesson_at(rect.center()) == last
    image = view.grab().toImage()
    base = view.palette().color(view.palette().ColorRole.Base)
    row = view.row_rect(count - 1)
    assert _has_ink(image, QRect(4, round(row.top()) + 2, LABEL_WIDTH - 10,
                                 round(row.height()) - 4), base)
    assert _has_ink(image, QRect(LABEL_WIDTH + 4, 2, 200, HEADER_HEIGHT - 6), base)
    # Back up with the keyboard.
    view.setFocus()
    for _ in range(40):
        qtbot.keyClick(view, Qt.Key.Key_PageUp)
    assert bar.value() == 0 and 0 in view.visible_rows()


def test_a_few_rows_fill_the_height_without_scrolling(make_view) -> None:
    view = make_view(schedule(lesson("L1", start=local(9))), size=(1280, 720))
    assert not view.vertical_scroll_bar().isVisible()
    assert view.visible_rows() == [0, 1]
    assert view.row_rect(1).bottom() == pytest.approx(720, abs=1)


def test_ctrl_wheel_zooms_around_the_mouse_and_the_days_then_scroll_sideways(qtbot,
                                                                             make_view) -> None:
    target = lesson("L1", start=local(14), hours=1, aircraft_id="A1")
    view = make_view(schedule(target), size=(1280, 500))
    [before] = view.lesson_rects("L1")
    at = before.center()
    assert not view.horizontal_scroll_bar().isVisible()
    with qtbot.wait_signal(view.zoom_changed) as zoomed:
        wheel(view, at, dy=120 * 3, modifiers=Qt.KeyboardModifier.ControlModifier)
    assert zoomed.args[0] == "week" and zoomed.args[1] == pytest.approx(1.25 ** 3)
    [after] = view.lesson_rects("L1")
    assert after.width() == pytest.approx(before.width() * 1.25 ** 3, rel=0.02)
    assert after.center().x() == pytest.approx(at.x(), abs=2)  # still under the mouse
    assert view.lesson_at(at) == target
    bar = view.horizontal_scroll_bar()
    assert bar.isVisible() and bar.maximum() > 0
    # Plain wheel sideways (or with Shift) scrolls the days, not the zoom.
    value = bar.value()
    wheel(view, at, dy=-120, modifiers=Qt.KeyboardModifier.ShiftModifier)
    assert bar.value() > value
    assert view.lesson_rects("L1")[0].center().x() < at.x()


def test_zoom_keys_and_fit(qtbot, make_view) -> None:
    view = make_view(schedule(lesson("L1", start=local(9))), mode="day")
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == pytest.approx(1.25)
    qtbot.keyClick(view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == pytest.approx(1.25 ** 2)
    qtbot.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == pytest.approx(1.25)
    qtbot.keyClick(view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == 1.0 and not view.horizontal_scroll_bar().isVisible()
    for _ in range(5):
        qtbot.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == 1.0  # never narrower than the days fitting the width
    # Each view keeps its own zoom.
    view.set_zoom(2.0)
    view.set_mode("week")
    assert view.zoom == 1.0
    view.set_mode("day")
    assert view.zoom == 2.0


def test_selecting_a_lesson_out_of_view_scrolls_to_it(make_view) -> None:
    lessons = [lesson(f"L{n}", start=local(8 + n % 10), aircraft_id=f"A{n + 1}")
               for n in range(40)]
    view = make_view(schedule(*lessons, aircraft=40), size=(1000, 400))
    view.set_zoom(4.0)
    view.horizontal_scroll_bar().setValue(0)
    view.select_lesson("L39")
    [rect] = view.lesson_rects("L39")
    assert 39 in view.visible_rows()
    assert view.rect().contains(rect.toRect())
    assert view.lesson_at(rect.center()).id == "L39"


def test_a_zoomed_week_opens_on_now(qtbot) -> None:
    thursday = lesson("NOW", start=local(14, day=DAY + timedelta(days=2)))
    model = CalendarModel()
    model.set_schedule(schedule(thursday))
    view = CalendarView(model=model, mode="week", day=DAY,
                        clock=lambda: local(14, 30, day=DAY + timedelta(days=2)))
    qtbot.add_widget(view)
    view.resize(1000, 400)
    view.set_zoom(4.0, mode="week")  # (as remembered from the last start)
    view.show()
    qtbot.wait_exposed(view)
    [rect] = view.lesson_rects("NOW")
    assert LABEL_WIDTH <= rect.left() and rect.right() <= view.width()
    view.go_next()
    view.go_previous()  # back on this week: on now again, wherever it was scrolled
    view.horizontal_scroll_bar().setValue(0)
    view.go_next()
    view.go_previous()
    [rect] = view.lesson_rects("NOW")
    assert LABEL_WIDTH <= rect.left() and rect.right() <= view.width()
