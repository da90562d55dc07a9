"""GET /metrics over real HTTP, on SQLite and PostgreSQL.

Lessons are booked through the API (created today); history — older bookings, weather checks and
an accepted reschedule with known timestamps — is written straight into the database.
"""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

import pytest

from sync.aircraft.models import Aircraft
from sync.database.session import session_scope
from sync.flights.models import Flight, FlightType, WeatherCheck
from sync.reschedule.models import ProducedBy, RescheduleRequest, RescheduleState
from sync.sweep.models import SweepRun
from sync.weather.verdicts import Verdict

ZONE = zoneinfo.ZoneInfo("America/Chicago")
NONE_CANCELLED = {"weather": 0, "student": 0, "no_show": 0, "school": 0, "other": 0}


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ZONE).astimezone(UTC)


class History:
    """Writes rows for one school directly, returning ids."""

    def __init__(self, engine, school) -> None:
        self.engine, self.school = engine, school
        with session_scope(engine) as db:
            plane = Aircraft(school_id=school.school_id, tail_number=f"N{uuid.uuid4().hex[:5]}",
                             model="C172S", home_airport="KAUS", max_crosswind_kt=15)
            db.add(plane)
            db.flush()
            self.aircraft_id = plane.id

    def flight(self, *, created_at: datetime, start_at: datetime | None = None) -> uuid.UUID:
        start_at = start_at or created_at + timedelta(days=2)
        with session_scope(self.engine) as db:
            flight = Flight(school_id=self.school.school_id, student_id=self.school.student_id,
                            instructor_id=self.school.instructor_id, aircraft_id=self.aircraft_id,
                            start_at=start_at, end_at=start_at + timedelta(hours=1),
                            departure="KAUS", flight_type=FlightType.DUAL, created_at=created_at)
            db.add(flight)
            db.flush()
            return flight.id

    def check(self, flight_id: uuid.UUID, checked_at: datetime, verdict: Verdict) -> uuid.UUID:
        with session_scope(self.engine) as db:
            row = WeatherCheck(school_id=self.school.school_id, flight_id=flight_id,
                               checked_at=checked_at, verdict=verdict)
            db.add(row)
            db.flush()
            return row.id

    def request(self, flight_id: uuid.UUID, *, state: RescheduleState, detected_at: datetime,
                confirmed_at: datetime | None = None) -> None:
        with session_scope(self.engine) as db:
            db.add(RescheduleRequest(
                school_id=self.school.school_id, flight_id=flight_id, state=state,
                produced_by=ProducedBy.DETERMINISTIC, detected_at=detected_at,
                expires_at=detected_at + timedelta(hours=24), confirmed_at=confirmed_at,
                closed_at=confirmed_at,
            ))


@pytest.fixture
def school(signed_in_school):
    return signed_in_school()


def _by_day(body) -> dict[str, dict]:
    return {row["date"]: row for row in body["days"]}


def _book(school, aircraft_id: uuid.UUID, start: datetime) -> None:
    response = school.dispatcher.post("/flights", json={
        "student_id": str(school.student_id), "instructor_id": str(school.instructor_id),
        "aircraft_id": str(aircraft_id), "start_at": start.isoformat(),
        "end_at": (start + timedelta(hours=1)).isoformat(), "departure": "KAUS",
        "flight_type": "DUAL",
    })
    assert response.status_code == 201, response.text


