"""The school's booking policy, judged by the flights service: each rule, each action, on SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from sync.audit.models import AuditEvent
from sync.errors import Conflict, InvalidInput, NeedsAcknowledgement
from sync.flights import service as flights_service
from sync.flights.models import Flight, FlightStatus, FlightType
from sync.flights.schemas import FlightCreate, FlightUpdate
from sync.policy.models import BookingPolicy, RuleAction, RuleCode
from sync.policy.service import BookingRules, most_in_window
from sync.weather.minimums import TrainingLevel
from sync.weather.station_weather import StationWeather
from sync.weather.taf_decoder import decode_taf
from tests.sync.factories import make_aircraft, make_instructor, make_school, make_student

# Monday 3 June 2030, 07:00 in Austin (CDT, UTC-5). The school is open 07:00-19:00 every day.
NOW = datetime(2030, 6, 3, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A June 2030 day and time in Austin, as UTC."""
    return datetime(2030, 6, day, hour, minute, tzinfo=UTC) + timedelta(hours=5)


@pytest.fixture
def school(db_session):
    return make_school(db_session)


@pytest.fixture
def people(db_session, school):
    return {"student": make_student(db_session, school, night_trained=True),
            "instructor": make_instructor(db_session, school),
            "aircraft": make_aircraft(db_session, school)}


def setting(school, **changes) -> None:
    """Change the school's policy: rule codes to actions, setting names to values."""
    policy = BookingPolicy.from_stored(school.booking_policy)
    actions = dict(policy.actions)
    settings = dict(policy.settings)
    for name, value in changes.items():
        if name in RuleCode.__members__:
            actions[RuleCode(name)] = RuleAction(value)
        else:
            settings[name] = value
    school.booking_policy = BookingPolicy(actions, settings).stored()


def lesson(people, start, *, length=HOUR, **fields) -> FlightCreate:
    values = {"student_id": people["student"].id, "instructor_id": people["instructor"].id,
              "aircraft_id": people["aircraft"].id, "start_at": start, "end_at": start + length,
              "departure": "KAUS", "flight_type": FlightType.DUAL}
    return FlightCreate(**(values | fields))


def book(db, school, data, *, weather=None, actor="desk@school.example", rules=None) -> Flight:
    rules = rules or BookingRules(weather=weather if weather is not None else {})
    flight = flights_service.create(db=db, actor=actor, school_id=school.id, data=data, now=NOW,
                                    policy=rules)
    db.flush()
    return flight


def warned(exc_info) -> list[str]:
    assert exc_info.value.rule == "NEEDS_ACKNOWLEDGEMENT"
    return [warning["code"] for warning in exc_info.value.warnings]


# -- acting on a rule: warn, block, off --------------------------------------------------------


def test_a_warning_refuses_until_acknowledged_and_the_lesson_keeps_who_accepted_it(db_session, school, people):
    evening = local(4, 19, 30)  # after closing
    with pytest.raises(NeedsAcknowledgement) as refused:
        book(db_session, school, lesson(people, evening))
    assert warned(refused) == ["OUTSIDE_SCHOOL_HOURS"]
    assert "acknowledge" in refused.value.message and "19:00" in refused.value.warnings[0]["text"]
    assert db_session.scalars(select(Flight).where(Flight.school_id == school.id)).all() == []

    flight = book(db_session, school, lesson(people, evening, acknowledge=["OUTSIDE_SCHOOL_HOURS"]))

    [accepted] = flight.acknowledged_warnings
    assert accepted["code"] == "OUTSIDE_SCHOOL_HOURS" and accepted["by"] == "desk@school.example"
    assert accepted["at"] == "2030-06-03T12:00:00Z" and accepted["text"] == refused.value.warnings[0]["text"]
    audit = db_session.scalars(select(AuditEvent).where(AuditEvent.row_id == flight.id)).one()
    assert audit.after["acknowledged_warnings"] == flight.acknowledged_warnings


