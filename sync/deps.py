"""Dependencies every router uses: the request's database session and the signed-in account.

``DbSession``: one transaction per request, committed when the endpoint returns (before the
response is sent, so a failed commit is an error response, never a lie), rolled back when it
raises. ``CurrentUser``: the account behind the Bearer access token, refused to students —
students act through their signed links, never the desktop API. ``require_roles`` narrows further.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from sync.auth import tokens
from sync.auth.models import Account, AccountRole
from sync.config import Settings

# Both databases store 64-bit signed integers: a larger offset or cursor would fail in the driver
# (a 500) instead of being refused as invalid input (a 422).
DATABASE_INT_MAX = 2**63 - 1
Offset = Annotated[int, Query(ge=0, le=DATABASE_INT_MAX, description="rows to skip")]

STUDENTS_REFUSED = "students act through their signed links, not the desktop API"


def get_settings_from_app(request: Request) -> Settings:
    return request.app.state.settings


AppSettings = Annotated[Settings, Depends(get_settings_from_app)]


def get_db(request: Request) -> Iterator[Session]:
    session: Session = request.app.state.sessionmaker()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# scope="function": the commit runs when the endpoint returns, before the response goes out.
DbSession = Annotated[Session, Depends(get_db, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="the access token from POST /auth/login")


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


def get_signed_in_account(
    db: DbSession,
    settings: AppSettings,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Account:
    """The active account behind the Bearer token, of any role (students included)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized("Sign in first: send the access token as `Authorization: Bearer …`")
    try:
        claims = tokens.decode_access_token(credentials.credentials, settings=settings)
    except tokens.TokenRejected as exc:
        raise unauthorized(f"{str(exc).capitalize()}: refresh it or sign in again") from None
    account = db.get(Account, claims.account_id)
    if account is None or not account.active or account.school_id != claims.school_id:
        raise unauthorized("This sign-in is no longer valid: sign in again")
    if tokens.access_token_revoked(account=account, claims=claims):
        # Signed out everywhere, a new password, or the account disabled since the token was issued.
        raise unauthorized("This sign-in was ended (signed out everywhere or the password "
                           "changed): sign in again")
    return account


def get_desktop_user(account: Annotated[Account, Depends(get_signed_in_account)]) -> Account:
    if account.role is AccountRole.STUDENT:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=STUDENTS_REFUSED.capitalize())
    return account


CurrentUser = Annotated[Account, Depends(get_desktop_user)]


def require_roles(*roles: AccountRole) -> Callable[[Account], Account]:
    """A dependency admitting only ``roles``: ``Annotated[Account, Depends(require_roles(...))]``."""
    allowed = frozenset(roles)
    names = " or ".join(sorted(role.value for role in allowed))

    def check(account: CurrentUser) -> Account:
        if account.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"Only a {names} may do this; you are signed in as {account.role.value}",
            )
        return account

    return check


# Dispatchers and admins manage everything in their school.
SchoolManager = Annotated[Account, Depends(require_roles(AccountRole.ADMIN, AccountRole.DISPATCHER))]
