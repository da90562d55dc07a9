"""Conditional requests: the version of a row as an ETag, and the version an update was made on.

Every update must say which version of the row it changed (``sync.database.scoped.
require_version``), either as ``version`` in its body or, HTTP's way, as ``If-Match: "<version>"``
— the ``ETag`` that a GET of the row (and every update's answer) carries. Routers take ``IfMatch``
and fold it into the body with ``with_version``; services see one ``version``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from pydantic import BaseModel, Field

from sync.errors import InvalidInput

if TYPE_CHECKING:
    from fastapi import Response

# A strong or weak entity tag around the version: "3" or W/"3" (a bare 3 is accepted too).
_ENTITY_TAG = re.compile(r'(?:W/)?"(\d{1,18})"|(\d{1,18})')

# An update body's ``version``: required, here or as If-Match (None: sent as If-Match, or not at all).
VersionSent = Annotated[int | None, Field(
    description='the version of the row this change was made on, from your last read (required: '
                'here or as an If-Match header)')]

# What the OpenAPI schema says of the ETag header of a single row's answer.
ETAG_HEADER: dict[int | str, dict[str, Any]] = {
    200: {"headers": {"ETag": {
        "description": 'the row\'s version, "<version>": send it back as If-Match to change the row',
        "schema": {"type": "string"}}}},
}


def _if_match_version(if_match: str | None = None) -> int | None:
    if if_match is None:
        return None
    found = _ENTITY_TAG.fullmatch(if_match.strip())
    if found is None:
        # "*" (any version) included: it would make the update blind again.
        raise InvalidInput(
            'If-Match must be the row\'s version as its ETag, e.g. If-Match: "3" (from the ETag '
            "header of your last GET of the row)", field="If-Match", rule="INVALID_IF_MATCH")
    return int(found.group(1) or found.group(2))


def __getattr__(name: str) -> Any:
    """``if_match_version`` and ``IfMatch``, FastAPI's half, made when a router first asks: the
    schemas need only ``VersionSent``, and importing FastAPI for them would cost a first demo,
    which prepares its database before any service runs (app.services.embedded_server), a
    quarter of a second."""
    if name not in ("if_match_version", "IfMatch"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from fastapi import Depends, Header

    # FastAPI reads the (string) annotations below in this module's namespace.
    globals().update(Depends=Depends, Header=Header)

    def if_match_version(
        if_match: Annotated[str | None, Header(
            description='the version the change was made on, as the row\'s ETag: "3"; instead '
                        'of "version" in the body')] = None,
    ) -> int | None:
        return _if_match_version(if_match)

    made = {"if_match_version": if_match_version,
            "IfMatch": Annotated[int | None, Depends(if_match_version)]}
    globals().update(made)
    return made[name]


Body = TypeVar("Body", bound=BaseModel)


def with_version(body: Body, if_match: int | None) -> Body:
    """``body`` with the version ``If-Match`` named; both may be given only if they agree."""
    if if_match is None:
        return body
    sent = getattr(body, "version", None)
    if sent is not None and sent != if_match:
        raise InvalidInput(
            f'the body says version {sent} but If-Match says "{if_match}": send the version '
            "once, or the same in both", field="version", rule="VERSIONS_DISAGREE")
    return body.model_copy(update={"version": if_match})


def tagged(response: Response, row: Any) -> Any:
    """``row``, with its version as the answer's ETag."""
    response.headers["ETag"] = f'"{row.version}"'
    return row
