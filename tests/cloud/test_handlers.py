"""The Lambda handlers, run here against a real database (SQLite and PostgreSQL) with the events
AWS sends them: API Gateway HTTP API (payload 2.0), EventBridge scheduled events, CDK triggers."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from cloud import handlers
from sync.database import migrations
from sync.database.session import create_engine_for, session_scope

ADMIN_EMAIL = "chief@school.example.com"
ADMIN_PASSWORD = "correct horse battery staple"


def http_api_event(method: str, path: str, *, body: Any = None, query: str = "") -> dict[str, Any]:
    """What API Gateway sends a Lambda integration (HTTP API, payload format 2.0)."""
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {
            "host": "abc123.execute-api.us-east-1.amazonaws.com",
            "content-type": "application/json",
            "user-agent": "fsp-desktop/0.1",
            "x-forwarded-for": "203.0.113.7",
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
        },
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com", "domainPrefix": "abc123",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.7", "userAgent": "fsp-desktop/0.1"},
            "requestId": uuid.uuid4().hex, "routeKey": "$default", "stage": "$default",
            "time": "25/Nov/2026:14:00:00 +0000", "timeEpoch": 1795615200000,
        },
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }


SCHEDULED_EVENT = {
    "version": "0", "id": "5f4b0e2a-0000-0000-0000-000000000000",
    "detail-type": "Scheduled Event", "source": "aws.events", "account": "123456789012",
    "time": "2026-11-25T14:00:00Z", "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/FspService-HourlySweep"],
    "detail": {},
}
TRIGGER_EVENT: dict[str, Any] = {}  # the CDK trigger invokes its handler with an empty event


def _json(response: dict[str, Any]) -> Any:
    body = response["body"]
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    return json.loads(body)


def _migrated(url: str, environment) -> None:
    environment["DATABASE_URL"] = url
    handlers.migrate_handler(TRIGGER_EVENT, None)


def _first_admin() -> str:
    """The documented route: two admin_handler invocations."""
    created = handlers.admin_handler({"args": [
        "schools", "create", "--name", "Hill Country Aviation", "--airport", "KAUS",
        "--timezone", "America/Chicago"]})
    assert created["exit_status"] == 0, created
    school_id = created["stdout"].strip()
    account = handlers.admin_handler({
        "args": ["accounts", "create", "--school", school_id, "--email", ADMIN_EMAIL,
                 "--role", "admin", "--password-stdin"],
        "stdin": ADMIN_PASSWORD,
    })
    assert account["exit_status"] == 0, account
    assert ADMIN_PASSWORD not in json.dumps(account)
    return school_id


def test_migrate_handler_upgrades_an_empty_database(empty_database_url, lambda_environment):
    lambda_environment["DATABASE_URL"] = empty_database_url
    result = handlers.migrate_handler(TRIGGER_EVENT, None)
    assert result == {"revision": migrations.head_revision(), "head": migrations.head_revision()}
    engine = create_engine_for(empty_database_url, pooled=False)
    try:
        with engine.connect() as connection:
            assert migrations.current_revision(connection) == migrations.head_revision()
    finally:
        engine.dispose()
    # A second deploy with the same schema is a no-op, not a failure.
    assert handlers.migrate_handler(TRIGGER_EVENT, None)["revision"] == migrations.head_revision()


def test_api_handler_answers_health_and_login(empty_database_url, lambda_environment):
    _migrated(empty_database_url, lambda_environment)
    school_id = _first_admin()

    health = handlers.handler(http_api_event("GET", "/health"), None)
    assert health["statusCode"] == 200
    assert _json(health) == {"status": "ok", "database": "reachable",
                             "schema_revision": migrations.head_revision(),
                             "schema_current": True}

    login = handlers.handler(http_api_event(
        "POST", "/auth/login", body={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}), None)
    assert login["statusCode"] == 200, login
    signed_in = _json(login)
    assert signed_in["account"]["role"] == "admin"
    assert signed_in["account"]["school_id"] == school_id
    assert signed_in["access_token"] and signed_in["refresh_token"]

    wrong = handlers.handler(http_api_event(
        "POST", "/auth/login", body={"email": ADMIN_EMAIL, "password": "not it at all"}), None)
    assert wrong["statusCode"] == 401


def test_api_handler_counts_sign_ins_by_api_gateways_source_ip(empty_database_url,
                                                               lambda_environment):
    """Mangum gives the app requestContext.http.sourceIp as the client: the address API Gateway
    saw, which the caller cannot write. X-Forwarded-For is the caller's to write (API Gateway
    only appends to it) and changes nothing: no proxy is trusted in the Lambda."""
    from sync.auth.models import LoginAttempt

    lambda_environment["FSP_LOGIN_MAX_FAILURES_PER_CLIENT"] = "2"
    _migrated(empty_database_url, lambda_environment)

    def guess(n: int, source_ip: str) -> int:
        event = http_api_event("POST", "/auth/login", body={
            "email": f"nobody-{n}@school.example", "password": "not it at all"})
        event["requestContext"]["http"]["sourceIp"] = source_ip
        event["headers"]["x-forwarded-for"] = f"192.0.2.{n}, {source_ip}"
        return handlers.handler(event, None)["statusCode"]

    assert [guess(n, "203.0.113.7") for n in range(3)] == [401, 401, 429]
    assert guess(3, "198.51.100.20") == 401
    engine = create_engine_for(empty_database_url, pooled=False)
    try:
        with session_scope(engine, read_only=True) as db:
            clients = list(db.scalars(select(LoginAttempt.client).order_by(LoginAttempt.at)))
    finally:
        engine.dispose()
    assert clients == ["203.0.113.7"] * 3 + ["198.51.100.20"]


def test_api_handler_refuses_a_database_that_was_not_migrated(empty_database_url,
                                                               lambda_environment):
    lambda_environment["DATABASE_URL"] = empty_database_url
    with pytest.raises(migrations.DatabaseBehind, match="fsp-sync db upgrade"):
        handlers.handler(http_api_event("GET", "/health"), None)


def test_sweep_handler_runs_a_sweep_and_records_it(empty_database_url, lambda_environment):
    pytest.importorskip("sync.sweep.service", reason="run_sweep is not in this version yet")
    from sync.sweep.models import SweepRun
    from tests.sync.factories import make_flight, make_school

    _migrated(empty_database_url, lambda_environment)
    engine = create_engine_for(empty_database_url, pooled=False)
    try:
        with session_scope(engine) as db:
            school = make_school(db)
            flight_id = make_flight(db, school).id

        result = handlers.sweep_handler(SCHEDULED_EVENT, None)

        with session_scope(engine, read_only=True) as db:
            runs = db.scalars(select(SweepRun)).all()
    finally:
        engine.dispose()
    assert [str(run.id) for run in runs] == [result["sweep_run"]]
    (run,) = runs
    assert run.finished_at is not None
    assert run.counts["lessons"] == 1, run.counts
    assert result["counts"] == run.counts
    assert result["mail"]["failed"] == 0  # the mail step ran (FSP_MAIL=file: here)
    assert str(flight_id)  # the lesson the sweep judged


def test_admin_handler_refuses_a_malformed_event(lambda_environment):
    result = handlers.admin_handler({"args": "schools create"})
    assert result["exit_status"] == 2
    assert "args" in result["stderr"]


def test_admin_handler_reports_argparse_refusals(tmp_path, lambda_environment):
    lambda_environment["DATABASE_URL"] = f"sqlite:///{tmp_path / 'never-opened.sqlite3'}"
    result = handlers.admin_handler({"args": ["schools", "create", "--name", "No airport"]})
    assert result["exit_status"] == 2
    assert "--airport" in result["stderr"]
