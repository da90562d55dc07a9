"""The sync service in-process for ``fsp --demo``: the only place the desktop imports ``sync``.

``EmbeddedServer(folder=…).start()`` migrates a SQLite file in ``folder`` to head, seeds the demo
school once, runs one weather sweep over recorded weather replayed as if taken this hour
(``sync.weather.replay``: so the calendar shows GO, MARGINAL and NO_GO lessons on any day), and serves the API under uvicorn on 127.0.0.1 (a free port) in a daemon thread.
It returns the URL and the demo dispatcher's sign-in. Mail goes to ``folder/outbox`` as .eml
files; the hourly sweep scheduler is off.

Nothing secret is written to disk: the dispatcher's password exists only in this process. When the
demo database is reused, the dispatcher gets a fresh random password at each start (a demo
database has no other users to lock out).

Everything here blocks (migrations, seeding, the sweep): call ``start()`` off the GUI thread.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import platformdirs

__all__ = ["EmbeddedServer", "EmbeddedServerError", "DemoSignIn", "default_demo_folder"]

_ACTOR = "embedded demo"
_START_TIMEOUT_S = 30


class EmbeddedServerError(Exception):
    """The embedded service could not start; the message says why and what to try."""


@dataclass(frozen=True)
class DemoSignIn:
    url: str
    email: str
    password: str = field(repr=False)

    def __iter__(self):  # (url, e-mail, password), as a tuple would unpack
        return iter((self.url, self.email, self.password))


def default_demo_folder() -> Path:
    from sync.config import APP_NAME

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "demo"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class EmbeddedServer:
    """The service on 127.0.0.1 over a demo database in ``folder``; ``start()`` then ``stop()``."""

    def __init__(self, *, folder: Path | str | None = None, sweep_on_start: bool = True,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.folder = Path(folder) if folder is not None else default_demo_folder()
        self.database_path = self.folder / "demo.sqlite3"
        self.outbox = self.folder / "outbox"
        self.sweep_on_start = sweep_on_start
        self._clock = clock
        self._server = None
        self._thread: threading.Thread | None = None
        self._engine = None
        self.url: str | None = None
        self.seeded_now = False  # True when this start wrote a fresh demo school
        self._previous_environment: dict[str, str | None] = {}

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.database_path}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> DemoSignIn:
        """Prepare the database and serve; blocks until the service answers."""
        if self.running:
            raise EmbeddedServerError("the embedded service is already running")
        import uvicorn

        from sync.api import create_app
        from sync.config import Settings
        from sync.database import migrations
        from sync.database.session import create_engine_for
        from sync.resources import resource_path
        from sync.weather.check import RECORDED_VARIABLE, REPLAY_VARIABLE

        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.outbox.mkdir(exist_ok=True)
        except OSError as exc:
            raise EmbeddedServerError(
                f"cannot create the demo folder {self.folder} ({exc.strerror}): check that the "
                "disk is writable, or pass another folder") from exc
        # The service reads the weather source at each check: recorded reports, never the network,
        # replayed as if taken this hour so the demo shows live-looking weather on any day.
        # (Put back on stop, so a process that goes on after the demo is not left changed.)
        demo_environment = {RECORDED_VARIABLE: str(resource_path("demo", "weather")),
                            REPLAY_VARIABLE: "present"}
        self._previous_environment = {name: os.environ.get(name) for name in demo_environment}
        os.environ.update(demo_environment)
        migrations.upgrade(self.database_url)
        self._engine = create_engine_for(self.database_url)
        password = secrets.token_urlsafe(12)
        email, seeded = self._seed_or_reset(password)
        self.seeded_now = seeded
        if seeded and self.sweep_on_start:
            self._sweep_once()
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        settings = Settings.explicit(database_url=self.database_url, sweep_interval_seconds=0,
                                     mail_url=f"file:{self.outbox}", public_url=self.url)
        server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                               log_level="warning", lifespan="on"))
        thread = threading.Thread(target=server.run, name="fsp-embedded-service", daemon=True)
        thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                raise EmbeddedServerError(
                    f"the embedded service did not start on 127.0.0.1:{port}; try again")
            time.sleep(0.02)
        self._server, self._thread = server, thread
        return DemoSignIn(url=self.url, email=email, password=password)

    def stop(self, timeout: float = 10) -> None:
        """Ask uvicorn to finish and wait for its thread; safe to call twice."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=timeout)
        self._server = self._thread = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
            for name, value in self._previous_environment.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            self._previous_environment = {}

    def __enter__(self) -> EmbeddedServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- internals -------------------------------------------------------------------------

    def _seed_or_reset(self, password: str) -> tuple[str, bool]:
        """Seed the demo school with ``password`` for the dispatcher, or give the existing demo
        dispatcher that password. Returns (dispatcher e-mail, whether it was seeded now)."""
        from sync.auth import service as auth_service
        from sync.database.session import session_scope
        from sync.schools import demo

        zone = zoneinfo.ZoneInfo(demo.TIMEZONE)
        now = self._clock().astimezone(UTC)
        with session_scope(self._engine) as db:
            if demo.existing_demo(db) is None:
                demo.seed_demo(db, today=now.astimezone(zone).date(), now=now,
                               passwords={demo.DISPATCHER_EMAIL: password})
                return demo.DISPATCHER_EMAIL, True
            auth_service.reset_password(db=db, email=demo.DISPATCHER_EMAIL, password=password,
                                        actor=_ACTOR)
            return demo.DISPATCHER_EMAIL, False

    def _sweep_once(self) -> None:
        from sync.database.session import make_sessionmaker
        from sync.sweep.service import run_sweep
        from sync.resources import resource_path
        from sync.weather.replay import ReplayedWeatherSource

        # This server's clock, not the wall clock: the sweep and the weather agree on "now".
        source = ReplayedWeatherSource(resource_path("demo", "weather"), clock=self._clock)
        run_sweep(session_factory=make_sessionmaker(self._engine), source=source,
                  now=self._clock().astimezone(UTC))
