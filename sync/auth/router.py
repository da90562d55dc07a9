"""POST /auth/login and POST /auth/refresh."""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter, HTTPException, Request, status

from sync.auth import service as auth_service
from sync.auth import tokens
from sync.auth.models import Account
from sync.auth.passwords import hash_password, needs_rehash, verify_password
from sync.auth.schemas import AccountSummary, LoginRequest, LoginResponse, RefreshRequest
from sync.config import Settings
from sync.database.core import utcnow
from sync.deps import AppSettings, DbSession, unauthorized

router = APIRouter()

# One message for every failure: which part was wrong would tell an attacker which e-mails exist.
WRONG_CREDENTIALS = "E-mail or password is wrong"
REFRESH_REJECTED = "This sign-in has expired or was revoked: sign in again"


@cache
def _dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so the answer takes as long as for a known one."""
    return hash_password("not-a-real-password-only-for-timing")


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _pair(*, account: Account, settings: Settings, refresh_token: str) -> dict:
    return {
        "access_token": tokens.issue_access_token(account=account, settings=settings),
        "refresh_token": refresh_token,
        "token_type": "bearer",
        "expires_in": settings.access_token_minutes * 60,
        "account": AccountSummary.model_validate(account),
    }


@router.post(
    "/login", response_model=LoginResponse,
    responses={401: {"description": WRONG_CREDENTIALS}, 429: {"description": "too many failures"}},
)
def login(body: LoginRequest, request: Request, db: DbSession, settings: AppSettings) -> dict:
    limiter = request.app.state.login_rate_limiter
    client = _client_address(request)
    wait = limiter.retry_after(body.email, client)
    if wait is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"Too many failed sign-ins: try again in {wait} seconds",
            headers={"Retry-After": str(wait)},
        )
    account = auth_service.get_by_email(db=db, email=body.email)
    if account is None:
        verify_password(_dummy_hash(), body.password)
    if account is None or not account.active or not verify_password(account.password_hash, body.password):
        limiter.record_failure(body.email, client)
        raise unauthorized(WRONG_CREDENTIALS)
    limiter.reset(body.email, client)
    if needs_rehash(account.password_hash):
        account.password_hash = hash_password(body.password)
    account.last_login_at = utcnow()
    refresh = tokens.issue_refresh_token(db=db, account=account, settings=settings)
    return _pair(account=account, settings=settings, refresh_token=refresh)


@router.post("/refresh", response_model=LoginResponse, responses={401: {"description": REFRESH_REJECTED}})
def refresh(body: RefreshRequest, db: DbSession, settings: AppSettings) -> dict:
    try:
        account, successor = tokens.rotate_refresh_token(db=db, raw=body.refresh_token, settings=settings)
    except tokens.RefreshTokenReused:
        db.commit()  # the family's revocation must survive the error response
        raise unauthorized(REFRESH_REJECTED) from None
    except tokens.TokenRejected:
        raise unauthorized(REFRESH_REJECTED) from None
    return _pair(account=account, settings=settings, refresh_token=successor)