def test_metrics_count_bookings_conflicts_and_reschedules_per_local_day(api_server, school,
                                                                        signed_in_school):
    today = datetime.now(ZONE).date()
    history = History(api_server.engine, school)
    tomorrow_noon = _local(today + timedelta(days=1), 12)
    _book(school, history.aircraft_id, tomorrow_noon)
    _book(school, history.aircraft_id, tomorrow_noon + timedelta(hours=2))

    d3, d5, d10 = (today - timedelta(days=n) for n in (3, 5, 10))
    # Bookings: three on d3 (one of them late in the evening, which is already the next day in
    # UTC), one on d10, and one 40 days ago (outside the window).
    a = history.flight(created_at=_local(d3, 9))
    b = history.flight(created_at=_local(d3, 14))
    c = history.flight(created_at=_local(d3, 22, 30))
    assert c and _local(d3, 22, 30).date() == d3 + timedelta(days=1)
    d = history.flight(created_at=_local(d10, 10))
    history.flight(created_at=_local(today - timedelta(days=40), 10))

    # Weather conflicts: lesson a NO_GO three times on d3 (once), lesson b NO_GO on d3 late evening
    # (local d3) and again on d5 (another day), a GO and a MARGINAL not counted, an old NO_GO
    # outside the window.
    for hour in (8, 9, 10):
        history.check(a, _local(d3, hour), Verdict.NO_GO)
    history.check(b, _local(d3, 23), Verdict.NO_GO)
    history.check(b, _local(d5, 11), Verdict.NO_GO)
    history.check(c, _local(d3, 12), Verdict.GO)
    history.check(d, _local(d10, 12), Verdict.MARGINAL)
    history.check(d, _local(today - timedelta(days=31), 12), Verdict.NO_GO)

    # Reschedules: two accepted on d3 (90 and 30 minutes), one on d5 (confirmed the next local
    # morning after a 12-hour wait); pending, rejected and expired ones do not count.
    history.request(a, state=RescheduleState.ACCEPTED, detected_at=_local(d3, 8),
                    confirmed_at=_local(d3, 9, 30))
    history.request(b, state=RescheduleState.ACCEPTED, detected_at=_local(d3, 10),
                    confirmed_at=_local(d3, 10, 30))
    history.request(c, state=RescheduleState.ACCEPTED, detected_at=_local(d5 - timedelta(days=1), 20),
                    confirmed_at=_local(d5, 8))
    history.request(d, state=RescheduleState.PENDING_STUDENT, detected_at=_local(d3, 8))
    history.request(a, state=RescheduleState.REJECTED, detected_at=_local(d5, 8),
                    confirmed_at=_local(d5, 9))
    history.request(b, state=RescheduleState.EXPIRED, detected_at=_local(d5, 8))

    # Another school's activity on the same days counts only there.
    other = signed_in_school()
    elsewhere = History(api_server.engine, other)
    e = elsewhere.flight(created_at=_local(d3, 11))
    elsewhere.check(e, _local(d3, 12), Verdict.NO_GO)
    elsewhere.request(e, state=RescheduleState.ACCEPTED, detected_at=_local(d3, 12),
                      confirmed_at=_local(d3, 18))

    response = school.dispatcher.get("/metrics")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["school_id"] == str(school.school_id)
    assert body["timezone"] == "America/Chicago"
    assert len(body["days"]) == 30
    assert body["days"][0]["date"] == (today - timedelta(days=29)).isoformat()
    assert body["days"][-1]["date"] == today.isoformat()
    days = _by_day(body)

    assert days[today.isoformat()]["bookings_created"] == 2
    assert days[d3.isoformat()] == {
        "date": d3.isoformat(), "bookings_created": 3, "weather_conflicts": 2,
        "reschedules_accepted": 2, "average_reschedule_minutes": 60.0,
        "cancellations": NONE_CANCELLED,
    }
    assert days[d5.isoformat()] == {
        "date": d5.isoformat(), "bookings_created": 0, "weather_conflicts": 1,
        "reschedules_accepted": 1, "average_reschedule_minutes": 720.0,
        "cancellations": NONE_CANCELLED,
    }
    assert days[d10.isoformat()]["bookings_created"] == 1
    assert days[d10.isoformat()]["weather_conflicts"] == 0
    quiet = days[(today - timedelta(days=1)).isoformat()]
    assert quiet["reschedules_accepted"] == 0 and quiet["average_reschedule_minutes"] is None
    assert body["totals"] == {"bookings_created": 6, "weather_conflicts": 3,
                              "reschedules_accepted": 3, "average_reschedule_minutes": 280.0,
                              "cancellations": NONE_CANCELLED}

    theirs = other.admin.get("/metrics").json()
    assert theirs["totals"] == {"bookings_created": 1, "weather_conflicts": 1,
                                "reschedules_accepted": 1, "average_reschedule_minutes": 360.0,
                                "cancellations": NONE_CANCELLED}
    assert _by_day(theirs)[d3.isoformat()]["bookings_created"] == 1


def test_metrics_report_the_last_sweep_with_the_schools_own_figures(api_server, school):
    started = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
    mine = {"lessons": 12, "not_reached": 0, "verdicts": {"NO_GO": 2}, "actions": {"cancelled": 2},
            "errors": 0}
    with session_scope(api_server.engine) as db:
        db.add(SweepRun(started_at=started - timedelta(hours=1),
                        finished_at=started - timedelta(minutes=59), counts={"lessons": 1},
                        school_counts={str(school.school_id): {"lessons": 1}}))
        latest = SweepRun(started_at=started, finished_at=started + timedelta(seconds=42),
                          counts={"lessons": 5012, "stations": 300, "duration_seconds": 4.2},
                          school_counts={str(school.school_id): mine,
                                         str(uuid.uuid4()): {"lessons": 5000}})
        db.add(latest)
        db.flush()
        latest_id = latest.id

    sweep = school.dispatcher.get("/metrics").json()["last_sweep"]

    assert sweep == {
        "id": str(latest_id),
        "started_at": started.isoformat().replace("+00:00", "Z"),
        "finished_at": (started + timedelta(seconds=42)).isoformat().replace("+00:00", "Z"),
        "counts": mine,
    }


def test_a_school_without_lessons_in_the_last_sweep_sees_zeros_not_the_run(api_server, school):
    started = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=6)
    with session_scope(api_server.engine) as db:
        db.add(SweepRun(started_at=started, finished_at=started + timedelta(seconds=3),
                        counts={"lessons": 5000}, school_counts={str(uuid.uuid4()): {"lessons": 5000}}))

    counts = school.dispatcher.get("/metrics").json()["last_sweep"]["counts"]

    assert counts["lessons"] == 0 and counts["errors"] == 0


def test_a_new_school_has_zeros(school):
    body = school.instructor.get("/metrics").json()
    assert body["totals"] == {"bookings_created": 0, "weather_conflicts": 0,
                              "reschedules_accepted": 0, "average_reschedule_minutes": None,
                              "cancellations": NONE_CANCELLED}
    assert all(row["bookings_created"] == 0 for row in body["days"])


@pytest.mark.parametrize("role", ["admin", "dispatcher", "instructor"])
def test_staff_may_read_metrics(school, role):
    assert school.clients[role].get("/metrics").status_code == 200


def test_students_and_strangers_may_not(school, api_client):
    assert school.student.get("/metrics").status_code == 403
    assert api_client.get("/metrics").status_code == 401
