"""/weather: a lesson's weather check (stored as evidence) and current weather at stations."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from sync.database.session import session_scope
from sync.deps import AppSettings, CurrentUser, DbSession
from sync.errors import InvalidInput
from sync.flights.schemas import WeatherCheckRead, WeatherCheckRequest
from sync.weather.check import check_json, judge_lesson, load_lesson, weather_source_from_settings
from sync.weather.current import station_json
from sync.weather.sources import WeatherSource
from sync.weather.station_weather import gather_weather

router = APIRouter()

MAX_STATIONS = 50
_STATION = re.compile(r"[A-Z0-9]{3,4}")


def get_weather_source(settings: AppSettings) -> Iterator[WeatherSource]:
    """From the environment at request time (FSP_WEATHER_RECORDED, FSP_WEATHER_URL), with the
    request's deadline: everything it fetches is done in ``weather_request_deadline_seconds``."""
    source = weather_source_from_settings(settings)
    try:
        yield source
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()


Weather = Annotated[WeatherSource, Depends(get_weather_source)]


@router.post("/check", response_model=WeatherCheckRead)
def check_weather(body: WeatherCheckRequest, request: Request, db: DbSession, user: CurrentUser,
                  source: Weather) -> Any:
    """Judge the lesson for its own window at every place it goes; the judgement is stored."""
    now = datetime.now(UTC)
    # Read in a read-only transaction and fetch outside any: a writing transaction on SQLite
    # holds the database lock, which must never wait on the network. The request's session has
    # only read the account so far; ending its transaction here releases that lock.
    db.commit()
    with session_scope(request.app.state.engine, read_only=True) as reader:
        lesson = load_lesson(db=reader, school_id=user.school_id, flight_id=body.flight_id)
    check = judge_lesson(lesson, source=source, now=now)
    db.add(check)
    db.flush()
    return check_json(check)


@router.get("/current")
def current_weather(
    db: DbSession,
    user: CurrentUser,
    source: Weather,
    ids: Annotated[str, Query(description="ICAO station ids, comma-separated: KAUS,KSAT")],
) -> list[dict[str, Any]]:
    """Latest decoded METAR and the next day's TAF periods, with flight categories, per station."""
    codes = list(dict.fromkeys(part.strip().upper() for part in ids.split(",") if part.strip()))
    if not codes:
        raise InvalidInput("name at least one station, e.g. ids=KAUS,KSAT", field="ids",
                           rule="NO_STATIONS")
    if len(codes) > MAX_STATIONS:
        raise InvalidInput(f"at most {MAX_STATIONS} stations at once", field="ids",
                           rule="TOO_MANY_STATIONS")
    for code in codes:
        if not _STATION.fullmatch(code):
            raise InvalidInput(f"{code} is not a station id (3 or 4 letters or digits, like KAUS)",
                               field="ids", rule="UNKNOWN_STATION")
    db.commit()  # nothing to write: release the transaction (and SQLite's lock) before the network
    now = datetime.now(UTC)
    gathered = gather_weather(source, codes, now=now)
    return [station_json(weather, now=now) for weather in gathered.values()]
