"""Mail templates (resources/mail/*.txt.j2 and *.html.j2) and how times read in them."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from sync.resources import resource_path


@lru_cache(maxsize=4)
def _environment(folder: str) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        # HTML is escaped (names and notes are typed by people); plain text is not.
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        # A misspelt variable must fail the test that renders it, not mail a blank to a student.
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(name: str, context: dict[str, Any]) -> tuple[str, str]:
    """The plain-text and HTML bodies of template ``name`` (``resources/mail/{name}.*.j2``)."""
    environment = _environment(str(resource_path("mail")))
    text = environment.get_template(f"{name}.txt.j2").render(context)
    html = environment.get_template(f"{name}.html.j2").render(context)
    return text, html


def local_interval(start: datetime, end: datetime, timezone: str) -> str:
    """E.g. ``Thu 26 Nov 2026, 09:00–11:00 CST (America/Chicago)``: the school's clock, named."""
    zone = ZoneInfo(timezone)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    if local_end.date() == local_start.date():
        until = f"{local_end:%H:%M}"
    else:
        until = f"{local_end:%a %d %b %Y, %H:%M}"
    return f"{local_start:%a %d %b %Y, %H:%M}–{until} {local_start:%Z} ({timezone})"


def local_time(moment: datetime, timezone: str) -> str:
    """E.g. ``Thu 26 Nov 2026, 09:00 CST (America/Chicago)``."""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local:%a %d %b %Y, %H:%M %Z} ({timezone})"
