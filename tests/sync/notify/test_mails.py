"""The workflow's mails: rendered in the school's clock, written once per key, in the caller's
transaction."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sync.auth.models import Account, AccountRole
from sync.config import Settings
from sync.flights.models import FlightType, WeatherCheck
from sync.notify import mails, outbox
from sync.notify.models import Notification, NotificationStatus
from sync.reschedule.models import RescheduleOption, RescheduleState
from sync.weather.verdicts import Verdict
from tests.sync.factories import (
    make_aircraft, make_flight, make_instructor, make_reschedule_request, make_school, make_student,
)

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
# 15:00 UTC on 26 November is 09:00 in Chicago (CST, UTC-6).
LESSON_START = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
SETTINGS = Settings.explicit(public_url="https://dispatch.example.test")


@pytest.fixture
def cancelled(db_session: Session):
    """A dual lesson cancelled for weather, its check and a request with three options."""
    school = make_school(db_session, name="Hill Country Aviation", timezone="America/Chicago")
    student = make_student(db_session, school, name="Ada Student", email="ada@example.com")
    instructor = make_instructor(db_session, school, name="Ben Instructor", email="ben@example.com")
    aircraft = make_aircraft(db_session, school, tail_number="N123AB")
    flight = make_flight(db_session, school, student_id=student.id, instructor_id=instructor.id,
                         aircraft_id=aircraft.id, start_at=LESSON_START,
                         end_at=LESSON_START + timedelta(hours=2))
    check = WeatherCheck(school_id=school.id, flight_id=flight.id, checked_at=NOW,
                         verdict=Verdict.NO_GO,
                         reasons=[{"code": "CEILING", "text": "ceiling 600 ft below 1000 ft",
                                   "effect": "NO_GO", "station": "KAUS"}])
    db_session.add(check)
    db_session.flush()
    request = make_reschedule_request(db_session, flight, weather_check_id=check.id,
                                      detected_at=NOW, expires_at=NOW + timedelta(hours=24))
    for rank in (1, 2, 3):
        start = LESSON_START + timedelta(days=rank)
        db_session.add(RescheduleOption(
            school_id=school.id, request_id=request.id, rank=rank, start_at=start,
            end_at=start + timedelta(hours=2), instructor_id=instructor.id, aircraft_id=aircraft.id,
            expected_weather={"verdict": "GO", "summary": f"VFR, wind 8 kt (option {rank})"},
            justification=f"Same instructor and aircraft, {rank} day(s) later."))
    db_session.flush()
    return school, flight, request


def rows(db: Session) -> list[Notification]:
    return list(db.scalars(select(Notification).order_by(Notification.kind, Notification.recipient)))


def test_weather_cancellation_mails_the_student_the_reasons_and_three_links(db_session, cancelled):
    school, flight, request = cancelled
    written = mails.send_weather_cancellation(db=db_session, flight=flight, request=request,
                                              now=NOW, settings=SETTINGS)
    by_kind = {row.kind: row for row in written}
    assert set(by_kind) == {"weather_cancellation", "cancellation_notice"}

    student_mail = by_kind["weather_cancellation"]
    assert student_mail.recipient == "ada@example.com"
    assert student_mail.status == NotificationStatus.PENDING and student_mail.next_attempt_at == NOW
    assert "Thu 26 Nov 2026, 09:00–11:00 CST (America/Chicago)" in student_mail.subject
    for body in (student_mail.body_text, student_mail.body_html):
        assert "09:00–11:00 CST (America/Chicago)" in body
        assert "ceiling 600 ft below 1000 ft" in body
        assert "Sat 28 Nov 2026, 09:00–11:00 CST" in body  # option 2, in local time
        assert "VFR, wind 8 kt (option 3)" in body
    links = [line.split(": ", 1)[1] for line in student_mail.body_text.splitlines()
             if line.strip().startswith("Choose it:")]
    assert len(links) == 3
    for rank, link in enumerate(links, start=1):
        parts = urlsplit(link)
        assert parts.netloc == "dispatch.example.test" and parts.path.startswith("/r/")
        assert parse_qs(parts.query) == {"option": [str(rank)]}
        assert f'href="{link.replace("&", "&amp;")}"' in student_mail.body_html

    notice = by_kind["cancellation_notice"]
    assert notice.recipient == "ben@example.com"
    assert "Option 3: Sun 29 Nov 2026, 09:00–11:00 CST" in notice.body_text
    # The signed link acts for the student: it goes to nobody else.
    assert "/r/" not in notice.body_text and "/r/" not in notice.body_html


def test_times_follow_the_schools_time_zone_and_daylight_saving(db_session):
    school = make_school(db_session, timezone="Europe/Berlin")
    summer = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    flight = make_flight(db_session, school, start_at=summer, end_at=summer + timedelta(hours=1))
    [student_mail, _] = sorted(mails.send_lesson_booked(db=db_session, flight=flight, now=NOW),
                               key=lambda row: row.recipient != "s@example.com")
    assert "Wed 01 Jul 2026, 10:00–11:00 CEST (Europe/Berlin)" in student_mail.body_text
    assert "10:00–11:00 CEST (Europe/Berlin)" in student_mail.body_html


def test_html_escapes_what_people_typed(db_session):
    school = make_school(db_session)
    student = make_student(db_session, school, name="<script>alert(1)</script>")
    flight = make_flight(db_session, school, student_id=student.id)
    written = mails.send_lesson_booked(db=db_session, flight=flight, now=NOW)
    for row in written:
        assert "<script>" not in row.body_html and "&lt;script&gt;" in row.body_html
    assert "<script>alert(1)</script>" in written[0].body_text


def test_the_same_mail_is_written_once(db_session, cancelled):
    school, flight, request = cancelled
    first = mails.send_weather_cancellation(db=db_session, flight=flight, request=request,
                                            now=NOW, settings=SETTINGS)
    again = mails.send_weather_cancellation(db=db_session, flight=flight, request=request,
                                            now=NOW + timedelta(hours=1), settings=SETTINGS)
    assert len(first) == 2 and again == []
    assert len(rows(db_session)) == 2


def test_enqueue_returns_none_for_a_key_it_has(db_session):
    school = make_school(db_session)
    flight = make_flight(db_session, school)
    mail = dict(db=db_session, school_id=school.id, flight_id=flight.id, kind="test",
                recipient="a@example.com", window_key="w1", subject="s", body_text="t", body_html=None)
    assert outbox.enqueue(**mail) is not None
    assert outbox.enqueue(**mail) is None
    assert outbox.enqueue(**(mail | {"recipient": "A@Example.com "})) is None  # same address
    assert outbox.enqueue(**(mail | {"window_key": "w2"})) is not None
    assert db_session.scalar(select(func.count()).select_from(Notification)) == 2


def test_losing_the_race_keeps_the_callers_transaction(db_session, monkeypatch):
    """The check passes for both racers; the unique key decides, and the loser's work survives."""
    school = make_school(db_session)
    flight = make_flight(db_session, school)
    mail = dict(db=db_session, school_id=school.id, flight_id=flight.id, kind="test",
                recipient="a@example.com", window_key="w", subject="s", body_text="t", body_html=None)
    assert outbox.enqueue(**mail) is not None
    monkeypatch.setattr(outbox, "_exists", lambda db, key, calls=[]: calls.append(key) or len(calls) > 1)
    other = make_student(db_session, school, name="Written before the lost race")
    assert outbox.enqueue(**mail) is None
    db_session.flush()
    assert db_session.get(type(other), other.id) is not None
    assert db_session.scalar(select(func.count()).select_from(Notification)) == 1


