"""The embedded demo service: seeded once, reused with a fresh dispatcher password, stopped cleanly."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from app.services.api_client import ApiClient
from app.services.embedded_server import (EmbeddedServer, EmbeddedServerError, PreviousDemo,
                                          default_demo_folder, previous_demo)


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


def test_the_access_log_keeps_students_links_out(tmp_path: Path) -> None:
    from sync.access_log import ACCESS_LOGGER, TokenRedactingFilter

    access = logging.getLogger(ACCESS_LOGGER)
    for installed in [f for f in access.filters if isinstance(f, TokenRedactingFilter)]:
        access.removeFilter(installed)  # an earlier server's, so this shows the demo installs it
    server = EmbeddedServer(folder=tmp_path, sweep_on_start=False)
    server.start()
    try:
        assert any(isinstance(f, TokenRedactingFilter) for f in access.filters)
    finally:
        server.stop()


def test_without_a_password_the_desktop_is_signed_in_within_the_process(tmp_path: Path) -> None:
    server = EmbeddedServer(folder=tmp_path, sweep_on_start=False, dispatcher_password=False)
    url, email, password = server.start()
    try:
        assert password == ""
        session = server.desktop_session()
        with ApiClient(base_url=url) as client:
            client.adopt(session)
            assert (client.account.email, client.account.role) == (email, "dispatcher")
            assert client.pull(cursor=0, limit=50).changes  # the school's rows: signed in
        refreshed = httpx.post(f"{url}/auth/refresh",
                               json={"refresh_token": session.tokens.refresh_token})
        assert refreshed.status_code == 200, refreshed.text
        # No password opens the dispatcher's account, not even an empty one.
        for guess in ("", "correct horse battery staple"):
            assert httpx.post(f"{url}/auth/login", json={"email": email, "password": guess}
                              ).status_code in (401, 422)
    finally:
        server.stop()
    # A repeat start without a password sets none either, and signs in the same way.
    again = EmbeddedServer(folder=tmp_path, sweep_on_start=False, dispatcher_password=False)
    url, _email, _password = again.start()
    try:
        assert not again.seeded_now
        with ApiClient(base_url=url) as client:
            client.adopt(again.desktop_session())
            assert client.pull(cursor=0, limit=1).changes
    finally:
        again.stop()


def _weather_checks(server: EmbeddedServer) -> int:
    from sqlalchemy import func, select

    from sync.database.session import create_engine_for, session_scope
    from sync.flights.models import WeatherCheck

    engine = create_engine_for(server.database_url)
    try:
        with session_scope(engine) as db:
            return db.scalar(select(func.count()).select_from(WeatherCheck))
    finally:
        engine.dispose()


def test_the_first_sweep_can_wait_until_asked_for(tmp_path: Path) -> None:
    server = EmbeddedServer(folder=tmp_path, sweep_on_start=False, dispatcher_password=False)
    server.start()
    try:
        assert server.seeded_now and _weather_checks(server) == 0
        run = server.sweep_now()
        assert run.finished_at is not None and _weather_checks(server) > 0
    finally:
        server.stop()
    with pytest.raises(EmbeddedServerError, match="not running"):
        server.sweep_now()


def test_the_previous_demo_is_read_without_the_service(tmp_path: Path) -> None:
    assert previous_demo(tmp_path) is None  # nothing there yet: a first start
    server = EmbeddedServer(folder=tmp_path, sweep_on_start=False, dispatcher_password=False)
    server.start()
    try:
        account = server.desktop_session().account
    finally:
        server.stop()
    found = previous_demo(tmp_path)
    assert found == PreviousDemo(school_id=account.school_id, dispatcher_email=account.email)

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "demo.sqlite3").write_bytes(b"not a database at all")
    assert previous_demo(broken) is None


def test_the_demo_folder_is_the_one_the_service_would_use() -> None:
    import platformdirs

    from sync.config import APP_NAME

    service_folder = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    assert default_demo_folder() == service_folder / "demo"
