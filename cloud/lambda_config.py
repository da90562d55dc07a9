"""The Lambdas' configuration: the environment, completed from Secrets Manager once per cold start.

The stacks put secret *ARNs* in the environment, never values. On a cold start the values are
fetched (three calls, about 100 ms) and written into the process environment under the names
the service already reads (``DATABASE_URL``, ``FSP_SECRET_KEY``, ``OPENAI_API_KEY``), so nothing in
``sync/`` knows it runs in AWS. A variable that is already set wins, which is how the tests and a
local run supply their own.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, MutableMapping
from functools import lru_cache
from typing import Any

from sqlalchemy.engine import URL

from sync.config import Settings

DATABASE_SECRET_VARIABLE = "DATABASE_SECRET_ARN"
DATABASE_SSLMODE_VARIABLE = "DATABASE_SSLMODE"  # RDS speaks TLS; "require" unless told otherwise
# variable the service reads -> variable holding the ARN of the secret with its value
SECRET_VARIABLES = {
    "FSP_SECRET_KEY": "FSP_SECRET_KEY_SECRET_ARN",
    "OPENAI_API_KEY": "OPENAI_API_KEY_SECRET_ARN",
}
# Mirrors cloud.secrets.OPENAI_KEY_PLACEHOLDER (not imported: that module needs the CDK).
UNSET_SECRET_VALUES = frozenset({"", "not-configured"})

SecretReader = Callable[[str], str]


def database_url_from_secret(secret_json: str, *, sslmode: str = "require") -> str:
    """A ``postgresql+psycopg://`` URL from an RDS-generated secret (username, password, host…)."""
    secret: dict[str, Any] = json.loads(secret_json)
    missing = [key for key in ("username", "password", "host") if not secret.get(key)]
    if missing:
        raise ValueError(f"the database secret lacks {', '.join(missing)}: is "
                         f"{DATABASE_SECRET_VARIABLE} the RDS instance's generated secret?")
    url = URL.create(
        "postgresql+psycopg",
        username=secret["username"],
        password=secret["password"],
        host=secret["host"],
        port=int(secret.get("port") or 5432),
        database=secret.get("dbname") or "postgres",
        query={"sslmode": sslmode} if sslmode else {},
    )
    return url.render_as_string(hide_password=False)


def secrets_manager_reader() -> SecretReader:
    import boto3  # only in AWS (and the tests): a local run sets the variables itself

    client = boto3.client("secretsmanager")
    return lambda arn: client.get_secret_value(SecretId=arn)["SecretString"]


def resolve_secrets(
    environ: MutableMapping[str, str], read_secret: Callable[[], SecretReader] = secrets_manager_reader
) -> list[str]:
    """Fill the service's variables from the secrets named in ``environ``; returns those filled."""
    reader: SecretReader | None = None

    def read(arn: str) -> str:
        nonlocal reader
        reader = reader or read_secret()
        return reader(arn)

    filled = []
    database_arn = environ.get(DATABASE_SECRET_VARIABLE, "").strip()
    if database_arn and not environ.get("DATABASE_URL"):
        environ["DATABASE_URL"] = database_url_from_secret(
            read(database_arn), sslmode=environ.get(DATABASE_SSLMODE_VARIABLE, "require")
        )
        filled.append("DATABASE_URL")
    for variable, arn_variable in SECRET_VARIABLES.items():
        arn = environ.get(arn_variable, "").strip()
        if not arn or environ.get(variable):
            continue
        value = read(arn).strip()
        if value not in UNSET_SECRET_VALUES:
            environ[variable] = value
            filled.append(variable)
    return filled


@lru_cache(maxsize=1)
def load_settings() -> Settings:
    """The settings of this cold start (secrets fetched once; ``reset()`` forgets them)."""
    resolve_secrets(os.environ)
    return Settings()


def reset() -> None:
    load_settings.cache_clear()