def test_a_blocking_rule_refuses_naming_it_and_off_lets_it_through(db_session, school, people):
    evening = local(4, 19, 30)
    setting(school, OUTSIDE_SCHOOL_HOURS="block")
    with pytest.raises(InvalidInput) as refused:
        book(db_session, school, lesson(people, evening, acknowledge=["OUTSIDE_SCHOOL_HOURS"]))
    assert refused.value.rule == "OUTSIDE_SCHOOL_HOURS" and refused.value.field == "start_at"

    setting(school, OUTSIDE_SCHOOL_HOURS="off")
    assert book(db_session, school, lesson(people, evening)).acknowledged_warnings == []


def test_without_a_policy_no_soft_rule_is_judged(db_session, school, people):
    # The reschedule workflow books on the school's behalf: its search keeps to the windows.
    flight = flights_service.create(db=db_session, actor="sweep", school_id=school.id,
                                    data=lesson(people, local(4, 22)), now=NOW)
    assert flight.acknowledged_warnings == []


def test_a_lesson_inside_every_rule_is_booked_without_warnings(db_session, school, people):
    assert book(db_session, school, lesson(people, local(4, 10))).acknowledged_warnings == []


# -- the lesson's own time ---------------------------------------------------------------------


def test_outside_the_instructors_availability_or_on_their_day_off(db_session, school, people):
    instructor = people["instructor"]
    instructor.availability = [{"weekday": 2, "start": "08:00", "end": "12:00"}]  # Tuesdays
    instructor.availability_exceptions = [{"date": "2030-06-11", "available": False}]

    assert book(db_session, school, lesson(people, local(4, 9))).acknowledged_warnings == []
    with pytest.raises(NeedsAcknowledgement) as afternoon:
        book(db_session, school, lesson(people, local(4, 13)))
    assert warned(afternoon) == ["INSTRUCTOR_UNAVAILABLE"]
    assert "08:00–12:00" in afternoon.value.warnings[0]["text"]
    with pytest.raises(NeedsAcknowledgement) as day_off:
        book(db_session, school, lesson(people, local(11, 9)))
    assert warned(day_off) == ["INSTRUCTOR_UNAVAILABLE"] and "is off on Tuesday 11 June" in day_off.value.warnings[0]["text"]


def test_windows_that_touch_are_one_window(db_session, school, people):
    """08:00–12:00 and 12:00–14:00 on a Tuesday, and an extra 14:00–15:00 that day: a lesson
    across noon or 14:00 fits, as it would fit 08:00–15:00."""
    instructor = people["instructor"]
    instructor.availability = [{"weekday": 2, "start": "08:00", "end": "12:00"},
                               {"weekday": 2, "start": "12:00", "end": "14:00"}]
    instructor.availability_exceptions = [{"date": "2030-06-04", "available": True,
                                           "start": "14:00", "end": "15:00"}]

    with pytest.raises(NeedsAcknowledgement) as late:
        book(db_session, school, lesson(people, local(4, 14, 30)))
    assert warned(late) == ["INSTRUCTOR_UNAVAILABLE"]
    assert book(db_session, school, lesson(people, local(4, 11, 30))).acknowledged_warnings == []
    assert book(db_session, school, lesson(people, local(4, 13, 30))).acknowledged_warnings == []


def test_outside_the_students_availability(db_session, school, people):
    people["student"].availability = [{"weekday": 3, "start": "14:00", "end": "18:00"}]  # Wednesdays
    with pytest.raises(NeedsAcknowledgement) as refused:
        book(db_session, school, lesson(people, local(4, 15)))
    assert warned(refused) == ["STUDENT_UNAVAILABLE"]
    assert book(db_session, school, lesson(people, local(5, 15))).acknowledged_warnings == []


def test_night_is_refused_for_a_student_without_night_training(db_session, school, people):
    school.operating_hours = [{"weekday": day, "open": "00:00", "close": "24:00"} for day in range(1, 8)]
    early = make_student(db_session, school, training_level=TrainingLevel.EARLY_STUDENT, night_trained=False)
    late = local(4, 21, 30)  # after civil dusk in Austin in June (about 21:00 CDT)

    with pytest.raises(InvalidInput) as refused:
        book(db_session, school, lesson(people, late, student_id=early.id))
    assert refused.value.rule == "NIGHT_WITHOUT_TRAINING"
    assert "civil twilight at KAUS" in refused.value.message

    assert book(db_session, school, lesson(people, late)).acknowledged_warnings == []  # night-trained
    assert book(db_session, school, lesson(people, local(5, 10), student_id=early.id)).acknowledged_warnings == []


