"""The calendar's interactions, offscreen: rows, night shading, double-click, drag, read-only.

Schedules are built by hand (plain dataclasses) in a one-day view 1000×400 px, so positions are
easy to compute; one test reads the demo service's schedule for the home airport's location.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QMouseEvent
from PySide6.QtWidgets import QApplication

from app.models.calendar_model import CalendarModel
from app.models.lessons import Lesson, Schedule, load_school, load_schedule
from app.services.replica import Replica
from app.services.sync_loop import SyncLoop
from app.views.calendar_view import (
    FIRST_HOUR,
    HEADER_HEIGHT,
    LABEL_WIDTH,
    LAST_HOUR,
    CalendarView,
    MoveRequest,
    SlotRequest,
)
from app.views.main_window import MainWindow

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
AUSTIN = (30.19, -97.67)
DAY = date(2026, 12, 1)  # civil dawn in Austin about 06:43, dusk about 17:56
WIDTH, HEIGHT = 1000, 400


def local(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), CHICAGO).astimezone(UTC)


def lesson(lesson_id: str, *, start: datetime, hours: float = 1.0, aircraft_id: str = "A1",
           instructor_id: str | None = "I1") -> Lesson:
    return Lesson(id=lesson_id, start=start, end=start + timedelta(hours=hours),
                  aircraft_id=aircraft_id, aircraft=aircraft_id, student=f"Student {lesson_id}",
                  instructor="" if instructor_id is None else f"Instructor {instructor_id}",
                  flight_type="DUAL", status="SCHEDULED", departure="KAUS", destination="",
                  student_id="S1", instructor_id=instructor_id, version=1)


def schedule(*lessons: Lesson, home_location: tuple[float, float] | None = AUSTIN) -> Schedule:
    return Schedule(school="Test school", home_airport="KAUS", timezone=CHICAGO,
                    aircraft=(("A1", "N111 · C172S"), ("A2", "N222 · C172S")),
                    instructors=(("I1", "Alice"), ("I2", "Bob")),
                    lessons=lessons, home_location=home_location)


@pytest.fixture
def make_view(qtbot):
    def make(data: Schedule) -> CalendarView:
        model = CalendarModel()
        model.set_schedule(data)
        view = CalendarView(model=model, mode="day", day=DAY,
                            clock=lambda: local(0, day=DAY + timedelta(days=30)))
        qtbot.add_widget(view)
        view.resize(WIDTH, HEIGHT)
        view.show()
        qtbot.wait_exposed(view)
        return view
    return make


def x_at(hour: float) -> float:
    width = WIDTH - LABEL_WIDTH - 4
    return LABEL_WIDTH + width * (hour - FIRST_HOUR) / (LAST_HOUR - FIRST_HOUR)


def y_in_row(row: int, rows: int) -> float:
    row_height = (HEIGHT - HEADER_HEIGHT - 2) / rows
    return HEADER_HEIGHT + row_height * (row + 0.5)


def point(hour: float, row: int, rows: int = 2) -> QPoint:
    return QPoint(round(x_at(hour)), round(y_in_row(row, rows)))


def drag_move(view: CalendarView, to: QPoint) -> None:
    """A mouse move with the left button held (QTest's mouseMove carries no buttons)."""
    event = QMouseEvent(QEvent.Type.MouseMove, QPointF(to), QPointF(view.mapToGlobal(to)),
                        Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view, event)


def drag(qtbot, view: CalendarView, start: QPoint, end: QPoint, *, release: bool = True) -> None:
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=start)
    steps = 6
    for step in range(1, steps + 1):
        drag_move(view, QPoint(start.x() + (end.x() - start.x()) * step // steps,
                               start.y() + (end.y() - start.y()) * step // steps))
    if release:
        qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=end)


def test_rows_switch_to_instructors_and_solo(make_view) -> None:
    taught = lesson("L1", start=local(9), aircraft_id="A1", instructor_id="I2")
    solo = lesson("L2", start=local(13), aircraft_id="A2", instructor_id=None)
    view = make_view(schedule(taught, solo))
    assert view.rows_kind == "aircraft"
    assert view.lesson_at(QPointF(point(9.5, 0))) == taught
    assert view.lesson_at(QPointF(point(13.5, 1))) == solo

    view.set_rows("instructor")
    assert view.rows_kind == "instructor"
    assert not view.grab().isNull()
    # Rows: Alice, Bob, Solo (no instructor).
    assert view.lesson_at(QPointF(point(9.5, 0, rows=3))) is None
    assert view.lesson_at(QPointF(point(9.5, 1, rows=3))) == taught
    assert view.lesson_at(QPointF(point(13.5, 2, rows=3))) == solo
    with pytest.raises(ValueError):
        view.set_rows("students")  # type: ignore[arg-type]


def test_night_is_shaded_before_dawn_and_after_dusk(make_view) -> None:
    view = make_view(schedule())
    image = view.grab().toImage()
    y = round(y_in_row(0, 2)) - 20
    before_dawn = QColor(image.pixel(round(x_at(6.25)), y))
    midday = QColor(image.pixel(round(x_at(12.25)), y))
    after_dusk = QColor(image.pixel(round(x_at(19.25)), y))
    assert before_dawn.lightness() < midday.lightness() - 10
    assert after_dusk.lightness() < midday.lightness() - 10
    assert midday == QColor("#ffffff")


def test_no_shading_without_a_location_and_polar_days_do_not_crash(make_view) -> None:
    view = make_view(schedule(home_location=None))
    image = view.grab().toImage()
    y = round(y_in_row(0, 2)) - 20
    assert QColor(image.pixel(round(x_at(6.25)), y)) == QColor(image.pixel(round(x_at(12.25)), y))

    polar_night = make_view(schedule(home_location=(78.22, 15.65)))  # Svalbard in December
    image = polar_night.grab().toImage()
    assert QColor(image.pixel(round(x_at(12.25)), y)).lightness() < 240


def test_double_click_on_free_space_asks_to_book_a_snapped_slot(qtbot, make_view) -> None:
    view = make_view(schedule(lesson("L1", start=local(9))))
    with qtbot.wait_signal(view.book_requested) as blocker:
        qtbot.mouseDClick(view, Qt.MouseButton.LeftButton, pos=point(14 + 10 / 60, 1))
    assert blocker.args == [SlotRequest(start=local(14), row_kind="aircraft", row_id="A2")]

    view.set_rows("instructor")
    with qtbot.wait_signal(view.book_requested) as blocker:
        qtbot.mouseDClick(view, Qt.MouseButton.LeftButton, pos=point(16 + 40 / 60, 2, rows=3))
    assert blocker.args == [SlotRequest(start=local(16, 30), row_kind="instructor", row_id=None)]


def test_double_click_on_a_lesson_asks_to_edit_it(qtbot, make_view) -> None:
    view = make_view(schedule(lesson("L1", start=local(9))))
    with qtbot.wait_signal(view.edit_requested) as blocker, \
            qtbot.assert_not_emitted(view.book_requested), \
            qtbot.assert_not_emitted(view.lesson_opened):
        qtbot.mouseDClick(view, Qt.MouseButton.LeftButton, pos=point(9.5, 0))
    assert blocker.args == ["L1"]


def test_drag_one_row_down_and_two_hours_later_asks_to_move(qtbot, make_view) -> None:
    view = make_view(schedule(lesson("L1", start=local(9), hours=1.5)))
    start = point(9.5, 0)
    end = QPoint(round(x_at(11.5)), round(y_in_row(1, 2)))
    with qtbot.wait_signal(view.move_requested) as blocker:
        drag(qtbot, view, start, end, release=False)
        assert view.is_dragging()
        assert not view.grab().isNull()  # the ghost paints
        qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=end)
    assert blocker.args == [MoveRequest(lesson_id="L1", start=local(11), end=local(12, 30),
                                        row_kind="aircraft", row_id="A2")]
    assert not view.is_dragging()


