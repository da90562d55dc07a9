"""The database goes away under a running service, and comes back: 503s, then service again.

The service runs (uvicorn, real HTTP) on the session's database through something the test can
break:

- PostgreSQL: a TCP proxy (tests/support/tcp_proxy.py) between the service and the server, which
  refuses connections (a server that is down) or accepts and drops them (one that crashes), and
  cuts every open connection, as a network failure or a restart does.
- SQLite: the database's folder, reached through a symbolic link that the test removes (an
  unplugged disk or an unmounted share). The connections the service already holds would still
  read the open file, so the outage also empties the pool, as a service restarted into the
  outage would start; every connection it then makes fails with "unable to open database
  file". (A locked database, the other SQLite fault, is a 503 "busy" too: see
  tests/sync/database/test_availability.py.)

With the database away every route answers 503 with ``Retry-After`` and the usual JSON error
body, never a plain-text 500 or a traceback; when it is back, the same service works again
without a restart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from sync.api import RETRY_AFTER_SECONDS, create_app
from sync.config import Settings
from tests.support.served_app import served
from tests.support.tcp_proxy import TcpProxy
from tests.sync.api.booking import lesson, with_fleet
from tests.sync.api.conftest import PASSWORD

EXPECTED_BODY_KEYS = {"detail", "rule", "field", "conflict"}


@dataclass
class BreakableService:
    url: str
    break_database: Callable[[], None]  # the outage (refused connections on PostgreSQL)
    mend_database: Callable[[], None]
    drop_connections: Callable[[], None] | None = None  # PostgreSQL only


@pytest.fixture
def breakable(api_server, database_kind: str, tmp_path: Path) -> Iterator[BreakableService]:
    url = make_url(api_server.settings.database_url)

    def settings(database_url: str) -> Settings:
        return Settings.explicit(database_url=database_url, sweep_interval_seconds=0,
                                 login_max_failures_per_client=1_000_000)

    if database_kind == "postgresql":
        with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
            through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
            with served(create_app(settings(through))) as base:
                yield BreakableService(base, proxy.refuse, proxy.restore, proxy.drop)
        return

    database = Path(url.database or "")
    link = tmp_path / "mounted"
    link.symlink_to(database.parent, target_is_directory=True)
    app = create_app(settings(f"sqlite:///{link / database.name}"))

    def unplug() -> None:
        link.unlink()
        app.state.engine.dispose()

    with served(app) as base:
        try:
            yield BreakableService(base, unplug, lambda: link.symlink_to(database.parent))
        finally:
            if not link.exists():
                link.symlink_to(database.parent)


@pytest.fixture
def school(signed_in_school, api_server):
    return with_fleet(signed_in_school(), api_server)


def requests_of_every_kind(school) -> list[tuple[str, str, dict]]:
    """(method, path, httpx keyword arguments): reads, a write, sync, sign-in, health."""
    bearer = {"Authorization": f"Bearer {school.tokens['dispatcher'].access_token}"}
    return [
        ("GET", "/students", {"headers": bearer}),
        ("POST", "/flights", {"headers": bearer, "json": lesson(school)}),
        ("GET", "/sync/pull", {"headers": bearer, "params": {"cursor": 0}}),
        ("POST", "/auth/login", {"json": {"email": school.emails["dispatcher"], "password": PASSWORD}}),
        ("GET", "/health", {}),
    ]


def assert_unavailable(response: httpx.Response, route: str) -> None:
    assert response.status_code == 503, (route, response.status_code, response.text)
    assert response.headers["retry-after"] == str(RETRY_AFTER_SECONDS), route
    assert response.headers["content-type"] == "application/json", route
    assert "Traceback" not in response.text, route
    body = response.json()
    if route == "/health":  # its own documented shape
        assert body["database"] == "unreachable"
        return
    assert set(body) == EXPECTED_BODY_KEYS, route
    assert body["rule"] == "DATABASE_UNAVAILABLE", route
    assert body["field"] is None and body["conflict"] is None
    assert "database cannot be reached" in body["detail"] and "try again" in body["detail"]


def test_every_route_says_503_while_the_database_is_away_and_works_when_it_is_back(
        breakable: BreakableService, school) -> None:
    requests = requests_of_every_kind(school)
    with httpx.Client(base_url=breakable.url, timeout=30) as http:
        assert http.get("/students", **requests[0][2]).status_code == 200  # pooled connections now

        breakable.break_database()
        for method, path, arguments in requests:
            assert_unavailable(http.request(method, path, **arguments), path)

        breakable.mend_database()
        answers = {path: http.request(method, path, **arguments)
                   for method, path, arguments in requests}
    assert {path: answer.status_code for path, answer in answers.items()} == {
        "/students": 200, "/flights": 201, "/sync/pull": 200, "/auth/login": 200, "/health": 200}


def test_a_database_that_drops_every_connection_is_503_too(breakable: BreakableService, school,
                                                            database_kind: str) -> None:
    if breakable.drop_connections is None:
        pytest.skip("PostgreSQL only: an SQLite file has no connection to drop "
                    f"(the {database_kind} outage is its folder going away, tested above)")
    requests = requests_of_every_kind(school)
    with httpx.Client(base_url=breakable.url, timeout=30) as http:
        assert http.get("/students", **requests[0][2]).status_code == 200

        breakable.drop_connections()
        for method, path, arguments in requests:
            assert_unavailable(http.request(method, path, **arguments), path)

        breakable.mend_database()
        assert http.get("/students", **requests[0][2]).status_code == 200
        assert http.get("/health").status_code == 200
