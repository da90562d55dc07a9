"""Fixtures for the desktop services: an in-memory keyring, a service that can be stopped and
started again (offline tests), a seeded school and signed-in clients."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import keyring
import pytest
import uvicorn
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from app.services.api_client import ApiClient
from app.services.credentials import KeyringTokenStore
from sync.api import create_app
from sync.config import Settings
from sync.database import migrations
from sync.database.session import create_engine_for
from tests.sync.api.conftest import PASSWORD, SignedInSchool, _free_port

HOUR = timedelta(hours=1)
# Lessons well inside the school's hours, on days no other test of the same school uses.
BASE_DAY = (datetime.now(UTC) + timedelta(days=3)).replace(hour=15, minute=0, second=0,
                                                            microsecond=0)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class MemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps passwords in a dict (keyring's own extension point)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.passwords.pop((service, username), None) is None:
            raise PasswordDeleteError("no such password")


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def token_store(memory_keyring: MemoryKeyring) -> KeyringTokenStore:
    return KeyringTokenStore()


class RestartableServer:
    """The service under uvicorn on a fixed port and database; ``stop()`` and ``start()`` it to
    take the desktop offline and back (a fresh app each start, as a real restart)."""

    def __init__(self, database_url: str) -> None:
        # No in-process hourly sweep: no thread outlives the test.
        self.settings = Settings.explicit(database_url=database_url, sweep_interval_seconds=0)
        self.engine = create_engine_for(database_url)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        server = uvicorn.Server(uvicorn.Config(create_app(self.settings), host="127.0.0.1",
                                               port=self.port, log_level="warning", lifespan="on"))
        thread = threading.Thread(target=server.run, name="restartable-api", daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the API server did not start")
            time.sleep(0.02)
        self._server, self._thread = server, thread

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


@pytest.fixture
def restartable_server(database_factory: Any) -> Iterator[RestartableServer]:
    database_url = database_factory.create()
    migrations.upgrade(database_url)
    server = RestartableServer(database_url)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        server.engine.dispose()


@dataclass
class SeededSchool:
    """A school with an aircraft and two lessons booked over REST."""

    school: SignedInSchool
    aircraft_id: str
    flight_ids: list[str]

    def lesson(self, start: datetime, **fields: Any) -> dict[str, Any]:
        return {
            "student_id": str(self.school.student_id),
            "instructor_id": str(self.school.instructor_id),
            "aircraft_id": self.aircraft_id,
            "start_at": iso(start), "end_at": iso(start + HOUR),
            "departure": "KAUS", "flight_type": "DUAL",
        } | fields


def seed(school: SignedInSchool) -> SeededSchool:
    aircraft = school.dispatcher.post("/aircraft", json={
        "tail_number": f"N{uuid.uuid4().hex[:5].upper()}", "model": "C172S",
        "home_airport": "KAUS", "max_crosswind_kt": 15})
    assert aircraft.status_code == 201, aircraft.text
    seeded = SeededSchool(school=school, aircraft_id=aircraft.json()["id"], flight_ids=[])
    for day in (0, 1):
        booked = school.dispatcher.post("/flights", json=seeded.lesson(BASE_DAY + timedelta(days=day)))
        assert booked.status_code == 201, booked.text
        seeded.flight_ids.append(booked.json()["id"])
    return seeded


@pytest.fixture
def seeded_school(signed_in_school: Callable[..., SignedInSchool]) -> SeededSchool:
    return seed(signed_in_school())


@pytest.fixture
def dispatcher_client(api_server: Any, seeded_school: SeededSchool,
                      token_store: KeyringTokenStore) -> Iterator[ApiClient]:
    client = ApiClient(base_url=api_server.url, token_store=token_store)
    client.login(seeded_school.school.emails["dispatcher"], PASSWORD)
    yield client
    client.close()


@pytest.fixture
def replica_path(tmp_path: Path) -> Path:
    return tmp_path / "replica.sqlite3"
