"""Sign-in over HTTP: login, rate limit, refresh rotation and reuse, bad tokens, students."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import jwt

from tests.sync.api.conftest import login

WRONG = "E-mail or password is wrong"


def test_health_and_openapi(api_client):
    health = api_client.get("/health")
    assert health.status_code == 200
    assert health.json()["database"] == "reachable"
    assert health.json()["schema_current"] is True
    schema = api_client.get("/openapi.json").json()
    assert {"/auth/login", "/students", "/instructors/{instructor_id}", "/aircraft"} <= set(schema["paths"])
    assert api_client.get("/docs").status_code == 200


def test_login_answers_tokens_and_account(signed_in_school, api_client):
    school = signed_in_school()
    response = login(api_client, school.emails["dispatcher"].upper())
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["access_token"] and body["refresh_token"]
    assert body["account"]["role"] == "dispatcher"
    assert body["account"]["school_id"] == str(school.school_id)


def test_wrong_password_and_unknown_email_say_the_same(signed_in_school, api_client):
    school = signed_in_school()
    wrong = login(api_client, school.emails["admin"], "not the password at all")
    unknown = login(api_client, "nobody-here@school.example")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": WRONG}


def test_repeated_failures_are_rate_limited(signed_in_school, api_server, api_client):
    school = signed_in_school()
    for _ in range(api_server.settings.login_max_failures_per_account):
        assert login(api_client, school.emails["admin"], "wrong password 123").status_code == 401
    limited = login(api_client, school.emails["admin"])  # even the right password waits
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert login(api_client, school.emails["dispatcher"]).status_code == 200  # per e-mail


def test_refresh_rotates_and_reuse_revokes_the_family(signed_in_school, api_client):
    school = signed_in_school()
    first = school.tokens["dispatcher"].refresh_token
    rotated = api_client.post("/auth/refresh", json={"refresh_token": first})
    assert rotated.status_code == 200
    second = rotated.json()["refresh_token"]
    assert second != first
    assert api_client.get("/students", headers={
        "Authorization": f"Bearer {rotated.json()['access_token']}"}).status_code == 200

    reused = api_client.post("/auth/refresh", json={"refresh_token": first})
    assert reused.status_code == 401
    # The copy was presented again: the legitimate successor is revoked as well.
    assert api_client.post("/auth/refresh", json={"refresh_token": second}).status_code == 401


def test_unknown_refresh_token_is_refused(api_client):
    assert api_client.post("/auth/refresh", json={"refresh_token": "garbage"}).status_code == 401


def test_expired_garbage_and_missing_tokens_are_refused(signed_in_school, api_server, api_client):
    school = signed_in_school()
    claims = jwt.decode(school.tokens["admin"].access_token, options={"verify_signature": False})
    claims["exp"] = datetime.now(UTC) - timedelta(minutes=1)
    expired = jwt.encode(claims, api_server.settings.secret_key.get_secret_value(), algorithm="HS256")
    forged = jwt.encode(claims | {"exp": datetime.now(UTC) + timedelta(hours=1)},
                        "another key that is not the server's key", algorithm="HS256")
    for token in (expired, forged, "garbage"):
        response = api_client.get("/students", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert api_client.get("/students").status_code == 401


def test_students_are_refused_everywhere(signed_in_school):
    school = signed_in_school()
    for method, path in [("GET", "/students"), ("GET", f"/students/{school.student_id}"),
                         ("POST", "/students"), ("GET", "/instructors"), ("GET", "/aircraft"),
                         ("PATCH", f"/instructors/{school.instructor_id}")]:
        response = school.student.request(method, path, json={} if method != "GET" else None)
        assert response.status_code == 403, (method, path)
        assert "signed links" in response.json()["detail"]


def test_serve_refuses_a_behind_database(empty_database_url):
    result = subprocess.run(
        [sys.executable, "-m", "sync.cli", "serve", "--port", "0"],
        env={"DATABASE_URL": empty_database_url, "FSP_ENV": "development", "PATH": ""},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert "fsp-sync db upgrade" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_production_without_a_secret_key(empty_database_url):
    result = subprocess.run(
        [sys.executable, "-m", "sync.cli", "serve"],
        env={"DATABASE_URL": empty_database_url, "FSP_ENV": "production", "PATH": ""},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert "FSP_SECRET_KEY" in result.stderr and "Traceback" not in result.stderr



def test_access_token_names_account_school_role_and_expires_in_time(signed_in_school, api_server,
                                                                    api_client):
    school = signed_in_school()
    body = login(api_client, school.emails["instructor"]).json()
    claims = jwt.decode(body["access_token"], api_server.settings.secret_key.get_secret_value(),
                        algorithms=["HS256"])
    assert claims["sub"] == body["account"]["id"]
    assert claims["school"] == str(school.school_id) and claims["role"] == "instructor"
    lifetime = claims["exp"] - claims["iat"]
    assert lifetime == api_server.settings.access_token_minutes * 60 == body["expires_in"]
