"""Security headers over real HTTP: the strictest on the pages a mailed link opens, and
``nosniff`` / ``no-store`` on the JSON API (its answers carry tokens and students' details)."""

from __future__ import annotations

import re

import httpx
import pytest

from sync.security_headers import CONTENT_SECURITY_POLICY

LINK_PAGE_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "x-frame-options": "DENY",
}


@pytest.mark.parametrize("path", ["/r/not-a-real-token", "/r/not-a-real-token?option=2",
                                  "/reset-password/not-a-real-token"])
def test_pages_opened_from_a_mailed_link_send_every_security_header(
        api_client: httpx.Client, path: str) -> None:
    response = api_client.get(path)
    for name, value in LINK_PAGE_HEADERS.items():
        assert response.headers.get(name) == value, (path, name, response.status_code)


def test_a_refused_choice_on_the_students_page_sends_them_too(api_client: httpx.Client) -> None:
    response = api_client.post("/r/not-a-real-token", data={"option": "1"})
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-frame-options"] == "DENY"


def test_the_policy_allows_everything_the_students_page_uses(api_client: httpx.Client) -> None:
    # The policy allows inline styles and a form posting to its own address, nothing else:
    # a template that starts using a script, an image, a stylesheet or a frame must change it.
    page = api_client.get("/r/not-a-real-token")
    assert page.headers["content-type"].startswith("text/html")
    html = page.text.lower()
    assert "<style>" in html
    for tag in ("<script", "<img", "<link", "<iframe", "<object", "<embed", "url("):
        assert tag not in html, tag
    assert not re.search(r"<form[^>]*action=", html)  # posts back to the same address


def test_json_answers_are_not_sniffed_or_stored(api_client: httpx.Client, signed_in_school) -> None:
    school = signed_in_school()
    for response in (school.dispatcher.get("/students"), api_client.get("/health"),
                     api_client.get("/students")):  # a refusal too
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"
        assert "content-security-policy" not in response.headers
