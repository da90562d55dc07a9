"""``pull_json`` (what GET /sync/pull answers) gives byte for byte what the old path gives: every
row through its ``…Read`` schema into a ``PullPage``, serialised as FastAPI serialises its
``response_model`` (``TypeAdapter(PullPage).dump_json``). On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from pydantic import TypeAdapter

from sync.flights.models import CancelKind, FlightStatus, FlightType, WeatherCheck
from sync.notify.models import Notification, NotificationStatus
from sync.replication import service as replication_service
from sync.replication.schemas import PullPage
from sync.reschedule.models import RescheduleOption, RescheduleState
from sync.weather.verdicts import Verdict
from tests.sync.factories import (
    make_aircraft, make_flight, make_instructor, make_reschedule_request, make_school, make_student,
)

_PAGE = TypeAdapter(PullPage)
AT = datetime(2030, 5, 6, 14, 30, tzinfo=UTC)


def _old(db, school_id, cursor, limit) -> bytes:
    return _PAGE.dump_json(replication_service.pull(db=db, school_id=school_id, cursor=cursor,
                                                    limit=limit))


def _new(db, school_id, cursor, limit) -> bytes:
    return replication_service.pull_json(db=db, school_id=school_id, cursor=cursor, limit=limit)


def _seed(db):
    school = make_school(db, home_latitude=30.1945, home_longitude=-97.6699, name="École Ünïcode ✈",
                         booking_policy={"rules": {"OUTSIDE_SCHOOL_HOURS": "block"},
                                         "turnaround_minutes": 10, "student_lessons_per_week": None})
    student = make_student(db, school, phone="+1 512 555 0100",
                           personal_minimums={"visibility_sm": 5.0, "ceiling_ft": 3000,
                                              "max_wind_kt": 15},
                           availability=[{"weekday": 1, "start": "08:00", "end": "17:00"}],
                           availability_exceptions=[{"date": "2030-05-07", "available": False}])
    other = make_student(db, school, night_trained=True)
    instructor = make_instructor(db, school, phone=None)
    aircraft = make_aircraft(db, school, in_service=False, hobbs_hours=1234.5, tach_hours=987.25)
    flight = make_flight(db, school, student_id=student.id, instructor_id=instructor.id,
                         aircraft_id=aircraft.id, start_at=AT, end_at=AT + timedelta(hours=2),
                         destination="KSAT", route_points=["KHYI", "KSSF"],
                         notes='quotes " and \\ and “curly” and a\nnewline')
    flight.series_id = uuid.uuid4()
    flight.acknowledged_warnings = [{"code": "OUTSIDE_SCHOOL_HOURS", "text": "after 19:00 – late",
                                     "by": "desk@school.example", "at": "2030-05-01T10:00:00Z"}]
    flight.status, flight.checked_out_at = FlightStatus.COMPLETED, AT
    flight.hobbs_out, flight.hobbs_in, flight.tach_out, flight.tach_in = 1234.5, 1236.0, 987.25, 988.5
    flight.actual_start_at, flight.actual_end_at = AT, AT + timedelta(hours=1, minutes=30)
    flight.flown_hours, flight.check_in_remarks = 1.5, "gusty ✈"
    solo = make_flight(db, school, student_id=other.id, aircraft_id=aircraft.id,
                       flight_type=FlightType.SOLO,
                       start_at=AT.replace(microsecond=123456),
                       end_at=AT + timedelta(hours=1, microseconds=7))
    solo.status = FlightStatus.AT_RISK
    no_show = make_flight(db, school, student_id=other.id, aircraft_id=aircraft.id,
                          start_at=AT + timedelta(days=1), status=FlightStatus.CANCELLED)
    no_show.cancel_kind, no_show.cancel_reason, no_show.cancelled_at = CancelKind.NO_SHOW, "did not come", AT
    check = WeatherCheck(school_id=school.id, flight_id=flight.id,
                         checked_at=AT - timedelta(hours=3, microseconds=500), verdict=Verdict.MARGINAL,
                         reasons=[{"code": "CEILING", "text": "low", "effect": "MARGINAL",
                                   "station": "KAUS"}],
                         reports=[{"station": "KAUS", "product": "METAR", "raw": "KAUS 061351Z"}],
                         decoded={"KAUS": {"visibility_sm": 2.5, "ceiling_ft": 900}},
                         minimums={"visibility_sm": 3.0, "ceiling_ft": 1000, "max_wind_kt": 20})
    db.add(check)
    db.flush()
    request = make_reschedule_request(db, flight, weather_check_id=check.id,
                                      state=RescheduleState.PENDING_STUDENT, detected_at=AT,
                                      expires_at=AT + timedelta(hours=24))
    db.add(RescheduleOption(school_id=school.id, request_id=request.id, rank=1,
                            start_at=AT + timedelta(days=1), end_at=AT + timedelta(days=1, hours=2),
                            instructor_id=instructor.id, aircraft_id=aircraft.id,
                            expected_weather={"verdict": "GO", "summary": "clear"},
                            justification="the next free morning"))
    db.add(Notification(school_id=school.id, dedupe_key=f"test-{flight.id}", flight_id=flight.id,
                        kind="weather_alert", recipient="s@example.com", subject="Weather ⚠",
                        body_text="secret link", body_html="<p>secret link</p>",
                        status=NotificationStatus.SENT, attempts=1, next_attempt_at=AT,
                        sent_at=AT + timedelta(seconds=1), last_error=None))
    db.flush()
    gone = make_student(db, school)
    gone.tombstone(AT + timedelta(minutes=5))
    db.flush()
    return school


def test_pull_json_is_byte_for_byte_the_old_answer(db_session):
    db = db_session
    school = _seed(db)
    old = _old(db, school.id, 0, 1000)
    assert _new(db, school.id, 0, 1000) == old

    page = json.loads(old)
    tables = {change["table"] for change in page["changes"]}
    assert tables == {"schools", "students", "instructors", "aircraft", "flights", "weather_checks",
                      "reschedule_requests", "reschedule_options", "notifications"}
    assert any(change["deleted"] for change in page["changes"])
    assert not page["has_more"]
    notification = next(c for c in page["changes"] if c["table"] == "notifications")
    assert "body_text" not in notification["data"]

    # Page by page, at every limit and cursor, including the empty page past the end.
    seqs = [0] + [change["server_seq"] for change in page["changes"]]
    for limit in (1, 2, 3, 5):
        for cursor in seqs:
            assert _new(db, school.id, cursor, limit) == _old(db, school.id, cursor, limit)

    # A tombstoned school: its own tombstone, and the rest unchanged.
    school.tombstone(AT + timedelta(hours=1))
    db.flush()
    assert _new(db, school.id, 0, 1000) == _old(db, school.id, 0, 1000)