# -- the forecast ------------------------------------------------------------------------------


def _taf(storm_from: datetime, storm_to: datetime) -> dict[str, StationWeather]:
    end = NOW + timedelta(hours=30)
    raw = (f"TAF KAUS {NOW:%d%H%M}Z {NOW:%d%H}/{end:%d%H} 18008KT P6SM SCT250 "
           f"FM{storm_from:%d%H%M} 22015G25KT 3SM +TSRA OVC015CB FM{storm_to:%d%H%M} 18008KT P6SM SCT250")
    return {"KAUS": StationWeather("KAUS", taf=decode_taf(raw, reference=NOW), taf_raw=raw)}


def test_a_lesson_inside_a_forecast_thunderstorm_warns(db_session, school, people):
    weather = _taf(local(3, 14), local(3, 17))
    with pytest.raises(NeedsAcknowledgement) as refused:
        book(db_session, school, lesson(people, local(3, 15)), weather=weather)
    assert warned(refused) == ["FORECAST_NO_GO"] and "Thunderstorm" in refused.value.warnings[0]["text"]

    rules = BookingRules(weather=weather)
    clear = book(db_session, school, lesson(people, local(3, 10)), rules=rules)
    assert clear.acknowledged_warnings == [] and rules.notices == []


def test_weather_that_could_not_be_had_is_said_and_does_not_refuse(db_session, school, people):
    for rules in (BookingRules(weather=None),
                  BookingRules(weather={"KAUS": StationWeather("KAUS", problems=("TAF source: timed out",))})):
        start = local(3, 15) if rules.weather is None else local(3, 17)
        book(db_session, school, lesson(people, start), rules=rules)
        [notice] = rules.notices
        assert notice["code"] == "FORECAST_NOT_CHECKED"
    assert "timed out" in rules.notices[0]["text"]


def test_darkness_is_the_night_rules_not_the_forecasts(db_session, school, people):
    school.operating_hours = [{"weekday": day, "open": "00:00", "close": "24:00"} for day in range(1, 8)]
    setting(school, NIGHT_WITHOUT_TRAINING="off")
    early = make_student(db_session, school, training_level=TrainingLevel.EARLY_STUDENT, night_trained=False)
    weather = _taf(local(4, 6), local(4, 7))  # a storm long before; clear at night
    flight = book(db_session, school, lesson(people, local(3, 21, 30), student_id=early.id), weather=weather)
    assert flight.acknowledged_warnings == []


# -- other lessons -----------------------------------------------------------------------------


def test_more_than_8_hours_of_instruction_in_any_24_is_refused(db_session, school, people):
    school.operating_hours = [{"weekday": day, "open": "00:00", "close": "24:00"} for day in range(1, 8)]
    setting(school, STUDENT_DAILY_LIMIT="off")
    students = [make_student(db_session, school, night_trained=True) for _ in range(3)]
    aircraft = [make_aircraft(db_session, school) for _ in range(3)]
    # Tuesday evening 18:00-22:00 and Wednesday morning 06:00-10:00: 8 hours within 16.
    book(db_session, school, lesson(people, local(4, 18), length=4 * HOUR, student_id=students[0].id,
                                    aircraft_id=aircraft[0].id, acknowledge=["OUTSIDE_SCHOOL_HOURS"]))
    book(db_session, school, lesson(people, local(5, 6), length=4 * HOUR, student_id=students[1].id,
                                    aircraft_id=aircraft[1].id))

    with pytest.raises(Conflict) as refused:
        book(db_session, school, lesson(people, local(5, 12), student_id=students[2].id,
                                        aircraft_id=aircraft[2].id))
    assert refused.value.rule == "INSTRUCTION_8_IN_24" and refused.value.field == "instructor_id"
    assert "9 h 00 min" in refused.value.message and "61.195" in refused.value.message
    # A day after the evening lesson started, the window has moved on: 4 + 1 hours.
    book(db_session, school, lesson(people, local(5, 18), student_id=students[2].id,
                                     aircraft_id=aircraft[2].id))


