"""Starting the desktop while the network is down: the last known schedule from the replica, the
queued edits, and a silent sign-in (the keyring's refresh token) by the first round that reaches
the service — which then pushes them.

The service here is one this test can stop and start again on the same port and database."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

from app.main import choose_start
from app.services import sign_in as sign_in_service
from app.services.api_client import ApiClient, Offline
from app.services.credentials import SERVICE_NAME, KeyringTokenStore, keyring_username
from app.services.sign_in import SignInError, SignInOffline, replica_file, start_offline
from tests.sync.api.conftest import PASSWORD

NOTES = "Bring the new headset (typed offline)"


@pytest.fixture
def api_server(restartable_server):
    """``signed_in_school`` and the fixtures above it use this server instead of the session's."""
    return restartable_server


@pytest.fixture
def data_folder(tmp_path: Path) -> Path:
    return tmp_path / "data"


def _went_offline_with_an_edit(server, seeded_school, folder: Path) -> tuple[str, str, str]:
    """Signed in with "remember me", synced once, an edit typed, then the network drops and the
    app quits. The e-mail, the school id and the edited lesson."""
    email = seeded_school.school.emails["dispatcher"]
    client = sign_in_service.sign_in(server.url, email, PASSWORD, remember=True)
    session = sign_in_service.open_session(client, folder)
    assert session.engine.status.state == "idle"
    school_id = client.account.school_id
    assert replica_file(folder, school_id).is_file()
    flight_id = seeded_school.flight_ids[0]
    session.replica.record_edit("flights", "update", row_id=flight_id, data={"notes": NOTES})
    server.stop()                                               # the network drops
    session.close()                                             # … and the app quits
    return email, school_id, flight_id


def test_an_offline_start_shows_the_replica_and_pushes_once_the_service_answers(
        restartable_server, seeded_school, memory_keyring, data_folder):
    email, school_id, flight_id = _went_offline_with_an_edit(restartable_server, seeded_school,
                                                             data_folder)

    with pytest.raises(SignInOffline, match="Cannot reach the service") as failed:
        sign_in_service.resume(restartable_server.url, email)
    assert isinstance(failed.value.__cause__, Offline)
    assert choose_start(failed.value, school_id, data_folder) == "offline"

    began = time.monotonic()
    session = start_offline(restartable_server.url, email, data_folder, school_id)
    assert time.monotonic() - began < 2, "no network call: an offline start is immediate"
    try:
        assert session.client.account is None and session.client.resume_pending == email
        assert session.email == email
        assert session.replica.path == replica_file(data_folder, school_id)
        edited = session.replica.get("flights", flight_id)
        assert edited.state == "pending" and edited.data["notes"] == NOTES
        assert session.engine.status.pending == 1

        offline = session.engine.sync_once()
        assert offline.status.state == "offline", offline.status
        assert "Cannot reach the service" in offline.status.message
        assert offline.status.pending == 1
        assert session.client.resume_pending == email, "still to resume when the service answers"
        assert session.replica.get("flights", flight_id).state == "pending"

        restartable_server.start()                              # the network is back
        online = session.engine.sync_once()
        assert online.status.state == "idle", online.status
        assert online.status.pending == 0 and online.pushed == 1
        assert session.replica.outbox() == []
        assert session.client.account.email == email and session.client.resume_pending is None
        assert session.client.get_flight(flight_id)["notes"] == NOTES
        assert seeded_school.school.dispatcher.get(f"/flights/{flight_id}").json()["notes"] == NOTES
        assert session.replica.get("flights", flight_id).state == "synced"
        # The rotated refresh token is remembered for the next start.
        assert sign_in_service.resume(restartable_server.url, email).account.email == email
    finally:
        session.close()


