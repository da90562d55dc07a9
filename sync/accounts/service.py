"""A school's accounts, as its admins manage them, and the one-time links to set a password.

Every lookup is scoped to the admin's school: another school's account is NotFound, exactly like
an id that does not exist. Every change is audited. A school always keeps an active admin: the
change that would leave it none is refused (``LAST_ADMIN``), so nobody can lock a school out of
managing itself.

A password link is a random token mailed to the account; only its SHA-256 is stored
(``PasswordReset``). It works once, for ``RESET_LINK_LIFETIME``, and only the newest one works.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from sync.accounts.schemas import AccountCreate, AccountUpdate
from sync.audit import service as audit_service
from sync.auth import service as auth_service
from sync.auth import tokens
from sync.auth.models import Account, AccountRole, PasswordReset
from sync.config import Settings
from sync.database.scoped import MAX_PAGE, require_version
from sync.errors import Conflict, Forbidden, InvalidInput, NotFound
from sync.notify import mails
from sync.notify.models import Notification

RESET_LINK_LIFETIME = timedelta(hours=24)
RESET_PATH = "/reset-password"
RESET_LINK_ACTOR = "password link"


@dataclass(frozen=True)
class PasswordLink:
    """A link just issued: its row (the token itself is only in the mail) and the mail."""

    reset: PasswordReset
    notification: Notification | None


class LinkUnusable(Exception):
    """The link cannot set a password; ``title`` and ``message`` say why to the person."""

    def __init__(self, title: str, message: str, *, status_code: int) -> None:
        super().__init__(message)
        self.title = title
        self.message = message
        self.status_code = status_code


def list(*, db: Session, school_id: uuid.UUID, offset: int, limit: int) -> tuple[list[Account], int]:
    conditions = (Account.school_id == school_id,)
    total = db.scalar(select(func.count()).select_from(Account).where(*conditions)) or 0
    rows = db.scalars(
        select(Account).where(*conditions).order_by(Account.email, Account.id)
        .offset(offset).limit(min(limit, MAX_PAGE))
    ).all()
    return [*rows], total


def get(*, db: Session, school_id: uuid.UUID, account_id: uuid.UUID) -> Account:
    account = db.scalars(
        select(Account).where(Account.id == account_id, Account.school_id == school_id)
    ).one_or_none()
    if account is None:
        raise NotFound(f"there is no account with id {account_id} in your school", field="id")
    return account


def create(*, db: Session, settings: Settings, school_id: uuid.UUID, data: AccountCreate,
           actor: Account, now: datetime) -> tuple[Account, PasswordLink | None]:
    """A new account of the admin's school, with the initial password given, or else a mailed
    link for the person to set their own (the default: the admin never knows it)."""
    account = auth_service.create_account(
        db=db, school_id=school_id, email=data.email, role=data.role, password=data.password,
        actor=actor.email, actor_account_id=actor.id,
    )
    link = None
    if data.password is None:
        link = issue_password_link(db=db, settings=settings, account=account, welcome=True, now=now)
    return account, link


def update_account(*, db: Session, school_id: uuid.UUID, account_id: uuid.UUID,
                   data: AccountUpdate, actor: Account, now: datetime) -> Account:
    """Change the role and/or disable or enable the account. Disabling ends all its sign-ins."""
    account = get(db=db, school_id=school_id, account_id=account_id)
    sent = require_version(data.version, what="account")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    for name, value in changes.items():
        if value is None:
            raise InvalidInput(f"{name} cannot be empty: leave it out to keep it as it is",
                               field=name)
    role = changes.get("role", account.role)
    active = changes.get("active", account.active)
    if role == account.role and active == account.active:
        if sent != account.version:
            raise _stale(account, sent)
        return account  # nothing changes: the version stays
    _take_version(db, account, sent)
    if account.role is AccountRole.ADMIN and account.active and (
            role is not AccountRole.ADMIN or not active):
        _keep_an_active_admin(db=db, account=account, actor=actor,
                              field="active" if not active else "role")
    before = audit_service.snapshot(account)
    account.role = role
    if active != account.active:
        account.active = active
        if not active:
            tokens.revoke_sessions(db=db, account=account, at=now)
    audit_service.record(db=db, school_id=school_id, actor=actor.email,
                         actor_account_id=actor.id, action="update", row=account, before=before)
    return account


def set_password(*, db: Session, school_id: uuid.UUID, account_id: uuid.UUID, password: str,
                 actor: Account, now: datetime) -> Account:
    """An admin gives another account of the school a new password; its sign-ins end."""
    account = get(db=db, school_id=school_id, account_id=account_id)
    if account.id == actor.id:
        raise Forbidden("change your own password with POST /auth/password, which asks for "
                        "your current one", rule="OWN_PASSWORD")
    return auth_service.set_password(db=db, account=account, password=password,
                                     actor=actor.email, actor_account_id=actor.id,
                                     action="password_set", now=now)


def send_password_reset(*, db: Session, settings: Settings, school_id: uuid.UUID,
                        account_id: uuid.UUID, actor: Account, now: datetime) -> PasswordLink:
    """Mail the account a one-time link to set a new password. Its sign-ins end now: an admin
    resets a password because it is forgotten or may be known to someone else."""
    account = get(db=db, school_id=school_id, account_id=account_id)
    if not account.active:
        raise Conflict(f"{account.email} is disabled: enable the account first, then send the "
                       "link", rule="ACCOUNT_DISABLED", field="active")
    before = audit_service.snapshot(account)
    tokens.revoke_sessions(db=db, account=account, at=now)
    link = issue_password_link(db=db, settings=settings, account=account, welcome=False, now=now)
    audit_service.record(db=db, school_id=school_id, actor=actor.email, actor_account_id=actor.id,
                         action="password_reset", row=account, before=before)
    return link


def issue_password_link(*, db: Session, settings: Settings, account: Account, welcome: bool,
                        now: datetime) -> PasswordLink:
    """Store a new link (earlier unused ones stop working) and put its mail in the outbox."""
    auth_service.void_password_resets(db=db, account_id=account.id, at=now)
    raw = secrets.token_urlsafe(32)
    reset = PasswordReset(school_id=account.school_id, account_id=account.id,
                          token_hash=_hash(raw), expires_at=now + RESET_LINK_LIFETIME)
    db.add(reset)
    db.flush()
    notification = mails.send_password_link(
        db=db, school_id=account.school_id, email=account.email, role=account.role.value,
        link=f"{settings.public_url.rstrip('/')}{RESET_PATH}/{raw}", link_id=reset.id,
        expires_at=reset.expires_at, welcome=welcome, now=now,
    )
    return PasswordLink(reset=reset, notification=notification)


def open_link(*, db: Session, token: str, now: datetime) -> tuple[PasswordReset, Account]:
    """The link's row and account, if the link may still set a password; else ``LinkUnusable``."""
    reset = db.scalars(
        select(PasswordReset).where(PasswordReset.token_hash == _hash(token))
    ).one_or_none()
    if reset is None:
        raise LinkUnusable("This link does not work",
                           "Open the link again from the e-mail (the whole address, on one line), "
                           "or ask your school's administrator to send a new one.",
                           status_code=400)
    if reset.used_at is not None:
        raise LinkUnusable("This link has been used",
                           "It worked once, or a newer link replaced it. If you need to set your "
                           "password again, ask your school's administrator for a new link.",
                           status_code=410)
    if reset.expires_at <= now:
        raise LinkUnusable("This link has expired",
                           "Links work for 24 hours. Ask your school's administrator for a new "
                           "one.", status_code=410)
    account = db.get(Account, reset.account_id)
    if account is None or not account.active:
        raise LinkUnusable("This account is disabled",
                           "Ask your school's administrator to enable it and send a new link.",
                           status_code=410)
    return reset, account


