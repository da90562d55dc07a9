"""``fsp-sync serve``: run the HTTP service under uvicorn."""

from __future__ import annotations

import argparse

from sqlalchemy.exc import OperationalError

from sync.database import migrations
from sync.database.cli import SetupError, _unreachable, load_settings, report
from sync.database.session import create_engine_for


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser(
        "serve", help="run the sync service (HTTP API)",
        description="Serve the API on HOST:PORT with the database DATABASE_URL. The database must "
                    "be current (`fsp-sync db upgrade`); outside development FSP_SECRET_KEY must "
                    "be set.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    import uvicorn

    from sync.api import create_app

    try:
        settings = load_settings()
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
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")
    return 0
