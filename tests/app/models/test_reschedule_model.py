"""The reschedule review's data: requests joined with their lessons and options, from the demo's
replica (the real embedded service's start-up sweep opens them), and the list model over them."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.models.reschedule_model import (
    SHORT_STATE_LABELS,
    RescheduleListModel,
    RescheduleRole,
    load_reschedules,
)


def test_requests_join_their_lessons_and_options(demo) -> None:
    reschedules = load_reschedules(demo.replica)
    assert reschedules.timezone.key == "America/Chicago"
    open_ones = [r for r in reschedules.requests if r.is_open]
    assert open_ones, "the demo's start-up sweep opens requests for weather-cancelled lessons"
    request = open_ones[0]
    lesson = demo.replica.get("flights", request.flight_id).data
    assert request.lesson_status == lesson["status"] == "WEATHER_CANCELLED"
    students = {row.id: row.data["name"] for row in demo.replica.rows("students")}
    assert request.student == students[lesson["student_id"]]
    assert request.original_start.isoformat().replace("+00:00", "Z") == lesson["start_at"]
    assert [o.rank for o in request.options] == [1, 2, 3]
    tails = {row.data["tail_number"] for row in demo.replica.rows("aircraft")}
    for option in request.options:
        assert option.aircraft in tails and option.end > option.start
        assert option.justification and option.weather_summary
        assert option.instructor == "solo" if option.instructor_id is None else option.instructor != "?"
    # Open requests first, soonest lesson first.
    starts = [r.original_start for r in open_ones]
    assert starts == sorted(starts)
    assert all(r.is_open for r in reschedules.requests[:len(open_ones)])


def test_the_list_model(qtmodeltester, demo) -> None:
    model = RescheduleListModel()
    model.set_reschedules(load_reschedules(demo.replica))
    qtmodeltester.check(model)
    assert model.rowCount() >= 1
    first = model.index(0, 0)
    request = model.data(first, RescheduleRole.REQUEST)
    assert model.data(first, RescheduleRole.ID) == request.id
    assert model.data(first, RescheduleRole.STATE) == request.state
    assert model.data(first, RescheduleRole.IS_OPEN) is True
    text = model.data(first, Qt.ItemDataRole.DisplayRole)
    assert request.student in text and SHORT_STATE_LABELS[request.state] in text
    assert model.row_of(request.id) == 0 and model.row_of("nope") == -1
