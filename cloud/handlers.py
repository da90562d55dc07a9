"""The Lambda entry points. They reuse ``sync/`` unchanged; only configuration differs.

- ``handler``: the HTTP API (API Gateway HTTP API, payload 2.0) through Mangum.
- ``sweep_handler``: one sweep (EventBridge, hourly), then the mail that is due.
- ``migrate_handler``: ``db upgrade`` (a CDK trigger runs it on every deploy whose code changed).
- ``admin_handler``: an ``fsp-sync`` command, e.g. creating the first school and admin account:
  ``{"args": ["schools", "create", …], "stdin": "…"}``.

What is built once per cold start (settings, the FastAPI app, engines) is cached; ``reset()``
forgets it (tests, and nothing else).
"""

from __future__ import annotations

import contextlib
import io
import logging
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine

from cloud import lambda_config
from sync.database import migrations
from sync.database.session import create_engine_for, make_sessionmaker

logger = logging.getLogger("cloud.handlers")
logger.setLevel(logging.INFO)



# -- the API -----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _api() -> Any:
    from mangum import Mangum

    from sync.api import create_app

    app = create_app(lambda_config.load_settings())
    # Checked once per cold start, as `fsp-sync serve` does at start-up: a database behind the
    # code refuses to serve (DatabaseBehind says to run the migration). lifespan="off": Mangum
    # would run the app's start-up and shut-down around every request, and that start-up is
    # also where `fsp-sync serve` starts its in-process sweep (EventBridge runs it here).
    migrations.ensure_current(app.state.engine)
    # The client's address (sign-in throttling counts by it) is what Mangum puts in the scope:
    # API Gateway's requestContext.http.sourceIp, which the caller cannot write. So no proxy is
    # trusted here (FSP_TRUSTED_PROXIES unset): X-Forwarded-For is the caller's to write.
    return Mangum(app, lifespan="off")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _api()(event, context)


# -- the sweep ---------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _engine() -> Engine:
    return create_engine_for(lambda_config.load_settings().database_url)


def sweep_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """One sweep now (the clock, not the event's time: a delayed event must not judge the past)."""
    from sync.sweep.service import run_sweep
    from sync.weather.check import weather_source_from_settings

    settings = lambda_config.load_settings()
    session_factory = make_sessionmaker(_engine())
    source = weather_source_from_settings(settings, for_sweep=True)
    try:
        run = run_sweep(session_factory=session_factory, source=source, now=datetime.now(UTC))
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()
    result: dict[str, Any] = {
        "sweep_run": str(run.id),
        "counts": run.counts,
        "errors": run.errors[:20],
        "mail": deliver_due_mail(settings=settings, session_factory=session_factory),
    }
    logger.info("sweep finished: %s", result)
    return result


def deliver_due_mail(*, settings: Any, session_factory: Any) -> dict[str, Any]:
    """The mail that is due, as `fsp-sync sweep --once` delivers it after its sweep."""
    from sync.sweep.mail import deliver_all_due

    report = deliver_all_due(session_factory=session_factory, settings=settings)
    return {"claimed": report.claimed, "sent": report.sent, "retried": report.retried,
            "failed": report.failed, "errors": report.errors[:20]}


# -- migrations and administration -------------------------------------------------------------


def migrate_handler(event: dict[str, Any] | None = None, context: Any = None) -> dict[str, Any]:
    """``db upgrade`` to the newest revision. An exception fails the deployment that ran it."""
    database_url = lambda_config.load_settings().database_url
    reached = migrations.upgrade(database_url)
    logger.info("database at revision %s", reached)
    return {"revision": reached, "head": migrations.head_revision()}


def admin_handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Run one ``fsp-sync`` command: ``{"args": [...], "stdin": "..."}`` → exit status and output.

    ``stdin`` carries a password for ``accounts create --password-stdin``; it is never logged.
    """
    from sync import cli

    args = event.get("args")
    if not isinstance(args, list) or not all(isinstance(arg, str) for arg in args) or not args:
        return {"exit_status": 2, "stdout": "",
                "stderr": 'give the command as {"args": ["schools", "create", ...]}'}
    lambda_config.load_settings()  # DATABASE_URL and the signing key into the environment
    from sync.config import get_settings

    get_settings.cache_clear()
    stdout, stderr = io.StringIO(), io.StringIO()
    stdin = io.StringIO(event.get("stdin") or "")
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr), \
            _replaced_stdin(stdin):
        try:
            status = cli.main(args)
        except SystemExit as exit_:  # argparse: --help, or arguments it refuses
            status = exit_.code if isinstance(exit_.code, int) else 2
    logger.info("fsp-sync %s exited %s", args[:2], status)
    return {"exit_status": status, "stdout": stdout.getvalue(), "stderr": stderr.getvalue()}


@contextlib.contextmanager
def _replaced_stdin(replacement: io.StringIO) -> Any:
    import sys

    saved, sys.stdin = sys.stdin, replacement
    try:
        yield
    finally:
        sys.stdin = saved


def reset() -> None:
    """Forget this 'cold start' (tests only)."""
    if _engine.cache_info().currsize:
        _engine().dispose()
    if _api.cache_info().currsize:
        _api().app.state.engine.dispose()
    _engine.cache_clear()
    _api.cache_clear()
    lambda_config.reset()