def test_option_chosen_asks_the_instructor_to_confirm(db_session, cancelled):
    school, flight, request = cancelled
    request.state, request.selected_rank, request.selected_at = (
        RescheduleState.PENDING_INSTRUCTOR, 2, NOW)
    [mail] = mails.send_option_chosen(db=db_session, request=request, now=NOW)
    assert mail.recipient == "ben@example.com"
    assert "Ada Student chose option 2" in mail.subject
    assert "Sat 28 Nov 2026, 09:00–11:00 CST (America/Chicago)" in mail.body_text
    assert "option 2" in mail.body_html
    assert mails.send_option_chosen(db=db_session, request=request, now=NOW) == []


def test_a_solos_choice_goes_to_the_dispatchers(db_session):
    school = make_school(db_session)
    for email, role in [("d1@example.com", AccountRole.DISPATCHER),
                        ("d2@example.com", AccountRole.DISPATCHER),
                        ("admin@example.com", AccountRole.ADMIN)]:
        db_session.add(Account(school_id=school.id, email=email, password_hash="x", role=role))
    flight = make_flight(db_session, school, flight_type=FlightType.SOLO)
    request = make_reschedule_request(db_session, flight, selected_rank=1,
                                      state=RescheduleState.PENDING_INSTRUCTOR)
    db_session.add(RescheduleOption(school_id=school.id, request_id=request.id, rank=1,
                                    start_at=LESSON_START, end_at=LESSON_START + timedelta(hours=1),
                                    aircraft_id=flight.aircraft_id))
    db_session.flush()
    written = mails.send_option_chosen(db=db_session, request=request, now=NOW)
    assert sorted(row.recipient for row in written) == ["d1@example.com", "d2@example.com"]
    assert "no forecast yet" in written[0].body_text


