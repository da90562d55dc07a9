"""The sync service in-process for ``fsp --demo``: the only place the desktop imports ``sync``.

``EmbeddedServer(folder=…).start()`` migrates a SQLite file in ``folder`` to head, seeds the demo
school once, runs one weather sweep over recorded weather replayed as if taken this hour
(``sync.weather.replay``: so the calendar shows GO, MARGINAL and NO_GO lessons on any day), and
serves the API under uvicorn on 127.0.0.1 (a free port) in a daemon thread.
It returns the URL and the demo dispatcher's sign-in. Mail goes to ``folder/outbox`` as .eml
files; the hourly sweep scheduler is off. With ``sweep_on_start=False`` the first sweep is left
to the caller (``sweep_now()``): ``fsp --demo`` shows the week first and its weather a moment
later.

Nothing secret is written to disk: the dispatcher's password exists only in this process. When the
demo database is reused, the dispatcher gets a fresh random password at each start (a demo
database has no other users to lock out). The other staff accounts have no password (the
dispatcher is the only one the demo signs in as). The desktop needs no password at all:
``EmbeddedServer(dispatcher_password=False)`` sets none, and ``desktop_session()`` signs the
dispatcher in within this process — no argon2 hash at start (each is a fraction of a second and
64 MiB), nothing to verify at sign-in.

Everything here blocks (migrations, seeding, the sweep): call ``start()`` off the GUI thread.
"""

from __future__ import annotations

import os
import secrets
import socket
import sqlite3
import threading
import time
import uuid
import zoneinfo
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["EmbeddedServer", "EmbeddedServerError", "DemoSignIn", "PreviousDemo",
           "default_demo_folder", "free_port", "previous_demo"]

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


@dataclass(frozen=True)
class PreviousDemo:
    """The demo school a demo database already holds (``previous_demo``)."""

    school_id: str
    dispatcher_email: str


def default_demo_folder() -> Path:
    # The desktop's data folder (the service's default folder has the same name, sync.config):
    # found without importing sync, which ``previous_demo`` must not wait for.
    from app.services.sign_in import default_data_folder

    return default_data_folder() / "demo"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def previous_demo(folder: Path | str | None = None) -> PreviousDemo | None:
    """The demo school in ``folder``'s demo database and its dispatcher's e-mail, read with plain
    sqlite3 (read-only; no service, no migrations) so a repeat start can show the last replica
    at once; None when there is no demo database yet, or it is not one this can read."""
    path = (Path(folder) if folder is not None else default_demo_folder()) / "demo.sqlite3"
    if not path.is_file():
        return None
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                                     timeout=1)) as db:
            schools = db.execute("SELECT id FROM schools WHERE deleted_at IS NULL").fetchall()
            if len(schools) != 1:
                return None
            dispatcher = db.execute(
                "SELECT email FROM accounts WHERE school_id = ? AND role = 'dispatcher' "
                "ORDER BY created_at LIMIT 1", (schools[0][0],)).fetchone()
        if dispatcher is None:
            return None
        return PreviousDemo(school_id=str(uuid.UUID(hex=schools[0][0])),
                            dispatcher_email=dispatcher[0])
    except (sqlite3.Error, ValueError, TypeError):
        return None


