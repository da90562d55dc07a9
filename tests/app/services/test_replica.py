"""The replica on its own: crash safety, upgrades, atomic pulls, and errors a person can act on."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.services.replica import (
    CURRENT_SCHEMA_VERSION, Replica, ReplicaBugError, ReplicaEnvironmentError, ReplicaTooNew,
)

ROOT = Path(__file__).resolve().parents[3]
START = datetime(2030, 1, 2, 15, tzinfo=UTC)


def flight_change(flight_id: str, *, seq: int, version: int = 1, start: datetime = START,
                  notes: str = "") -> dict:
    data = {"id": flight_id, "start_at": start.isoformat().replace("+00:00", "Z"),
            "end_at": (start + timedelta(hours=1)).isoformat().replace("+00:00", "Z"),
            "status": "SCHEDULED", "notes": notes, "version": version, "server_seq": seq}
    return {"table": "flights", "id": flight_id, "version": version, "server_seq": seq,
            "deleted": False, "data": data}


_CRASHER = """
import sys, time
from app.services.replica import Replica
replica = Replica(sys.argv[1])
entry = replica.record_edit("flights", "update", row_id=sys.argv[2], data={"notes": "typed"})
print(entry.mutation_id, flush=True)
time.sleep(60)
"""


def test_an_edit_survives_the_app_being_killed_right_after_recording_it(tmp_path):
    path = tmp_path / "replica.sqlite3"
    flight_id = str(uuid.uuid4())
    with Replica(path) as replica:
        replica.apply_pull([flight_change(flight_id, seq=1)], cursor=1)

    crasher = subprocess.Popen([sys.executable, "-c", _CRASHER, str(path), flight_id],
                               stdout=subprocess.PIPE, text=True, cwd=ROOT,
                               env=os.environ | {"PYTHONPATH": str(ROOT)})
    try:
        mutation_id = crasher.stdout.readline().strip()
        crasher.send_signal(signal.SIGKILL)                      # no cleanup, no close
    finally:
        crasher.wait(timeout=10)
        crasher.stdout.close()
    assert crasher.returncode == -signal.SIGKILL and mutation_id

    with Replica(path) as reopened:
        [entry] = reopened.outbox()
        assert entry.mutation_id == mutation_id and entry.state == "pending"
        assert entry.data == {"notes": "typed"} and entry.base_version == 1
        assert reopened.get("flights", flight_id).data["notes"] == "typed"


# The schema as version 1 of the app wrote it (kept here verbatim: the upgrade must read it).
_SCHEMA_V1 = """
CREATE TABLE rows (table_name TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,
    server_seq INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL,
    PRIMARY KEY (table_name, id)) WITHOUT ROWID;
CREATE TABLE overlay (table_name TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL,
    PRIMARY KEY (table_name, id)) WITHOUT ROWID;
CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, mutation_id TEXT NOT NULL UNIQUE,
    table_name TEXT NOT NULL, op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    row_id TEXT NOT NULL, base_version INTEGER, data TEXT NOT NULL, created_at TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'conflict', 'rejected')), answer TEXT);
