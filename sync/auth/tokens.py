"""Access tokens (PyJWT, HS256, short-lived) and refresh tokens (random, stored hashed, rotating).

An access token is checked without touching the database beyond loading the account; it lives
``settings.access_token_minutes``. A refresh token is a random string the desktop keeps in the OS
keyring; the database holds only its SHA-256, so a leaked database signs nobody in. Every refresh
rotates it: the used token is marked ``rotated_at`` and a successor joins the same family. A
rotated token presented again means two parties hold copies (one of them stole it), so the whole
family is revoked and both must sign in again.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sync.auth.models import Account, AccountRole, RefreshToken
from sync.config import Settings

ALGORITHM = "HS256"
ACCESS_TOKEN_TYPE = "access"


class TokenRejected(Exception):
    """The token is missing, malformed, expired, revoked or belongs to no active account."""


class RefreshTokenReused(TokenRejected):
    """A rotated refresh token came back: its family has been revoked (commit that revocation)."""


@dataclass(frozen=True, slots=True)
class AccessClaims:
    account_id: uuid.UUID
    school_id: uuid.UUID
    role: AccountRole
    expires_at: datetime


def _now() -> datetime:
    return datetime.now(UTC)


def issue_access_token(*, account: Account, settings: Settings, now: datetime | None = None) -> str:
    issued = now or _now()
    claims = {
        "sub": str(account.id),
        "school": str(account.school_id),
        "role": account.role.value,
        "type": ACCESS_TOKEN_TYPE,
        "iat": issued,
        "exp": issued + timedelta(minutes=settings.access_token_minutes),
    }
    return jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=ALGORITHM)


def decode_access_token(token: str, *, settings: Settings) -> AccessClaims:
    try:
        claims = jwt.decode(
            token, settings.secret_key.get_secret_value(), algorithms=[ALGORITHM],
            options={"require": ["sub", "school", "role", "exp"]},
        )
        if claims.get("type") != ACCESS_TOKEN_TYPE:
            raise TokenRejected("not an access token")
        return AccessClaims(
            account_id=uuid.UUID(claims["sub"]),
            school_id=uuid.UUID(claims["school"]),
            role=AccountRole(claims["role"]),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )
    except jwt.ExpiredSignatureError:
        raise TokenRejected("the access token has expired") from None
    except (jwt.InvalidTokenError, ValueError, TypeError, KeyError):
        raise TokenRejected("the access token is not valid") from None


def hash_refresh_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_refresh_token(
    *, db: Session, account: Account, settings: Settings, family_id: uuid.UUID | None = None
) -> str:
    """A new refresh token for ``account``; a new family unless continuing one (rotation)."""
    raw = secrets.token_urlsafe(48)
    db.add(RefreshToken(
        account_id=account.id,
        token_hash=hash_refresh_token(raw),
        family_id=family_id or uuid.uuid4(),
        expires_at=_now() + timedelta(days=settings.refresh_token_days),
    ))
    db.flush()
    return raw


def rotate_refresh_token(*, db: Session, raw: str, settings: Settings) -> tuple[Account, str]:
    """Spend ``raw`` and return its account and successor.

    Raises ``RefreshTokenReused`` after revoking the family (the caller must commit so the
    revocation sticks), or ``TokenRejected`` for anything else that is not a live token.
    """
    token = db.scalars(
        select(RefreshToken).where(RefreshToken.token_hash == hash_refresh_token(raw))
    ).one_or_none()
    if token is None:
        raise TokenRejected("unknown refresh token")
    now = _now()
    if token.rotated_at is not None:
        revoke_family(db=db, family_id=token.family_id, at=now)
        raise RefreshTokenReused("refresh token reused")
    if token.revoked_at is not None or token.expires_at <= now:
        raise TokenRejected("the refresh token has expired or was revoked")
    account = db.get(Account, token.account_id)
    if account is None or not account.active:
        raise TokenRejected("the account is disabled")
    token.rotated_at = now
    return account, issue_refresh_token(
        db=db, account=account, settings=settings, family_id=token.family_id
    )


def revoke_family(*, db: Session, family_id: uuid.UUID, at: datetime | None = None) -> None:
    # RefreshToken is not a synced table, so a bulk UPDATE bypassing the flush hook is fine here.
    db.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=at or _now())
    )
