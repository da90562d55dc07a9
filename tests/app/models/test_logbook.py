"""How the check-out and check-in dialogs judge readings and when the commands make sense
(``app.models.logbook``: plain values, no service needed)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from app.models.lessons import Lesson
from app.models.logbook import (AircraftMeters, can_check_in, can_check_out, check_in_problems,
                                check_out_problems, flown_words, status_notes)

NOW = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
PLANE = AircraftMeters(aircraft_id="a", tail="N172HC", hobbs=1200.0, tach=950.0)
LESSON = Lesson(id="l", start=NOW - timedelta(minutes=30), end=NOW + timedelta(hours=1),
                aircraft_id="a", aircraft="N172HC", student="Jane Doe", instructor="Sam Lee",
                flight_type="DUAL", status="SCHEDULED", departure="KAUS", destination="",
                version=3)


def test_check_out_is_for_a_lesson_of_about_now_not_yet_out() -> None:
    assert can_check_out(LESSON, NOW)
    assert can_check_out(replace(LESSON, start=NOW + timedelta(hours=11)), NOW)
    assert not can_check_out(replace(LESSON, start=NOW + timedelta(days=2)), NOW)
    assert not can_check_out(replace(LESSON, start=NOW - timedelta(days=1)), NOW)
    assert not can_check_out(replace(LESSON, checked_out_at=NOW), NOW)
    assert not can_check_out(replace(LESSON, status="COMPLETED"), NOW)
    assert not can_check_out(replace(LESSON, version=None), NOW)  # not at the service yet


def test_check_in_is_for_a_lesson_out_or_started() -> None:
    assert can_check_in(LESSON, NOW)  # started: checked in with its readings out
    assert can_check_in(replace(LESSON, start=NOW - timedelta(days=3)), NOW)
    assert not can_check_in(replace(LESSON, start=NOW + timedelta(hours=2)), NOW)
    assert can_check_in(replace(LESSON, start=NOW + timedelta(hours=2), checked_out_at=NOW), NOW)
    assert not can_check_in(replace(LESSON, status="CANCELLED"), NOW)


def test_a_checked_out_lesson_shows_as_flying_until_checked_in() -> None:
    flying = replace(LESSON, checked_out_at=NOW - timedelta(minutes=25))
    assert flying.shown_status == "FLYING" and flying.status == "SCHEDULED"
    assert replace(flying, status="AT_RISK").shown_status == "FLYING"
    assert replace(flying, status="COMPLETED").shown_status == "COMPLETED"
    assert status_notes(flying, UTC) == ["Checked out Thu 14:35 UTC: check it in after the flight"]
    assert status_notes(replace(LESSON, status="COMPLETED", flown_hours=1.3), UTC) == [
        "Flown 1.3 h (Hobbs)"]
    assert status_notes(replace(LESSON, status="CANCELLED", cancel_kind="no_show"), UTC) == [
        "Cancelled: no-show"]


def test_readings_out_below_the_aircraft_are_refused_far_above_asked_about() -> None:
    assert check_out_problems(hobbs_out=1200.0, tach_out=950.0, aircraft=PLANE) == []
    assert check_out_problems(hobbs_out=1199.97, tach_out=950.0, aircraft=PLANE) == []  # rounding
    [backwards] = check_out_problems(hobbs_out=1199.0, tach_out=950.0, aircraft=PLANE)
    assert backwards.blocking and backwards.field == "hobbs_out"
    assert "below the 1200 h N172HC showed" in backwards.text
    [jump] = check_out_problems(hobbs_out=1200.0, tach_out=975.5, aircraft=PLANE)
    assert not jump.blocking and jump.field == "tach_out" and "25.5 h more" in jump.text
    # Blocking first.
    both = check_out_problems(hobbs_out=1300.0, tach_out=900.0, aircraft=PLANE)
    assert [problem.blocking for problem in both] == [True, False]


def test_check_in_readings_and_times() -> None:
    def problems(**changes):
        values = dict(hobbs_out=1200.0, tach_out=950.0, hobbs_in=1201.3, tach_in=951.1,
                      started=NOW - timedelta(hours=1, minutes=30), ended=NOW, now=NOW,
                      aircraft=PLANE, out_recorded=True) | changes
        return [(problem.field, problem.blocking) for problem in check_in_problems(**values)]

    assert problems() == []
    assert problems(hobbs_in=1199.9) == [("hobbs_in", True)]  # below the reading out
    assert problems(hobbs_in=1201.9) == [("hobbs_in", True)]  # 1.9 h in 1 h 30 (+0.3 slack)
    assert problems(hobbs_in=1201.8, started=NOW - timedelta(hours=2)) == []
    assert problems(ended=NOW + timedelta(hours=1)) == [("actual_end_at", True)]
    assert problems(started=NOW, ended=NOW) == [("actual_end_at", True)]
    # Readings out typed here (not checked out) are judged against the aircraft, as questions:
    # a lesson entered late may well be below what a later check-in left.
    assert problems(out_recorded=False, hobbs_out=1150.0, hobbs_in=1151.0) == [("hobbs_out", False)]
    assert problems(out_recorded=False, hobbs_out=1300.0, hobbs_in=1301.0) == [("hobbs_out", False)]


def test_flown_time_in_words() -> None:
    assert flown_words(1200.2, 1201.5) == "1.3 h on the Hobbs (1 h 18 min)"
    assert flown_words(1200.0, 1200.4) == "0.4 h on the Hobbs (24 min)"
    assert flown_words(1200.5, 1200.0).endswith("the Hobbs in is below the Hobbs out")
