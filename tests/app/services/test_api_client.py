"""ApiClient against the real service on 127.0.0.1: sign-in, refresh with rotation kept in the
keyring, and the error hierarchy."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.services.api_client import ApiClient, Offline, Refused, Unauthorized
from app.services.credentials import SERVICE_NAME, keyring_username
from sync.auth import tokens as auth_tokens
from sync.auth.models import Account
from sync.database.session import session_scope
from tests.app.services.conftest import BASE_DAY, _free_port
from tests.sync.api.conftest import PASSWORD


def test_sign_in_stores_the_refresh_token_in_the_keyring(api_server, seeded_school, token_store,
                                                         memory_keyring):
    email = seeded_school.school.emails["dispatcher"]
    with ApiClient(base_url=api_server.url, token_store=token_store) as client:
        session = client.login(email, PASSWORD)

    assert session.account.email == email and session.account.role == "dispatcher"
    key = (SERVICE_NAME, keyring_username(api_server.url, email))
    assert memory_keyring.passwords[key] == session.tokens.refresh_token


def test_an_expired_access_token_is_refreshed_and_the_rotated_token_stored(
        api_server, seeded_school, token_store, memory_keyring):
    email = seeded_school.school.emails["dispatcher"]
    client = ApiClient(base_url=api_server.url, token_store=token_store)
    session = client.login(email, PASSWORD)
    with session_scope(api_server.engine) as db:
        account = db.get(Account, uuid.UUID(session.account.id))
        expired = auth_tokens.issue_access_token(account=account, settings=api_server.settings,
                                                 now=datetime.now(UTC) - timedelta(hours=2))
    client.adopt(replace(session, tokens=replace(session.tokens, access_token=expired)))

    page = client.list_flights()  # 401 → refresh → retried

    assert page["total"] == 2
    rotated = client.session.tokens.refresh_token
    assert rotated != session.tokens.refresh_token
    assert memory_keyring.passwords[(SERVICE_NAME, keyring_username(api_server.url, email))] == rotated
    # The stored (rotated) token signs in silently on the next start. (Replaying the spent one
    # would make the service revoke the whole sign-in, as theft: never reuse a refresh token.)
    client.close()
    with ApiClient(base_url=api_server.url, token_store=token_store) as next_start:
        resumed = next_start.resume(email)
        assert resumed.account.email == email
        assert next_start.get_flight(seeded_school.flight_ids[0])["id"] == seeded_school.flight_ids[0]


def test_a_revoked_sign_in_is_unauthorized_and_forgotten(api_server, seeded_school, token_store,
                                                         memory_keyring):
    email = seeded_school.school.emails["dispatcher"]
    memory_keyring.set_password(SERVICE_NAME, keyring_username(api_server.url, email), "bogus")
    with ApiClient(base_url=api_server.url, token_store=token_store) as client:
        with pytest.raises(Unauthorized, match="sign in again"):
            client.resume(email)
    assert memory_keyring.passwords == {}


def test_a_wrong_password_is_unauthorized(api_server, seeded_school):
    with ApiClient(base_url=api_server.url) as client:
        with pytest.raises(Unauthorized, match="E-mail or password is wrong"):
            client.login(seeded_school.school.emails["dispatcher"], "wrong password")
        with pytest.raises(Unauthorized, match="not signed in"):
            client.list_flights()


def test_a_clash_is_refused_with_the_rule_and_the_other_lesson(dispatcher_client, seeded_school):
    with pytest.raises(Refused) as refused:
        dispatcher_client.create_flight(seeded_school.lesson(BASE_DAY + timedelta(minutes=30)))
    assert refused.value.status == 409
    assert refused.value.rule == "STUDENT_DOUBLE_BOOKED"
    assert refused.value.conflict["id"] == seeded_school.flight_ids[0]
    assert str(refused.value) == refused.value.detail


def test_invalid_input_names_the_field(dispatcher_client, seeded_school):
    with pytest.raises(Refused) as refused:
        dispatcher_client.create_flight(seeded_school.lesson(BASE_DAY, flight_type="BALLOON"))
    assert refused.value.status == 422 and refused.value.field == "flight_type"


def test_no_server_is_offline_with_a_readable_message():
    with ApiClient(base_url=f"http://127.0.0.1:{_free_port()}", timeout=2) as client:
        with pytest.raises(Offline, match="Cannot reach the service"):
            client.login("someone@example.com", PASSWORD)


def test_an_update_sends_the_version_it_was_made_on(dispatcher_client, seeded_school):
    flight_id = seeded_school.flight_ids[0]
    read = dispatcher_client.get_flight(flight_id)

    changed = dispatcher_client.update_flight(flight_id, {"notes": "headset"},
                                              version=read["version"])
    assert changed["notes"] == "headset" and changed["version"] == read["version"] + 1
    # The same edit made on what is now an old read is refused, not applied over the change.
    with pytest.raises(Refused) as refused:
        dispatcher_client.update_flight(flight_id, {"notes": "blind"}, version=read["version"])
    assert refused.value.status == 409 and refused.value.rule == "STALE_VERSION"
    assert refused.value.conflict["id"] == flight_id
    assert dispatcher_client.get_flight(flight_id)["notes"] == "headset"


def test_signing_out_ends_the_sign_in_at_the_service_too(api_server, seeded_school, token_store,
                                                        memory_keyring):
    email = seeded_school.school.emails["dispatcher"]
    with ApiClient(base_url=api_server.url, token_store=token_store) as client:
        session = client.login(email, PASSWORD)
        client.logout()

    key = (SERVICE_NAME, keyring_username(api_server.url, email))
    assert key not in memory_keyring.passwords
    with api_server.client() as anonymous:
        refused = anonymous.post("/auth/refresh", json={"refresh_token": session.tokens.refresh_token})
    assert refused.status_code == 401