def test_the_window_count_finds_the_worst_24_hours():
    at = datetime(2030, 6, 4, tzinfo=UTC)
    lessons = [(at, at + 4 * HOUR), (at + 12 * HOUR, at + 16 * HOUR), (at + 30 * HOUR, at + 34 * HOUR)]
    total, begins = most_in_window(lessons, (at + 22 * HOUR, at + 23 * HOUR), timedelta(hours=24))
    # 00-04, 12-16 and the new 22-23 fit in windows starting from 23:00 the day before to 00:00.
    assert total == 9 * HOUR and at - HOUR <= begins <= at
    total, _ = most_in_window([], (at, at + 2 * HOUR), timedelta(hours=24))
    assert total == 2 * HOUR


def test_the_schools_weekly_instruction_limit_warns(db_session, school, people):
    setting(school, instruction_hours_per_week=5, STUDENT_DAILY_LIMIT="off")
    for day in (3, 4):
        book(db_session, school, lesson(people, local(day, 9), length=2 * HOUR,
                                        student_id=make_student(db_session, school).id))
    with pytest.raises(NeedsAcknowledgement) as refused:
        book(db_session, school, lesson(people, local(6, 9), length=2 * HOUR,
                                        student_id=make_student(db_session, school).id))
    assert warned(refused) == ["INSTRUCTION_WEEKLY_LIMIT"]


def test_a_short_turnaround_of_the_aircraft_or_instructor_warns(db_session, school, people):
    setting(school, turnaround_minutes=15, STUDENT_DAILY_LIMIT="off")
    first = book(db_session, school, lesson(people, local(4, 9)))
    other = {"student_id": make_student(db_session, school).id}

    with pytest.raises(NeedsAcknowledgement) as aircraft:
        book(db_session, school, lesson(people, local(4, 10, 10), instructor_id=make_instructor(db_session, school).id,
                                        **other))
    assert warned(aircraft) == ["TURNAROUND_BUFFER"] and "10 min" in aircraft.value.warnings[0]["text"]
    with pytest.raises(NeedsAcknowledgement) as instructor:
        book(db_session, school, lesson(people, local(4, 7, 50), aircraft_id=make_aircraft(db_session, school).id,
                                        **other))
    assert warned(instructor) == ["TURNAROUND_BUFFER"]
    book(db_session, school, lesson(people, local(4, 10, 15), **other))  # exactly the turnaround
    assert first.status is FlightStatus.SCHEDULED


def test_a_student_with_too_many_lessons_that_day_or_week_warns(db_session, school, people):
    setting(school, student_lessons_per_week=3)
    planes = [make_aircraft(db_session, school) for _ in range(4)]
    book(db_session, school, lesson(people, local(4, 8), aircraft_id=planes[0].id))
    book(db_session, school, lesson(people, local(4, 11), aircraft_id=planes[1].id))
    with pytest.raises(NeedsAcknowledgement) as third_today:
        book(db_session, school, lesson(people, local(4, 15), aircraft_id=planes[2].id))
    assert warned(third_today) == ["STUDENT_DAILY_LIMIT"]

    book(db_session, school, lesson(people, local(6, 8), aircraft_id=planes[2].id))
    with pytest.raises(NeedsAcknowledgement) as fourth_this_week:
        book(db_session, school, lesson(people, local(7, 8), aircraft_id=planes[3].id))
    assert warned(fourth_this_week) == ["STUDENT_WEEKLY_LIMIT"]
    # Next week (from Monday 10 June) counts afresh.
    book(db_session, school, lesson(people, local(10, 8), aircraft_id=planes[3].id))


