"""/accounts over real HTTP: admins manage their school's accounts (and nobody else's), the last
admin is kept, and the one-time link to set a password: mailed through the outbox, its page,
single use, expiry."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, update

from sync.audit.models import AuditEvent
from sync.auth.models import Account, PasswordReset
from sync.database.session import session_scope
from sync.notify.models import Notification
from tests.sync.api.conftest import PASSWORD, login

STRONG = "violet hangar over the marsh"
_LINK = re.compile(r"(https?://\S+/reset-password/([A-Za-z0-9_-]+))")


def _mails(api_server, email: str) -> list[Notification]:
    with session_scope(api_server.engine, read_only=True) as db:
        return list(db.scalars(select(Notification).where(
            Notification.recipient == email, Notification.kind == "password_reset")
            .order_by(Notification.created_at)))


def _link(api_server, email: str) -> tuple[str, str]:
    """(the link's URL path, its token) from the newest password mail to ``email``."""
    mail = _mails(api_server, email)[-1]
    url, token = _LINK.search(mail.body_text).groups()
    assert url in mail.body_html
    return url.split("://", 1)[1].split("/", 1)[1], token


def _audit_actions(api_server, school_id: uuid.UUID) -> list[str]:
    with session_scope(api_server.engine, read_only=True) as db:
        return list(db.scalars(select(AuditEvent.action).where(AuditEvent.school_id == school_id)))


def _account_id(school, role: str) -> str:
    return school.tokens[role].account_id

def _patch(admin, account_id, change: dict):
    """PATCH an account as read just before (an update names the version it was made on)."""
    version = admin.get(f"/accounts/{account_id}").json()["version"]
    return admin.patch(f"/accounts/{account_id}", json={**change, "version": version})


def _set_through_page(client: httpx.Client, path: str, password: str,
                      confirm: str | None = None) -> httpx.Response:
    return client.post("/" + path, data={"password": password,
                                         "confirm": password if confirm is None else confirm})


# -- who may --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["dispatcher", "instructor", "student"])
def test_only_admins_manage_accounts(signed_in_school, role):
    school = signed_in_school()
    client = school.clients[role]
    assert client.get("/accounts").status_code == 403
    assert client.post("/accounts", json={"email": "x@school.example", "role": "admin",
                                          "password": STRONG}).status_code == 403
    assert client.patch(f"/accounts/{_account_id(school, role)}",
                        json={"role": "admin"}).status_code == 403


def test_the_list_is_the_admins_school_only(signed_in_school):
    school, other = signed_in_school(), signed_in_school()
    page = school.admin.get("/accounts").json()
    assert page["total"] == 4
    assert {item["email"] for item in page["items"]} == set(school.emails.values())
    assert all(item["active"] for item in page["items"])
    assert not set(other.emails.values()) & {item["email"] for item in page["items"]}


def test_another_schools_account_is_not_found_like_a_missing_one(signed_in_school):
    school, other = signed_in_school(), signed_in_school()
    theirs, missing = _account_id(other, "dispatcher"), str(uuid.uuid4())
    for account_id in (theirs, missing):
        answers = [
            school.admin.get(f"/accounts/{account_id}"),
            school.admin.patch(f"/accounts/{account_id}", json={"active": False}),
            school.admin.put(f"/accounts/{account_id}/password", json={"password": STRONG}),
            school.admin.post(f"/accounts/{account_id}/password-reset"),
        ]
        assert [answer.status_code for answer in answers] == [404] * 4
        assert answers[0].json()["detail"] == (f"there is no account with id {account_id} in "
                                               "your school")
    # Nothing happened to the other school's dispatcher.
    assert other.dispatcher.get("/students").status_code == 200


# -- creating -------------------------------------------------------------------------------


def test_create_with_an_initial_password(signed_in_school, api_client, api_server):
    school = signed_in_school()
    email = f"desk-{uuid.uuid4().hex[:6]}@school.example"

    created = school.admin.post("/accounts", json={"email": email.upper(), "role": "dispatcher",
                                                   "password": STRONG})

    assert created.status_code == 201, created.text
    assert created.json()["email"] == email and created.json()["role"] == "dispatcher"
    assert login(api_client, email, STRONG).status_code == 200
    assert _mails(api_server, email) == []
    assert "create" in _audit_actions(api_server, school.school_id)


def test_create_refuses_a_weak_password_and_says_why(signed_in_school):
    school = signed_in_school()
    email = f"desk-{uuid.uuid4().hex[:6]}@school.example"
    weak = school.admin.post("/accounts", json={"email": email, "role": "dispatcher",
                                                "password": "password1234"})
    assert weak.status_code == 422
    assert weak.json()["rule"] == "WEAK_PASSWORD" and weak.json()["field"] == "password"
    assert "common password" in weak.json()["detail"]
    # The e-mail is one of the words a password must not lean on.
    local = email.split("@")[0]
    own = school.admin.post("/accounts", json={"email": email, "role": "dispatcher",
                                               "password": f"{local}@school.example"})
    assert own.status_code == 422 and own.json()["rule"] == "WEAK_PASSWORD"
    assert email not in {item["email"] for item in school.admin.get("/accounts").json()["items"]}


def test_create_without_a_password_mails_a_link_to_set_it(signed_in_school, api_client,
                                                           api_server):
    school = signed_in_school()
    email = f"new-cfi-{uuid.uuid4().hex[:6]}@school.example"

    created = school.admin.post("/accounts", json={"email": email, "role": "instructor"})

    assert created.status_code == 201, created.text
    [mail] = _mails(api_server, email)
    assert "set the password" in mail.subject
    path, token = _link(api_server, email)
    assert path == f"reset-password/{token}"
    with session_scope(api_server.engine, read_only=True) as db:
        stored = db.scalars(select(PasswordReset).where(
            PasswordReset.account_id == uuid.UUID(created.json()["id"]))).one()
    assert token not in stored.token_hash and len(stored.token_hash) == 64  # only its SHA-256
    assert stored.expires_at - datetime.now(UTC) > timedelta(hours=23)
    # No password yet: nothing signs in until the link has been used.
    assert login(api_client, email, STRONG).status_code == 401

    form = api_client.get(f"/{path}")
    assert form.status_code == 200 and email in form.text and 'type="password"' in form.text
    done = _set_through_page(api_client, path, STRONG)

    assert done.status_code == 200 and "Your password is set" in done.text
    assert login(api_client, email, STRONG).status_code == 200


def test_the_page_refuses_a_weak_password_and_the_link_keeps_working(signed_in_school,
                                                                     api_client, api_server):
    school = signed_in_school()
    email = f"new-{uuid.uuid4().hex[:6]}@school.example"
    school.admin.post("/accounts", json={"email": email, "role": "dispatcher"})
    path, _ = _link(api_server, email)

    weak = _set_through_page(api_client, path, "password1234")
    assert weak.status_code == 422
    assert "too easy to guess" in weak.text and "common password" in weak.text
    different = _set_through_page(api_client, path, STRONG, confirm=STRONG + "!")
    assert different.status_code == 422 and "not the same" in different.text

    assert _set_through_page(api_client, path, STRONG).status_code == 200


def test_a_link_works_once(signed_in_school, api_client, api_server):
    school = signed_in_school()
    email = f"new-{uuid.uuid4().hex[:6]}@school.example"
    school.admin.post("/accounts", json={"email": email, "role": "dispatcher"})
    path, _ = _link(api_server, email)
    assert _set_through_page(api_client, path, STRONG).status_code == 200

    again = _set_through_page(api_client, path, "another violet hangar, later")
    assert again.status_code == 410 and "has been used" in again.text
    assert api_client.get(f"/{path}").status_code == 410
    assert login(api_client, email, STRONG).status_code == 200


def test_an_expired_or_unknown_link_is_refused(signed_in_school, api_client, api_server):
    school = signed_in_school()
    email = f"new-{uuid.uuid4().hex[:6]}@school.example"
    created = school.admin.post("/accounts", json={"email": email, "role": "dispatcher"}).json()
    path, _ = _link(api_server, email)
    with session_scope(api_server.engine) as db:
        db.execute(update(PasswordReset)
                   .where(PasswordReset.account_id == uuid.UUID(created["id"]))
                   .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))

    expired = _set_through_page(api_client, path, STRONG)
    assert expired.status_code == 410 and "expired" in expired.text
    assert login(api_client, email, STRONG).status_code == 401
    unknown = api_client.get("/reset-password/not-a-token-anybody-was-sent")
    assert unknown.status_code == 400 and "does not work" in unknown.text


