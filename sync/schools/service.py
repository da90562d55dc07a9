"""Creating and reading schools."""

from __future__ import annotations

import uuid
import zoneinfo

from sqlalchemy.orm import Session

from sync.audit import service as audit_service
from sync.errors import InvalidInput
from sync.schools.models import School
from sync.weather.stations import is_known_station


def validated_timezone(name: str) -> str:
    name = name.strip()
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"{name or '(empty)'} is not a time zone: use an IANA name such as America/Chicago",
            field="timezone",
        ) from None
    return name


def validated_airport(code: str, *, field: str = "airport") -> str:
    """An ICAO code the weather engine knows (it must be able to judge lessons there)."""
    icao = code.strip().upper()
    if len(icao) != 4 or not icao.isalnum() or not is_known_station(icao):
        raise InvalidInput(
            f"{icao or '(empty)'} is not an airport the weather engine knows: "
            "use its four-letter ICAO code, e.g. KAUS",
            field=field,
        )
    return icao


def create(*, db: Session, name: str, home_airport: str, timezone: str, actor: str) -> School:
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("the school needs a name", field="name")
    if len(name) > 200:
        raise InvalidInput("the school's name is longer than 200 characters", field="name")
    school = School(
        name=name,
        home_airport=validated_airport(home_airport),
        timezone=validated_timezone(timezone),
    )
    db.add(school)
    db.flush()
    audit_service.record(db=db, school_id=school.id, actor=actor, action="create", row=school)
    return school


def get(*, db: Session, school_id: uuid.UUID) -> School | None:
    school = db.get(School, school_id)
    return None if school is None or school.is_deleted else school
