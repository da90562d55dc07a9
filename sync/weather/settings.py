"""Where the weather comes from, read from the environment at call time.

Functions rather than module constants: a test (or the CLI) that sets ``FSP_WEATHER_URL`` after
import must still be obeyed, and nothing is cached that could go stale.
"""

from __future__ import annotations

import os

DEFAULT_WEATHER_BASE_URL = "https://aviationweather.gov"


def weather_base_url() -> str:
    """``FSP_WEATHER_URL`` (a mirror, a local stand-in), else aviationweather.gov; no trailing slash."""
    configured = os.environ.get("FSP_WEATHER_URL", "").strip()
    return (configured or DEFAULT_WEATHER_BASE_URL).rstrip("/")
