"""A repeat ``fsp --demo``: the week from the last replica at once, the service a moment later.

The demo database and this desktop's replica of it are on disk from the last run. Waiting for
the service before showing anything meant waiting for its imports (FastAPI, SQLAlchemy, every
router), the migrations check and a sign-in — most of the start. ``resume_demo`` opens the
replica with a client for the port the service will take, so the window can show the last known
week straight away; ``ResumedDemo.start_service`` (off the GUI thread) then starts the service
and signs in. Until it has, sync rounds and weather requests wait for it instead of failing (the
status bar says "Syncing…"), then the week is brought up to date as after any sync.

A first start (no demo database, or no replica of its school) is not resumed: ``resume_demo``
returns None and the demo starts as before, service first.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.services.api_client import ApiClient
from app.services.embedded_server import (EmbeddedServer, EmbeddedServerError,
                                          default_demo_folder, free_port, previous_demo)
from app.services.replica import Changes, Replica, ReplicaError
from app.services.sign_in import DesktopSession, replica_file
from app.services.sync_engine import SyncEngine, SyncResult, SyncStatus

__all__ = ["ResumedDemo", "resume_demo"]

# How long a sync round or a weather request waits for the service: its start is seconds;
# past this something is wrong, and the round says so instead of hanging on.
SERVICE_WAIT_S = 120


class _ServiceGate:
    """Open once the service is up and the client signed in, or once it failed to start."""

    def __init__(self) -> None:
        self._opened = threading.Event()
        self.failure: str | None = None

    def open(self, failure: str | None = None) -> None:
        """Let the waiting go on (the first call decides how)."""
        if not self._opened.is_set():
            self.failure = failure
            self._opened.set()

    def wait(self) -> str | None:
        """Block until open; the failure, if the service did not start (or took too long)."""
        if not self._opened.wait(SERVICE_WAIT_S):
            return "the demo service did not start in time"
        return self.failure


class _WaitingSyncEngine(SyncEngine):
    """A ``SyncEngine`` whose rounds (and pushes) wait for the demo service to be up."""

    def __init__(self, *, gate: _ServiceGate, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._gate = gate

    def sync_once(self) -> SyncResult:
        failure = self._gate.wait()
        if failure is not None:
            status = SyncStatus(state="error", message=failure,
                                last_sync_at=self.replica.last_sync_at)
            return SyncResult(changes=Changes(), status=status)
        return super().sync_once()

    def push_pending(self) -> Changes:
        self._gate.wait()  # after a failed start the client is not signed in: the push says so
        return super().push_pending()


class ResumedDemo:
    """The last demo's replica, opened before its service (see the module docstring)."""

    def __init__(self, *, folder: Path, school_id: str, email: str, port: int,
                 replica: Replica) -> None:
        self.folder = folder
        self.school_id = school_id
        self.port = port
        self._gate = _ServiceGate()
        client = ApiClient(base_url=f"http://127.0.0.1:{port}")
        engine = _WaitingSyncEngine(gate=self._gate, client=client, replica=replica)
        self.session = DesktopSession(client=client, replica=replica, engine=engine, email=email)

    def fetch_weather(self, airports: Sequence[str]) -> list[dict[str, Any]]:
        """The current weather, once the service is up (the weather board's fetch)."""
        failure = self._gate.wait()
        if failure is not None:
            raise EmbeddedServerError(failure)
        return self.session.client.current_weather(airports)

    def abandon(self) -> None:
        """The app is closing: what still waits for the service stops waiting (and fails)."""
        self._gate.open(failure="the demo was closed before its service had started")

    def start_service(self) -> EmbeddedServer:
        """Blocking (off the GUI thread): the embedded service on the chosen port, and the
        client signed in to it; then the waiting rounds and requests go ahead."""
        try:
            server = EmbeddedServer(folder=self.folder, port=self.port, sweep_on_start=False,
                                    dispatcher_password=False)
            server.start()
            try:
                session = server.desktop_session()
                if session.account.school_id != self.school_id:
                    # The database was replaced between the look and the start: this replica
                    # belongs to another school, and must not be synced with this one.
                    raise EmbeddedServerError("the demo database changed while the demo was "
                                              "starting: start the demo again")
                self.session.client.adopt(session)
            except Exception:
                server.stop()
                raise
        except Exception as exc:
            self._gate.open(failure=f"the demo service could not start: {exc}")
            raise
        self._gate.open()
        return server


def resume_demo(folder: Path | None) -> ResumedDemo | None:
    """The last demo in ``folder`` (default: the user's demo folder) ready to show, or None
    when there is none to resume (a first start). Cheap: two small SQLite reads, no service."""
    found = previous_demo(folder)
    if found is None:
        return None
    server_folder = Path(folder) if folder is not None else default_demo_folder()
    path = replica_file(server_folder, found.school_id)
    if not path.is_file():
        return None
    try:
        replica = Replica(path)
    except ReplicaError:
        return None  # the service start will say what is wrong with the folder, if anything
    return ResumedDemo(folder=server_folder, school_id=found.school_id,
                       email=found.dispatcher_email, port=free_port(), replica=replica)
