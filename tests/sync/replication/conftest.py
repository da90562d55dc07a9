"""The API test fixtures (a real server on SQLite and PostgreSQL, signed-in schools), reused."""

from tests.sync.api.conftest import api_client, api_server, signed_in_school  # noqa: F401
