"""Access tokens (PyJWT, HS256, short-lived) and refresh tokens (random, stored hashed, rotating).

An access token is checked without touching the database beyond loading the account; it lives
``settings.access_token_minutes``. A refresh token is a random string the desktop keeps in the OS
keyring; the database holds only its SHA-256, so a leaked database signs nobody in. Every refresh
rotates it: the used token is marked ``rotated_at`` and a successor joins the same family. A
rotated token presented again means two parties hold copies (one of them stole it), so the whole
family is revoked and both must sign in again. Two requests presenting the same token at once
are told apart by a conditional UPDATE: exactly one spends it, the other counts as reuse.

A sign-in ends for good when its family is revoked (signing out, reuse), when the family is older
than ``settings.session_max_days`` however often it was refreshed, or when the account's
``sessions_revoked_at`` passes the access token's ``iat`` (signing out everywhere, a password
change, disabling the account).
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

from sync.audit import service as audit_service
from sync.auth.models import Account, AccountRole, RefreshToken
from sync.config import Settings

ALGORITHM = "HS256"
ACCESS_TOKEN_TYPE = "access"
REUSE_ACTION = "refresh_token_reuse"


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
    issued_at: datetime


def _now() -> datetime:
    return datetime.now(UTC)


def issue_access_token(*, account: Account, settings: Settings, now: datetime | None = None) -> str:
    # To the microsecond (RFC 7519 allows fractions): a token issued a moment before "sign out
    # everywhere" in the same second must be refused, one issued a moment after it accepted.
    issued = (now or _now()).timestamp()
    claims = {
        "sub": str(account.id),
        "school": str(account.school_id),
        "role": account.role.value,
        "type": ACCESS_TOKEN_TYPE,
        "iat": issued,
        "exp": issued + settings.access_token_minutes * 60,
    }
    return jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=ALGORITHM)


def decode_access_token(token: str, *, settings: Settings) -> AccessClaims:
    try:
        claims = jwt.decode(
            token, settings.secret_key.get_secret_value(), algorithms=[ALGORITHM],
            options={"require": ["sub", "school", "role", "exp", "iat"]},
        )
        if claims.get("type") != ACCESS_TOKEN_TYPE:
            raise TokenRejected("not an access token")
        return AccessClaims(
            account_id=uuid.UUID(claims["sub"]),
            school_id=uuid.UUID(claims["school"]),
            role=AccountRole(claims["role"]),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            issued_at=datetime.fromtimestamp(claims["iat"], UTC),
        )
    except jwt.ExpiredSignatureError:
        raise TokenRejected("the access token has expired") from None
    except (jwt.InvalidTokenError, ValueError, TypeError, KeyError, OverflowError, OSError):
        raise TokenRejected("the access token is not valid") from None


def hash_refresh_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_refresh_token(
    *, db: Session, account: Account, settings: Settings, family_id: uuid.UUID | None = None,
    family_started_at: datetime | None = None,
) -> str:
    """A new refresh token for ``account``: a new family (a sign-in), or the next token of
    ``family_id`` (rotation), which keeps the family's ``family_started_at``."""
    raw = secrets.token_urlsafe(48)
    now = _now()
    db.add(RefreshToken(
        account_id=account.id,
        token_hash=hash_refresh_token(raw),
        family_id=family_id or uuid.uuid4(),
        expires_at=now + timedelta(days=settings.refresh_token_days),
        family_started_at=family_started_at or now,
    ))
    db.flush()
    return raw


def family_started(token: RefreshToken) -> datetime:
    """When the token's sign-in began (rows from before ``family_started_at``: their creation)."""
    return token.family_started_at or token.created_at


