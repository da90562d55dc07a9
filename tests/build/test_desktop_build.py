"""The desktop as an application: build.spec builds here (Linux) and the built binary starts.

Slow (a PyInstaller build, about a minute): run alone with
``.venv/bin/python -m pytest tests/build -q -s`` to see the build's size and start-up time
(recorded in docs/benchmarks.md, "Desktop build").
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYINSTALLER = Path(sys.executable).with_name("pyinstaller")
BUILD_TIMEOUT = 900
START_TIMEOUT = 120


def _folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


@pytest.mark.slow
def test_build_spec_builds_a_desktop_that_renders_its_screenshot(tmp_path: Path) -> None:
    if not PYINSTALLER.exists():
        pytest.fail(f"{PYINSTALLER} is missing: pip install -e '.[dev]' (pyinstaller is a dev extra)")
    dist, work = tmp_path / "dist", tmp_path / "work"
    started = time.monotonic()
    build = subprocess.run(
        [str(PYINSTALLER), "build.spec", "--noconfirm", "--distpath", str(dist), "--workpath", str(work)],
        cwd=ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT,
    )
    build_seconds = time.monotonic() - started
    assert build.returncode == 0, build.stderr[-5000:]

    binary = dist / "fsp" / ("fsp.exe" if sys.platform == "win32" else "fsp")
    assert binary.is_file()
    assert (dist / "fsp" / "_internal" / "resources" / "demo" / "lessons.json").is_file()
    assert (dist / "fsp" / "_internal" / "sync" / "migrations" / "script.py.mako").is_file()

    shot, data = tmp_path / "shot.png", tmp_path / "data"
    env = {key: value for key, value in os.environ.items() if key != "FSP_RESOURCES"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    started = time.monotonic()
    run = subprocess.run(
        [str(binary), "--screenshot", str(shot), "--data-dir", str(data)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=START_TIMEOUT,
    )
    start_seconds = time.monotonic() - started
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    header = shot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    assert width >= 800 and height >= 500, (width, height)
    assert shot.stat().st_size > 20_000  # a rendered calendar, not a blank window

    size = _folder_size(dist / "fsp")
    print(f"\ndesktop build: {build_seconds:.0f} s; dist/fsp {size / 2**20:.0f} MiB; "
          f"start-up to screenshot {start_seconds:.1f} s ({width}x{height} PNG)")
