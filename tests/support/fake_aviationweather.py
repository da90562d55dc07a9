"""A local aviationweather.gov Data API: a real HTTP server on 127.0.0.1, for tests and benchmarks.

It answers ``/api/data/metar`` and ``/api/data/taf`` the way the real API does — filtered by
``ids``, JSON lists with ``rawOb``/``rawTAF``, at most 400 results, 204 with an empty body when
nothing matches — records every request so tests can count them, and can be scripted to fail
(a queue of canned responses, a delay) so retries and timeouts are tested over a real socket.

    with FakeAviationWeather() as server:
        server.set_metars({"KAUS": ["KAUS 011753Z 18010KT 10SM FEW250 31/18 A2992"]})
        AviationWeatherClient(base_url=server.url).fetch_metars(["KAUS"])
"""

from __future__ import annotations

import json
import sys
import threading
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import pytest

RESULT_LIMIT = 400  # what the real API sends at most in one response
PRODUCTS = ("metar", "taf")


@dataclass(frozen=True)
class ScriptedResponse:
    """One canned answer, served (to any product) before normal behaviour resumes."""

    status: int
    body: bytes | str = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    ids: tuple[str, ...]  # as the server understood them: split on commas, upper-cased
    query: Mapping[str, str]
    headers: Mapping[str, str]  # names lower-cased

    @property
    def product(self) -> str:
        return self.path.rsplit("/", 1)[-1]


class FakeAviationWeather:
    """The stand-in server; start it with ``with`` (or ``start()``/``stop()``) and use ``.url``.

    ``set_metars``/``set_tafs`` take reports per station *newest first* (the shape the client
    returns). They are served oldest first, stamped an hour apart, so a client that trusts the
    order of the answer rather than ``obsTime``/``issueTime`` is caught.
    """

    def __init__(self, *, delay_seconds: float = 0.0, now: datetime | None = None) -> None:
        self.delay_seconds = delay_seconds  # applies to every answer; settable between requests
        self._now = (now or datetime.now(timezone.utc)).replace(minute=53, second=0, microsecond=0)
        self._lock = threading.Lock()
        self._records: dict[str, list[dict[str, object]]] = {product: [] for product in PRODUCTS}
        self._script: deque[ScriptedResponse] = deque()
        self._requests: list[RecordedRequest] = []
        self._stopping = threading.Event()  # wakes delayed handlers so stop() never waits on them
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Self:
        self._stopping.clear()
        self._server = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        # A short poll interval: shutdown() waits up to one interval, and tests start many servers.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), name="fake-aviationweather", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        assert self._thread is not None
        self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake aviationweather server is not running; use it in a with block")
        return f"http://127.0.0.1:{self._server.server_port}"

    # -- what it serves ----------------------------------------------------------------------

    def set_metars(self, reports: Mapping[str, Sequence[str]]) -> None:
        records = []
        for station, raws in reports.items():
            for age, raw in enumerate(raws):
                observed = self._now - timedelta(hours=age)
                records.append(
                    {
                        "icaoId": station.upper(),
                        "receiptTime": _iso(observed + timedelta(minutes=2)),
                        "obsTime": int(observed.timestamp()),
                        "reportTime": _iso(observed.replace(minute=0) + timedelta(hours=1)),
                        "metarType": "METAR",
                        "rawOb": raw,
                    }
                )
        self._replace("metar", records)

    def set_tafs(self, reports: Mapping[str, Sequence[str]]) -> None:
        records = []
        for station, raws in reports.items():
            for age, raw in enumerate(raws):
                issued = self._now.replace(minute=20) - timedelta(hours=6 * age)
                records.append(
                    {
                        "icaoId": station.upper(),
                        "bulletinTime": _iso(issued),
                        "issueTime": _iso(issued),
                        "validTimeFrom": int((issued + timedelta(minutes=40)).timestamp()),
                        "validTimeTo": int((issued + timedelta(hours=24, minutes=40)).timestamp()),
                        "rawTAF": raw,
                    }
                )
        self._replace("taf", records)

    def script(self, *responses: ScriptedResponse) -> None:
        """Queue canned answers: each request takes the next one until the queue is empty."""
        with self._lock:
            self._script.extend(responses)

    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        body: bytes | str = b"",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.script(*[ScriptedResponse(status, body, dict(headers or {}))] * times)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_for(self, product: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.product == product]

    # -- serving (called on the server's threads) --------------------------------------------

    def _replace(self, product: str, records: list[dict[str, object]]) -> None:
        # Oldest first over all stations: the opposite of what the client must return.
        records.sort(key=lambda r: (r.get("obsTime", 0), r.get("issueTime", ""), r["icaoId"]))
        with self._lock:
            self._records[product] = records

    def _answer(self, path: str, query: Mapping[str, str], headers: Mapping[str, str]) -> ScriptedResponse:
        # The real API takes ids separated by commas or spaces.
        ids = tuple(part.upper() for part in query.get("ids", "").replace(",", " ").split())
        with self._lock:
            self._requests.append(RecordedRequest(path, ids, dict(query), dict(headers)))
            if self._script:
                return self._script.popleft()
            product = path.removeprefix("/api/data/")
            if product not in PRODUCTS:
                return ScriptedResponse(404, "Not Found", {"Content-Type": "text/plain"})
            wanted = set(ids)
            matches = [record for record in self._records[product] if record["icaoId"] in wanted]
        matches = matches[:RESULT_LIMIT]
        if not matches:
            return ScriptedResponse(204)
        fmt = query.get("format", "raw")
        if fmt == "json":
            return ScriptedResponse(200, json.dumps(matches), {"Content-Type": "application/json"})
        if fmt == "raw":
            raw_field = "rawOb" if product == "metar" else "rawTAF"
            text = "\n".join(str(record[raw_field]) for record in matches) + "\n"
            return ScriptedResponse(200, text, {"Content-Type": "text/plain"})
        return ScriptedResponse(400, f"Invalid format: {fmt}", {"Content-Type": "text/plain"})


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True  # a handler still sleeping out a delay must not hold up stop()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out drop their sockets on purpose; a bug in the fake still prints.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _handler_for(fake: FakeAviationWeather) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like the real API, so pooled connections are exercised

        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            parts = urlsplit(self.path)
            query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
            headers = {name.lower(): value for name, value in self.headers.items()}
            answer = fake._answer(parts.path, query, headers)
            delay = answer.delay_seconds or fake.delay_seconds
            if delay and fake._stopping.wait(delay):
                return
            body = answer.body.encode() if isinstance(answer.body, str) else answer.body
            try:
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                if answer.status in (204, 304):  # these carry no body and no Content-Length
                    self.end_headers()
                    return
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test): nothing to answer to

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # requests are recorded in fake.requests; stderr noise helps nobody

    return Handler


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


@pytest.fixture
def fake_weather_server() -> Iterator[FakeAviationWeather]:
    """A running ``FakeAviationWeather``; import this name into a test module to use it."""
    with FakeAviationWeather() as server:
        yield server
