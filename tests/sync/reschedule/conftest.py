"""The API fixtures (a real server over HTTP, signed-in schools) for the rescheduling tests."""

from tests.sync.api.conftest import api_client, api_server, signed_in_school  # noqa: F401
