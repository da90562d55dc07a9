"""Fuzz the API from its own OpenAPI schema (schemathesis), against the real server.

Every operation of the served ``/openapi.json`` gets generated requests — valid and invalid — sent
by a signed-in dispatcher of a fresh school over real HTTP. Each answer must not be a server
error, must use a status code the schema declares for the operation, and must match the body
declared for that code (our error body included), so the schema a client is written against is
the truth.

Bounded and deterministic: ``EXAMPLES_PER_OPERATION`` cases per operation and generation mode,
derandomized, no deadline (the database, not the fuzzer, sets the pace). Runs on SQLite and
PostgreSQL like every API test.

Why not ``schemathesis.pytest.from_fixture``: its lazy loader renames pytest's node (``_nodeid``),
which pytest 9 no longer has. The operations are listed at collection time from the application's
own schema instead (it needs no database), and each one is fuzzed with its Hypothesis strategy.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from sync.api import create_app
from sync.config import Settings
from tests.sync.api.conftest import ApiServer, SignedInSchool

# FSP_FUZZ_EXAMPLES=200 for a longer hunt by hand; the suite keeps it short.
EXAMPLES_PER_OPERATION = int(os.environ.get("FSP_FUZZ_EXAMPLES", "15"))
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
HTTP_METHODS = {"get", "put", "post", "patch", "delete"}


def _cases() -> list[tuple[str, str, GenerationMode]]:
    """(method, path, mode) for every operation; invalid input only where there is input to spoil."""
    paths = create_app(Settings.explicit(database_url="sqlite://")).openapi()["paths"]
    cases = []
    for path, item in paths.items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            cases.append((method, path, GenerationMode.POSITIVE))
            if operation.get("parameters") or operation.get("requestBody"):
                cases.append((method, path, GenerationMode.NEGATIVE))
    return cases


@pytest.fixture
def api_schema(api_server: ApiServer, signed_in_school: Callable[..., SignedInSchool]):
    school = signed_in_school()
    schema = schemathesis.openapi.from_url(f"{api_server.url}/openapi.json")
    schema.config.update(
        base_url=api_server.url,
        headers={"Authorization": f"Bearer {school.tokens['dispatcher'].access_token}"},
    )
    return schema


@pytest.mark.parametrize(("method", "path", "mode"), [
    pytest.param(method, path, mode, id=f"{method.upper()} {path} {mode.value}")
    for method, path, mode in _cases()
])
def test_every_operation_answers_within_its_schema(
    api_schema: schemathesis.BaseSchema, method: str, path: str, mode: GenerationMode,
) -> None:
    operation = api_schema[path][method.upper()]

    @given(case=operation.as_strategy(mode))
    @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def answers_within_schema(case: schemathesis.Case) -> None:
        case.call_and_validate(checks=CHECKS)

    answers_within_schema()


# What the fuzzer found, pinned so it stays fixed whatever the generator tries next.

def _is_error_body(response) -> bool:
    """The documented ``ErrorBody``: a sentence in ``detail``; ``rule``, ``field``, ``conflict``
    where the service knows them (FastAPI's own refusals, 400/401/429, carry ``detail`` alone)."""
    body = response.json()
    return isinstance(body.get("detail"), str) and set(body) <= {"detail", "rule", "field", "conflict"}


@pytest.mark.parametrize("params", [
    {"to": "0001-01-01T00:01:00+01:02"},   # before year 1 once in UTC: was an OverflowError
    {"offset": 2**70},                      # beyond the databases' 64-bit integers
])
def test_out_of_range_listing_parameters_are_invalid_input(signed_in_school, params):
    response = signed_in_school().dispatcher.get("/flights", params=params)
    assert response.status_code == 422 and _is_error_body(response), response.text


def test_a_cursor_beyond_64_bits_is_invalid_input(signed_in_school):
    response = signed_in_school().dispatcher.get("/sync/pull", params={"cursor": 2**70})
    assert response.status_code == 422 and _is_error_body(response), response.text


def test_request_validation_answers_the_one_error_body(signed_in_school):
    response = signed_in_school().dispatcher.post("/students", json={"name": "No Email"})
    assert response.status_code == 422 and _is_error_body(response), response.text
    assert response.json()["rule"] == "INVALID_REQUEST" and "email" in response.json()["detail"]


def test_an_unreadable_body_answers_the_one_error_body(signed_in_school):
    response = signed_in_school().dispatcher.post(
        "/students", content=b"u\x06\xff\xfe", headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 422) and _is_error_body(response), response.text


@pytest.mark.parametrize(("path", "body"), [
    ("/auth/login", {"email": "a\u0000@school.example", "password": "x"}),
    ("/sync/push", {"client_id": "00150ab6-44f7-52fa-8c64-731b38ba0cb3", "mutations": [
        {"mutation_id": "648932eb-93a3-4326-8a99-3c3caf4d6bfc", "table": "flights", "op": "insert",
         "row_id": "3d0583e2-d7e4-4717-b1df-4ac7cf3fbfbb", "data": {"\u0000": 1}}]}),
])
def test_nul_characters_are_refused_not_a_server_error(signed_in_school, path, body):
    # PostgreSQL cannot store NUL in text or JSON (SQLite can): either way, never a 500.
    response = signed_in_school().dispatcher.post(path, json=body)
    assert response.status_code < 500, response.text
    if response.status_code == 422:
        assert response.json()["rule"] in ("UNSTORABLE_VALUE", "INVALID_REQUEST")