CREATE INDEX outbox_row ON outbox (table_name, row_id);
CREATE TABLE sync_state (singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    client_id TEXT NOT NULL, cursor INTEGER NOT NULL DEFAULT 0, last_sync_at TEXT);
PRAGMA user_version = 1;
"""


def test_an_app_upgrade_migrates_the_previous_schema_without_losing_the_outbox(tmp_path):
    assert CURRENT_SCHEMA_VERSION == 2
    path = tmp_path / "replica.sqlite3"
    synced, booked = str(uuid.uuid4()), str(uuid.uuid4())
    client_id = str(uuid.uuid4())
    old = sqlite3.connect(path)
    old.executescript(_SCHEMA_V1)
    change = flight_change(synced, seq=7, version=3)
    old.execute("INSERT INTO rows VALUES ('flights', ?, 3, 7, 0, ?)", (synced, json.dumps(change["data"])))
    old.execute("INSERT INTO sync_state VALUES (1, ?, 7, '2030-01-01T00:00:00+00:00')", (client_id,))
    lesson = {"student_id": str(uuid.uuid4()), "aircraft_id": str(uuid.uuid4()),
              "start_at": "2030-01-02T17:00:00Z", "end_at": "2030-01-02T18:00:00Z",
              "departure": "KAUS", "flight_type": "SOLO"}
    old.executemany(
        "INSERT INTO outbox (mutation_id, table_name, op, row_id, base_version, data, created_at,"
        " state, answer) VALUES (?, 'flights', ?, ?, ?, ?, '2030-01-01T00:00:00+00:00', ?, ?)",
        [("m-1", "update", synced, 3, json.dumps({"notes": "offline"}), "pending", None),
         ("m-2", "insert", booked, None, json.dumps(lesson), "rejected",
          json.dumps({"error": {"rule": "STUDENT_DOUBLE_BOOKED", "detail": "clash"}}))])
    old.execute("INSERT INTO overlay VALUES ('flights', ?, ?, 0, 'pending')",
                (synced, json.dumps(change["data"] | {"notes": "offline"})))
    old.execute("INSERT INTO overlay VALUES ('flights', ?, ?, 0, 'rejected')",
                (booked, json.dumps(lesson | {"id": booked, "status": "SCHEDULED"})))
    old.commit()
    old.close()

    with Replica(path) as upgraded:
        assert upgraded.schema_version == CURRENT_SCHEMA_VERSION
        assert upgraded.client_id == client_id and upgraded.cursor == 7
        entries = upgraded.outbox()
        assert [(e.mutation_id, e.op, e.state) for e in entries] == [
            ("m-1", "update", "pending"), ("m-2", "insert", "rejected")]
        assert entries[1].error["rule"] == "STUDENT_DOUBLE_BOOKED"
        # The new range read finds both the pulled row and the local-only booking.
        day = upgraded.flights_between(START - timedelta(hours=1), START + timedelta(hours=5))
        assert [(row.id, row.state) for row in day] == [(synced, "pending"), (booked, "rejected")]
        assert day[0].data["notes"] == "offline"


def test_a_replica_from_a_newer_app_is_refused_not_damaged(tmp_path):
    path = tmp_path / "replica.sqlite3"
    Replica(path).close()
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version = {CURRENT_SCHEMA_VERSION + 1}")
    connection.close()
    with pytest.raises(ReplicaTooNew, match="newer version of the app"):
        Replica(path)


def test_a_pull_batch_and_its_cursor_commit_together(tmp_path):
    with Replica(tmp_path / "replica.sqlite3") as replica:
        good = flight_change(str(uuid.uuid4()), seq=1)
        broken = flight_change(str(uuid.uuid4()), seq=2) | {"version": None}  # NOT NULL
        with pytest.raises(ReplicaBugError, match="bug"):
            replica.apply_pull([good, broken], cursor=2)
        assert replica.cursor == 0 and replica.rows("flights") == []

        replica.apply_pull([good], cursor=1)
        replica.apply_pull([good], cursor=1)  # a replayed batch changes nothing
        assert replica.cursor == 1 and len(replica.rows("flights")) == 1

        tombstone = {"table": "flights", "id": good["id"], "version": 2, "server_seq": 3,
                     "deleted": True, "data": {"id": good["id"]}}
        changes = replica.apply_pull([tombstone], cursor=3)
        assert changes.ids("flights") == {good["id"]} and replica.rows("flights") == []


def test_a_read_only_file_is_an_environment_fault_with_advice(tmp_path):
    path = tmp_path / "replica.sqlite3"
    Replica(path).close()
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    path.chmod(0o444)
    try:
        if os.access(path, os.W_OK):
            pytest.skip("running as a user who may write read-only files (root)")
        with pytest.raises(ReplicaEnvironmentError, match="read-only|cannot be opened"):
            with Replica(path) as replica:
                replica.record_edit("flights", "insert", data={"notes": "x"})
    finally:
        path.chmod(0o644)


def test_a_closed_replica_is_a_bug_not_an_environment_fault(tmp_path):
    replica = Replica(tmp_path / "replica.sqlite3")
    replica.close()
    with pytest.raises(ReplicaBugError):
        replica.outbox()


def test_a_file_locked_by_another_program_is_an_environment_fault(tmp_path):
    path = tmp_path / "replica.sqlite3"
    with Replica(path, busy_timeout=0.1) as replica:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        try:
            with pytest.raises(ReplicaEnvironmentError, match="close other copies of the app"):
                replica.record_edit("flights", "insert", data={"notes": "x"})
        finally:
            other.execute("ROLLBACK")
            other.close()
        replica.record_edit("flights", "insert", data={"notes": "x"})  # and works once free
        assert replica.counts().pending == 1


def check_change(check_id: str, flight_id: str, *, seq: int, checked_at: str, verdict: str) -> dict:
    data = {"id": check_id, "flight_id": flight_id, "checked_at": checked_at, "verdict": verdict,
            "reasons": [{"text": verdict}], "version": 1, "server_seq": seq}
    return {"table": "weather_checks", "id": check_id, "version": 1, "server_seq": seq,
            "deleted": False, "data": data}


def test_narrow_reads_agree_with_the_full_ones(tmp_path):
    """``lessons_between`` and ``latest_weather_checks`` (the calendar's reads) give what
    ``flights_between`` and every weather check would, local edits and deletions included."""
    first, second, gone = (str(uuid.uuid4()) for _ in range(3))
    with Replica(tmp_path / "replica.sqlite3") as replica:
        replica.apply_pull([
            flight_change(first, seq=1), flight_change(second, seq=2, start=START + timedelta(hours=2)),
            flight_change(gone, seq=3),
            check_change(str(uuid.uuid4()), first, seq=4, checked_at="2030-01-01T10:00:00Z",
                         verdict="NO_GO"),
            check_change(str(uuid.uuid4()), first, seq=5, checked_at="2030-01-01T12:00:00Z",
                         verdict="GO"),
            check_change(str(uuid.uuid4()), second, seq=6, checked_at="2030-01-01T11:00:00Z",
                         verdict="MARGINAL"),
        ], cursor=6)
        replica.apply_pull([{**flight_change(gone, seq=7), "deleted": True}], cursor=7)
        replica.record_edit("flights", "update", row_id=second, data={"notes": "moved"})
        window = (START - timedelta(hours=1), START + timedelta(hours=5))

        full = replica.flights_between(*window)
        narrow = replica.lessons_between(*window)
        assert [(row.id, row.data, row.state, row.version) for row in full] == \
            [(row.id, row.data, row.state, row.version) for row in narrow]
        assert [row.id for row in narrow] == [first, second] and narrow[1].state == "pending"

        latest = replica.latest_weather_checks()
        assert {flight: check["verdict"] for flight, check in latest.items()} == \
            {first: "GO", second: "MARGINAL"}
        assert set(replica.latest_weather_checks([second])) == {second}
        assert replica.latest_weather_checks([]) == {}
