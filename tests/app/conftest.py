"""Desktop tests: Qt offscreen, QSettings in a temporary place, and the real service on 127.0.0.1.

The service fixtures are the service tests' own (``tests/sync/api/conftest.py``): ``api_server``
(uvicorn on a free port, a database of its own migrated to head — SQLite, and PostgreSQL when
``FSP_TEST_DATABASE_URL`` is set) and ``signed_in_school``.
"""

from __future__ import annotations

import os

# Before anything imports Qt: no display needed, and the same rendering everywhere.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator  # noqa: E402

import pytest  # noqa: E402

from tests.sync.api.conftest import api_server, signed_in_school  # noqa: E402,F401
from tests.sync.conftest import database_factory  # noqa: E402,F401


@pytest.fixture(scope="session")
def qapp(qapp_args: list[str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """pytest-qt's application, named for the tests, with QSettings in a temporary folder."""
    from PySide6.QtCore import QCoreApplication, QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(qapp_args)
    QCoreApplication.setOrganizationName("fsp-dispatcher-tests")
    QCoreApplication.setApplicationName("fsp-dispatcher-tests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path_factory.mktemp("qsettings")))
    yield app


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The embedded demo service, signed in as its dispatcher, with a replica synced once."""
    from app.main import _start_demo

    server, session = _start_demo(tmp_path_factory.mktemp("demo"))
    yield session
    session.close()
    server.stop()