def complete_password_reset(*, db: Session, token: str, password: str, now: datetime) -> Account:
    """Set the password the link's holder chose: ``InvalidInput`` (too weak, the link stays
    usable) or ``LinkUnusable``. Every sign-in of the account ends."""
    reset, account = open_link(db=db, token=token, now=now)
    auth_service.check_new_password(db=db, password=password, email=account.email,
                                    school_id=account.school_id)
    # Spend the link only if nobody else did: two submissions at once set one password.
    spent = db.execute(
        update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None),
               PasswordReset.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        raise LinkUnusable("This link has been used",
                           "The password was set with it a moment ago. Sign in with it.",
                           status_code=410)
    return auth_service.set_password(db=db, account=account, password=password,
                                     actor=RESET_LINK_ACTOR, action="password_reset_completed",
                                     now=now)


def _take_version(db: Session, account: Account, sent: int) -> None:
    """Move the account to its next version if it is still at ``sent``, in one conditional UPDATE:
    of two admins changing it at once, only the first to write wins, on either database (signing
    in does not move the version)."""
    moved = db.execute(
        update(Account).where(Account.id == account.id, Account.version == sent)
        .values(version=Account.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.refresh(account)
    if moved != 1:
        raise _stale(account, sent)


def _stale(account: Account, sent: int) -> Conflict:
    return Conflict(
        f"this account was changed by someone else (you edited version {sent}, it is now at "
        f"version {account.version}): review it and try again",
        rule="STALE_VERSION", field="version",
    )


def _keep_an_active_admin(*, db: Session, account: Account, actor: Account, field: str) -> None:
    # Locked (PostgreSQL): two admins demoting each other at once must not both succeed.
    others = db.scalars(
        select(Account.id).where(Account.school_id == account.school_id,
                                 Account.role == AccountRole.ADMIN, Account.active.is_(True),
                                 Account.id != account.id)
        .with_for_update()
    ).all()
    if others:
        return
    who = "you are" if account.id == actor.id else f"{account.email} is"
    raise Conflict(f"{who} the school's last active admin: make another account an admin "
                   "first, then change this one", rule="LAST_ADMIN", field=field)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
