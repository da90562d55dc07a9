"""``fsp-sync serve`` refuses to listen beyond this machine with a signing key anyone can know.

Run through ``sync.cli.main`` on a database that was never migrated: serve checks the key first
and the schema next, so a host the key check lets through ends at "run `fsp-sync db upgrade`"
instead of serving (and these tests never block on a running server).
"""

from __future__ import annotations

import pytest

from sync.cli import main

STRONG_KEY = "k" * 48


@pytest.fixture
def unmigrated(empty_database_url, use_database, monkeypatch) -> None:
    use_database(empty_database_url)  # FSP_ENV=development
    monkeypatch.delenv("FSP_SECRET_KEY", raising=False)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "dispatch.school.example"])
def test_a_public_address_is_refused_with_the_development_key(unmigrated, capsys, host):
    assert main(["serve", "--host", host, "--port", "0"]) == 1
    error = capsys.readouterr().err
    assert f"refusing to listen on {host}" in error
    assert "development signing key" in error
    assert "Set FSP_SECRET_KEY" in error and "secrets.token_urlsafe" in error
    assert "fsp-sync db upgrade" not in error  # refused before the database was even opened


def test_a_public_address_is_refused_with_a_short_key(unmigrated, monkeypatch, capsys):
    monkeypatch.setenv("FSP_SECRET_KEY", "only-twenty-chars-xx")
    assert main(["serve", "--host", "0.0.0.0", "--port", "0"]) == 1
    error = capsys.readouterr().err
    assert "a signing key of 20 characters, too short" in error and "Set FSP_SECRET_KEY" in error


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_still_serves_with_the_development_key(unmigrated, capsys, host):
    assert main(["serve", "--host", host, "--port", "0"]) == 1
    error = capsys.readouterr().err
    assert "fsp-sync db upgrade" in error and "FSP_SECRET_KEY" not in error


def test_a_strong_key_serves_on_any_address(unmigrated, monkeypatch, capsys):
    monkeypatch.setenv("FSP_SECRET_KEY", STRONG_KEY)
    assert main(["serve", "--host", "0.0.0.0", "--port", "0"]) == 1
    error = capsys.readouterr().err
    assert "fsp-sync db upgrade" in error and "FSP_SECRET_KEY" not in error