def test_the_reset_page_is_not_in_the_api_schema(api_client):
    paths = api_client.get("/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith("/reset-password")]
    assert {"/accounts", "/accounts/{account_id}", "/accounts/{account_id}/password-reset",
            "/auth/logout", "/auth/password"} <= set(paths)


# -- changing -------------------------------------------------------------------------------


def test_disable_ends_sign_ins_and_enable_gives_none_back(signed_in_school, api_client,
                                                          api_server):
    school = signed_in_school()
    target = _account_id(school, "dispatcher")

    disabled = _patch(school.admin, target, {"active": False})

    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert school.dispatcher.get("/students").status_code == 401
    refresh = school.tokens["dispatcher"].refresh_token
    assert api_client.post("/auth/refresh", json={"refresh_token": refresh}).status_code == 401
    assert login(api_client, school.emails["dispatcher"]).status_code == 401

    enabled = _patch(school.admin, target, {"active": True})
    assert enabled.status_code == 200 and enabled.json()["active"] is True
    # Enabling is not un-revoking: the old sign-in stays ended; signing in again works.
    assert school.dispatcher.get("/students").status_code == 401
    assert api_client.post("/auth/refresh", json={"refresh_token": refresh}).status_code == 401
    assert login(api_client, school.emails["dispatcher"]).status_code == 200
    assert _audit_actions(api_server, school.school_id).count("update") >= 2


def test_change_role(signed_in_school):
    school = signed_in_school()
    target = _account_id(school, "instructor")
    changed = _patch(school.admin, target, {"role": "dispatcher"})
    assert changed.status_code == 200 and changed.json()["role"] == "dispatcher"
    # The role is read from the account at each request: the new one counts at once.
    assert school.instructor.post("/aircraft", json={
        "tail_number": f"N{uuid.uuid4().hex[:4].upper()}", "model": "C172S",
        "home_airport": "KAUS", "max_crosswind_kt": 15}).status_code == 201
    invalid = _patch(school.admin, target, {"role": None})
    assert invalid.status_code == 422 and invalid.json()["field"] == "role"
    unknown = _patch(school.admin, target, {"role": "pilot"})
    assert unknown.status_code == 422


def test_the_last_active_admin_cannot_demote_or_disable_themselves(signed_in_school):
    school = signed_in_school()
    me = _account_id(school, "admin")
    for change in ({"role": "dispatcher"}, {"active": False}):
        refused = _patch(school.admin, me, change)
        assert refused.status_code == 409, change
        assert refused.json()["rule"] == "LAST_ADMIN"
        assert "last active admin" in refused.json()["detail"]
    assert school.admin.get("/accounts").status_code == 200

    # With a second admin, stepping down is fine.
    other = _account_id(school, "dispatcher")
    assert _patch(school.admin, other, {"role": "admin"}).status_code == 200
    stepped_down = _patch(school.admin, me, {"role": "dispatcher"})
    assert stepped_down.status_code == 200
    assert school.admin.get("/accounts").status_code == 403  # now a dispatcher


def test_admin_sets_another_accounts_password(signed_in_school, api_client, api_server):
    school = signed_in_school()
    target = _account_id(school, "dispatcher")

    weak = school.admin.put(f"/accounts/{target}/password", json={"password": "password1234"})
    assert weak.status_code == 422 and weak.json()["rule"] == "WEAK_PASSWORD"
    assert school.dispatcher.get("/students").status_code == 200

    done = school.admin.put(f"/accounts/{target}/password", json={"password": STRONG})
    assert done.status_code == 200
    assert school.dispatcher.get("/students").status_code == 401
    assert login(api_client, school.emails["dispatcher"], STRONG).status_code == 200

    own = school.admin.put(f"/accounts/{_account_id(school, 'admin')}/password",
                           json={"password": STRONG})
    assert own.status_code == 403 and "/auth/password" in own.json()["detail"]
    assert "password_set" in _audit_actions(api_server, school.school_id)


def test_password_reset_mails_a_link_and_ends_sign_ins(signed_in_school, api_client, api_server):
    school = signed_in_school()
    target, email = _account_id(school, "instructor"), school.emails["instructor"]

    sent = school.admin.post(f"/accounts/{target}/password-reset")

    assert sent.status_code == 202, sent.text
    assert sent.json()["account_id"] == target and sent.json()["notification_id"]
    assert school.instructor.get("/flights").status_code == 401
    first_path, _ = _link(api_server, email)
    school.admin.post(f"/accounts/{target}/password-reset")
    second_path, _ = _link(api_server, email)
    assert len(_mails(api_server, email)) == 2 and first_path != second_path
    # Only the newest link works.
    assert _set_through_page(api_client, first_path, STRONG).status_code == 410
    assert _set_through_page(api_client, second_path, STRONG).status_code == 200
    assert login(api_client, email, PASSWORD).status_code == 401
    assert login(api_client, email, STRONG).status_code == 200
    actions = _audit_actions(api_server, school.school_id)
    assert "password_reset" in actions and "password_reset_completed" in actions


def test_password_reset_of_a_disabled_account_is_refused(signed_in_school, api_server):
    school = signed_in_school()
    target = _account_id(school, "dispatcher")
    _patch(school.admin, target, {"active": False})
    refused = school.admin.post(f"/accounts/{target}/password-reset")
    assert refused.status_code == 409 and refused.json()["rule"] == "ACCOUNT_DISABLED"
    assert _mails(api_server, school.emails["dispatcher"]) == []


def test_a_link_for_an_account_disabled_since_does_not_work(signed_in_school, api_client,
                                                            api_server):
    school = signed_in_school()
    email = f"new-{uuid.uuid4().hex[:6]}@school.example"
    created = school.admin.post("/accounts", json={"email": email, "role": "dispatcher"}).json()
    path, _ = _link(api_server, email)
    _patch(school.admin, created["id"], {"active": False})

    page = api_client.get(f"/{path}")
    assert page.status_code == 410 and "disabled" in page.text
    with session_scope(api_server.engine, read_only=True) as db:
        assert db.get(Account, uuid.UUID(created["id"])).active is False


def test_an_update_names_the_version_it_was_made_on(signed_in_school):
    school = signed_in_school()
    target = _account_id(school, "dispatcher")
    read = school.admin.get(f"/accounts/{target}")
    assert read.headers["ETag"] == f'"{read.json()["version"]}"'

    blind = school.admin.patch(f"/accounts/{target}", json={"role": "instructor"})
    assert blind.status_code == 428 and blind.json()["rule"] == "VERSION_REQUIRED"

    first = school.admin.patch(f"/accounts/{target}", json={"role": "instructor"},
                               headers={"If-Match": read.headers["ETag"]})
    assert first.status_code == 200 and first.json()["version"] == read.json()["version"] + 1
    # A second admin working from the same read does not silently undo the first one's change.
    stale = school.admin.patch(f"/accounts/{target}",
                               json={"active": False, "version": read.json()["version"]})
    assert stale.status_code == 409 and stale.json()["rule"] == "STALE_VERSION"
    assert school.admin.get(f"/accounts/{target}").json()["active"] is True


def test_of_parallel_updates_on_one_version_exactly_one_wins(signed_in_school):
    from concurrent.futures import ThreadPoolExecutor

    school = signed_in_school()
    target = _account_id(school, "instructor")
    version = school.admin.get(f"/accounts/{target}").json()["version"]

    def change(_: int) -> int:
        return school.admin.patch(f"/accounts/{target}",
                                  json={"role": "dispatcher", "version": version}).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        codes = list(pool.map(change, range(10)))

    assert sorted(codes) == [200] + [409] * 9
    assert school.admin.get(f"/accounts/{target}").json()["version"] == version + 1
