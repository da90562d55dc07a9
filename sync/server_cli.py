"""``fsp-sync serve``: run the HTTP service under uvicorn."""

from __future__ import annotations

import argparse
import ipaddress
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import OperationalError

from sync.access_log import redact_access_log
from sync.config import DEVELOPMENT_SECRET_KEY, MIN_SECRET_KEY_LENGTH, Settings
from sync.database import migrations
from sync.database.cli import SetupError, _unreachable, load_settings, report
from sync.database.session import create_engine_for

if TYPE_CHECKING:
    import uvicorn


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser(
        "serve", help="run the sync service (HTTP API)",
        description="Serve the API on HOST:PORT with the database DATABASE_URL. The database must "
                    "be current (`fsp-sync db upgrade`); outside development FSP_SECRET_KEY must "
                    "be set.",
    )
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1); any other than a loopback "
                            "address needs FSP_SECRET_KEY")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.set_defaults(handler=_serve)


def uvicorn_config(app: Any, *, host: str, port: int, **options: Any) -> uvicorn.Config:
    """How uvicorn serves this app, wherever it does.

    ``proxy_headers=False``: uvicorn would otherwise take the client's address from
    X-Forwarded-For whenever the peer is 127.0.0.1 (its FORWARDED_ALLOW_IPS default), so anything
    that reaches the port from loopback — a local reverse proxy passing the header through, any
    local process — could name a fresh address per request and escape sign-in throttling. The
    service decides itself which proxies it believes (FSP_TRUSTED_PROXIES,
    ``sync.auth.client_address``).

    The access log never shows the token of a student's or password-reset link
    (``sync.access_log``).
    """
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, proxy_headers=False, **options)
    redact_access_log()  # after Config, which (re)configures uvicorn's loggers
    return config


def is_loopback(host: str) -> bool:
    """Only this machine can connect to ``host`` (a host name other than localhost might resolve
    to anything, so it is not taken for loopback)."""
    host = host.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_key_for_host(settings: Settings, host: str) -> None:
    """Refuse to listen beyond this machine with a signing key anyone can know: the development
    key is in the source code, and with it anyone could forge sign-ins and students' links."""
    key = settings.secret_key.get_secret_value()
    if is_loopback(host) or (key != DEVELOPMENT_SECRET_KEY and len(key) >= MIN_SECRET_KEY_LENGTH):
        return
    problem = ("the development signing key, which is published in the source code"
               if key == DEVELOPMENT_SECRET_KEY else
               f"a signing key of {len(key)} characters, too short to be secret")
    raise SetupError(
        f"refusing to listen on {host}, where other machines can connect, with {problem}: anyone "
        "could forge sign-ins and students' links. Set FSP_SECRET_KEY to a random value of at "
        f"least {MIN_SECRET_KEY_LENGTH} characters, e.g. the output of "
        "`python -c \"import secrets; print(secrets.token_urlsafe(48))\"`, and keep it the same "
        "across restarts; or listen on 127.0.0.1 (this machine only)"
    )


def _serve(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    import uvicorn

    from sync.api import create_app

    try:
        settings = load_settings()
        check_key_for_host(settings, args.host)
        # Checked here, before uvicorn starts, so a behind database is one line, not a traceback.
        engine = create_engine_for(settings.database_url, pooled=False)
        try:
            migrations.ensure_current(engine)
        except migrations.DatabaseSchemaError as exc:
            raise SetupError(str(exc)) from None
        except OperationalError as exc:
            raise SetupError(_unreachable(settings.database_url, exc)) from None
        finally:
            engine.dispose()
    except SetupError as exc:
        return report(exc)
    uvicorn.Server(uvicorn_config(create_app(settings), host=args.host, port=args.port,
                                  log_level="info")).run()
    return 0
