"""The school's booking policy on the reschedule path: the search offers only slots that break no
rule set to block or warn (a student picking from an e-mail cannot acknowledge a warning), a rule
that is off lets such a slot through, and the pick and the confirmation refuse a slot that broke
a rule since the options were made (409 ``SLOT_UNAVAILABLE`` with fresh options). SQLite and
PostgreSQL, in one rolled-back transaction per test."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.errors import Conflict
from sync.flights import service as flights_service
from sync.flights.models import Flight, FlightStatus
from sync.flights.schemas import FlightCreate
from sync.people.models import Instructor
from sync.policy.models import BookingPolicy, RuleAction, RuleCode
from sync.policy.service import BookingRules
from sync.reschedule import search
from sync.reschedule import service as reschedule_service
from sync.reschedule.models import RescheduleState
from sync.schools.models import School
from sync.weather.minimums import TrainingLevel
from tests.sync.factories import make_aircraft, make_flight, make_instructor, make_school, make_student
from tests.sync.reschedule.busy_school import build_busy_school
from tests.sync.reschedule.rules import broken_rules, policy_broken

NO_WEATHER: dict = {}
AUSTIN = ZoneInfo("America/Chicago")
# Wednesday 25 November 2026, 08:00 in Austin (CST, UTC-6); the lesson was Thursday 09:00-11:00.
NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
THURSDAY, FRIDAY = 26, 27


def local(day: int | date, hour: int, minute: int = 0) -> datetime:
    """A day (of November 2026, or a date) and time in Austin, as UTC."""
    day = day if isinstance(day, date) else date(2026, 11, day)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=AUSTIN).astimezone(UTC)


def set_policy(school, **changes) -> None:
    """Rule codes to actions, setting names to values."""
    policy = BookingPolicy.from_stored(school.booking_policy)
    actions, settings = dict(policy.actions), dict(policy.settings)
    for name, value in changes.items():
        if name in RuleCode.__members__:
            actions[RuleCode(name)] = RuleAction(value)
        else:
            settings[name] = value
    school.booking_policy = BookingPolicy(actions, settings).stored()


@pytest.fixture
def cancelled(db_session: Session) -> Flight:
    """A weather-cancelled lesson of a night-trained student (daylight is not in the way): one
    instructor, one aircraft of its model."""
    school = make_school(db_session)
    flight = make_flight(db_session, school, start_at=local(THURSDAY, 9),
                         student_id=make_student(db_session, school, night_trained=True).id)
    flight.status = FlightStatus.WEATHER_CANCELLED
    db_session.flush()
    return flight


def other_lesson(db: Session, flight: Flight, start: datetime, end: datetime, **ids) -> Flight:
    """A lesson of someone else (another student, instructor and aircraft of another model, unless
    given): it holds only what ``ids`` names."""
    school = flight_school(db, flight)
    if "student_id" not in ids:
        ids["student_id"] = make_student(db, school).id
    if "instructor_id" not in ids:
        ids["instructor_id"] = make_instructor(db, school).id
    if "aircraft_id" not in ids:
        ids["aircraft_id"] = make_aircraft(db, school, model="PA-28").id
    return make_flight(db, school, start_at=start, end_at=end, **ids)


def flight_school(db: Session, flight: Flight) -> School:
    return db.get(School, flight.school_id)


def options(db: Session, flight: Flight, pool: int = 40) -> list[search.Candidate]:
    found = search.find_candidates(db=db, flight=flight, now=NOW, weather=NO_WEATHER, pool=pool)
    assert found.candidates, found.reason
    return found.candidates


def broken(db: Session, flight: Flight, candidate: search.Candidate, **rules) -> list[str]:
    return policy_broken(db, flight, candidate.start, candidate.end, candidate.instructor_id,
                         candidate.aircraft_id, **rules)


def on(day: int, candidates: list[search.Candidate]) -> list[search.Candidate]:
    return [c for c in candidates if c.start.astimezone(AUSTIN).date() == date(2026, 11, day)]


# -- what the search offers ---------------------------------------------------------------------


def test_no_option_breaks_the_turnaround_and_off_lets_a_closer_one_through(db_session, cancelled):
    school = flight_school(db_session, cancelled)
    set_policy(school, turnaround_minutes=60)  # the turnaround warns by default
    # The lesson's only aircraft flies someone else on Thursday 13:00-14:00; its instructor
    # teaches someone else on Friday 13:00-14:00 (in another aircraft).
    other_lesson(db_session, cancelled, local(THURSDAY, 13), local(THURSDAY, 14),
                 aircraft_id=cancelled.aircraft_id)
    other_lesson(db_session, cancelled, local(FRIDAY, 13), local(FRIDAY, 14),
                 instructor_id=cancelled.instructor_id)
    make_instructor(db_session, school)  # someone else to teach when the turnaround is short

    offered = options(db_session, cancelled)

    assert on(THURSDAY, offered) and on(FRIDAY, offered)
    for candidate in offered:
        assert broken(db_session, cancelled, candidate, turnaround=timedelta(minutes=60)) == [], candidate
    assert not any(c.start == local(THURSDAY, 11) for c in offered)

    set_policy(school, TURNAROUND_BUFFER="off")
    closer = options(db_session, cancelled)
    assert any(broken(db_session, cancelled, c, turnaround=timedelta(minutes=60)) for c in closer)
    assert any(c.start == local(THURSDAY, 11) for c in closer)  # ends as the aircraft's lesson starts


def test_no_option_gives_the_instructor_more_than_8_hours_in_24_and_off_lets_it_through(db_session, cancelled):
    school = flight_school(db_session, cancelled)
    # The only instructor teaches 7 hours on Thursday (others, in another aircraft).
    other_lesson(db_session, cancelled, local(THURSDAY, 11), local(THURSDAY, 15),
                 instructor_id=cancelled.instructor_id)
    other_lesson(db_session, cancelled, local(THURSDAY, 15), local(THURSDAY, 18),
                 instructor_id=cancelled.instructor_id)

    offered = options(db_session, cancelled)  # 61.195(a) blocks by default

    for candidate in offered:
        assert broken(db_session, cancelled, candidate, instruction_hours_per_24h=8) == [], candidate
    assert on(THURSDAY, offered) == []
    # From Friday 10:00-12:00 on, no 24 hours hold more than Thursday 12:00-18:00 and it: 8 h.
    assert min(c.start for c in on(FRIDAY, offered)) == local(FRIDAY, 10)

    set_policy(school, INSTRUCTION_8_IN_24="off")
    through = options(db_session, cancelled)
    assert on(THURSDAY, through)
    assert any(broken(db_session, cancelled, c, instruction_hours_per_24h=8) for c in through)


def test_no_option_gives_the_student_more_lessons_a_day_than_allowed_and_off_lets_it_through(
        db_session, cancelled):
    school = flight_school(db_session, cancelled)
    set_policy(school, student_lessons_per_day=1)  # warns by default
    other_lesson(db_session, cancelled, local(FRIDAY, 9), local(FRIDAY, 10),
                 student_id=cancelled.student_id)

    offered = options(db_session, cancelled)

    assert on(THURSDAY, offered) and on(FRIDAY, offered) == []
    for candidate in offered:
        assert broken(db_session, cancelled, candidate, lessons_per_day=1) == [], candidate

    set_policy(school, STUDENT_DAILY_LIMIT="off")
    assert on(FRIDAY, options(db_session, cancelled))


@pytest.mark.parametrize("action", ["block", "warn"])
def test_no_option_is_at_night_for_a_student_without_night_training(db_session, action):
    school = make_school(db_session, operating_hours=[
        {"weekday": day, "open": "00:00", "close": "23:59"} for day in range(1, 8)])
    set_policy(school, NIGHT_WITHOUT_TRAINING=action)
    student = make_student(db_session, school, training_level=TrainingLevel.EARLY_STUDENT, night_trained=False)
    flight = make_flight(db_session, school, start_at=local(THURSDAY, 9), student_id=student.id)
    flight.status = FlightStatus.WEATHER_CANCELLED
    db_session.flush()

    offered = options(db_session, flight, pool=80)

    for candidate in offered:
        assert "night" not in broken_rules(db_session, flight, candidate.start, candidate.end,
                                           candidate.instructor_id, candidate.aircraft_id, now=NOW)
    # Turned off, the rule no longer refuses a booking at the desk, but the sweep's weather
    # engine judges darkness NO_GO for this student and would cancel the lesson: the search
    # still offers daylight only.
    set_policy(school, NIGHT_WITHOUT_TRAINING="off")
    for candidate in options(db_session, flight, pool=80):
        assert "night" not in broken_rules(db_session, flight, candidate.start, candidate.end,
                                           candidate.instructor_id, candidate.aircraft_id, now=NOW)


def test_every_option_in_a_busy_school_books_as_it_is_under_a_strict_policy(db_session):
    """The booking path itself as the judge: every option, booked by the front desk with the
    school's policy and no acknowledgement, goes through (and an independent count agrees)."""
    school = build_busy_school(db_session, now=NOW, lessons=150, instructors=8)
    strict = {"turnaround_minutes": 30, "instruction_hours_per_24h": 6, "student_lessons_per_day": 1}
    rules = {"turnaround": timedelta(minutes=30), "instruction_hours_per_24h": 6, "lessons_per_day": 1}
    lax = {"TURNAROUND_BUFFER": "off", "INSTRUCTION_8_IN_24": "off", "STUDENT_DAILY_LIMIT": "off"}
    checked = would_break = 0
    for lesson in [f for f in school.lessons if f.start_at > NOW + timedelta(hours=12)][:12]:
        lesson.status = FlightStatus.WEATHER_CANCELLED
        db_session.flush()
        set_policy(school.school, **strict, **{code: RULE_DEFAULTS[code] for code in lax})
        found = search.find_candidates(db=db_session, flight=lesson, now=NOW, weather=NO_WEATHER)
        for candidate in found.candidates:
            assert broken(db_session, lesson, candidate, **rules) == [], candidate
            assert broken_rules(db_session, lesson, candidate.start, candidate.end,
                                candidate.instructor_id, candidate.aircraft_id, now=NOW) == []
            _book_at_the_desk(db_session, lesson, candidate)
            checked += 1
        set_policy(school.school, **lax)
        loose = search.find_candidates(db=db_session, flight=lesson, now=NOW, weather=NO_WEATHER)
        would_break += sum(1 for c in loose.candidates if broken(db_session, lesson, c, **rules))
        lesson.status = FlightStatus.SCHEDULED
        db_session.flush()
    assert checked > 40
    assert would_break > 0, "the rules should matter in this school: turned off, some option breaks one"


