"""The embedded demo service: seeded once, reused with a fresh dispatcher password, stopped cleanly."""

from __future__ import annotations

from pathlib import Path

import httpx

from app.services.api_client import ApiClient
from app.services.embedded_server import EmbeddedServer


def test_seeds_once_then_reuses_the_demo_database(tmp_path: Path) -> None:
    first = EmbeddedServer(folder=tmp_path, sweep_on_start=False)
    url, email, password = first.start()
    try:
        assert first.seeded_now and url.startswith("http://127.0.0.1:")
        with ApiClient(base_url=url) as client:
            assert client.login(email, password).account.role == "dispatcher"
    finally:
        first.stop()
    assert not first.running
    # Nothing secret beside the database.
    assert all(password not in path.read_bytes().decode("latin-1")
               for path in tmp_path.iterdir() if path.is_file() and path.suffix != ".sqlite3")

    second = EmbeddedServer(folder=tmp_path, sweep_on_start=False)
    url2, email2, password2 = second.start()
    try:
        assert not second.seeded_now and email2 == email and password2 != password
        with ApiClient(base_url=url2) as client:
            client.login(email2, password2)
        assert httpx.post(f"{url2}/auth/login", json={"email": email, "password": password}
                          ).status_code == 401
    finally:
        second.stop()


def test_stop_puts_the_weather_setting_back(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("FSP_WEATHER_RECORDED", raising=False)
    server = EmbeddedServer(folder=tmp_path, sweep_on_start=False)
    server.start()
    server.stop()
    import os

    assert "FSP_WEATHER_RECORDED" not in os.environ
