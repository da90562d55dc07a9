"""The HTTP application: routers, error mapping, health. ``create_app()`` builds it.

Every router, its prefix and its tags are listed once, in ``ROUTERS``; a domain adds its line
there (and its import above it).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from anyio import CapacityLimiter, to_thread
from fastapi import APIRouter, FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError

from sync.accounts.pages import reset_pages_router
from sync.accounts.router import router as accounts_router
from sync.aircraft.router import router as aircraft_router
from sync.auth.router import router as auth_router
from sync.body_limit import BodySizeLimit
from sync.config import Settings, get_settings
from sync.database import migrations
from sync.database.availability import Unavailability, unavailability
from sync.database.session import READ_ONLY, create_engine_for, make_sessionmaker
from sync.errors import (
    Conflict, Forbidden, InvalidInput, NotFound, PreconditionRequired, ServiceError,
)
from sync.flights.router import router as flights_router
from sync.metrics.router import router as metrics_router
from sync.notify.router import router as notify_router
from sync.people.router import instructors_router, students_router
from sync.policy.router import router as policy_router
from sync.policy.schemas import PolicyWarning
from sync.replication.router import router as replication_router
from sync.reschedule.router import router as reschedule_router
from sync.reschedule.router import student_pages_router
from sync.security_headers import SecurityHeaders
from sync.sweep import scheduler as sweep_scheduler
from sync.weather.router import router as weather_router

logger = logging.getLogger(__name__)

# (router, prefix, tags) — the one list of everything the API serves.
ROUTERS: list[tuple[APIRouter, str, list[str]]] = [
    (auth_router, "/auth", ["auth"]),
    (accounts_router, "/accounts", ["accounts"]),
    (students_router, "/students", ["students"]),
    (instructors_router, "/instructors", ["instructors"]),
    (aircraft_router, "/aircraft", ["aircraft"]),
    (flights_router, "/flights", ["flights"]),
    (policy_router, "/policy", ["booking policy"]),
    (weather_router, "/weather", ["weather"]),
    (replication_router, "/sync", ["sync"]),
    (metrics_router, "/metrics", ["metrics"]),
    (notify_router, "/notifications", ["notifications"]),
    (reschedule_router, "/reschedule", ["reschedule"]),
    (student_pages_router, "/r", ["student pages"]),
    (reset_pages_router, "/reset-password", ["password reset pages"]),
]

ERROR_STATUS: dict[type[ServiceError], int] = {
    InvalidInput: status.HTTP_422_UNPROCESSABLE_CONTENT,
    NotFound: status.HTTP_404_NOT_FOUND,
    Conflict: status.HTTP_409_CONFLICT,
    PreconditionRequired: status.HTTP_428_PRECONDITION_REQUIRED,
    Forbidden: status.HTTP_403_FORBIDDEN,
}


class ErrorBody(BaseModel):
    """What every refused request answers: a broken rule, a malformed request (FastAPI's request
    validation, an unreadable body), a missing sign-in. ``rule`` and ``field`` when known."""

    detail: str
    rule: str | None = None
    field: str | None = None
    conflict: dict[str, Any] | None = None
    # Only on a 409 NEEDS_ACKNOWLEDGEMENT (left out of every other answer).
    warnings: list[PolicyWarning] | None = Field(
        default=None, exclude_if=lambda value: value is None,
        description="409 NEEDS_ACKNOWLEDGEMENT: the school's rules the request breaks; send it "
                    "again with acknowledge: [their codes] to go ahead")


class Health(BaseModel):
    status: str
    database: str
    schema_revision: str | None
    schema_current: bool


# Declared on every router's operations, so the OpenAPI schema says what a refusal looks like.
REFUSALS: dict[int | str, dict[str, Any]] = {
    status.HTTP_400_BAD_REQUEST: {"model": ErrorBody, "description": "the body could not be read"},
    status.HTTP_401_UNAUTHORIZED: {"model": ErrorBody, "description": "not signed in, or the token expired"},
    status.HTTP_403_FORBIDDEN: {"model": ErrorBody, "description": "the caller may not do this"},
    status.HTTP_404_NOT_FOUND: {"model": ErrorBody, "description": "no such row in the caller's school"},
    status.HTTP_409_CONFLICT: {"model": ErrorBody, "description": "clashes with existing data, or "
                               "(rule NEEDS_ACKNOWLEDGEMENT) breaks booking-policy warnings: see warnings"},
    status.HTTP_413_CONTENT_TOO_LARGE: {"model": ErrorBody,
                                        "description": "the request body is larger than accepted"},
    status.HTTP_422_UNPROCESSABLE_CONTENT: {"model": ErrorBody, "description": "invalid input"},
    status.HTTP_428_PRECONDITION_REQUIRED: {
        "model": ErrorBody,
        "description": "an update without the version it was made on (send version or If-Match)",
    },
    status.HTTP_503_SERVICE_UNAVAILABLE: {
        "model": ErrorBody,
        "description": "the database cannot be reached right now: retry after Retry-After seconds",
    },
}

# What a client is told to wait before retrying when the database cannot be used (Retry-After).
RETRY_AFTER_SECONDS = 5
# /health's own threads: see ``health`` in ``create_app``.
HEALTH_THREADS = 2


def request_validation_body(errors: Sequence[Any]) -> ErrorBody:
    """FastAPI's list of validation errors as the one error body: every problem in ``detail``,
    the first one's field (``availability.0.weekday``, without ``body``/``query``) in ``field``."""
    problems = []
    for error in errors:
        where = [str(part) for part in error.get("loc", ())]
        problems.append((".".join(where[1:]) or ".".join(where) or "request", str(error.get("msg", ""))))
    if not problems:
        return ErrorBody(detail="the request is invalid", rule="INVALID_REQUEST")
    return ErrorBody(detail="; ".join(f"{field}: {message}" for field, message in problems),
                     rule="INVALID_REQUEST", field=problems[0][0])


