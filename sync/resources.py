"""Where the shipped resources (demo school, recorded weather, templates) are on disk."""

from __future__ import annotations

import os
from pathlib import Path

# A source checkout (and the editable install) keeps resources/ beside the packages; a frozen
# build or an unusual install can point elsewhere with FSP_RESOURCES.
_CHECKOUT_RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    base = Path(os.environ.get("FSP_RESOURCES") or _CHECKOUT_RESOURCES)
    return base.joinpath(*parts)
