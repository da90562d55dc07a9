"""/accounts: the school's admins manage its accounts. Everyone else is refused (403)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status

from sync.accounts import service as accounts_service
from sync.accounts.schemas import (
    AccountCreate,
    AccountPasswordSet,
    AccountRead,
    AccountsPage,
    AccountUpdate,
    PasswordResetSent,
)
from sync.auth.models import Account, AccountRole
from sync.deps import AppSettings, DbSession, Offset, require_roles
from sync.preconditions import ETAG_HEADER, IfMatch, tagged, with_version

router = APIRouter()

Admin = Annotated[Account, Depends(require_roles(AccountRole.ADMIN))]


def _now() -> datetime:
    return datetime.now(UTC)


def _sent(link: accounts_service.PasswordLink) -> PasswordResetSent:
    return PasswordResetSent(
        account_id=link.reset.account_id, expires_at=link.reset.expires_at,
        notification_id=link.notification.id if link.notification is not None else None,
    )


@router.get("", response_model=AccountsPage)
def list_accounts(db: DbSession, admin: Admin, offset: Offset = 0,
                  limit: Annotated[int, Query(ge=1, le=500)] = 100) -> Any:
    items, total = accounts_service.list(db=db, school_id=admin.school_id, offset=offset,
                                         limit=limit)
    return {"items": items, "total": total, "offset": offset, "limit": limit}


@router.post("", response_model=AccountRead, status_code=status.HTTP_201_CREATED)
def create_account(body: AccountCreate, db: DbSession, settings: AppSettings, admin: Admin) -> Any:
    """Create an account in the admin's school; without ``password`` it is mailed a one-time link
    to set its own."""
    account, _link = accounts_service.create(db=db, settings=settings, school_id=admin.school_id,
                                             data=body, actor=admin, now=_now())
    return account


@router.get("/{account_id}", response_model=AccountRead, responses=ETAG_HEADER)
def get_account(account_id: uuid.UUID, db: DbSession, admin: Admin, response: Response) -> Any:
    return tagged(response, accounts_service.get(db=db, school_id=admin.school_id,
                                                 account_id=account_id))


@router.patch("/{account_id}", response_model=AccountRead, responses=ETAG_HEADER)
def update_account(account_id: uuid.UUID, body: AccountUpdate, db: DbSession, admin: Admin,
                   if_match: IfMatch, response: Response) -> Any:
    """Change the role, or disable (``active: false``, every sign-in ends) or enable the account
    (``version`` or If-Match required). The school's last active admin cannot be demoted or
    disabled (409 ``LAST_ADMIN``)."""
    return tagged(response, accounts_service.update_account(
        db=db, school_id=admin.school_id, account_id=account_id,
        data=with_version(body, if_match), actor=admin, now=_now()))


@router.put("/{account_id}/password", response_model=AccountRead)
def set_password(account_id: uuid.UUID, body: AccountPasswordSet, db: DbSession,
                 admin: Admin) -> Any:
    """Give another account a new password (every sign-in of it ends). One's own password is
    changed with POST /auth/password, which asks for the current one."""
    return accounts_service.set_password(db=db, school_id=admin.school_id, account_id=account_id,
                                         password=body.password, actor=admin, now=_now())


@router.post("/{account_id}/password-reset", response_model=PasswordResetSent,
             status_code=status.HTTP_202_ACCEPTED)
def send_password_reset(account_id: uuid.UUID, db: DbSession, settings: AppSettings,
                        admin: Admin) -> Any:
    """Mail the account a one-time link to set a new password (earlier links stop working);
    every sign-in of the account ends now."""
    link = accounts_service.send_password_reset(db=db, settings=settings,
                                                school_id=admin.school_id,
                                                account_id=account_id, actor=admin, now=_now())
    return _sent(link)
