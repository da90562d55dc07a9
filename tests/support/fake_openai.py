"""A local OpenAI-compatible server: a real HTTP server on 127.0.0.1, for the AI path's tests.

It answers ``POST /v1/chat/completions`` the way the real API does (a ``chat.completion`` object
whose first choice carries the assistant's content), records every request body so tests can
check what was asked (the JSON schema, the candidates), and serves scripted answers in order:

    with FakeOpenAI() as server:
        server.answer_with(lambda request: json.dumps({"choices": [...]}))   # content from the request
        server.answer_with("not json at all")                                  # a fixed content
        server.answer_with("...", delay_seconds=2)                             # slow: a timeout
        server.fail_with(500, {"error": {"message": "boom"}})                  # an HTTP error
    # base_url for the client: server.url  (…/v1)
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

Content = str | Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class _Scripted:
    content: Content | None = None
    status: int = 200
    error_body: dict[str, Any] | None = None
    delay_seconds: float = 0.0


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self._script: deque[_Scripted] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- scripting ---------------------------------------------------------------------------

    def answer_with(self, content: Content, *, delay_seconds: float = 0.0) -> None:
        with self._lock:
            self._script.append(_Scripted(content=content, delay_seconds=delay_seconds))

    def fail_with(self, status: int, body: dict[str, Any] | None = None) -> None:
        with self._lock:
            self._script.append(_Scripted(status=status, error_body=body or {"error": {"message": "error"}}))

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "start the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 — quiet tests
                pass

            def do_POST(self) -> None:  # noqa: N802 — the stdlib's name
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                fake._handle(self, body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-openai", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- serving -----------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        with self._lock:
            self.requests.append({"path": handler.path, "body": body,
                                  "authorization": handler.headers.get("Authorization")})
            scripted = self._script.popleft() if self._script else _Scripted(status=500)
        if handler.path.rstrip("/") != "/v1/chat/completions":
            self._send(handler, 404, {"error": {"message": f"no route {handler.path}"}})
            return
        if scripted.delay_seconds:
            time.sleep(scripted.delay_seconds)
        if scripted.content is None:
            self._send(handler, scripted.status, scripted.error_body or {"error": {"message": "nothing scripted"}})
            return
        content = scripted.content(body) if callable(scripted.content) else scripted.content
        self._send(handler, 200, {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        })

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)


def candidates_in(request_body: dict[str, Any]) -> list[dict[str, Any]]:
    """The candidate list the service sent (the user message's JSON)."""
    user = next(m for m in request_body["messages"] if m["role"] == "user")
    return json.loads(user["content"])["candidates"]
