"""POST /auth/login, /auth/refresh, /auth/logout and /auth/password (one's own)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status

from sync.auth import service as auth_service
from sync.auth import sign_in, tokens
from sync.auth.client_address import client_address
from sync.auth.models import Account
from sync.auth.schemas import AccountSummary, LoginRequest, LoginResponse, RefreshRequest
from sync.auth.schemas import LogoutRequest, PasswordChange
from sync.config import Settings
from sync.deps import AppSettings, CurrentUser, DbSession, unauthorized
from sync.errors import InvalidInput

router = APIRouter()

# One message for every failure: which part was wrong would tell an attacker which e-mails exist.
WRONG_CREDENTIALS = "E-mail or password is wrong"
REFRESH_REJECTED = "This sign-in has expired or was revoked: sign in again"


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
    """Sign in. Throttled per account and per client address (``sync.auth.rate_limit``): over a
    limit the answer is 429 with ``Retry-After``, and the password is not even looked at."""
    client = client_address(request, trusted_proxies=settings.trusted_proxies)
    try:
        account = sign_in.sign_in(sessions=request.app.state.sessionmaker, db=db,
                                  email=body.email, password=body.password, client=client,
                                  settings=settings)
    except sign_in.TooManyAttempts as exc:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"Too many failed sign-ins: try again in {exc.retry_after} seconds",
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
    except sign_in.WrongCredentials:
        raise unauthorized(WRONG_CREDENTIALS) from None
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


@router.post(
    "/logout", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
    responses={401: {"description": "signing out everywhere needs a refresh token that is still "
                                    "valid"}},
)
def logout(body: LogoutRequest, db: DbSession) -> Response:
    """End this sign-in (the refresh token's family), or with ``everywhere`` every sign-in of the
    account: its access tokens are refused from their next request on. A token that is already
    unknown or ended signs nothing out and is answered 204 all the same."""
    try:
        tokens.sign_out(db=db, raw=body.refresh_token, everywhere=body.everywhere)
    except tokens.RefreshTokenReused:
        db.commit()  # the family's revocation must survive the error response
        raise unauthorized(REFRESH_REJECTED) from None
    except tokens.TokenRejected:
        raise unauthorized(REFRESH_REJECTED) from None
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/password", response_model=LoginResponse,
             responses={429: {"description": "too many wrong current passwords"}})
def change_password(body: PasswordChange, request: Request, db: DbSession, settings: AppSettings,
                    user: CurrentUser) -> dict:
    """Change one's own password (the current one is asked, throttled like a sign-in). Every
    sign-in of the account ends, on every computer; the answer is a new sign-in for the caller."""
    client = client_address(request, trusted_proxies=settings.trusted_proxies)
    db.commit()  # the attempt is counted in a transaction of its own, before argon2 runs
    try:
        correct = sign_in.check_current_password(sessions=request.app.state.sessionmaker,
                                                 account=user, password=body.current_password,
                                                 client=client, settings=settings)
    except sign_in.TooManyAttempts as exc:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"Too many wrong passwords: try again in {exc.retry_after} seconds",
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
    if not correct:
        raise InvalidInput("the current password is wrong: type it again",
                           field="current_password", rule="WRONG_PASSWORD")
    user = db.get(Account, user.id)  # again, in this request's new transaction
    if body.new_password == body.current_password:
        raise InvalidInput("the new password is the current one: choose a different one",
                           field="new_password", rule="SAME_PASSWORD")
    try:
        auth_service.set_password(db=db, account=user, password=body.new_password,
                                  actor=user.email, actor_account_id=user.id)
    except InvalidInput as exc:
        exc.field = "new_password"
        raise
    refresh = tokens.issue_refresh_token(db=db, account=user, settings=settings)
    return _pair(account=user, settings=settings, refresh_token=refresh)