def test_confirmation_and_expiry_go_to_both(db_session, cancelled):
    school, flight, request = cancelled
    new = make_flight(db_session, school, student_id=flight.student_id,
                      instructor_id=flight.instructor_id, aircraft_id=flight.aircraft_id,
                      start_at=LESSON_START + timedelta(days=2),
                      end_at=LESSON_START + timedelta(days=2, hours=2), rescheduled_from_id=flight.id)
    confirmed = mails.send_confirmation(db=db_session, request=request, old_flight=flight,
                                        new_flight=new, now=NOW)
    assert sorted(row.recipient for row in confirmed) == ["ada@example.com", "ben@example.com"]
    student_mail = next(row for row in confirmed if row.recipient == "ada@example.com")
    assert "Your new lesson is confirmed" in student_mail.body_text
    assert "Sat 28 Nov 2026, 09:00–11:00 CST" in student_mail.subject
    assert "Thu 26 Nov 2026, 09:00–11:00 CST" in student_mail.body_html  # the old lesson

    expired = mails.send_expired(db=db_session, request=request, now=NOW)
    assert sorted(row.recipient for row in expired) == ["ada@example.com", "ben@example.com"]
    assert all("school will contact you" in row.body_text for row in expired)


def test_every_template_renders_both_forms(db_session, cancelled):
    school, flight, request = cancelled
    request.selected_rank = 1
    mails.send_weather_cancellation(db=db_session, flight=flight, request=request, now=NOW,
                                    settings=SETTINGS)
    mails.send_option_chosen(db=db_session, request=request, now=NOW)
    mails.send_expired(db=db_session, request=request, now=NOW)
    mails.send_lesson_booked(db=db_session, flight=flight, now=NOW)
    for row in rows(db_session):
        assert row.body_text.strip() and "{{" not in row.body_text
        assert row.body_html.lstrip().startswith("<!DOCTYPE html>") and "Hill Country Aviation" in row.body_html


def test_two_sweeps_racing_on_postgresql_write_one_row(committed_engine, lesson, sessions, database_kind):
    """Two transactions enqueue the same key at once; one row, and neither transaction fails."""
    if database_kind != "postgresql":
        pytest.skip("SQLite serialises writers: there is no race to lose")
    from sync.database.session import session_scope

    school_id, flight_id = lesson
    key = outbox.dedupe_key(flight_id=flight_id, kind="race", recipient="r@example.com", window_key="w")
    barrier = threading.Barrier(2)
    results: list[object] = []
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            with session_scope(committed_engine) as db:
                # Both check before either inserts: the fast path cannot see the other.
                assert not outbox._exists(db, key)
                barrier.wait(timeout=10)
                row = outbox.enqueue(
                    db=db, school_id=school_id, flight_id=flight_id, kind="race",
                    recipient="r@example.com", window_key="w", subject="s", body_text="t",
                    body_html=None)
                results.append(row)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sum(result is not None for result in results) == 1
    with session_scope(committed_engine) as db:
        assert db.scalar(select(func.count()).select_from(Notification)
                         .where(Notification.dedupe_key == key)) == 1