def rotate_refresh_token(*, db: Session, raw: str, settings: Settings) -> tuple[Account, str]:
    """Spend ``raw`` and return its account and successor.

    Raises ``RefreshTokenReused`` after revoking the family (the caller must commit so the
    revocation and its audit event stick), or ``TokenRejected`` for anything else that is not a
    live token.
    """
    now = _now()
    token, account = _live_token(db=db, raw=raw, now=now)
    started = family_started(token)
    if started + timedelta(days=settings.session_max_days) <= now:
        raise TokenRejected("the sign-in is older than the longest a session may last")
    # Spend it only if nobody else did: concurrent requests with the same token all read it as
    # live, but the database lets one UPDATE match (PostgreSQL re-checks the WHERE once the
    # first commits; SQLite runs one writer at a time). The others are reuse.
    spent = db.execute(
        update(RefreshToken)
        .where(RefreshToken.id == token.id, RefreshToken.rotated_at.is_(None),
               RefreshToken.revoked_at.is_(None))
        .values(rotated_at=now)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        _reused(db=db, token=token, account=account, now=now)
    return account, issue_refresh_token(
        db=db, account=account, settings=settings, family_id=token.family_id,
        family_started_at=started,
    )


def sign_out(*, db: Session, raw: str, everywhere: bool = False) -> None:
    """End the sign-in of ``raw`` (its family), or with ``everywhere`` every sign-in of its
    account, access tokens included (``sessions_revoked_at``).

    An unknown or already ended token signs nothing out and is fine, unless ``everywhere`` asks
    to act for the account: then it raises ``TokenRejected``. A rotated token is reuse, as in
    ``rotate_refresh_token`` (``RefreshTokenReused``: commit, then refuse).
    """
    now = _now()
    try:
        token, account = _live_token(db=db, raw=raw, now=now)
    except RefreshTokenReused:
        raise
    except TokenRejected:
        if everywhere:
            raise
        token = _find(db, raw)
        if token is not None:
            revoke_family(db=db, family_id=token.family_id, at=now)
        return
    if everywhere:
        revoke_sessions(db=db, account=account, at=now)
        audit_service.record(db=db, school_id=account.school_id, actor=account.email,
                             actor_account_id=account.id, action="sign_out_everywhere",
                             row=account)
    else:
        revoke_family(db=db, family_id=token.family_id, at=now)


def revoke_family(*, db: Session, family_id: uuid.UUID, at: datetime | None = None) -> None:
    # RefreshToken is not a synced table, so a bulk UPDATE bypassing the flush hook is fine here.
    db.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=at or _now())
        .execution_options(synchronize_session=False)
    )


def revoke_sessions(*, db: Session, account: Account, at: datetime | None = None) -> None:
    """End every sign-in of ``account``: all its refresh-token families now, and its access tokens
    at their next request (``sessions_revoked_at``, compared with their ``iat``)."""
    at = at or _now()
    db.execute(
        update(RefreshToken)
        .where(RefreshToken.account_id == account.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=at)
        .execution_options(synchronize_session=False)
    )
    account.sessions_revoked_at = at


def access_token_revoked(*, account: Account, claims: AccessClaims) -> bool:
    """True when the account's sessions were ended after this access token was issued."""
    revoked = account.sessions_revoked_at
    return revoked is not None and claims.issued_at < revoked


def _find(db: Session, raw: str) -> RefreshToken | None:
    return db.scalars(
        select(RefreshToken).where(RefreshToken.token_hash == hash_refresh_token(raw))
    ).one_or_none()


def _live_token(*, db: Session, raw: str, now: datetime) -> tuple[RefreshToken, Account]:
    """The token ``raw`` names and its account, if it may still act; else raise."""
    token = _find(db, raw)
    if token is None:
        raise TokenRejected("unknown refresh token")
    account = db.get(Account, token.account_id)
    if account is None:
        raise TokenRejected("the account no longer exists")
    if token.rotated_at is not None:
        _reused(db=db, token=token, account=account, now=now)
    if token.revoked_at is not None or token.expires_at <= now:
        raise TokenRejected("the refresh token has expired or was revoked")
    if not account.active:
        raise TokenRejected("the account is disabled")
    revoked = account.sessions_revoked_at
    if revoked is not None and family_started(token) < revoked:
        # Its family was revoked with the others; a rotation racing that revocation may have
        # written a successor after it: that successor is refused here.
        raise TokenRejected("the sign-in was ended")
    return token, account


def _reused(*, db: Session, token: RefreshToken, account: Account, now: datetime) -> None:
    """A spent token came back: two parties hold copies. End the family, record a security event
    in the account's school, and raise ``RefreshTokenReused``."""
    revoke_family(db=db, family_id=token.family_id, at=now)
    db.refresh(token)  # the event shows the token as it now stands: rotated and revoked
    # No actor account: whoever presented the copy is unknown (the account's own e-mail says whose).
    audit_service.record(db=db, school_id=account.school_id, actor=account.email,
                         actor_account_id=None, action=REUSE_ACTION, row=token)
    raise RefreshTokenReused("refresh token reused")
