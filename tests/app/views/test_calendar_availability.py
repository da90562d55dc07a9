"""Instructors' unavailable times shaded on the calendar's instructor rows (hand-built schedules,
offscreen, light and dark), their tooltip, a row label's context menu, and the legend's entry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QContextMenuEvent, QImage, QMouseEvent
from PySide6.QtWidgets import QApplication

from app.models.availability import unavailable_bands
from app.models.calendar_model import CalendarModel
from app.models.lessons import Schedule
from app.views.calendar_view import FIRST_HOUR, LABEL_WIDTH, LAST_HOUR, CalendarView, RowRequest
from app.views.legend_dialog import LegendDialog
from app.views.theme import dark_palette
from tests.app.views.calendar_support import CHICAGO, DAY, lesson, local

WIDTH, HEIGHT = 1000, 400

# I1 works split shifts on DAY's weekday; I2 is off that day; I3 has not restricted their time.
PEOPLE = {
    "I1": {"availability": [{"weekday": DAY.isoweekday(), "start": "08:00", "end": "12:00"},
                            {"weekday": DAY.isoweekday(), "start": "13:00", "end": "17:00"}]},
    "I2": {"availability": [], "availability_exceptions": [{"date": DAY.isoformat(),
                                                           "available": False}]},
    "I3": {"availability": []},
}


def _schedule(*lessons) -> Schedule:
    start, end = local(0), local(24)
    unavailable = tuple((person_id, bands) for person_id, person in PEOPLE.items()
                        if (bands := unavailable_bands(person, CHICAGO, start, end)))
    return Schedule(school="Test school", home_airport="KAUS", timezone=CHICAGO,
                    aircraft=(("A1", "N111 · C172S"),),
                    instructors=(("I1", "Alice"), ("I2", "Bob"), ("I3", "Carol")),
                    lessons=lessons, home_location=None, unavailable=unavailable)


@pytest.fixture
def view(qtbot) -> CalendarView:
    model = CalendarModel()
    model.set_schedule(_schedule(lesson("L1", start=local(12), instructor_id="I1")))
    view = CalendarView(model=model, mode="day", day=DAY, rows="instructor",
                        clock=lambda: local(0) + timedelta(days=30))
    qtbot.add_widget(view)
    view.resize(WIDTH, HEIGHT)
    view.show()
    qtbot.wait_exposed(view)
    return view


def _x(view: CalendarView, hour: float) -> float:
    row = view.row_rect(0)
    return row.left() + row.width() * (hour - FIRST_HOUR) / (LAST_HOUR - FIRST_HOUR)


def _pixels(image: QImage, rect: QRectF) -> list[QColor]:
    return [QColor(image.pixel(x, y)) for x in range(round(rect.left()), round(rect.right()))
            for y in range(round(rect.top()), round(rect.bottom()))]


def _mean(image: QImage, rect: QRectF) -> QColor:
    """The average colour of a patch (the hatch is lines on a veil: one pixel may miss it)."""
    colours = _pixels(image, rect)
    return QColor(round(sum(c.red() for c in colours) / len(colours)),
                  round(sum(c.green() for c in colours) / len(colours)),
                  round(sum(c.blue() for c in colours) / len(colours)))


def _patch(view: CalendarView, row: int, hour: float) -> QRectF:
    rect = view.row_rect(row)
    return QRectF(_x(view, hour) - 9, rect.center().y() - 9, 18, 18)


def test_the_rows_are_shaded_where_their_instructor_is_not_available(view) -> None:
    split = view.unavailable_rects(0)
    assert [why for _rect, why in split] == ["outside_windows"] * 3
    edges = [(round(rect.left()), round(rect.right())) for rect, _why in split]
    first, last = view.row_rect(0).left(), view.row_rect(0).right()
    # Before 08:00 (from the 06:00 the day shows), lunch, after 17:00 (to 21:00).
    assert edges == [(round(first), round(_x(view, 8))), (round(_x(view, 12)), round(_x(view, 13))),
                     (round(_x(view, 17)), round(last))]
    assert all(rect.top() == view.row_rect(0).top() and rect.height() == view.row_rect(0).height()
               for rect, _why in split)
    [(whole, why)] = view.unavailable_rects(1)
    assert why == "day_off" and whole == view.row_rect(1)
    assert view.unavailable_rects(2) == []  # unrestricted
    assert view.unavailable_rects(3) == []  # the solo row

    assert view.unavailable_at(QPointF(_x(view, 12.5), view.row_rect(0).center().y())) == \
        "outside_windows"
    assert view.unavailable_at(QPointF(_x(view, 10), view.row_rect(0).center().y())) == ""
    assert view.unavailable_at(QPointF(_x(view, 10), view.row_rect(1).center().y())) == "day_off"


@pytest.mark.parametrize("dark", [False, True])
def test_the_shading_is_painted_behind_the_lessons_in_light_and_dark(view, dark) -> None:
    if dark:
        view.setPalette(dark_palette())
    base = view.palette().color(view.palette().ColorRole.Base)
    image = view.grab().toImage()

    # (between the hour lines)
    available = _mean(image, _patch(view, 0, 10.5))
    shaded = _mean(image, _patch(view, 0, 18.5))
    day_off = _mean(image, _patch(view, 1, 10.5))
    unrestricted = _mean(image, _patch(view, 2, 10.5))
    assert available == base and unrestricted == base
    for patch in (_patch(view, 0, 18.5), _patch(view, 1, 10.5)):
        # A veil over every pixel, and hatch lines that stand out from it — but subtly.
        pixels = _pixels(image, patch)
        assert base.rgb() not in {colour.rgb() for colour in pixels}
        away = [abs(colour.lightness() - base.lightness()) for colour in pixels]
        assert 12 <= max(away) <= 90, (max(away), base.name())
        assert len({colour.rgb() for colour in pixels}) >= 2
    # The lesson (12:00–13:00, in the lunch gap) is drawn over the shading.
    [block] = view.lesson_rects("L1")
    fill = QColor(image.pixel(block.center().toPoint()))
    assert fill != shaded and abs(fill.lightness() - shaded.lightness()) > 20


def test_rows_by_aircraft_are_not_shaded(view) -> None:
    view.set_rows("aircraft")
    assert view.unavailable_rects(0) == []
    image = view.grab().toImage()
    assert _mean(image, _patch(view, 0, 18.5)) == view.palette().color(view.palette().ColorRole.Base)


def test_a_shaded_time_says_what_it_means(qtbot, view) -> None:
    def hover(point: QPointF) -> str:
        QApplication.sendEvent(view, QMouseEvent(QMouseEvent.Type.MouseMove, point,
                                                 view.mapToGlobal(point), Qt.MouseButton.NoButton,
                                                 Qt.MouseButton.NoButton,
                                                 Qt.KeyboardModifier.NoModifier))
        return view.toolTip()

    lunch = QPointF(_x(view, 12.25), view.row_rect(0).top() + 2)
    assert "outside Alice’s weekly availability" in hover(lunch).replace("'", "’")
    assert "Bob is off that day" in hover(QPointF(_x(view, 10), view.row_rect(1).center().y()))
    assert hover(QPointF(_x(view, 10), view.row_rect(0).center().y())) == ""
    assert "Student L1" in hover(view.lesson_rects("L1")[0].center())
    assert "outside Alice" in hover(QPointF(_x(view, 18), view.row_rect(0).center().y()))


def test_right_clicking_a_row_label_asks_for_its_menu(qtbot, view) -> None:
    label = view.row_label_rect(1)
    point = label.center().toPoint()
    with qtbot.wait_signal(view.context_menu_requested) as asked:
        QApplication.sendEvent(view, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, point,
                                                       view.mapToGlobal(point)))
    [request] = asked.args
    assert request.row == RowRequest(row_kind="instructor", row_id="I2", label="Bob")
    assert request.lesson_id == "" and request.slot is None
    assert view.row_label_at(QPointF(LABEL_WIDTH + 5, label.center().y())) is None


def test_the_legend_shows_the_shading_as_the_calendar_paints_it(qtbot) -> None:
    dialog = LegendDialog()
    qtbot.add_widget(dialog)
    swatch = dialog.badges["shading:UNAVAILABLE"]
    image = swatch.pixmap().toImage()
    base = dialog.palette().color(dialog.palette().ColorRole.Base)
    inner = _pixels(image, QRectF(2, 2, image.width() - 4, image.height() - 4))
    assert base.rgb() not in {colour.rgb() for colour in inner}
    assert max(abs(colour.lightness() - base.lightness()) for colour in inner) >= 12