def test_drag_by_instructor_rows_changes_the_instructor(qtbot, make_view) -> None:
    view = make_view(schedule(lesson("L1", start=local(9), instructor_id="I1")))
    view.set_rows("instructor")
    with qtbot.wait_signal(view.move_requested) as blocker:
        drag(qtbot, view, point(9.5, 0, rows=3), point(10.5, 1, rows=3))
    assert blocker.args == [MoveRequest(lesson_id="L1", start=local(10), end=local(11),
                                        row_kind="instructor", row_id="I2")]


def test_a_small_wiggle_or_a_drop_in_place_moves_nothing(qtbot, make_view) -> None:
    view = make_view(schedule(lesson("L1", start=local(9))))
    start = point(9.5, 0)
    with qtbot.assert_not_emitted(view.move_requested):
        drag(qtbot, view, start, start + QPoint(1, 0))
        drag(qtbot, view, start, start + QPoint(4, 3))  # beyond the drag distance, same slot


def test_escape_cancels_a_drag(qtbot, make_view) -> None:
    view = make_view(schedule(lesson("L1", start=local(9))))
    end = point(12.5, 1)
    with qtbot.assert_not_emitted(view.move_requested):
        drag(qtbot, view, point(9.5, 0), end, release=False)
        assert view.is_dragging()
        qtbot.keyClick(view, Qt.Key.Key_Escape)
        assert not view.is_dragging()
        qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=end)


