"""Request bodies over the limit (1 MB by default) are refused with 413 before they are parsed.

Over real HTTP, with a declared Content-Length and with a chunked body (a generator: no length
up front, so the service must count the bytes as they arrive).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx

from tests.sync.api.conftest import PASSWORD

LIMIT = 1_048_576
CHUNK = 64 * 1024


def chunks(total: int, piece: bytes = b" ") -> Iterator[bytes]:
    """``total`` bytes of JSON-ish filler, in pieces, with no length known in advance."""
    sent = 0
    while sent < total:
        size = min(CHUNK, total - sent)
        yield piece * size
        sent += size


def assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail", "rule", "field", "conflict"}
    assert body["rule"] == "REQUEST_TOO_LARGE"
    assert body["field"] is None and body["conflict"] is None
    assert "1,048,576 bytes" in body["detail"]


def test_a_declared_length_over_the_limit_is_refused_up_front(api_client: httpx.Client) -> None:
    # Not signed in, and not JSON: the size is judged before anything else reads the body.
    response = api_client.post("/flights", content=b"x" * (LIMIT + 1),
                               headers={"Content-Type": "application/json"})
    assert_too_large(response)


def test_a_chunked_body_is_counted_as_it_arrives_and_refused_past_the_limit(
        api_client: httpx.Client, signed_in_school) -> None:
    school = signed_in_school()
    response = school.dispatcher.post("/sync/push", content=chunks(3 * LIMIT),
                                      headers={"Content-Type": "application/json"})
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in response.request.headers
    assert_too_large(response)
    # The connection is still good for the next request.
    assert school.dispatcher.get("/students").status_code == 200


def test_a_page_reading_its_own_body_is_refused_the_same_way(api_client: httpx.Client) -> None:
    # The student's page reads its form by hand (no FastAPI body parsing in between).
    response = api_client.post("/r/some-token", content=chunks(LIMIT + CHUNK, b"a"),
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_too_large(response)


def test_bodies_within_the_limit_go_through_whole_chunked_or_not(
        api_client: httpx.Client, signed_in_school) -> None:
    school = signed_in_school()
    login = f'{{"email": "{school.emails["dispatcher"]}", "password": "{PASSWORD}"}}'.encode()
    padded = login + b" " * (LIMIT - len(login))  # exactly at the limit: accepted

    def pieces() -> Iterator[bytes]:
        yield login
        yield from chunks(LIMIT - len(login))

    declared = api_client.post("/auth/login", content=padded,
                               headers={"Content-Type": "application/json"})
    chunked = api_client.post("/auth/login", content=pieces(),
                              headers={"Content-Type": "application/json"})
    assert declared.status_code == 200, declared.text
    assert chunked.status_code == 200, chunked.text