def test_several_warnings_are_acknowledged_together(db_session, school, people):
    people["student"].availability = [{"weekday": 3, "start": "14:00", "end": "18:00"}]
    with pytest.raises(NeedsAcknowledgement) as refused:
        book(db_session, school, lesson(people, local(4, 20)))
    assert warned(refused) == ["OUTSIDE_SCHOOL_HOURS", "STUDENT_UNAVAILABLE"]
    with pytest.raises(NeedsAcknowledgement):  # one of two is not enough
        book(db_session, school, lesson(people, local(4, 20), acknowledge=["OUTSIDE_SCHOOL_HOURS"]))
    flight = book(db_session, school, lesson(people, local(4, 20), acknowledge=warned(refused)))
    assert [w["code"] for w in flight.acknowledged_warnings] == warned(refused)


# -- changing a lesson -------------------------------------------------------------------------


def test_moving_a_lesson_is_judged_again_and_notes_alone_are_not(db_session, school, people):
    flight = book(db_session, school, lesson(people, local(4, 19, 30), acknowledge=["OUTSIDE_SCHOOL_HOURS"]))
    rules = BookingRules(weather={})

    def change(**fields):
        updated = flights_service.update(db=db_session, actor="desk@school.example", school_id=school.id,
                                         flight_id=flight.id, now=NOW, policy=rules,
                                         data=FlightUpdate(version=flight.version, **fields))
        db_session.flush()
        return updated

    assert change(notes="headset").acknowledged_warnings[0]["code"] == "OUTSIDE_SCHOOL_HOURS"
    with pytest.raises(NeedsAcknowledgement):
        change(start_at=local(4, 20), end_at=local(4, 21))
    db_session.refresh(flight)
    assert flight.start_at == local(4, 19, 30)  # nothing of the refused change was kept
    assert change(start_at=local(4, 9), end_at=local(4, 10)).acknowledged_warnings == []


# -- the search and the rules agree ------------------------------------------------------------


def test_every_slot_the_reschedule_search_offers_passes_the_booking_rules_windows(db_session, school):
    from sync.policy.service import _Judgement
    from sync.reschedule import search

    school.operating_hours = [{"weekday": day, "open": "06:00", "close": "22:00"} for day in range(1, 8)]
    early = make_student(db_session, school, training_level=TrainingLevel.EARLY_STUDENT, night_trained=False,
                         availability=[{"weekday": day, "start": "05:00", "end": "23:00"} for day in (2, 4, 6)],
                         availability_exceptions=[{"date": "2030-06-06", "available": False}])
    instructor = make_instructor(db_session, school, availability=[
        {"weekday": day, "start": "07:00", "end": "21:30"} for day in range(1, 8)])
    plane = make_aircraft(db_session, school)
    cancelled = flights_service.create(db=db_session, actor="test", school_id=school.id, now=NOW, data=FlightCreate(
        student_id=early.id, instructor_id=instructor.id, aircraft_id=plane.id, start_at=local(4, 10),
        end_at=local(4, 12), departure="KAUS", flight_type=FlightType.DUAL))
    cancelled.status = FlightStatus.WEATHER_CANCELLED
    db_session.flush()
    policy = BookingPolicy.from_stored({})
    windows = {RuleCode.OUTSIDE_SCHOOL_HOURS, RuleCode.INSTRUCTOR_UNAVAILABLE, RuleCode.STUDENT_UNAVAILABLE,
               RuleCode.NIGHT_WITHOUT_TRAINING}

    found = search.find_candidates(db=db_session, flight=cancelled, now=NOW, weather={}, pool=60,
                                   min_notice=timedelta(hours=1), step=timedelta(minutes=15))

    assert len(found.candidates) > 10
    for candidate in found.candidates:
        probe = Flight(school_id=school.id, student_id=early.id, instructor_id=candidate.instructor_id,
                       aircraft_id=candidate.aircraft_id, start_at=candidate.start, end_at=candidate.end,
                       departure="KAUS", flight_type=FlightType.DUAL)
        findings = _Judgement(db_session, school, policy, probe, {}, NOW, lambda code, text: None).findings()
        assert windows.isdisjoint({finding.code for finding in findings}), (candidate, findings)
