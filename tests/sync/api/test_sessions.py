"""Sessions over real HTTP: atomic refresh rotation, signing out (here and everywhere), access
tokens refused once the account's sessions were ended, the absolute session lifetime, and
changing one's own password."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select, update

from sync.audit.models import AuditEvent
from sync.auth.models import Account, RefreshToken
from sync.auth.tokens import hash_refresh_token
from sync.database.session import session_scope
from tests.sync.api.conftest import PASSWORD, login

REUSE = "refresh_token_reuse"


def _token_row(api_server, raw: str) -> RefreshToken:
    with session_scope(api_server.engine, read_only=True) as db:
        return db.scalars(select(RefreshToken).where(
            RefreshToken.token_hash == hash_refresh_token(raw))).one()


def _family(api_server, family_id: uuid.UUID) -> list[RefreshToken]:
    with session_scope(api_server.engine, read_only=True) as db:
        return list(db.scalars(select(RefreshToken).where(RefreshToken.family_id == family_id)))


def _audit_actions(api_server, school_id: uuid.UUID) -> list[str]:
    with session_scope(api_server.engine, read_only=True) as db:
        return list(db.scalars(select(AuditEvent.action).where(AuditEvent.school_id == school_id)))


def _get_students(api_server, access_token: str) -> httpx.Response:
    with api_server.client(access_token) as client:
        return client.get("/students")


# -- rotation ------------------------------------------------------------------------------


def test_one_refresh_token_sent_20_times_at_once_has_exactly_one_successor(signed_in_school,
                                                                           api_server):
    school = signed_in_school()
    raw = school.tokens["dispatcher"].refresh_token
    family_id = _token_row(api_server, raw).family_id
    start = threading.Barrier(20)
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    def present() -> None:
        with api_server.client() as client:
            start.wait(timeout=30)
            response = client.post("/auth/refresh", json={"refresh_token": raw})
        with lock:
            answers.append(response)

    threads = [threading.Thread(target=present) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    statuses = sorted(response.status_code for response in answers)
    assert statuses == [200] + [401] * 19
    # The other 19 were reuse: the whole family, the one successor included, is revoked.
    family = _family(api_server, family_id)
    assert len(family) == 2
    assert all(token.revoked_at is not None for token in family)
    successor = next(r for r in answers if r.status_code == 200).json()["refresh_token"]
    with api_server.client() as client:
        assert client.post("/auth/refresh", json={"refresh_token": successor}).status_code == 401
    assert REUSE in _audit_actions(api_server, school.school_id)


def test_reuse_is_a_security_event_in_the_accounts_school(signed_in_school, api_client,
                                                          api_server):
    school = signed_in_school()
    raw = school.tokens["instructor"].refresh_token
    assert api_client.post("/auth/refresh", json={"refresh_token": raw}).status_code == 200
    assert REUSE not in _audit_actions(api_server, school.school_id)

    assert api_client.post("/auth/refresh", json={"refresh_token": raw}).status_code == 401

    with session_scope(api_server.engine, read_only=True) as db:
        event = db.scalars(select(AuditEvent).where(AuditEvent.school_id == school.school_id,
                                                    AuditEvent.action == REUSE)).one()
    assert event.table_name == "refresh_tokens"
    assert event.actor == school.emails["instructor"]
    assert event.after["token_hash"] == "[redacted]"
    assert event.after["revoked_at"] is not None


def test_successors_carry_the_familys_start(signed_in_school, api_client, api_server):
    school = signed_in_school()
    raw = school.tokens["dispatcher"].refresh_token
    first = _token_row(api_server, raw)
    assert first.family_started_at is not None
    successor = api_client.post("/auth/refresh", json={"refresh_token": raw}).json()["refresh_token"]
    second = _token_row(api_server, successor)
    assert second.family_id == first.family_id
    assert second.family_started_at == first.family_started_at


def test_a_session_older_than_session_max_days_is_refused_however_fresh(signed_in_school,
                                                                        api_client, api_server):
    school = signed_in_school()
    raw = school.tokens["dispatcher"].refresh_token
    too_old = datetime.now(UTC) - timedelta(days=api_server.settings.session_max_days, minutes=1)
    with session_scope(api_server.engine) as db:
        # Refreshed a minute ago (a young token), but the sign-in began too long ago.
        db.execute(update(RefreshToken).where(RefreshToken.token_hash == hash_refresh_token(raw))
                   .values(family_started_at=too_old))

    assert api_client.post("/auth/refresh", json={"refresh_token": raw}).status_code == 401


def test_a_token_from_before_family_started_at_is_aged_by_its_creation(signed_in_school,
                                                                       api_client, api_server):
    school = signed_in_school()
    old_raw, young_raw = (school.tokens["dispatcher"].refresh_token,
                          school.tokens["admin"].refresh_token)
    too_old = datetime.now(UTC) - timedelta(days=api_server.settings.session_max_days, minutes=1)
    with session_scope(api_server.engine) as db:
        db.execute(update(RefreshToken).where(RefreshToken.token_hash == hash_refresh_token(old_raw))
                   .values(family_started_at=None, created_at=too_old))
        db.execute(update(RefreshToken).where(RefreshToken.token_hash == hash_refresh_token(young_raw))
                   .values(family_started_at=None))

    assert api_client.post("/auth/refresh", json={"refresh_token": old_raw}).status_code == 401
    young = api_client.post("/auth/refresh", json={"refresh_token": young_raw})
    assert young.status_code == 200
    # The successor of a row without a start keeps the row's creation as the family's start.
    assert _token_row(api_server, young.json()["refresh_token"]).family_started_at is not None


# -- signing out -----------------------------------------------------------------------------


def test_logout_ends_this_sign_in_only(signed_in_school, api_client):
    school = signed_in_school()
    email = school.emails["dispatcher"]
    other = login(api_client, email).json()  # a second computer
    mine = school.tokens["dispatcher"].refresh_token

    response = api_client.post("/auth/logout", json={"refresh_token": mine})

    assert response.status_code == 204 and response.content == b""
    assert api_client.post("/auth/refresh", json={"refresh_token": mine}).status_code == 401
    assert api_client.post("/auth/refresh",
                           json={"refresh_token": other["refresh_token"]}).status_code == 200
    # Signing out twice, or with a token nobody knows, is not an error.
    assert api_client.post("/auth/logout", json={"refresh_token": mine}).status_code == 204
    assert api_client.post("/auth/logout", json={"refresh_token": "unknown"}).status_code == 204


def test_logout_everywhere_ends_every_sign_in_and_access_token(signed_in_school, api_client,
                                                               api_server):
    school = signed_in_school()
    email = school.emails["dispatcher"]
    other = login(api_client, email).json()
    access = school.tokens["dispatcher"].access_token
    assert _get_students(api_server, access).status_code == 200

    response = api_client.post("/auth/logout", json={
        "refresh_token": school.tokens["dispatcher"].refresh_token, "everywhere": True})

    assert response.status_code == 204
    for token in (access, other["access_token"]):
        refused = _get_students(api_server, token)
        assert refused.status_code == 401 and "sign in again" in refused.json()["detail"]
    assert api_client.post("/auth/refresh",
                           json={"refresh_token": other["refresh_token"]}).status_code == 401
    # Other accounts of the school are untouched; a new sign-in works at once.
    assert _get_students(api_server, school.tokens["admin"].access_token).status_code == 200
    again = login(api_client, email).json()
    assert _get_students(api_server, again["access_token"]).status_code == 200
    assert "sign_out_everywhere" in _audit_actions(api_server, school.school_id)


def test_logout_everywhere_needs_a_valid_refresh_token(signed_in_school, api_client, api_server):
    school = signed_in_school()
    response = api_client.post("/auth/logout", json={"refresh_token": "unknown", "everywhere": True})
    assert response.status_code == 401
    assert _get_students(api_server, school.tokens["dispatcher"].access_token).status_code == 200


def test_logout_with_a_spent_token_is_reuse(signed_in_school, api_client, api_server):
    school = signed_in_school()
    raw = school.tokens["dispatcher"].refresh_token
    successor = api_client.post("/auth/refresh", json={"refresh_token": raw}).json()["refresh_token"]

    assert api_client.post("/auth/logout", json={"refresh_token": raw}).status_code == 401

    assert api_client.post("/auth/refresh", json={"refresh_token": successor}).status_code == 401
    assert REUSE in _audit_actions(api_server, school.school_id)


# -- access tokens after the sessions were ended -------------------------------------------


def test_an_access_token_issued_before_sessions_revoked_at_is_refused(signed_in_school,
                                                                      api_server):
    school = signed_in_school()
    access = school.tokens["dispatcher"].access_token
    with session_scope(api_server.engine) as db:
        db.execute(update(Account).where(Account.email == school.emails["dispatcher"])
                   .values(sessions_revoked_at=datetime.now(UTC)))

    assert _get_students(api_server, access).status_code == 401


def test_a_disabled_account_is_refused_at_its_next_request(signed_in_school, api_server):
    school = signed_in_school()
    access = school.tokens["dispatcher"].access_token
    with session_scope(api_server.engine) as db:
        db.execute(update(Account).where(Account.email == school.emails["dispatcher"])
                   .values(active=False))

    assert _get_students(api_server, access).status_code == 401


# -- one's own password ----------------------------------------------------------------------


def test_changing_ones_password_ends_every_other_sign_in(signed_in_school, api_client, api_server):
    school = signed_in_school()
    email = school.emails["dispatcher"]
    other = login(api_client, email).json()
    new_password = "a quieter runway at dusk"

    changed = school.dispatcher.post("/auth/password", json={
        "current_password": PASSWORD, "new_password": new_password})

    assert changed.status_code == 200, changed.text
    pair = changed.json()
    assert pair["account"]["email"] == email
    assert _get_students(api_server, pair["access_token"]).status_code == 200
    assert _get_students(api_server, school.tokens["dispatcher"].access_token).status_code == 401
    assert _get_students(api_server, other["access_token"]).status_code == 401
    for raw in (school.tokens["dispatcher"].refresh_token, other["refresh_token"]):
        assert api_client.post("/auth/refresh", json={"refresh_token": raw}).status_code == 401
    assert api_client.post("/auth/refresh",
                           json={"refresh_token": pair["refresh_token"]}).status_code == 200
    assert login(api_client, email, PASSWORD).status_code == 401
    assert login(api_client, email, new_password).status_code == 200
    assert "password_change" in _audit_actions(api_server, school.school_id)


def test_changing_ones_password_needs_the_current_one_and_a_strong_new_one(signed_in_school,
                                                                           api_server):
    school = signed_in_school()
    wrong = school.dispatcher.post("/auth/password", json={
        "current_password": "not my password at all", "new_password": "a quieter runway at dusk"})
    assert wrong.status_code == 422
    assert wrong.json()["field"] == "current_password"

    weak = school.dispatcher.post("/auth/password", json={
        "current_password": PASSWORD, "new_password": "password1234"})
    assert weak.status_code == 422
    body = weak.json()
    assert body["field"] == "new_password" and body["rule"] == "WEAK_PASSWORD"
    assert "too easy to guess" in body["detail"] and "common password" in body["detail"]

    # Nothing changed: the old password and the old sign-in still work.
    assert _get_students(api_server, school.tokens["dispatcher"].access_token).status_code == 200


def test_a_password_built_from_the_school_name_is_weak(signed_in_school):
    school = signed_in_school(name="Bluebonnet Aviation Academy")
    weak = school.dispatcher.post("/auth/password", json={
        "current_password": PASSWORD, "new_password": "bluebonnetaviationacademy"})
    assert weak.status_code == 422 and weak.json()["rule"] == "WEAK_PASSWORD"


def test_guessing_the_current_password_is_throttled_like_a_sign_in(signed_in_school, api_server):
    """A stolen access token must not become unlimited guesses at the password behind it."""
    school = signed_in_school()
    limit = api_server.settings.login_max_failures_per_account
    answers = [school.dispatcher.post("/auth/password", json={
        "current_password": f"guess number {attempt}", "new_password": "a brand new long phrase 42"})
        for attempt in range(limit + 1)]

    assert [answer.status_code for answer in answers[:limit]] == [422] * limit
    assert answers[limit].status_code == 429 and int(answers[limit].headers["Retry-After"]) > 0
    with session_scope(api_server.engine) as db:
        failed = db.scalars(select(AuditEvent.action).where(
            AuditEvent.school_id == school.school_id,
            AuditEvent.action == "password_check_failed")).all()
    assert len(failed) == limit
    # Even the right password waits for the window now: guessing cannot continue meanwhile.
    assert school.dispatcher.post("/auth/password", json={
        "current_password": PASSWORD, "new_password": "a brand new long phrase 42"}).status_code == 429
