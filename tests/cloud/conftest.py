"""Fixtures for the AWS deployment's tests.

- The databases of tests/sync (SQLite and PostgreSQL) for the Lambda handlers.
- ``synthesized``: the whole CDK app synthesized once per session by ``python -m cloud synth``
  (synthesis runs Node.js through jsii and takes many seconds), with a placeholder Lambda bundle;
  ``templates`` maps each stack's short name to its ``aws_cdk.assertions.Template``.
- ``lambda_environment``: the process environment a Lambda would see, restored afterwards, and
  the handlers' cold-start caches forgotten before and after.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.sync.conftest import (  # noqa: F401  (fixtures, re-exported for pytest)
    database_factory,
    database_kind,
    database_url,
    empty_database_url,
    engine,
)

ROOT = Path(__file__).resolve().parents[2]
SENDER_DOMAIN = "mail.example.com"
ALARM_EMAIL = "ops@example.com"
SIGNING_KEY = "k" * 48  # long enough for FSP_ENV=production


STACKS = {"network": "FspNetwork", "secrets": "FspSecrets", "mail": "FspMail",
          "service": "FspService", "alarms": "FspAlarms"}


@dataclass
class Synthesized:
    outdir: Path
    stderr: str
    paths: dict[str, Path]  # short name -> the template file written
    templates: dict[str, Any]  # short name -> aws_cdk.assertions.Template


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """``python -m cloud synth --out DIR`` run once, as a deployer would, with no AWS credentials
    to find; every stack test reads the templates it wrote."""
    from aws_cdk.assertions import Template

    out = tmp_path_factory.mktemp("cdk.out")
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("AWS_", "CDK_"))}
    environment["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    environment["AWS_CONFIG_FILE"] = os.devnull
    finished = subprocess.run(
        [sys.executable, "-m", "cloud", "synth", "--out", str(out),
         "--sender-domain", SENDER_DOMAIN, "--alarm-email", ALARM_EMAIL],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300,
    )
    assert finished.returncode == 0, finished.stderr
    paths = {name: out / f"{stack}.template.json" for name, stack in STACKS.items()}
    templates = {name: Template.from_json(json.loads(path.read_text(encoding="utf-8")))
                 for name, path in paths.items()}
    return Synthesized(out, finished.stderr, paths, templates)


@pytest.fixture
def lambda_environment(tmp_path: Path) -> Iterator[dict[str, str]]:
    """What the stacks set, minus the secret ARNs (each test adds DATABASE_URL or an ARN)."""
    from cloud import handlers
    from sync.config import get_settings

    saved = dict(os.environ)
    handlers.reset()
    get_settings.cache_clear()
    for variable in ("DATABASE_URL", "FSP_DATABASE_URL", "DATABASE_SECRET_ARN", "OPENAI_API_KEY",
                     "FSP_SECRET_KEY_SECRET_ARN", "OPENAI_API_KEY_SECRET_ARN"):
        os.environ.pop(variable, None)
    os.environ.update({
        "FSP_ENV": "production",
        "FSP_PUBLIC_URL": "https://abc123.execute-api.us-east-1.amazonaws.com",
        "FSP_SWEEP_INTERVAL_SECONDS": "0",
        "FSP_SECRET_KEY": SIGNING_KEY,
        "FSP_MAIL": f"file:{tmp_path / 'mail'}",
        "FSP_MAIL_FROM": f"Flight Schedule Pro Dispatcher <dispatch@{SENDER_DOMAIN}>",
        # The sweep reads recorded weather: the tests have no network.
        "FSP_WEATHER_RECORDED": str(ROOT / "resources" / "demo" / "weather"),
    })
    try:
        yield os.environ  # type: ignore[misc]
    finally:
        handlers.reset()
        os.environ.clear()
        os.environ.update(saved)
        get_settings.cache_clear()
