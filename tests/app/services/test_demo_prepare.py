"""A first ``fsp --demo``, prepared before any service runs (``embedded_server.prepare_demo``):
the demo database and this desktop's replica of it, as the service and a first sync would have
left them — in a process of its own, all or nothing."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.main import main
from app.services.api_client import ApiClient
from app.services.demo_resume import resume_demo
from app.services.embedded_server import (EmbeddedServer, EmbeddedServerError, has_demo_database,
                                          prepare_demo, prepare_demo_in_child, previous_demo)
from app.services.replica import Replica
from app.services.sign_in import replica_file
from app.services.sync_engine import SyncEngine


def _rows(replica: Replica) -> dict[str, list[tuple]]:
    return {table: sorted((row.id, row.version, repr(row.data)) for row in replica.rows(table))
            for table in ("schools", "students", "instructors", "aircraft", "flights",
                          "weather_checks", "reschedule_requests", "notifications")}


def test_the_prepared_replica_is_what_a_first_sync_pulls(tmp_path: Path) -> None:
    prepared = prepare_demo(tmp_path)

    assert has_demo_database(tmp_path)
    assert previous_demo(tmp_path) == prepared
    replica = Replica(replica_file(tmp_path, prepared.school_id))
    fresh = Replica(tmp_path / "elsewhere" / "replica.sqlite3")
    server = EmbeddedServer(folder=tmp_path, sweep_on_start=False, dispatcher_password=False)
    server.start()
    try:
        assert not server.seeded_now  # the service found the demo prepared
        session = server.desktop_session()
        assert session.account.school_id == prepared.school_id
        client = ApiClient(base_url=server.url)
        client.adopt(session)
        # Nothing new for the prepared replica; a first sync elsewhere pulls the same rows.
        again = SyncEngine(client=client, replica=replica).sync_once()
        assert again.status.state == "idle" and again.pulled == 0
        first = SyncEngine(client=client, replica=fresh).sync_once()
        assert first.pulled > 100
        assert _rows(replica) == _rows(fresh)
        assert replica.cursor == fresh.cursor
        assert replica.last_sync_at is not None
        shown = _rows(replica)
        assert shown["flights"] and shown["students"] and shown["schools"]
        assert not shown["weather_checks"]  # the first sweep is the service's, after the window
        client.close()
    finally:
        replica.close()
        fresh.close()
        server.stop()
    # The next start shows it as a repeat start would.
    resumed = resume_demo(tmp_path)
    assert resumed is not None and resumed.school_id == prepared.school_id
    resumed.session.close()


def test_an_interrupted_preparation_leaves_no_demo(tmp_path: Path) -> None:
    def clock() -> datetime:  # the seed asks for the day: fail there, half-way through
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        prepare_demo(tmp_path, clock=clock)
    assert not has_demo_database(tmp_path)
    assert not list(tmp_path.glob("*.sqlite3*"))
    assert prepare_demo(tmp_path, clock=lambda: datetime.now(UTC))  # and it can be done again


def test_a_prepared_demo_is_never_prepared_over(tmp_path: Path) -> None:
    prepared = prepare_demo(tmp_path)
    with pytest.raises(EmbeddedServerError, match="exists already"):
        prepare_demo(tmp_path)
    assert previous_demo(tmp_path) == prepared


def test_a_child_process_prepares_it_and_says_why_it_could_not(tmp_path: Path) -> None:
    prepare_demo_in_child(tmp_path)

    found = previous_demo(tmp_path)
    assert found is not None and replica_file(tmp_path, found.school_id).is_file()
    with pytest.raises(EmbeddedServerError, match="exists already"):
        prepare_demo_in_child(tmp_path)
    assert previous_demo(tmp_path) == found


def test_the_desktop_entry_point_prepares_it_when_asked(tmp_path: Path) -> None:
    """The frozen app starts itself with ``--prepare-demo FOLDER`` (no window)."""
    assert main(["--prepare-demo", str(tmp_path)]) == 0
    assert previous_demo(tmp_path) is not None
    assert main(["--prepare-demo", str(tmp_path)]) == 1  # prepared already: says so, fails


def test_preparing_loads_neither_the_web_framework_nor_the_migrations_nor_qt(tmp_path: Path
                                                                            ) -> None:
    """What makes the preparation cheap: no FastAPI (the schemas' ``VersionSent`` alone), no
    Alembic (the schema from its snapshot), no Qt — only what the seed and the pull need."""
    code = ("import sys\n"
            "from app.services.embedded_server import prepare_demo\n"
            "prepare_demo(sys.argv[1])\n"
            "print(sorted(name for name in ('fastapi', 'alembic', 'PySide6') "
            "if name in sys.modules))\n")
    finished = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                              text=True, timeout=120, check=False)
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip() == "[]"
    assert previous_demo(tmp_path) is not None
