"""Item models paint icons (QPixmap) for their decoration role: Qt needs its GUI application
first, or the process aborts. Every model test gets the session's application (``qapp``)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def gui_application(qapp: object) -> object:
    return qapp
