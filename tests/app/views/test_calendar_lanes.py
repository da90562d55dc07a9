"""Nothing on the calendar is hidden: overlapping lessons share their row in lanes, every block
can be pointed at, and the day stretches to lessons outside 06:00–21:00."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor

from app.models.calendar_model import CalendarModel
from app.models.lessons import Lesson, Schedule
from app.views.calendar_view import CalendarView
from tests.app.views.calendar_support import DAY, lesson, local, schedule


@pytest.fixture
def make_view(qtbot):
    def make(data: Schedule, *, mode: str = "day", size: tuple[int, int] = (1000, 400)
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


def test_a_lesson_booked_into_a_cancelled_ones_slot_is_shown_beside_it(qtbot, make_view) -> None:
    cancelled = lesson("OLD", start=local(9), hours=2, status="WEATHER_CANCELLED",
                       verdict="NO_GO", student="Grace Sullivan")
    replacement = lesson("NEW", start=local(9), hours=2, verdict="GO", student="Jacob Wright")
    view = make_view(schedule(cancelled, replacement))
    [old_rect] = view.lesson_rects("OLD")
    [new_rect] = view.lesson_rects("NEW")
    row = view.row_rect(0)
    for rect in (old_rect, new_rect):
        assert rect.width() > 50 and rect.height() > 15
        assert row.contains(rect)
    assert not old_rect.intersects(new_rect)
    assert new_rect.bottom() <= old_rect.top()  # the lesson still flown on top
    assert view.lesson_at(old_rect.center()).id == "OLD"
    assert view.lesson_at(new_rect.center()).id == "NEW"

    # Both are painted, differently (the cancelled one hatched, in its verdict's colour).
    image = view.grab().toImage()
    base = view.palette().color(view.palette().ColorRole.Base)
    old_pixel = QColor(image.pixel(old_rect.center().toPoint()))
    new_pixel = QColor(image.pixel(new_rect.center().toPoint()))
    assert old_pixel != base and new_pixel != base and old_pixel != new_pixel

    # Double-click opens the one under the mouse, each of them.
    for rect, lesson_id in ((old_rect, "OLD"), (new_rect, "NEW")):
        with qtbot.wait_signal(view.edit_requested) as blocker:
            qtbot.mouseDClick(view, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
        assert blocker.args == [lesson_id]
    # The tooltip is the lesson under the mouse too.
    qtbot.mouseMove(view, old_rect.center().toPoint())
    assert "Grace Sullivan" in view.toolTip() and "Cancelled for weather" in view.toolTip()


def _random_schedule(rng: random.Random, *, rows: int) -> Schedule:
    lessons = []
    for n in range(rng.randint(5, 45)):
        start = local(rng.randint(0, 24 * 4 - 1) / 4, day=DAY + timedelta(days=rng.randint(-1, 2)))
        lessons.append(lesson(
            f"L{n:02d}", start=start, hours=rng.choice((5 / 60, 0.25, 0.5, 1, 1.5, 2, 3, 4, 7)),
            aircraft_id=f"A{rng.randint(1, rows)}",
            instructor_id=rng.choice((None, "I1", "I2")),
            status=rng.choice(("SCHEDULED", "SCHEDULED", "AT_RISK", "WEATHER_CANCELLED",
                               "CANCELLED", "RESCHEDULED", "COMPLETED")),
            verdict=rng.choice((None, "GO", "MARGINAL", "NO_GO", "UNKNOWN"))))
    return schedule(*lessons, aircraft=rows)


@pytest.mark.parametrize("mode", ["day", "week"])
def test_no_lesson_is_ever_hidden_by_another(qtbot, make_view, mode: str) -> None:
    rng = random.Random(20261201)
    view = make_view(schedule(), mode=mode)
    model = view._model
    for _ in range(25):
        data = _random_schedule(rng, rows=3)
        model.set_schedule(data)
        start, end = view.visible_range()
        shown = {item.id for item in data.lessons if item.start < end and item.end > start}
        for kind in ("aircraft", "instructor"):
            view.set_rows(kind)
            for zoom in (1.0, 3.0):
                view.set_zoom(zoom)
                blocks = view.block_rects()
                assert {lesson_id for lesson_id, _row, _rect in blocks} == shown
                by_row: dict[int, list] = {}
                for lesson_id, row, rect in blocks:
                    assert rect.width() >= 5 and rect.height() >= 5, (lesson_id, rect)
                    row_rect = view.row_rect(row)
                    assert row_rect.top() <= rect.top() and rect.bottom() <= row_rect.bottom()
                    if zoom == 1.0:
                        assert row_rect.contains(rect), (lesson_id, rect, row_rect)
                    by_row.setdefault(row, []).append((lesson_id, rect))
                for members in by_row.values():
                    for index, (first_id, first) in enumerate(members):
                        for second_id, second in members[index + 1:]:
                            assert not first.intersects(second), (first_id, second_id)
                # Pointing at a block in view finds that block's lesson.
                grid = view.row_rect(0).united(view.row_rect(view.row_count() - 1))
                for lesson_id, _row, rect in blocks:
                    middle = rect.center()
                    if view.rect().contains(middle.toPoint()) and grid.contains(middle) \
                            and middle.x() < view.width() - 20 and middle.y() < view.height() - 20:
                        assert view.lesson_at(middle).id == lesson_id
        view.set_zoom(1.0)
        view.set_rows("aircraft")


def test_a_lesson_at_two_in_the_morning_is_visible(make_view) -> None:
    early = lesson("EARLY", start=local(2), verdict="UNKNOWN")
    view = make_view(schedule(early))
    assert view.hours() == (2, 21)
    [rect] = view.lesson_rects("EARLY")
    assert rect.width() > 40  # a real block, not a sliver at the edge
    assert view.row_rect(0).contains(rect)
    assert view.lesson_at(rect.center()) == early

    view.set_mode("week")
    assert view.hours() == (2, 21)
    assert view.lesson_at(view.lesson_rects("EARLY")[0].center()) == early


def test_the_day_stretches_to_late_lessons_and_lessons_past_midnight(make_view) -> None:
    view = make_view(schedule())
    assert view.hours() == (6, 21)  # nothing outside: the usual day
    view._model.set_schedule(schedule(lesson("LATE", start=local(21, 30))))
    assert view.hours() == (6, 23)
    overnight = lesson("NIGHT", start=local(23), hours=2)
    view._model.set_schedule(schedule(overnight))
    assert view.hours() == (6, 24)  # Tuesday alone: it runs to midnight
    view.set_mode("week")  # Tuesday 23:00 to Wednesday 01:00: a block on each day
    assert view.hours() == (0, 24)
    tuesday, wednesday = view.lesson_rects("NIGHT")
    assert tuesday.right() <= wednesday.left()
    assert view.lesson_at(tuesday.center()) == overnight == view.lesson_at(wednesday.center())


def test_a_row_with_many_overlapping_lessons_grows_to_keep_each_readable(make_view) -> None:
    stacked = [lesson(f"L{n}", start=local(9), hours=1, status="WEATHER_CANCELLED")
               for n in range(8)]
    view = make_view(schedule(*stacked), size=(1000, 300))
    rects = [view.lesson_rects(item.id)[0] for item in stacked]
    assert all(rect.height() >= 15 for rect in rects)
    assert view.row_rect(0).height() > view.row_rect(1).height()
    assert len({round(rect.top()) for rect in rects}) == 8


def test_blocks_keep_their_lessons_in_order(make_view) -> None:
    lessons: list[Lesson] = [lesson("A", start=local(8)), lesson("B", start=local(9)),
                             lesson("C", start=local(9, 30), hours=0.5)]
    view = make_view(schedule(*lessons))
    a, b, c = (view.lesson_rects(item.id)[0] for item in lessons)
    assert a.right() <= b.left()  # back to back: one lane
    assert abs(a.top() - b.top()) < 0.5
    assert not b.intersects(c) and c.top() > b.top()  # C overlaps B: a second lane
    assert view.lesson_at(QPointF(a.center())) == lessons[0]
