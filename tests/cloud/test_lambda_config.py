"""The Lambdas' configuration from Secrets Manager: assembled once, never overriding what is set."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.engine import make_url

from cloud.lambda_config import database_url_from_secret, resolve_secrets

RDS_SECRET = json.dumps({
    "username": "fsp_admin", "password": "p@ss:w/rd%?#", "host": "db.example.internal",
    "port": 5432, "dbname": "fsp", "engine": "postgres",
})
ARNS = {
    "DATABASE_SECRET_ARN": "arn:db",
    "FSP_SECRET_KEY_SECRET_ARN": "arn:signing",
    "OPENAI_API_KEY_SECRET_ARN": "arn:openai",
}


def test_database_url_from_an_rds_secret_keeps_an_awkward_password():
    url = make_url(database_url_from_secret(RDS_SECRET))
    assert url.drivername == "postgresql+psycopg"
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "fsp_admin", "p@ss:w/rd%?#", "db.example.internal", 5432, "fsp")
    assert url.query == {"sslmode": "require"}


def test_database_secret_without_a_host_says_what_is_wrong():
    with pytest.raises(ValueError, match="lacks host"):
        database_url_from_secret(json.dumps({"username": "u", "password": "p"}))


def _reader(values, calls):
    def make():
        def read(arn):
            calls.append(arn)
            return values[arn]
        return read
    return make


def test_secrets_fill_the_service_variables_and_a_placeholder_means_no_model():
    environ = dict(ARNS)
    calls = []
    filled = resolve_secrets(environ, _reader(
        {"arn:db": RDS_SECRET, "arn:signing": "s" * 64, "arn:openai": "not-configured"}, calls))
    assert filled == ["DATABASE_URL", "FSP_SECRET_KEY"]
    assert make_url(environ["DATABASE_URL"]).host == "db.example.internal"
    assert environ["FSP_SECRET_KEY"] == "s" * 64
    assert "OPENAI_API_KEY" not in environ
    assert calls == ["arn:db", "arn:signing", "arn:openai"]


def test_variables_already_set_win_and_are_not_fetched():
    environ = dict(ARNS, DATABASE_URL="sqlite:///x.db", FSP_SECRET_KEY="local", OPENAI_API_KEY="sk")
    calls = []
    assert resolve_secrets(environ, _reader({}, calls)) == []
    assert calls == []


def test_read_through_boto3_from_secrets_manager(monkeypatch):
    moto = pytest.importorskip("moto")
    import boto3

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with moto.mock_aws():
        client = boto3.client("secretsmanager")
        arns = {name: client.create_secret(Name=name, SecretString=value)["ARN"]
                for name, value in [("db", RDS_SECRET), ("signing", "s" * 64), ("openai", "sk-x")]}
        environ = {"DATABASE_SECRET_ARN": arns["db"], "FSP_SECRET_KEY_SECRET_ARN": arns["signing"],
                   "OPENAI_API_KEY_SECRET_ARN": arns["openai"], "DATABASE_SSLMODE": "disable"}
        assert resolve_secrets(environ) == ["DATABASE_URL", "FSP_SECRET_KEY", "OPENAI_API_KEY"]
    assert make_url(environ["DATABASE_URL"]).query == {"sslmode": "disable"}
    assert environ["OPENAI_API_KEY"] == "sk-x"
