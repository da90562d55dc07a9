"""The numbers behind ``GET /metrics``, per day in the school's time zone.

- bookings created: lessons whose ``created_at`` falls on the day (also those since cancelled,
  rescheduled or deleted: they were booked);
- weather conflicts: lessons with a NO_GO ``WeatherCheck`` that day — a lesson checked NO_GO by
  every hourly sweep of a day counts once for that day;
- successful reschedules: requests ACCEPTED (counted on the day of ``confirmed_at``);
- average rescheduling time: ``detected_at`` → ``confirmed_at`` of those requests, in minutes;
- cancellations by kind: lessons cancelled by hand that day (``cancelled_at``), per
  ``cancel_kind`` (weather, student, no_show, school, other), apart from the sweep's weather
  cancellations (which are weather conflicts).

Rows of the window are read once and bucketed in Python: the day boundaries are local midnights,
which SQL date functions would draw differently on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.errors import NotFound
from sync.flights.models import CancelKind, Flight, FlightStatus, WeatherCheck
from sync.reschedule.models import RescheduleRequest, RescheduleState
from sync.schools.models import School
from sync.sweep.models import SweepRun
from sync.weather.verdicts import Verdict

DAYS = 30


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def school_metrics(*, db: Session, school_id: uuid.UUID, now: datetime, days: int = DAYS) -> dict[str, Any]:
    school = db.get(School, school_id)
    if school is None or school.is_deleted:
        raise NotFound(f"there is no school {school_id}", rule="SCHOOL_NOT_FOUND")
    zone = zoneinfo.ZoneInfo(school.timezone)
    today = now.astimezone(zone).date()
    first_day = today - timedelta(days=days - 1)
    since = datetime.combine(first_day, time(0), zone).astimezone(UTC)

    def day_of(moment: datetime) -> date:
        return moment.astimezone(zone).date()

    bookings: dict[date, int] = {}
    for created_at in db.scalars(select(Flight.created_at).where(
            Flight.school_id == school_id, Flight.created_at >= since)):
        bookings[day_of(created_at)] = bookings.get(day_of(created_at), 0) + 1

    conflicts: dict[date, set[uuid.UUID]] = {}
    for flight_id, checked_at in db.execute(select(WeatherCheck.flight_id, WeatherCheck.checked_at).where(
            WeatherCheck.school_id == school_id, WeatherCheck.verdict == Verdict.NO_GO,
            WeatherCheck.checked_at >= since, WeatherCheck.deleted_at.is_(None))):
        conflicts.setdefault(day_of(checked_at), set()).add(flight_id)

    accepted: dict[date, list[float]] = {}
    for detected_at, confirmed_at in db.execute(select(
            RescheduleRequest.detected_at, RescheduleRequest.confirmed_at).where(
            RescheduleRequest.school_id == school_id,
            RescheduleRequest.state == RescheduleState.ACCEPTED,
            RescheduleRequest.confirmed_at.is_not(None),
            RescheduleRequest.confirmed_at >= since,
            RescheduleRequest.deleted_at.is_(None))):
        minutes = max((confirmed_at - detected_at).total_seconds(), 0.0) / 60
        accepted.setdefault(day_of(confirmed_at), []).append(minutes)

    cancelled: dict[date, dict[str, int]] = {}
    for kind, cancelled_at in db.execute(select(Flight.cancel_kind, Flight.cancelled_at).where(
            Flight.school_id == school_id, Flight.status == FlightStatus.CANCELLED,
            Flight.cancel_kind.is_not(None), Flight.cancelled_at >= since)):
        counts = cancelled.setdefault(day_of(cancelled_at), _no_cancellations())
        counts[CancelKind(kind).value] += 1

    rows = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        rows.append({
            "date": day,
            "bookings_created": bookings.get(day, 0),
            "weather_conflicts": len(conflicts.get(day, ())),
            "reschedules_accepted": len(accepted.get(day, ())),
            "average_reschedule_minutes": _mean(accepted.get(day, [])),
            "cancellations": cancelled.get(day, _no_cancellations()),
        })
    all_minutes = [value for values in accepted.values() for value in values]
    totals = {
        "bookings_created": sum(row["bookings_created"] for row in rows),
        "weather_conflicts": sum(row["weather_conflicts"] for row in rows),
        "reschedules_accepted": len(all_minutes),
        "average_reschedule_minutes": _mean(all_minutes),
        "cancellations": {kind.value: sum(row["cancellations"][kind.value] for row in rows)
                          for kind in CancelKind},
    }
    return {"school_id": school_id, "timezone": school.timezone, "days": rows, "totals": totals,
            "last_sweep": last_sweep(db=db, school_id=school_id)}


def _no_cancellations() -> dict[str, int]:
    return {kind.value: 0 for kind in CancelKind}


# What a school is told of a sweep that found none of its lessons.
_NOTHING_SWEPT = {"lessons": 0, "not_reached": 0, "verdicts": {}, "actions": {}, "errors": 0}


def last_sweep(*, db: Session, school_id: uuid.UUID) -> dict[str, Any] | None:
    """The latest sweep, with this school's own figures only (a sweep covers every school: how
    many lessons the others have, or what happened to them, is none of this school's business)."""
    run = db.scalars(select(SweepRun).order_by(SweepRun.started_at.desc(), SweepRun.id).limit(1)).first()
    if run is None:
        return None
    counts = (run.school_counts or {}).get(str(school_id)) or dict(_NOTHING_SWEPT)
    return {"id": run.id, "started_at": run.started_at, "finished_at": run.finished_at,
            "counts": dict(counts)}