RULE_DEFAULTS = {"TURNAROUND_BUFFER": "warn", "INSTRUCTION_8_IN_24": "block", "STUDENT_DAILY_LIMIT": "warn"}


def _book_at_the_desk(db: Session, lesson: Flight, candidate: search.Candidate) -> None:
    """Book the option through ``POST /flights``'s service path with the school's policy and no
    acknowledgement, then take it back."""
    savepoint = db.begin_nested()
    try:
        booked = flights_service.create(
            db=db, actor="desk@school.example", school_id=lesson.school_id, now=NOW,
            policy=BookingRules(weather={}),
            data=FlightCreate(student_id=lesson.student_id, instructor_id=candidate.instructor_id,
                              aircraft_id=candidate.aircraft_id, start_at=candidate.start,
                              end_at=candidate.end, departure=lesson.departure,
                              flight_type=lesson.flight_type))
        assert booked.acknowledged_warnings == []
    finally:
        savepoint.rollback()


# -- the pick and the confirmation ------------------------------------------------------------


def _request(db: Session, flight: Flight):
    request = reschedule_service.open_request(db=db, flight=flight, now=NOW, ai_config=None,
                                              weather=NO_WEATHER)
    assert len(request.options) == 3
    return request


def test_a_pick_that_now_breaks_the_turnaround_is_refused_with_fresh_options(db_session, cancelled):
    school = flight_school(db_session, cancelled)
    set_policy(school, turnaround_minutes=60)
    request = _request(db_session, cancelled)
    first = request.options[0]
    # Since the options were sent, the aircraft was booked to land 15 minutes before option 1.
    other_lesson(db_session, cancelled, first.start_at - timedelta(hours=1),
                 first.start_at - timedelta(minutes=15), aircraft_id=first.aircraft_id)

    with pytest.raises(Conflict) as refused:
        reschedule_service.select_option(db=db_session, request_id=request.id, rank=1, now=NOW,
                                         actor="test", weather=NO_WEATHER)

    assert refused.value.rule == "SLOT_UNAVAILABLE"
    assert "only 15 min" in refused.value.message and "booking rules" in refused.value.message
    assert [item["code"] for item in refused.value.conflict["broken"]] == ["TURNAROUND_BUFFER"]
    fresh = refused.value.conflict["options"]
    assert fresh
    for option in fresh:
        start = datetime.fromisoformat(option["start_at"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(option["end_at"].replace("Z", "+00:00"))
        assert policy_broken(db_session, cancelled, start, end, uuid.UUID(option["instructor_id"]),
                             uuid.UUID(option["aircraft_id"]), turnaround=timedelta(minutes=60)) == []
    assert request.state is RescheduleState.PENDING_STUDENT
    # The other options still fit: the student may pick one of them.
    picked = reschedule_service.select_option(db=db_session, request_id=request.id, rank=2, now=NOW,
                                              actor="test", weather=NO_WEATHER)
    assert picked.state is RescheduleState.PENDING_INSTRUCTOR


def test_a_confirmation_is_refused_when_the_students_day_filled_meanwhile(db_session, cancelled):
    school = flight_school(db_session, cancelled)
    set_policy(school, student_lessons_per_day=1)
    request = _request(db_session, cancelled)
    reschedule_service.select_option(db=db_session, request_id=request.id, rank=1, now=NOW,
                                     actor="test", weather=NO_WEATHER)
    day = request.options[0].start_at.astimezone(AUSTIN).date()
    # The front desk books the student on that day, early, before the confirmation.
    other_lesson(db_session, cancelled, local(day, 6), local(day, 6, 30), student_id=cancelled.student_id)

    with pytest.raises(Conflict) as refused:
        reschedule_service.confirm(db=db_session, request_id=request.id, now=NOW, actor="test",
                                   weather=NO_WEATHER)

    assert refused.value.rule == "SLOT_UNAVAILABLE" and refused.value.conflict["options"]
    assert [item["code"] for item in refused.value.conflict["broken"]] == ["STUDENT_DAILY_LIMIT"]
    assert cancelled.status is FlightStatus.WEATHER_CANCELLED
    assert request.state is RescheduleState.PENDING_INSTRUCTOR
    assert db_session.scalars(select(Flight).where(Flight.rescheduled_from_id == cancelled.id)).all() == []

    set_policy(school, STUDENT_DAILY_LIMIT="off")  # the school decides it may
    accepted = reschedule_service.confirm(db=db_session, request_id=request.id, now=NOW, actor="test",
                                          weather=NO_WEATHER)
    assert accepted.state is RescheduleState.ACCEPTED and cancelled.status is FlightStatus.RESCHEDULED


def test_a_confirmation_is_refused_when_the_instructors_hours_filled_meanwhile(db_session, cancelled):
    request = _request(db_session, cancelled)
    reschedule_service.select_option(db=db_session, request_id=request.id, rank=1, now=NOW,
                                     actor="test", weather=NO_WEATHER)
    option = request.options[0]
    # Seven hours of teaching for the option's instructor, ending an hour before it.
    other_lesson(db_session, cancelled, option.start_at - timedelta(hours=8),
                 option.start_at - timedelta(hours=1), instructor_id=option.instructor_id)

    with pytest.raises(Conflict) as refused:
        reschedule_service.confirm(db=db_session, request_id=request.id, now=NOW, actor="test",
                                   weather=NO_WEATHER)

    assert refused.value.rule == "SLOT_UNAVAILABLE"
    assert [item["code"] for item in refused.value.conflict["broken"]] == ["INSTRUCTION_8_IN_24"]
    assert "9 h 00 min" in refused.value.message
    assert cancelled.status is FlightStatus.WEATHER_CANCELLED


def test_a_rule_that_warns_refuses_the_pick_too(db_session, cancelled):
    """Warnings are a person's to accept at the desk; the student's pick cannot acknowledge one."""
    school = flight_school(db_session, cancelled)
    request = _request(db_session, cancelled)
    option = request.options[0]
    instructor = db_session.get(Instructor, option.instructor_id)
    day = option.start_at.astimezone(AUSTIN).date()
    instructor.availability_exceptions = [{"date": day.isoformat(), "available": False}]
    db_session.flush()
    assert BookingPolicy.from_stored(school.booking_policy).action(RuleCode.INSTRUCTOR_UNAVAILABLE) \
        is RuleAction.WARN

    with pytest.raises(Conflict) as refused:
        reschedule_service.select_option(db=db_session, request_id=request.id, rank=1, now=NOW,
                                         actor="test", weather=NO_WEATHER)
    assert refused.value.rule == "SLOT_UNAVAILABLE"
    assert [item["code"] for item in refused.value.conflict["broken"]] == ["INSTRUCTOR_UNAVAILABLE"]


# -- the search's shortcuts agree with the judgement ---------------------------------------------


def test_the_searchs_shortcuts_give_the_judgements_answers(db_session):
    """What the search reads in memory (``KnownLessons``) is what the database answers, and its
    quick yes/no per instructor (``allow_others``: the first rule broken, the stretches a busy
    instructor's lessons already overfill) is the full judgement's."""
    from sync.flights.service import lessons_around
    from sync.people.models import Student
    from sync.policy.service import KnownLessons, Slot, SlotRules

    busy = build_busy_school(db_session, now=NOW, lessons=150, instructors=8, days=8, seed=5)
    set_policy(busy.school, instruction_hours_per_week=30, turnaround_minutes=30)
    rows = db_session.scalars(select(Flight).where(Flight.school_id == busy.school.id)).all()
    known = KnownLessons(rows)
    student = busy.students[0]
    rules = SlotRules(db=db_session, school=busy.school, student=db_session.get(Student, student.id))
    answers = {True: 0, False: 0}
    for instructor in busy.instructors:
        for hours in range(0, 9 * 24, 5):
            start = NOW + timedelta(hours=hours)
            slot = Slot(busy.school.id, student.id, instructor.id, busy.aircraft[0].id, start,
                        start + timedelta(hours=2), "KAUS")
            params = rules.around(slot)
            assert {row.id for row in known(params)} == {row.id for row in lessons_around(db_session, params)
                                                        if row.school_id == busy.school.id}
            full = rules.problems(slot, now=NOW, lessons=known, instructor=instructor,
                                  only=frozenset({"instructor"}), own_time=False)
            quick = rules.allow_others(slot, now=NOW, lessons=known, instructor=instructor,
                                       only=frozenset({"instructor"}))
            assert quick == (not full), (instructor.name, start, full)
            answers[quick] += 1
    assert answers[True] and answers[False], answers
    assert any(rules._overfull(known, instructor.id) for instructor in busy.instructors), \
        "some instructor's week should be overfull in this school"