class EmbeddedServer:
    """The service on 127.0.0.1 over a demo database in ``folder``; ``start()`` then ``stop()``."""

    def __init__(self, *, folder: Path | str | None = None, sweep_on_start: bool = True,
                 port: int | None = None, dispatcher_password: bool = True,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        """``port``: where to serve (default: a free one at ``start()``); a caller that makes
        its client before the service is up picks it first (``free_port()``).
        ``dispatcher_password=False``: the dispatcher gets no password (``start()`` returns an
        empty one); sign in with ``desktop_session()``."""
        self.folder = Path(folder) if folder is not None else default_demo_folder()
        self._port = port
        self.dispatcher_password = dispatcher_password
        self._settings = None
        self.database_path = self.folder / "demo.sqlite3"
        self.outbox = self.folder / "outbox"
        self.sweep_on_start = sweep_on_start
        self._clock = clock
        self._server = None
        self._thread: threading.Thread | None = None
        self._engine = None
        self.url: str | None = None
        self.seeded_now = False  # True when this start wrote a fresh demo school
        # A sweep (``sweep_now``, on a worker thread) holds this; ``stop`` asks it to finish
        # and waits for it before closing the database under it.
        self._sweeping = threading.Lock()
        self._stopping = threading.Event()
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
        self._stopping.clear()
        import uvicorn

        from sync.api import create_app
        from sync.config import Settings
        from sync.database import migrations
        from sync.database.session import create_engine_for
        from sync.resources import resource_path
        from sync.server_cli import uvicorn_config
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
        password = secrets.token_urlsafe(12) if self.dispatcher_password else ""
        email, seeded = self._seed_or_reset(password)
        self.seeded_now = seeded
        if seeded and self.sweep_on_start:
            self.sweep_now()
        port = self._port or free_port()
        self.url = f"http://127.0.0.1:{port}"
        settings = Settings.explicit(database_url=self.database_url, sweep_interval_seconds=0,
                                     mail_url=f"file:{self.outbox}", public_url=self.url)
        self._settings = settings
        # uvicorn_config: as `fsp-sync serve` runs it (students' links kept out of the access log).
        server = uvicorn.Server(uvicorn_config(create_app(settings), host="127.0.0.1", port=port,
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
        """Ask uvicorn (and a running sweep) to finish and wait for them; safe to call twice."""
        self._stopping.set()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=timeout)
        self._server = self._thread = None
        swept = self._sweeping.acquire(timeout=timeout)
        try:
            self._close_database()
        finally:
            if swept:
                self._sweeping.release()

    def desktop_session(self) -> object:
        """The demo dispatcher signed in for the desktop (an ``api_client.Session`` to
        ``ApiClient.adopt``): the tokens a password sign-in would get, issued in this process.
        Call after ``start()``."""
        from app.services.api_client import Account, Session, Tokens
        from sync.auth import service as auth_service
        from sync.auth import tokens
        from sync.database.session import session_scope
        from sync.schools import demo

        if self._engine is None or self._settings is None:
            raise EmbeddedServerError("the embedded service is not started")
        settings = self._settings
        with session_scope(self._engine) as db:
            account = auth_service.get_by_email(db=db, email=demo.DISPATCHER_EMAIL)
            if account is None or not account.active:
                raise EmbeddedServerError("the demo database has no demo dispatcher: remove the "
                                          f"demo folder {self.folder} to start over")
            refresh = tokens.issue_refresh_token(db=db, account=account, settings=settings)
            return Session(
                account=Account(id=str(account.id), email=account.email, role=account.role.value,
                                school_id=str(account.school_id)),
                tokens=Tokens(access_token=tokens.issue_access_token(account=account,
                                                                     settings=settings),
                              refresh_token=refresh,
                              expires_in=settings.access_token_minutes * 60))

    def sweep_now(self) -> object:
        """One weather sweep over the demo's recorded weather (blocking: off the GUI thread);
        returns the finished ``SweepRun``. Call after ``start()``; ``stop()`` cuts it short
        (between batches of lessons) and waits for it."""
        from sync.database.session import make_sessionmaker
        from sync.sweep.service import run_sweep
        from sync.resources import resource_path
        from sync.weather.replay import ReplayedWeatherSource

        with self._sweeping:
            if self._engine is None or self._stopping.is_set():
                raise EmbeddedServerError("the embedded service is not running")
            # This server's clock, not the wall clock: the sweep and the weather agree on "now".
            source = ReplayedWeatherSource(resource_path("demo", "weather"), clock=self._clock)
            return run_sweep(session_factory=make_sessionmaker(self._engine), source=source,
                             now=self._clock().astimezone(UTC), should_stop=self._stopping.is_set)

    def __enter__(self) -> EmbeddedServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- internals -------------------------------------------------------------------------

    def _close_database(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
            for name, value in self._previous_environment.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            self._previous_environment = {}

    def _seed_or_reset(self, password: str) -> tuple[str, bool]:
        """Seed the demo school with ``password`` for the dispatcher, or give the existing demo
        dispatcher that password (none: no password, nothing changed). Returns (dispatcher
        e-mail, whether it was seeded now)."""
        from sync.auth import service as auth_service
        from sync.database.session import session_scope
        from sync.schools import demo

        zone = zoneinfo.ZoneInfo(demo.TIMEZONE)
        now = self._clock().astimezone(UTC)
        with session_scope(self._engine) as db:
            if demo.existing_demo(db) is None:
                demo.seed_demo(db, today=now.astimezone(zone).date(), now=now,
                               passwords={demo.DISPATCHER_EMAIL: password} if password else {},
                               random_passwords=False)
                return demo.DISPATCHER_EMAIL, True
            if password:
                auth_service.reset_password(db=db, email=demo.DISPATCHER_EMAIL,
                                            password=password, actor=_ACTOR)
            return demo.DISPATCHER_EMAIL, False
