"""Check-out and check-in: the aircraft taken out for a lesson, and the lesson flown.

Check-out records the Hobbs and tach as read before the flight; check-in records them after,
with the times actually flown and remarks: the lesson becomes COMPLETED with its flown time
(Hobbs in − out) and the aircraft's meters advance. The same people who may change a lesson may
do either (dispatchers and admins; an instructor for the lessons they teach).

Readings are checked for what a typo looks like: a meter that ran backwards, more hours on it
than the lesson lasted (with ``METER_SLACK`` for reading to tenths and taxiing), or than the
school's longest lesson.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from sync.aircraft.models import Aircraft
from sync.audit import service as audit_service
from sync.errors import Conflict, InvalidInput
from sync.flights import service as flights_service
from sync.flights.models import Flight, FlightStatus
from sync.flights.schemas import FlightCheckIn, FlightCheckOut
from sync.schools.models import School

# Meters are read to a tenth of an hour and run while taxiing: 0.3 h more than the time between
# check-out and check-in is still a plausible reading.
METER_SLACK = timedelta(minutes=18)
# Clocks of the desk and the service differ a little: a time this far ahead is still "now".
CLOCK_SKEW = timedelta(minutes=5)
_OPEN = frozenset({FlightStatus.SCHEDULED, FlightStatus.AT_RISK})


def check_out(*, db: Session, actor: flights_service.Actor, school_id: uuid.UUID,
              flight_id: uuid.UUID, data: FlightCheckOut, now: datetime) -> Flight:
    flight = flights_service._changeable(db, actor=actor, school_id=school_id, flight_id=flight_id)
    _require_open(flight)
    if flight.checked_out_at is not None:
        raise Conflict(f"the aircraft was already checked out for this lesson at "
                       f"{flights_service._show(flight.checked_out_at)}: check it in instead",
                       field="status", rule="ALREADY_CHECKED_OUT", conflict=flights_service._summary(flight))
    at = data.at or now
    if at > now + CLOCK_SKEW:
        raise InvalidInput("the check-out time is in the future: leave it out to use now",
                           field="at", rule="CHECK_OUT_IN_FUTURE")
    aircraft = db.get(Aircraft, flight.aircraft_id)
    if not aircraft.in_service:
        raise InvalidInput(f"aircraft {aircraft.tail_number} is out of service: it cannot be "
                           "taken out", field="aircraft_id", rule="AIRCRAFT_OUT_OF_SERVICE")
    # Real time: the meters read now are at least what the aircraft's last check-in left.
    for name, reading, kept in (("hobbs_out", data.hobbs_out, aircraft.hobbs_hours),
                                ("tach_out", data.tach_out, aircraft.tach_hours)):
        if reading < kept - 0.05:
            raise InvalidInput(
                f"{name} {reading:g} is below the {kept:g} h aircraft {aircraft.tail_number} "
                "showed at its last check-in, and meters do not run backwards: read it again (if "
                "the aircraft's hours are wrong, correct them with PATCH /aircraft/{id})",
                field=name, rule="METER_BACKWARDS")
    before = audit_service.snapshot(flight)
    flight.checked_out_at = at
    flight.hobbs_out = data.hobbs_out
    flight.tach_out = data.tach_out
    flights_service._audit(db, school_id=school_id, actor=actor, action="check_out", flight=flight,
                           before=before)
    return flight


def check_in(*, db: Session, actor: flights_service.Actor, school_id: uuid.UUID,
             flight_id: uuid.UUID, data: FlightCheckIn, now: datetime) -> Flight:
    flight = flights_service._changeable(db, actor=actor, school_id=school_id, flight_id=flight_id)
    _require_open(flight)
    hobbs_out = _reading_out(flight.hobbs_out, data.hobbs_out, "hobbs_out", flight)
    tach_out = _reading_out(flight.tach_out, data.tach_out, "tach_out", flight)
    started = data.actual_start_at or flight.checked_out_at or flight.start_at
    ended = data.actual_end_at or now
    if started > now + CLOCK_SKEW:
        raise InvalidInput(f"the lesson has not started yet ({flights_service._show(started)}): "
                           "check it in once it is flown", field="actual_start_at",
                           rule="NOT_FLOWN_YET")
    if ended > now + CLOCK_SKEW:
        raise InvalidInput("actual_end_at is in the future: leave it out to use now",
                           field="actual_end_at", rule="CHECK_IN_IN_FUTURE")
    if ended <= started:
        raise InvalidInput(f"actual_end_at ({flights_service._show(ended)}) is not after "
                           f"actual_start_at ({flights_service._show(started)})",
                           field="actual_end_at", rule="ENDS_BEFORE_START")
    school = db.get(School, school_id)
    longest = timedelta(hours=school.max_lesson_hours) + METER_SLACK
    plausible = min(ended - started + METER_SLACK, longest)
    for name, reading_in, reading_out in (("hobbs_in", data.hobbs_in, hobbs_out),
                                          ("tach_in", data.tach_in, tach_out)):
        if reading_in < reading_out:
            raise InvalidInput(f"{name} {reading_in:g} is below the reading out, {reading_out:g}: "
                               "meters do not run backwards", field=name, rule="METER_BACKWARDS")
        run = timedelta(hours=reading_in - reading_out)
        if run > plausible:
            raise InvalidInput(
                f"{name} {reading_in:g} means {reading_in - reading_out:.1f} h on the meter, more "
                f"than the lesson can have flown ({_hours(plausible)} between "
                f"{flights_service._show(started)} and {flights_service._show(ended)}, at most "
                f"the school's longest lesson): check the reading", field=name,
                rule="IMPLAUSIBLE_METER")
    before = audit_service.snapshot(flight)
    flight.hobbs_out, flight.tach_out = hobbs_out, tach_out
    flight.hobbs_in, flight.tach_in = data.hobbs_in, data.tach_in
    flight.actual_start_at, flight.actual_end_at = started, ended
    flight.flown_hours = round(data.hobbs_in - hobbs_out, 2)
    flight.check_in_remarks = data.remarks or None
    flight.status = FlightStatus.COMPLETED
    flights_service._audit(db, school_id=school_id, actor=actor, action="check_in", flight=flight,
                           before=before)
    aircraft = db.get(Aircraft, flight.aircraft_id)
    # Check-ins can come in any order (one entered late): the meters only ever advance.
    if data.hobbs_in > aircraft.hobbs_hours or data.tach_in > aircraft.tach_hours:
        aircraft_before = audit_service.snapshot(aircraft)
        aircraft.hobbs_hours = max(aircraft.hobbs_hours, data.hobbs_in)
        aircraft.tach_hours = max(aircraft.tach_hours, data.tach_in)
        audit_service.record(db=db, school_id=school_id, actor=flights_service._actor_name(actor),
                             action="meters", row=aircraft, before=aircraft_before,
                             actor_account_id=flights_service._actor_id(actor))
    return flight


def _require_open(flight: Flight) -> None:
    if flight.status not in _OPEN:
        raise Conflict(f"the lesson is {FlightStatus(flight.status).value}: it can no longer be "
                       "checked out or in", field="status", rule="FLIGHT_CLOSED",
                       conflict=flights_service._summary(flight))


def _reading_out(recorded: float | None, sent: float | None, name: str, flight: Flight) -> float:
    """The reading out: the one recorded at check-out, else the one sent with the check-in."""
    if recorded is not None:
        if sent is not None and abs(sent - recorded) > 1e-9:
            raise InvalidInput(f"{name} was recorded as {recorded:g} at check-out: leave it out "
                               "of the check-in", field=name, rule="CHECKED_OUT_ALREADY")
        return recorded
    if sent is None:
        raise InvalidInput(f"the lesson was not checked out: send {name} with the check-in",
                           field=name, rule="READING_OUT_REQUIRED")
    return sent


def _hours(length: timedelta) -> str:
    minutes = int(length.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"