def test_an_offline_start_without_a_replica_says_to_sign_in_once(data_folder, memory_keyring):
    with pytest.raises(SignInError, match="Nothing to show offline yet: connect to the network "
                                          "and sign in once"):
        start_offline("http://127.0.0.1:9", "desk@example.com", data_folder, "no-such-school")
    assert not data_folder.exists() or not any(data_folder.iterdir()), "nothing created"


@pytest.mark.parametrize("revoked", ["deleted", "reused"])
def test_a_refused_refresh_token_signs_out_and_keeps_the_edits(
        restartable_server, seeded_school, memory_keyring, data_folder, revoked):
    email, school_id, flight_id = _went_offline_with_an_edit(restartable_server, seeded_school,
                                                             data_folder)
    session = start_offline(restartable_server.url, email, data_folder, school_id)
    try:
        assert session.engine.sync_once().status.state == "offline"
        restartable_server.start()
        entry = (SERVICE_NAME, keyring_username(restartable_server.url, email))
        if revoked == "deleted":                        # "forget me" from another window, say
            del memory_keyring.passwords[entry]
        else:                                           # a spent token comes back: all revoked
            spent = memory_keyring.passwords[entry]
            other = ApiClient(base_url=restartable_server.url, token_store=KeyringTokenStore())
            other.resume(email)
            other.close()
            memory_keyring.passwords[entry] = spent

        round_ = session.engine.sync_once()
        assert round_.status.state == "signed_out", round_.status
        assert "sign in again" in round_.status.message
        assert email in round_.status.message
        assert round_.status.pending == 1
        assert session.replica.get("flights", flight_id).data["notes"] == NOTES
        assert session.client.resume_pending is None
        assert entry not in memory_keyring.passwords, "a refused token is forgotten"
        assert session.engine.sync_once().status.state == "signed_out"
    finally:
        session.close()


def test_a_sign_in_to_another_school_is_not_used_for_this_replica(
        restartable_server, seeded_school, memory_keyring, data_folder):
    email, school_id, _ = _went_offline_with_an_edit(restartable_server, seeded_school, data_folder)
    shutil.copy(replica_file(data_folder, school_id), replica_file(data_folder, "another-school"))
    session = start_offline(restartable_server.url, email, data_folder, "another-school")
    try:
        restartable_server.start()
        round_ = session.engine.sync_once()
        assert round_.status.state == "signed_out", round_.status
        assert "another school" in round_.status.message
        assert session.client.account is None and round_.status.pending == 1
    finally:
        session.close()


def test_threads_racing_to_resume_rotate_the_token_once(
        restartable_server, seeded_school, memory_keyring, data_folder):
    email, school_id, _ = _went_offline_with_an_edit(restartable_server, seeded_school, data_folder)
    session = start_offline(restartable_server.url, email, data_folder, school_id)
    restartable_server.start()
    try:
        results: list[object] = []

        def pull() -> None:
            try:
                results.append(session.client.pull(cursor=0, limit=1))
            except Exception as exc:  # noqa: BLE001 - recorded for the assertion below
                results.append(exc)

        threads = [threading.Thread(target=pull) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert [type(result).__name__ for result in results] == ["PullPage"] * 4
        # A second rotation of the same token would have revoked the sign-in: it still works.
        assert session.engine.sync_once().status.state == "idle"
        assert sign_in_service.resume(restartable_server.url, email).account.email == email
    finally:
        session.close()


def test_the_start_falls_back_to_the_dialog_unless_only_the_network_is_missing(tmp_path):
    offline = SignInOffline("Cannot reach the service at https://x: check the network")
    refused = SignInError("Your sign-in has expired or was revoked: sign in again")
    replica_file(tmp_path, "school-1").write_bytes(b"")
    assert choose_start(offline, "school-1", tmp_path) == "offline"
    assert choose_start(offline, "", tmp_path) == "dialog"              # no school remembered
    assert choose_start(offline, "school-2", tmp_path) == "dialog"      # never synced here
    assert choose_start(refused, "school-1", tmp_path) == "dialog"      # sign in again
