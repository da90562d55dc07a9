"""Security headers on every response; the strictest on the pages a link in a mail opens.

The pages under ``/r/`` (a student picks a new time) and ``/reset-password/`` carry a secret in
their address and are opened from a mail client, so they get a Content Security Policy that
allows only what their templates (resources/web/) use: inline styles (a ``<style>`` block,
``style`` attributes) and a form posting back to the same address — no scripts, images, fonts,
frames or other origins. They must not be
framed (clickjacking a "choose" button), cached, or leak their address as a Referer.

Every other response (the JSON API: tokens, students' details) gets ``nosniff`` and
``Cache-Control: no-store`` unless it set its own caching.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Paths whose pages are opened from a link with a secret token in it.
LINK_PAGE_PREFIXES = ("/r/", "/reset-password")

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)

EVERY_RESPONSE: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
)
LINK_PAGES: tuple[tuple[bytes, bytes], ...] = EVERY_RESPONSE + (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)


def is_link_page(path: str) -> bool:
    return path.startswith(LINK_PAGE_PREFIXES)


class SecurityHeaders:
    """Adds the headers above to each response that does not already set them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = LINK_PAGES if is_link_page(scope.get("path", "")) else EVERY_RESPONSE

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend((name, value) for name, value in wanted if name not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
