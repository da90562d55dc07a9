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

A first ``fsp --demo`` (no demo database yet) does not wait for the service at all:
``prepare_demo`` makes the demo database and this desktop's replica of it before any service
runs — the schema from the migrations' snapshot (``sync.database.sqlite_head``), the demo school
seeded in bulk, the replica filled with the very pages a first pull would fetch — so the week can
be shown from the replica as on a repeat start (``app.services.demo_resume``), and the service
starts after it. ``prepare_demo_in_child`` runs it in a process of its own
(``python -m app.services.embedded_server --prepare-demo FOLDER``), on the other processor while
the window's modules load: this process's interpreter lock is not shared with it
(``PreparingDemo`` starts it and waits for it).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
import zoneinfo
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["EmbeddedServer", "EmbeddedServerError", "DemoSignIn", "PreviousDemo",
           "PreparingDemo", "default_demo_folder", "exit_prepared", "free_port",
           "has_demo_database", "prepare_as_program", "prepare_demo", "prepare_demo_in_child",
           "prepare_main", "previous_demo"]

_ACTOR = "embedded demo"
_START_TIMEOUT_S = 30
_DATABASE_NAME = "demo.sqlite3"
_PULL_PAGE = 2000  # as the desktop's sync engine pulls (``SyncEngine``)
_PREPARE_TIMEOUT_S = 120
_PREPARE_FLAG = "--prepare-demo"


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
    path = (Path(folder) if folder is not None else default_demo_folder()) / _DATABASE_NAME
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


def has_demo_database(folder: Path | str | None = None) -> bool:
    """Whether ``folder`` (default: the user's demo folder) holds a demo database already."""
    return ((Path(folder) if folder is not None else default_demo_folder()) / _DATABASE_NAME).exists()


def prepare_demo(folder: Path | str | None = None, *,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> PreviousDemo:
    """Make a fresh demo in ``folder`` (default: the user's demo folder), which must hold no
    demo database yet: the database at the newest schema with the demo school seeded around
    ``clock()``'s day, and the desktop's replica of that school, filled as a first sync fills it
    (the same pull pages). Its first weather sweep is left to the service (``sweep_now``).

    All or nothing: the database is made under another name and put in place last, so an
    interrupted preparation leaves no demo behind (the next start prepares again). Blocking."""
    from app.services.replica import Replica, replica_file
    from sync.database import sqlite_head
    from sync.database.session import create_engine_for, session_scope
    from sync.replication.service import pull_json, snapshot_session
    from sync.schools import demo

    folder = Path(folder) if folder is not None else default_demo_folder()
    database = folder / _DATABASE_NAME
    if database.exists():
        raise EmbeddedServerError(f"{database} exists already: the demo is prepared")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "outbox").mkdir(exist_ok=True)
    except OSError as exc:
        raise EmbeddedServerError(
            f"cannot create the demo folder {folder} ({exc.strerror}): check that the disk is "
            "writable, or pass another folder") from exc
    for stale in folder.glob("replica-*.sqlite3*"):  # of an earlier demo database: another school
        stale.unlink()
    scratch = folder / f"{_DATABASE_NAME}.new"
    _remove_database(scratch)
    replica_path: Path | None = None
    try:
        if not sqlite_head.create(scratch):  # the migrations changed since the snapshot
            from sync.database import migrations

            migrations.upgrade(f"sqlite:///{scratch}")
        engine = create_engine_for(f"sqlite:///{scratch}")
        try:
            now = clock().astimezone(UTC)
            with session_scope(engine) as db:
                seeded = demo.seed_demo(
                    db, today=now.astimezone(zoneinfo.ZoneInfo(demo.TIMEZONE)).date(), now=now,
                    passwords={}, random_passwords=False, bulk=True)
                school_id = seeded.school_id
            replica_path = replica_file(folder, str(school_id))
            with Replica(replica_path) as replica:
                cursor, more = 0, True
                while more:
                    with snapshot_session(engine) as db:
                        page = json.loads(pull_json(db=db, school_id=school_id, cursor=cursor,
                                                    limit=_PULL_PAGE))
                    replica.apply_pull(page["changes"], page["cursor"])
                    cursor, more = page["cursor"], page["has_more"]
                replica.mark_synced(now)
        finally:
            engine.dispose()
        os.replace(scratch, database)
    except BaseException:
        _remove_database(scratch)
        if replica_path is not None:
            _remove_database(replica_path)
        raise
    return PreviousDemo(school_id=str(school_id), dispatcher_email=demo.DISPATCHER_EMAIL)


class PreparingDemo:
    """``prepare_demo`` in a process of its own (see the module docstring), started at once;
    ``wait()`` for it (blocking). The process needs none of this one's modules: started first,
    it works on the other processor while this one loads its window."""

    def __init__(self, folder: Path | str | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_demo_folder()
        if getattr(sys, "frozen", False):  # the frozen app: its own executable takes the flag
            command = [sys.executable, _PREPARE_FLAG, str(self.folder)]
        else:
            command = [sys.executable, "-m", "app.services.embedded_server", _PREPARE_FLAG,
                       str(self.folder)]
        options: dict[str, Any] = {}
        if sys.platform == "win32":
            options["creationflags"] = subprocess.CREATE_NO_WINDOW
        try:
            self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                             text=True, **options)
        except (OSError, ValueError) as exc:
            raise EmbeddedServerError(f"could not prepare the demo in {self.folder}: {exc}") from exc

    def wait(self, timeout: float = _PREPARE_TIMEOUT_S) -> None:
        """Until the demo is prepared; ``EmbeddedServerError`` with what the process said when
        it could not (or took too long: it is stopped)."""
        try:
            _out, said = self._process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.abandon()
            raise EmbeddedServerError(f"preparing the demo in {self.folder} took more than "
                                      f"{timeout:.0f} s") from None
        if self._process.returncode != 0:
            last = (said.strip().splitlines() or ["no message"])[-1]
            raise EmbeddedServerError(f"could not prepare the demo in {self.folder}: {last}")

    def abandon(self) -> None:
        """Stop the process if it still runs (what it made so far is not put in place)."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()


def prepare_demo_in_child(folder: Path | str | None = None) -> None:
    """``prepare_demo`` in a process of its own; blocking (``PreparingDemo``)."""
    PreparingDemo(folder).wait()


def prepare_main(argv: list[str]) -> int:
    """``--prepare-demo FOLDER``: ``prepare_demo(FOLDER)`` (the child's side); 0 when done."""
    if len(argv) != 2 or argv[0] != _PREPARE_FLAG:
        print(f"usage: {_PREPARE_FLAG} FOLDER", file=sys.stderr)
        return 2
    try:
        prepare_demo(Path(argv[1]))
    except Exception as exc:  # noqa: BLE001 - said to the parent, which falls back
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


def _remove_database(path: Path) -> None:
    """A SQLite file and its journals."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


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
        self.database_path = self.folder / _DATABASE_NAME
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


def exit_prepared(status: int) -> None:
    """End the preparing process without the interpreter's teardown (freeing every module and
    object: a few tenths of a second the first start would wait for). Everything it wrote is
    closed by now; what it printed is flushed here."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def prepare_as_program(argv: list[str]) -> None:
    """The preparing process from its start to its end: ``prepare_main`` without the cyclic
    garbage collector (a short life that only allocates: collections would cost a quarter of its
    time, mostly while its modules load), then ``exit_prepared``."""
    import gc

    gc.disable()
    exit_prepared(prepare_main(argv))


if __name__ == "__main__":
    prepare_as_program(sys.argv[1:])
