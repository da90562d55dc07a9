"""A desk signed in to a fresh school of the real service (``api_server``): its client, replica
and sync engine — for the booking-policy and series dialogs, which need an admin, a dispatcher and
a school nobody else books in."""

from __future__ import annotations

import uuid
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from app.models.lessons import Schedule, load_schedule
from app.services.api_client import Account, ApiClient, Session, Tokens
from app.services.replica import Replica
from app.services.sync_engine import SyncEngine
from sync.aircraft.models import Aircraft
from sync.database.session import session_scope
from sync.people.models import Instructor, Student

ZONE = zoneinfo.ZoneInfo("America/Chicago")  # the signed-in school's zone


def client_for(api_server, school, role: str, *, base_url: str | None = None) -> ApiClient:
    """A client signed in as ``role`` of ``school`` (its tokens, no argon2 round); ``base_url``:
    another address than the service's (one where nothing answers: offline)."""
    tokens = school.tokens[role]
    client = ApiClient(base_url=base_url or api_server.url)
    client.adopt(Session(
        account=Account(id=tokens.account_id, email=school.emails[role], role=role,
                        school_id=str(school.school_id)),
        tokens=Tokens(access_token=tokens.access_token, refresh_token=tokens.refresh_token,
                      expires_in=900)))
    return client


def with_fleet(school, api_server):
    """An aircraft and a second instructor (``aircraft_id``, ``colleague_id``), and a student
    trained at night (a lesson after dusk is not this test's business)."""
    with session_scope(api_server.engine) as db:
        aircraft = Aircraft(school_id=school.school_id, tail_number=f"N{uuid.uuid4().hex[:4].upper()}",
                            model="C172S", home_airport="KAUS", max_crosswind_kt=15)
        colleague = Instructor(school_id=school.school_id, name="Other CFI",
                               email=f"o-{uuid.uuid4().hex[:6]}@example.com", ratings=["CFI"])
        db.add_all([aircraft, colleague])
        db.flush()
        db.get(Student, school.student_id).night_trained = True
        school.aircraft_id, school.colleague_id = aircraft.id, colleague.id
        school.tail_number = aircraft.tail_number
    return school


@dataclass
class Desk:
    client: ApiClient
    replica: Replica
    engine: SyncEngine

    def schedule(self) -> Schedule:
        now = datetime.now(UTC)
        return load_schedule(self.replica, now - timedelta(days=1), now + timedelta(days=400))

    def close(self) -> None:
        self.replica.close()
        self.client.close()


def open_desk(api_server, school, role: str, folder: Path) -> Desk:
    client = client_for(api_server, school, role)
    replica = Replica(folder / f"replica-{role}.sqlite3")
    engine = SyncEngine(client=client, replica=replica)
    assert engine.sync_once().status.state == "idle"
    return Desk(client, replica, engine)


def next_weekday(weekday: int, *, weeks_ahead: int = 1) -> date:
    """The ISO ``weekday`` at least a week from today (school time)."""
    day = datetime.now(ZONE).date() + timedelta(days=7 * weeks_ahead)
    while day.isoweekday() != weekday:
        day += timedelta(days=1)
    return day


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """``hour``:``minute`` school time on ``day``, aware UTC."""
    return datetime.combine(day, time(hour, minute), ZONE).astimezone(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