def test_read_only_lessons_are_marked_not_draggable_and_open_read_only(qtbot, make_view) -> None:
    mine = lesson("L1", start=local(9), instructor_id="I1")
    theirs = lesson("L2", start=local(9), aircraft_id="A2", instructor_id="I2")
    view = make_view(schedule(mine, theirs))
    plain = view.grab().toImage()
    view.set_can_edit(lambda item: item.instructor_id == "I1")
    view.set_can_book(False)
    marked = view.grab().toImage()
    # The lock marker: the top-right corner of the refused lesson's block changes, not the other's.
    corner_y = round(HEADER_HEIGHT + (HEIGHT - HEADER_HEIGHT - 2) / 2 + 3 + 3)
    corner_xs = range(round(x_at(10)) - 8, round(x_at(10)) - 1)
    assert any(plain.pixel(x, corner_y) != marked.pixel(x, corner_y) for x in corner_xs)
    mine_y = HEADER_HEIGHT + 3 + 3
    assert all(plain.pixel(x, mine_y) == marked.pixel(x, mine_y) for x in corner_xs)

    with qtbot.assert_not_emitted(view.move_requested):
        drag(qtbot, view, point(9.5, 1), point(12.5, 0))
    assert not view.is_dragging()
    with qtbot.wait_signal(view.lesson_opened) as blocker, \
            qtbot.assert_not_emitted(view.edit_requested):
        qtbot.mouseDClick(view, Qt.MouseButton.LeftButton, pos=point(9.5, 1))
    assert blocker.args == ["L2"]
    with qtbot.assert_not_emitted(view.book_requested):
        qtbot.mouseDClick(view, Qt.MouseButton.LeftButton, pos=point(15, 1))
    with qtbot.wait_signal(view.move_requested):  # one's own lesson still moves
        drag(qtbot, view, point(9.5, 0), point(13.5, 0))


def test_week_view_places_lessons_on_their_days(qtbot, make_view) -> None:
    tuesday = lesson("L1", start=local(9))
    friday = lesson("L2", start=local(15, day=DAY + timedelta(days=3)), aircraft_id="A2")
    view = make_view(schedule(tuesday, friday))
    view.set_mode("week")
    column = (WIDTH - LABEL_WIDTH - 4) / 7
    y = y_in_row(1, 2)
    x_friday = LABEL_WIDTH + 4 * column + column * (15.5 - FIRST_HOUR) / (LAST_HOUR - FIRST_HOUR)
    assert view.lesson_at(QPointF(x_friday, y)) == friday
    assert view.lesson_at(QPointF(x_friday - column, y)) is None
    assert not view.grab().isNull()


def test_demo_schedule_knows_where_its_home_airport_is(demo) -> None:
    # The service keeps the coordinates on the school row; the desktop reads its replica.
    [school] = demo.replica.rows("schools")
    replicated = (school.data["home_latitude"], school.data["home_longitude"])
    start = datetime.now(UTC)
    data = load_schedule(demo.replica, start, start + timedelta(days=7))
    assert data.home_airport == "KAUS"
    assert data.home_location == replicated
    latitude, longitude = data.home_location
    assert abs(latitude - AUSTIN[0]) < 0.1 and abs(longitude - AUSTIN[1]) < 0.1
    assert load_school(demo.replica).home_location == replicated


def test_a_school_row_without_coordinates_has_no_home_location(tmp_path) -> None:
    # A school the service could not locate (or a row pulled before it sent coordinates).
    replica = Replica(tmp_path / "replica.sqlite3")
    try:
        replica.apply_pull([{"table": "schools", "id": "S1", "version": 1, "server_seq": 1,
                             "deleted": False,
                             "data": {"name": "Test school", "home_airport": "ZZZZ",
                                      "timezone": "America/Chicago", "home_latitude": None,
                                      "home_longitude": None}}], cursor=1)
        start = datetime.now(UTC)
        assert load_schedule(replica, start, start + timedelta(days=1)).home_location is None
        assert load_school(replica).home_location is None
    finally:
        replica.close()


def test_main_window_remembers_the_row_choice(qtbot, demo) -> None:
    loop = SyncLoop(engine=demo.engine, interval_ms=600_000)
    try:
        window = MainWindow(sync_loop=loop, replica=demo.replica, user_email=demo.email,
                            mode="week")
        qtbot.add_widget(window)
        window.rows_instructor_action.trigger()
        assert window.calendar.rows_kind == "instructor"
        assert window.rows_instructor_action.isChecked()
        again = MainWindow(sync_loop=loop, replica=demo.replica, user_email=demo.email,
                           mode="week")
        qtbot.add_widget(again)
        assert again.calendar.rows_kind == "instructor"
        assert again.rows_instructor_action.isChecked()
        again.rows_aircraft_action.trigger()
        assert again.calendar.rows_kind == "aircraft"
    finally:
        loop.stop()
