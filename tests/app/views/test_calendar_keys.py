"""The calendar like a desktop list: a selected lesson (framed), arrows and Tab to move it, Return
to open it, Delete to ask to cancel it, context menus asked for by mouse or keyboard."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QContextMenuEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from app.models.calendar_model import CalendarModel
from app.models.lessons import Schedule
from app.views.calendar_view import CalendarView, ContextRequest, SlotRequest
from app.views.theme import dark_palette
from tests.app.views.calendar_support import DAY, lesson, local, schedule

# Row A1: L1 09:00, L2 11:00, L3 14:00; row A2 empty; row A3: M1 10:30, M2 15:00.
L1 = lesson("L1", start=local(9), aircraft_id="A1", student="Ada One")
L2 = lesson("L2", start=local(11), aircraft_id="A1", student="Bea Two")
L3 = lesson("L3", start=local(14), aircraft_id="A1", student="Cy Three")
M1 = lesson("M1", start=local(10, 30), aircraft_id="A3", student="Di Four")
M2 = lesson("M2", start=local(15), aircraft_id="A3", student="Ed Five")
TIME_ORDER = ["L1", "M1", "L2", "L3", "M2"]


@pytest.fixture
def make_view(qtbot):
    def make(data: Schedule | None = None, *, mode: str = "day") -> CalendarView:
        holder = QWidget()
        qtbot.add_widget(holder)
        model = CalendarModel(parent=holder)
        model.set_schedule(data or schedule(L1, L2, L3, M1, M2, aircraft=3))
        view = CalendarView(model=model, mode=mode, day=DAY,
                            clock=lambda: local(0, day=DAY + timedelta(days=30)), parent=holder)
        after = QLineEdit(holder)  # what Tab reaches after the last lesson
        # (No layout: a layout on the top-level holder makes the offscreen platform warn.)
        holder.resize(1000, 530)
        view.setGeometry(0, 0, 1000, 500)
        after.setGeometry(0, 504, 300, 24)
        holder.show()
        qtbot.wait_exposed(holder)
        with qtbot.wait_active(holder):  # (keys and focus need an active window)
            holder.activateWindow()
        view.setFocus()
        view.after = after  # type: ignore[attr-defined]
        view.holder = holder  # type: ignore[attr-defined]  (kept alive with the view)
        return view
    return make


def test_a_click_selects_and_the_selection_is_framed(qtbot, make_view) -> None:
    view = make_view()
    [rect] = view.lesson_rects("L2")
    plain = view.grab().toImage()
    with qtbot.wait_signal(view.selection_changed) as selected:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert selected.args == ["L2"] and view.selected_lesson_id == "L2"
    framed = view.grab().toImage()
    highlight = view.palette().color(view.palette().ColorRole.Highlight)
    edge = QPoint(round(rect.center().x()), round(rect.top()) - 1)
    assert QColor(framed.pixel(edge)) == highlight != QColor(plain.pixel(edge))
    # A click on free space clears it.
    with qtbot.wait_signal(view.selection_changed) as cleared:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton,
                         pos=QPoint(round(rect.center().x()), round(view.row_rect(1).center().y())))
    assert cleared.args == [""]


def test_arrows_move_along_the_row_and_to_the_nearest_lesson_above_or_below(qtbot,
                                                                           make_view) -> None:
    view = make_view()
    steps = [(Qt.Key.Key_Right, "L1"),  # nothing selected: the first lesson in time
             (Qt.Key.Key_Right, "L2"), (Qt.Key.Key_Right, "L3"),
             (Qt.Key.Key_Right, "L3"),  # the last of its row: stays
             (Qt.Key.Key_Left, "L2"),
             (Qt.Key.Key_Down, "M1"),  # past the empty row, the nearest in time to 11:00–12:00
             (Qt.Key.Key_Down, "M1"),  # no row below
             (Qt.Key.Key_Right, "M2"),
             (Qt.Key.Key_Up, "L3"),  # 15:00–16:00 is nearest to 14:00–15:00
             (Qt.Key.Key_Up, "L3")]
    for key, expected in steps:
        qtbot.keyClick(view, key)
        assert view.selected_lesson_id == expected, (key, expected)


def test_tab_goes_through_the_lessons_in_time_order_then_leaves(qtbot, make_view) -> None:
    view = make_view()
    visited = []
    for _ in TIME_ORDER:
        qtbot.keyClick(view, Qt.Key.Key_Tab)
        visited.append(view.selected_lesson_id)
        assert view.hasFocus()
    assert visited == TIME_ORDER
    qtbot.keyClick(view, Qt.Key.Key_Tab)  # past the last: the focus moves on
    assert view.after.hasFocus() and view.selected_lesson_id == "M2"
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Backtab)
    assert view.selected_lesson_id == "L3"
    # Ctrl+Tab leaves at once, however many lessons are left.
    qtbot.keyClick(view, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert view.after.hasFocus() and view.selected_lesson_id == "L3"


def test_return_opens_and_delete_asks_to_cancel_the_selected_lesson(qtbot, make_view) -> None:
    view = make_view()
    with qtbot.assert_not_emitted(view.edit_requested), \
            qtbot.assert_not_emitted(view.cancel_requested):
        qtbot.keyClick(view, Qt.Key.Key_Return)  # nothing selected: nothing to open
        qtbot.keyClick(view, Qt.Key.Key_Delete)
    view.select_lesson("L2")
    with qtbot.wait_signal(view.edit_requested) as opened:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert opened.args == ["L2"]
    with qtbot.wait_signal(view.cancel_requested) as cancelled:
        qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert cancelled.args == ["L2"]
    # A lesson one may not change opens read-only.
    view.set_can_edit(lambda item: item.id != "M1")
    view.select_lesson("M1")
    with qtbot.wait_signal(view.lesson_opened) as read_only, \
            qtbot.assert_not_emitted(view.edit_requested):
        qtbot.keyClick(view, Qt.Key.Key_Enter)
    assert read_only.args == ["M1"]


def test_the_selection_is_described_for_screen_readers(make_view) -> None:
    view = make_view()
    assert view.accessibleName() == "Lesson calendar"
    view.select_lesson("M1")
    description = view.accessibleDescription()
    assert "Di Four" in description and "10:30" in description and "Scheduled" in description


def test_the_selection_goes_when_its_lesson_does(make_view) -> None:
    view = make_view()
    view.select_lesson("L3")
    view._model.set_schedule(schedule(L1, L2, aircraft=3))
    assert view.selected_lesson_id == ""
    view.select_lesson("L2")
    view._model.set_schedule(schedule(L1, L2, M1, aircraft=3))  # a reload: it stays
    assert view.selected_lesson_id == "L2"


def test_context_menus_are_asked_for_on_lessons_and_free_slots(qtbot, make_view) -> None:
    view = make_view()
    [rect] = view.lesson_rects("L3")
    global_at = view.mapToGlobal(rect.center().toPoint())
    with qtbot.wait_signal(view.context_menu_requested) as asked:
        QApplication.sendEvent(view, QContextMenuEvent(QContextMenuEvent.Reason.Mouse,
                                                       rect.center().toPoint(), global_at))
    assert asked.args == [ContextRequest(position=global_at, lesson_id="L3")]
    assert view.selected_lesson_id == "L3"

    free = QPoint(round(rect.center().x()), round(view.row_rect(1).center().y()))
    with qtbot.wait_signal(view.context_menu_requested) as asked:
        QApplication.sendEvent(view, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, free,
                                                       view.mapToGlobal(free)))
    [request] = asked.args
    assert request.lesson_id == "" and request.slot == SlotRequest(
        start=view.slot_at(QPointF(free)).start, row_kind="aircraft", row_id="A2")

    # The menu key (or Shift+F10): the selected lesson's menu, beside it.
    view.select_lesson("M1")
    with qtbot.wait_signal(view.context_menu_requested) as asked:
        QApplication.sendEvent(view, QContextMenuEvent(QContextMenuEvent.Reason.Keyboard,
                                                       QPoint(0, 0), view.mapToGlobal(QPoint())))
    [request] = asked.args
    assert request.lesson_id == "M1"
    assert view.lesson_rects("M1")[0].adjusted(-8, -8, 8, 8).contains(
        QPointF(view.mapFromGlobal(request.position)))


def test_the_calendar_takes_its_colours_from_the_palette(make_view) -> None:
    view = make_view(schedule(lesson("L1", start=local(9)), home_location=None))
    row = view.row_rect(1)
    empty = row.center().toPoint()
    light = view.grab().toImage()
    assert QColor(light.pixel(empty)) == view.palette().color(view.palette().ColorRole.Base)
    view.setPalette(dark_palette())
    dark = view.grab().toImage()
    assert QColor(dark.pixel(empty)) == dark_palette().color(dark_palette().ColorRole.Base)
    assert QColor(dark.pixel(empty)).lightness() < 60
    # The row labels are written in the palette's text colour, readable on it.
    label = [QColor(dark.pixel(x, y)) for x in range(4, 140) for y in range(
        round(row.top()) + 4, round(row.bottom()) - 4)]
    assert max(colour.lightness() for colour in label) > 180
