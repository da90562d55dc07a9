"""Students' links: ``{public URL}/r/{token}``, a signed token naming one reschedule request.

The token is a JWT (HS256) under a key derived from the service's secret for this one purpose, so
an access token can never pass for a link nor a link for an access token. It expires when the
request does; it is single use because it acts only while the request waits for the student
(PENDING_STUDENT) — once the student has picked, the same link finds the request moved on.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import UTC, datetime

import jwt

from sync.config import Settings
from sync.errors import InvalidInput
from sync.reschedule.models import RescheduleRequest

PURPOSE = "reschedule-choice"
_ALGORITHM = "HS256"


class LinkExpired(InvalidInput):
    """The link was genuine but its request's reply time is over."""


def _key(settings: Settings) -> bytes:
    secret = settings.secret_key.get_secret_value().encode()
    return hmac.new(secret, PURPOSE.encode(), hashlib.sha256).digest()


def student_token(*, request: RescheduleRequest, settings: Settings, now: datetime) -> str:
    claims = {
        "sub": str(request.id),
        "purpose": PURPOSE,
        "iat": int(now.timestamp()),
        "exp": int(request.expires_at.timestamp()),
    }
    return jwt.encode(claims, _key(settings), algorithm=_ALGORITHM)


def student_link(*, request: RescheduleRequest, settings: Settings, now: datetime) -> str:
    """The absolute URL the student's mail links to."""
    base = settings.public_url.rstrip("/")
    return f"{base}/r/{student_token(request=request, settings=settings, now=now)}"


def read_student_token(token: str, *, settings: Settings, now: datetime) -> uuid.UUID:
    """The request id the token names; ``InvalidInput`` (``LinkExpired`` when only late) otherwise."""
    try:
        # Expiry is checked against ``now`` below, so a replayed clock (tests, --now) decides.
        claims = jwt.decode(token, _key(settings), algorithms=[_ALGORITHM],
                            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False,
                                     "require": ["sub", "exp", "purpose"]})
    except jwt.PyJWTError:
        raise InvalidInput(
            "this link is not valid: open it again from the e-mail, or ask the school for a new one",
            field="token", rule="LINK_INVALID",
        ) from None
    if claims.get("purpose") != PURPOSE:
        raise InvalidInput("this link is not a rescheduling link", field="token", rule="LINK_INVALID")
    try:
        request_id = uuid.UUID(str(claims["sub"]))
        expires = datetime.fromtimestamp(int(claims["exp"]), UTC)
    except (ValueError, TypeError):
        raise InvalidInput("this link is not valid", field="token", rule="LINK_INVALID") from None
    if now >= expires:
        raise LinkExpired(
            "this link has expired: the time to choose a new slot is over; the school will contact you",
            field="token", rule="LINK_EXPIRED",
        )
    return request_id
