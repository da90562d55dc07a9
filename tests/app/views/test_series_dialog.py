"""Weekly series from the desk against the real service on 127.0.0.1: the series dialog books
8 weeks of Tuesdays and Thursdays and says which lesson was not booked and why, all or nothing
books none, warnings are booked over with "Book anyway"; and the lesson editor moves "this and
following" lessons of a series, or this one only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt, QTime

from app.models.lessons import parse_time
from app.services.edit_history import RecordingLessonEdits
from app.services.lesson_edits import LessonEdits
from app.views.lesson_editor import LessonEditor
from app.views.series_dialog import SeriesDialog
from sync.database.session import session_scope
from sync.schools.models import School
from tests.app.views.school_desk import ZONE, Desk, at, iso, next_weekday, open_desk, with_fleet

# Dialogs shown on the offscreen platform make it say so; harmless.
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")


@pytest.fixture
def school(signed_in_school, api_server):
    return with_fleet(signed_in_school(), api_server)


@pytest.fixture
def desk(api_server, school, tmp_path) -> Iterator[Desk]:
    desk = open_desk(api_server, school, "dispatcher", tmp_path)
    yield desk
    desk.close()


def _lesson(school, start, **fields) -> dict:
    return {"student_id": str(school.student_id), "instructor_id": str(school.instructor_id),
            "aircraft_id": str(school.aircraft_id), "start_at": iso(start),
            "end_at": iso(start + timedelta(hours=1)), "departure": "KAUS",
            "flight_type": "DUAL"} | fields


def _dialog(qtbot, desk: Desk, school, *, first_tuesday, hour: int = 14,
            minute: int = 0) -> SeriesDialog:
    start = at(first_tuesday, hour, minute)
    dialog = SeriesDialog(schedule=desk.schedule(), book=desk.client.book_series,
                          fields=_lesson(school, start))
    qtbot.add_widget(dialog)
    dialog.set_weekdays(2, 4)
    dialog.weeks.setValue(8)
    return dialog


def _flights(school) -> list[dict]:
    return school.dispatcher.get("/flights", params={"limit": 1000}).json()["items"]


def test_eight_weeks_of_tuesdays_and_thursdays_are_booked_and_the_clash_is_said(
        qtbot, school, desk) -> None:
    tuesday = next_weekday(2)
    clash_at = at(tuesday + timedelta(days=16), 13, 30)  # the third Thursday, overlapping 14:00
    taken = school.dispatcher.post("/flights", json=_lesson(
        school, clash_at, instructor_id=str(school.colleague_id)))
    assert taken.status_code == 201, taken.text
    dialog = _dialog(qtbot, desk, school, first_tuesday=tuesday)
    dialog.resize(1180, 660)
    dialog.show()

    # Before anything is sent: the 16 lessons it asks for, in school time.
    assert dialog.lessons.count() == 16
    assert dialog.summary_label.text().startswith("16 lessons, ")
    assert "(America/Chicago)" in dialog.summary_label.text()
    assert dialog.book_button.isEnabled()

    with qtbot.wait_signal(dialog.booked, timeout=20_000) as booked, \
            qtbot.assert_not_emitted(dialog.failed):
        dialog.book_button.click()

    result = booked.args[0]
    assert len(result.booked) == 15 and len(result.refused) == 1
    lines = [dialog.lessons.item(row).text() for row in range(dialog.lessons.count())]
    assert len(lines) == 16 and sum(line.startswith("Booked — ") for line in lines) == 15
    [refused] = [line for line in lines if line.startswith("Not booked")]
    local = clash_at.astimezone(ZONE)
    student = desk.replica.get("students", str(school.student_id)).data["name"]
    assert refused == (
        f"Not booked — {local:%a %d %b %Y} 14:00–15:00 {local:%Z}: {student} already has a "
        f"lesson {local:%a %d %b %Y} 13:30–14:30 {local:%Z}.")
    assert dialog.summary_label.text() == "15 lessons were booked; 1 was not (see why below)."
    # Booked: the form is what was booked; no second booking of it by mistake.
    assert not dialog.book_button.isVisible() and not dialog.student.isEnabled()
    assert dialog.close_button.text() == "Close"
    on_server = [row for row in _flights(school) if row["series_id"]]
    assert len(on_server) == 15 and len({row["series_id"] for row in on_server}) == 1
    assert {parse_time(row["start_at"]).astimezone(ZONE).strftime("%a %H:%M")
            for row in on_server} == {"Tue 14:00", "Thu 14:00"}

    # The whole list reads at 1280x720: the dialog fits, nothing is cut off at the side.
    assert dialog.width() <= 1280 and dialog.height() <= 720
    item = dialog.lessons.findItems("Not booked", Qt.MatchFlag.MatchStartsWith)[0]
    rect = dialog.lessons.visualItemRect(item)
    assert rect.width() <= dialog.lessons.viewport().width()
    text_width = dialog.lessons.fontMetrics().horizontalAdvance(refused)
    if text_width > rect.width():  # wrapped onto more lines, not elided
        assert rect.height() >= 2 * dialog.lessons.fontMetrics().height()


def test_all_or_nothing_books_none_when_one_cannot_be(qtbot, school, desk) -> None:
    tuesday = next_weekday(2, weeks_ahead=3)
    school.dispatcher.post("/flights", json=_lesson(school, at(tuesday + timedelta(days=9), 14)))
    before = len(_flights(school))
    dialog = _dialog(qtbot, desk, school, first_tuesday=tuesday)
    dialog.weeks.setValue(4)
    dialog.all_or_nothing.setChecked(True)
    dialog.show()

    with qtbot.wait_signal(dialog.book_button.clicked), qtbot.assert_not_emitted(dialog.booked):
        dialog.book_button.click()
    qtbot.wait_until(lambda: dialog.result is not None, timeout=20_000)

    assert dialog.result.booked == () and len(dialog.result.refused) == 8
    assert dialog.summary_label.text() == (
        "None of the 8 lessons was booked: 1 could not be, and the series was to be booked all "
        "or nothing. The reasons are listed below.")
    lines = [dialog.lessons.item(row).text() for row in range(dialog.lessons.count())]
    assert len(lines) == 8 and all(line.startswith("Not booked") for line in lines)
    assert sum("already has a lesson" in line for line in lines) == 1
    assert sum("Held back: another lesson of the series could not be booked" in line
               for line in lines) == 7
    assert len(_flights(school)) == before
    # Nothing was booked: the form stays to change and book again.
    assert dialog.book_button.isVisible() and dialog.student.isEnabled()


def test_warned_lessons_are_booked_anyway_once_accepted(qtbot, school, desk, api_server) -> None:
    # Thursdays the school stays open until 21:00: only Tuesday's 19:30 lessons are outside its
    # hours, so the first answer books Thursdays and warns of Tuesdays.
    with session_scope(api_server.engine) as db:
        row = db.get(School, school.school_id)
        row.operating_hours = [{"weekday": day, "open": "07:00",
                                "close": "21:00" if day == 4 else "19:00"} for day in range(1, 8)]
    tuesday = next_weekday(2, weeks_ahead=6)
    dialog = _dialog(qtbot, desk, school, first_tuesday=tuesday, hour=19, minute=30)
    dialog.weeks.setValue(3)
    dialog.show()

    with qtbot.wait_signal(dialog.booked, timeout=20_000) as first:
        dialog.book_button.click()

    assert len(first.args[0].booked) == 3 and len(first.args[0].warned) == 3
    warning = dialog.warning_dialog
    assert warning is not None and warning.isVisible()
    assert "Booking 3 lessons of this series" in warning.heading.text()
    [said] = warning.warnings
    assert said.code == "OUTSIDE_SCHOOL_HOURS" and "(and 2 more lessons of the series)" in said.text
    assert dialog.book_anyway_button.isVisible()
    assert "only need the booking policy's warnings accepted" in dialog.warnings_label.text()

    with qtbot.wait_signal(dialog.booked, timeout=20_000) as again:
        warning.go_button.click()

    result = again.args[0]
    assert len(result.booked) == 6 and result.refused == ()
    assert dialog.summary_label.text() == "All 6 lessons were booked."
    assert not dialog.book_anyway_button.isVisible()
    rows = [row for row in _flights(school) if row["series_id"]]
    assert len(rows) == 6
    # One series, so "this and following" from the first lesson reaches the accepted ones too.
    assert {row["series_id"] for row in rows} == set(result.series_ids) and len(result.series_ids) == 1
    tuesdays = [row for row in rows if parse_time(row["start_at"]).astimezone(ZONE).isoweekday() == 2]
    assert len(tuesdays) == 3
    assert all(row["acknowledged_warnings"][0]["code"] == "OUTSIDE_SCHOOL_HOURS"
               and row["acknowledged_warnings"][0]["by"] == school.emails["dispatcher"]
               for row in tuesdays)


def test_offline_the_series_is_not_booked_and_it_says_why(qtbot, school, desk) -> None:
    from app.services.api_client import Offline

    def unreachable(_body: dict) -> dict:
        raise Offline("Cannot reach the service")

    dialog = SeriesDialog(schedule=desk.schedule(), book=unreachable,
                          fields=_lesson(school, at(next_weekday(2), 14)))
    qtbot.add_widget(dialog)
    with qtbot.wait_signal(dialog.failed, timeout=10_000) as failed:
        dialog.book_button.click()
    assert "the service cannot be reached" in failed.args[0]
    assert "not kept here to send later" in failed.args[0]
    assert dialog.error_label.text() == failed.args[0] and dialog.book_button.isEnabled()


# -- this and following -------------------------------------------------------------------------


def _series(school, first_tuesday, weeks: int = 4) -> list[dict]:
    answer = school.dispatcher.post("/flights/series", json={
        "student_id": str(school.student_id), "instructor_id": str(school.instructor_id),
        "aircraft_id": str(school.aircraft_id), "departure": "KAUS", "flight_type": "DUAL",
        "weekdays": [2], "start_time": "10:00", "duration_minutes": 60,
        "first_date": first_tuesday.isoformat(), "weeks": weeks})
    assert answer.status_code == 201, answer.text
    return answer.json()["booked"]


def _editor(qtbot, desk: Desk, edits: LessonEdits, lesson_id: str) -> LessonEditor:
    lesson = next(item for item in desk.schedule().lessons if item.id == lesson_id)
    editor = LessonEditor(schedule=desk.schedule(), edits=edits, lesson=lesson)
    qtbot.add_widget(editor)
    editor.show()
    return editor


def _local_starts(school, booked: list[dict]) -> list[str]:
    rows = [school.dispatcher.get(f"/flights/{row['id']}").json() for row in booked]
    return [parse_time(row["start_at"]).astimezone(ZONE).strftime("%a %H:%M") for row in rows]


def test_moving_this_and_the_following_lessons_of_a_series(qtbot, school, desk) -> None:
    booked = _series(school, next_weekday(2, weeks_ahead=2))
    desk.engine.sync_once()
    records = []
    edits = RecordingLessonEdits(desk.engine, listener=records.append)
    editor = _editor(qtbot, desk, edits, booked[1]["id"])

    editor.start_time.setTime(QTime(11, 30))
    editor.save()

    scope = editor.scope_dialog
    assert scope is not None and scope.isVisible()
    assert "belongs to a weekly series" in scope.heading.text()
    assert scope.following_button.isEnabled()
    with qtbot.wait_signal(editor.saved, timeout=20_000) as saved:
        scope.following_button.click()

    assert saved.args[0].state == "applied", saved.args[0].message
    assert editor.scope == "following"
    assert _local_starts(school, booked) == ["Tue 10:00", "Tue 11:30", "Tue 11:30", "Tue 11:30"]
    desk.engine.sync_once()  # what the window does after such a save: the calendar follows
    shown = {lesson.id: lesson for lesson in desk.schedule().lessons}
    assert [f"{shown[row['id']].start.astimezone(ZONE):%H:%M}" for row in booked] == [
        "10:00", "11:30", "11:30", "11:30"]

    # Undone the same way: the whole series goes back.
    [record] = records
    assert record.scope == "following"
    assert record.description.endswith("lesson and the following ones")
    assert edits.revert(record, booked[1]["id"]).done
    assert _local_starts(school, booked) == ["Tue 10:00"] * 4


def test_when_a_later_lesson_cannot_move_none_moves_and_it_says_which(qtbot, school, desk) -> None:
    first_tuesday = next_weekday(2, weeks_ahead=8)
    booked = _series(school, first_tuesday, weeks=3)
    blocker = at(first_tuesday + timedelta(days=14), 11, 30)  # where the third lesson would go
    taken = school.dispatcher.post("/flights", json=_lesson(
        school, blocker, instructor_id=str(school.colleague_id)))
    assert taken.status_code == 201, taken.text
    desk.engine.sync_once()
    editor = _editor(qtbot, desk, LessonEdits(desk.engine), booked[0]["id"])

    editor.start_time.setTime(QTime(11, 30))
    editor.save()
    with qtbot.wait_signal(editor.saved, timeout=20_000) as saved:
        editor.scope_dialog.following_button.click()

    outcome = saved.args[0]
    third = parse_time(booked[2]["start_at"]).astimezone(ZONE)
    assert outcome.state == "rejected"
    assert outcome.message.startswith(
        f"None of the series moved: its lesson of {third:%a %d %b %H:%M %Z} cannot move. ")
    assert f"already has a lesson {blocker.astimezone(ZONE):%a %d %b %H:%M}" in outcome.message
    assert editor.isVisible() and editor.error_label.text() == outcome.message
    assert _local_starts(school, booked) == ["Tue 10:00"] * 3


def test_this_lesson_only_moves_one_and_other_changes_keep_the_series_in_place(
        qtbot, school, desk) -> None:
    booked = _series(school, next_weekday(2, weeks_ahead=5), weeks=3)
    desk.engine.sync_once()
    edits = LessonEdits(desk.engine)
    editor = _editor(qtbot, desk, edits, booked[0]["id"])

    editor.start_time.setTime(QTime(12, 0))
    editor.notes.setPlainText("bring the headset")
    editor.save()
    scope = editor.scope_dialog
    # Only times move the following lessons: with the notes changed too, that choice is off.
    assert not scope.following_button.isEnabled()
    assert "also sets the notes" in scope.note.text()
    with qtbot.wait_signal(editor.saved, timeout=20_000) as saved:
        scope.this_button.click()

    assert saved.args[0].state == "applied", saved.args[0].message
    assert editor.scope == "this"
    assert _local_starts(school, booked) == ["Tue 12:00", "Tue 10:00", "Tue 10:00"]


def test_a_lesson_outside_any_series_is_saved_without_asking(qtbot, school, desk) -> None:
    single = school.dispatcher.post("/flights", json=_lesson(school, at(next_weekday(3), 10)))
    desk.engine.sync_once()
    editor = _editor(qtbot, desk, LessonEdits(desk.engine), single.json()["id"])
    editor.start_time.setTime(QTime(11, 0))
    with qtbot.wait_signal(editor.saved, timeout=20_000) as saved:
        editor.save()
    assert editor.scope_dialog is None and editor.scope is None
    assert saved.args[0].state == "applied"
