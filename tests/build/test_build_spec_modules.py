"""build.spec leaves out the Qt bindings the desktop does not use — and none that it does.

Fast (reads files only): an import of a Qt module build.spec excludes works from the source tree
but fails in the built application, which only the slow build test would show.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_QT_IMPORT = re.compile(r"^\s*(?:from|import)\s+PySide6\.(Qt\w+)", re.MULTILINE)


def _excluded() -> set[str]:
    tree = ast.parse((ROOT / "build.spec").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id == "UNUSED_QT" for target in node.targets):
            return set(ast.literal_eval(node.value))
    raise AssertionError("build.spec has no UNUSED_QT list")


def test_no_qt_module_the_desktop_imports_is_excluded_from_the_build() -> None:
    used = {match for folder in ("app", "sync") for path in (ROOT / folder).rglob("*.py")
            for match in _QT_IMPORT.findall(path.read_text(encoding="utf-8"))}
    assert {"QtCore", "QtGui", "QtWidgets", "QtPrintSupport"} <= used
    assert used & _excluded() == set()
