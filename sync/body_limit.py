"""Request bodies larger than the service accepts are refused before they are read or parsed.

A pure ASGI middleware (no buffering of its own): a declared ``Content-Length`` over the limit is
refused up front, without calling the application; a body without one (chunked, streamed) is
counted as the application receives it, and the moment the count passes the limit the receive
fails, whatever the application answered to that is dropped, and the refusal goes out instead.
The server discards the rest of the body; nothing of it is kept.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    """Raised to the application from ``receive`` once the body passed the limit."""


class BodySizeLimit:
    """``refusal`` (an ASGI app, e.g. a prepared ``JSONResponse``) answers bodies over ``max_bytes``."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, refusal: ASGIApp) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.refusal = refusal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self.refusal(scope, receive, send)
            return

        received = 0
        exceeded = False
        answered = False  # the application's response began before the body was too large

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise BodyTooLarge(f"the request body passed {self.max_bytes} bytes")
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal answered
            if exceeded and not answered:
                return  # the application's answer to a body it could not read; ours goes instead
            if message["type"] == "http.response.start":
                answered = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            # BodyTooLarge itself, or what the application made of it (an endpoint reading the
            # body by hand lets it through): either way the refusal below answers.
            if not exceeded or answered:
                raise
        if exceeded and not answered:
            await self.refusal(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length itself
    return None
