"""``python -m cloud package``: the Lambda bundle — the project's packages, its resources, and its
pinned dependencies as wheels for Lambda's platform (no Docker needed)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("sync", "cloud")
# Lambda's python3.11 runtime runs on Amazon Linux 2: glibc 2.26, so manylinux2014 (2.17) wheels.
# arm64 would need psycopg-binary's manylinux_2_27 wheel, which does not load there.
PLATFORMS = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}
PYTHON_VERSION = "3.11"
# The desktop's dependencies (Qt alone is ~250 MB, Lambda's whole limit) and the deployer's:
# nothing the service imports.
NOT_FOR_LAMBDA = ("pyside6", "shiboken6", "keyring", "aws-cdk-lib", "constructs", "cfn-lint")


def runtime_requirements(pyproject: Path = PROJECT_ROOT / "pyproject.toml") -> list[str]:
    """The service's pinned dependencies plus the ``aws`` extra (Mangum)."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"]) + list(
        project.get("optional-dependencies", {}).get("aws", [])
    )
    return [r for r in requirements if not r.lower().startswith(NOT_FOR_LAMBDA)]


def build_bundle(out: Path, *, architecture: str = "x86_64") -> Path:
    """Write the bundle to ``out`` (emptied first) and return it."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--target", str(out), "--platform", PLATFORMS[architecture],
        "--python-version", PYTHON_VERSION, "--implementation", "cp",
        "--only-binary=:all:", *runtime_requirements(),
    ]
    subprocess.run(command, check=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in PACKAGES:
        shutil.copytree(PROJECT_ROOT / package, out / package, ignore=ignore)
    # sync.resources finds resources/ beside the packages, as in a checkout.
    shutil.copytree(PROJECT_ROOT / "resources", out / "resources", ignore=ignore)
    return out


def placeholder_bundle() -> Path:
    """A bundle that only lets templates be synthesized and linted; never deploy it."""
    folder = Path(tempfile.mkdtemp(prefix="fsp-lambda-placeholder-"))
    (folder / "README.txt").write_text(
        "placeholder: run `python -m cloud package` before deploying\n", encoding="utf-8"
    )
    return folder
