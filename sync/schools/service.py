"""Creating and reading schools."""

from __future__ import annotations

import uuid
import zoneinfo

from sqlalchemy.orm import Session

from sync.audit import service as audit_service
from sync.errors import InvalidInput, NotFound
from sync.schools.models import School
from sync.weather.errors import UnknownStation
from sync.weather.stations import is_known_station, station_info


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


def airport_location(icao: str) -> tuple[float, float] | None:
    """(latitude, longitude) of an airport from the weather engine's station data; None when the
    engine does not know the station (or has no position for it)."""
    try:
        station = station_info(icao)
    except UnknownStation:
        return None
    if station.latitude is None or station.longitude is None:
        return None
    return float(station.latitude), float(station.longitude)


def place_home(school: School, home_airport: str) -> None:
    """Set the school's home airport and, in step with it, the airport's coordinates (which the
    desktop replicates to shade twilight). ``home_airport`` is already validated."""
    school.home_airport = home_airport
    school.home_latitude, school.home_longitude = airport_location(home_airport) or (None, None)


def create(*, db: Session, name: str, home_airport: str, timezone: str, actor: str) -> School:
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("the school needs a name", field="name")
    if len(name) > 200:
        raise InvalidInput("the school's name is longer than 200 characters", field="name")
    school = School(name=name, timezone=validated_timezone(timezone))
    place_home(school, validated_airport(home_airport))
    db.add(school)
    db.flush()
    audit_service.record(db=db, school_id=school.id, actor=actor, action="create", row=school)
    return school


def get(*, db: Session, school_id: uuid.UUID) -> School | None:
    school = db.get(School, school_id)
    return None if school is None or school.is_deleted else school


def change_home_airport(*, db: Session, school_id: uuid.UUID, home_airport: str,
                        actor: str) -> School:
    """Move the school to another home airport (its coordinates follow)."""
    school = get(db=db, school_id=school_id)
    if school is None:
        raise NotFound("no such school")
    icao = validated_airport(home_airport, field="home_airport")
    if icao == school.home_airport:
        return school
    before = audit_service.snapshot(school)
    place_home(school, icao)
    audit_service.record(db=db, school_id=school.id, actor=actor, action="update", row=school,
                         before=before)
    return school
