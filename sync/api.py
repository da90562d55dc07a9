"""The HTTP application: routers, error mapping, health. ``create_app()`` builds it.

Every router, its prefix and its tags are listed once, in ``ROUTERS``; a domain adds its line
there (and its import above it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from sync.aircraft.router import router as aircraft_router
from sync.auth.rate_limit import LoginRateLimiter
from sync.auth.router import router as auth_router
from sync.config import Settings, get_settings
from sync.database import migrations
from sync.database.session import READ_ONLY, create_engine_for, make_sessionmaker
from sync.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError
from sync.flights.router import router as flights_router
from sync.metrics.router import router as metrics_router
from sync.people.router import instructors_router, students_router
from sync.replication.router import router as replication_router
from sync.weather.router import router as weather_router

# (router, prefix, tags) — the one list of everything the API serves.
ROUTERS: list[tuple[APIRouter, str, list[str]]] = [
    (auth_router, "/auth", ["auth"]),
    (students_router, "/students", ["students"]),
    (instructors_router, "/instructors", ["instructors"]),
    (aircraft_router, "/aircraft", ["aircraft"]),
    (flights_router, "/flights", ["flights"]),
    (weather_router, "/weather", ["weather"]),
    (replication_router, "/sync", ["sync"]),
    (metrics_router, "/metrics", ["metrics"]),
]

ERROR_STATUS: dict[type[ServiceError], int] = {
    InvalidInput: status.HTTP_422_UNPROCESSABLE_CONTENT,
    NotFound: status.HTTP_404_NOT_FOUND,
    Conflict: status.HTTP_409_CONFLICT,
    Forbidden: status.HTTP_403_FORBIDDEN,
}


class ErrorBody(BaseModel):
    """What every refused request answers (FastAPI's own request validation aside)."""

    detail: str
    rule: str | None = None
    field: str | None = None
    conflict: dict[str, Any] | None = None


class Health(BaseModel):
    status: str
    database: str
    schema_revision: str | None
    schema_current: bool


def error_status(exc: ServiceError) -> int:
    for kind in type(exc).__mro__:
        if kind in ERROR_STATUS:
            return ERROR_STATUS[kind]
    return status.HTTP_400_BAD_REQUEST


def service_error_response(exc: ServiceError) -> JSONResponse:
    body = ErrorBody(detail=exc.message, rule=exc.rule, field=exc.field, conflict=exc.conflict)
    return JSONResponse(body.model_dump(mode="json"), status_code=error_status(exc))


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = create_engine_for(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Refuse to serve a database that is behind (or ahead): DatabaseBehind says to run
        # `fsp-sync db upgrade`. `fsp-sync serve` checks first, to say so without a traceback.
        migrations.ensure_current(engine)
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(
        title="Flight Schedule Pro Dispatcher — sync service",
        version="0.1.0",
        lifespan=lifespan,
        responses={
            403: {"model": ErrorBody}, 404: {"model": ErrorBody}, 409: {"model": ErrorBody},
        },
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.login_rate_limiter = LoginRateLimiter()

    for router, prefix, tags in ROUTERS:
        app.include_router(router, prefix=prefix, tags=list(tags))

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> JSONResponse:
        return service_error_response(exc)

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, exc: StaleDataError) -> JSONResponse:
        # Two writers raced between our version check and the UPDATE; the loser hears it here.
        return service_error_response(Conflict(
            "someone else changed this row at the same moment: reload it and try again",
            rule="STALE_VERSION",
        ))

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        # Services check uniqueness first; this is a concurrent request winning the race.
        return service_error_response(Conflict(
            "this clashes with a change someone made at the same moment: reload and try again",
            rule="CONCURRENT_CHANGE",
        ))

    @app.get("/health", response_model=Health, tags=["health"],
             responses={503: {"model": Health, "description": "the database is unreachable"}})
    def health() -> Any:
        try:
            with engine.execution_options(**{READ_ONLY: True}).connect() as connection:
                connection.execute(text("SELECT 1"))
                revision = migrations.current_revision(connection)
        except SQLAlchemyError:
            return JSONResponse(
                Health(status="unavailable", database="unreachable", schema_revision=None,
                       schema_current=False).model_dump(),
                status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        current = revision == migrations.head_revision()
        return Health(status="ok" if current else "degraded", database="reachable",
                      schema_revision=revision, schema_current=current)

    return app