def error_status(exc: ServiceError) -> int:
    for kind in type(exc).__mro__:
        if kind in ERROR_STATUS:
            return ERROR_STATUS[kind]
    return status.HTTP_400_BAD_REQUEST


def service_error_response(exc: ServiceError) -> JSONResponse:
    body = ErrorBody(detail=exc.message, rule=exc.rule, field=exc.field, conflict=exc.conflict,
                     warnings=exc.warnings)
    return JSONResponse(body.model_dump(mode="json"), status_code=error_status(exc))


def too_large_response(max_bytes: int) -> JSONResponse:
    body = ErrorBody(
        detail=f"the request body is larger than the {max_bytes:,} bytes this service accepts: "
               "send less at once (for example fewer changes per push)",
        rule="REQUEST_TOO_LARGE",
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=status.HTTP_413_CONTENT_TOO_LARGE)


def database_unavailable_response(exc: Exception) -> JSONResponse:
    """503 with Retry-After when the database cannot be used right now (unreachable, connection
    lost, busy); any other database error is raised on, to be the 500 a bug is."""
    why = unavailability(exc)
    if why is None:
        raise exc
    first_line = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]
    logger.warning("database %s: %s: %s", why.value, type(exc).__name__, first_line)
    if why is Unavailability.BUSY:
        detail = "the database is busy right now: try again in a few seconds"
    else:
        detail = ("the database cannot be reached right now: try again in a few seconds (if it "
                  "goes on, the service's administrator should check the database server)")
    body = ErrorBody(detail=detail, rule="DATABASE_UNAVAILABLE")
    return JSONResponse(body.model_dump(mode="json"), status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
                        headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = create_engine_for(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Refuse to serve a database that is behind (or ahead): DatabaseBehind says to run
        # `fsp-sync db upgrade`. `fsp-sync serve` checks first, to say so without a traceback.
        migrations.ensure_current(engine)
        sweeps = sweep_scheduler.start_for(settings, app.state.sessionmaker)  # None when turned off
        try:
            yield
        finally:
            if sweeps is not None:
                sweeps.stop()
            engine.dispose()

    app = FastAPI(
        title="Flight Schedule Pro Dispatcher — sync service",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)

    for router, prefix, tags in ROUTERS:
        app.include_router(router, prefix=prefix, tags=list(tags), responses=REFUSALS)

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> JSONResponse:
        return service_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(request_validation_body(exc.errors()).model_dump(mode="json"),
                            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)

    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: DataError) -> JSONResponse:
        # SQLSTATE class 22, "data exception": a value the database cannot hold, such as a NUL
        # character in text on PostgreSQL. The request's value is at fault, not the service.
        return service_error_response(InvalidInput(
            "a value in the request cannot be stored (for example a NUL character in text): "
            "remove it and try again",
            rule="UNSTORABLE_VALUE",
        ))

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

    # The database down, restarting or out of connections (from the pool or mid-query): 503 on
    # every route, so clients retry instead of showing a crash. The pool recovers by itself
    # (pre-ping and invalidation on disconnect, see sync.database.session).
    @app.exception_handler(DBAPIError)
    async def _database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        return database_unavailable_response(exc)

    @app.exception_handler(PoolTimeout)
    async def _no_connection_free(request: Request, exc: PoolTimeout) -> JSONResponse:
        return database_unavailable_response(exc)

    # Outermost last: the headers go on every answer, the size limit's refusals included.
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes,
                       refusal=too_large_response(settings.max_request_bytes))
    app.add_middleware(SecurityHeaders)

    def database_revision() -> str | None:
        with engine.execution_options(**{READ_ONLY: True}).connect() as connection:
            connection.execute(text("SELECT 1"))
            return migrations.current_revision(connection)

    # /health pings the database on threads of its own: on the worker threads every other
    # endpoint shares, it would queue behind requests that wait on something slow (a silent
    # weather upstream, up to its deadline) and report a working service as dead.
    health_threads = CapacityLimiter(HEALTH_THREADS)

    @app.get("/health", response_model=Health, tags=["health"],
             responses={503: {"model": Health, "description": "the database is unreachable"}})
    async def health() -> Any:
        try:
            revision = await to_thread.run_sync(database_revision, limiter=health_threads)
        except SQLAlchemyError:
            return JSONResponse(
                Health(status="unavailable", database="unreachable", schema_revision=None,
                       schema_current=False).model_dump(),
                status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        current = revision == migrations.head_revision()
        return Health(status="ok" if current else "degraded", database="reachable",
                      schema_revision=revision, schema_current=current)

    return app
