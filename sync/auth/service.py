"""Accounts as credentials: creating them, finding them by e-mail, setting a password (checked
for strength against the account's own words), disabling them. Every change that should end
the account's sign-ins (a new password, disabling) ends them here."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sync.audit import service as audit_service
from sync.auth.models import Account, AccountRole, PasswordReset
from sync.auth.passwords import check_password_strength, hash_password, unusable_password_hash
from sync.database.core import utcnow
from sync.errors import Conflict, InvalidInput, NotFound
from sync.schools import service as schools_service

# Deliberately loose: one @, something before it, a dotted domain after it, no spaces. The real
# test of an address is whether mail arrives.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def normalized_email(email: str) -> str:
    email = email.strip().lower()
    if not _EMAIL.fullmatch(email) or len(email) > 320:
        raise InvalidInput(f"{email or '(empty)'} is not an e-mail address", field="email")
    return email


def get_by_email(*, db: Session, email: str) -> Account | None:
    return db.scalars(select(Account).where(Account.email == email.strip().lower())).one_or_none()


def password_user_inputs(*, db: Session, email: str, school_id: uuid.UUID) -> list[str]:
    """The words a password must not lean on: the account's e-mail and its parts, the school's
    name and its words."""
    local, _, domain = email.lower().partition("@")
    words = [email, local, domain, *re.split(r"[^a-z0-9]+", local), *domain.split(".")]
    school = schools_service.get(db=db, school_id=school_id)
    if school is not None:
        name = school.name.lower()
        words += [name, re.sub(r"[^a-z0-9]+", "", name), *re.split(r"[^a-z0-9]+", name)]
    # One- and two-letter fragments would match inside any password and tell nothing.
    return [word for word in dict.fromkeys(words) if len(word) >= 3]


def check_new_password(*, db: Session, password: str, email: str, school_id: uuid.UUID) -> None:
    """The rules every new password passes: length, and zxcvbn's score of at least 3 with the
    account's e-mail and school name as known words (``InvalidInput`` says why and what to try)."""
    check_password_strength(
        password, user_inputs=password_user_inputs(db=db, email=email, school_id=school_id)
    )


def create_account(
    *,
    db: Session,
    school_id: uuid.UUID,
    email: str,
    role: AccountRole,
    password: str | None,
    actor: str,
    actor_account_id: uuid.UUID | None = None,
) -> Account:
    """A new account. ``password`` None: it can sign in only after setting one through a mailed
    link (``sync.accounts.service``)."""
    email = normalized_email(email)
    if schools_service.get(db=db, school_id=school_id) is None:
        raise NotFound(f"there is no school with id {school_id}", field="school")
    if get_by_email(db=db, email=email) is not None:
        raise Conflict(f"an account with the e-mail {email} already exists", field="email")
    if password is None:
        password_hash = unusable_password_hash()
    else:
        check_new_password(db=db, password=password, email=email, school_id=school_id)
        password_hash = hash_password(password)
    account = Account(school_id=school_id, email=email, role=role, password_hash=password_hash)
    db.add(account)
    audit_service.record(
        db=db, school_id=school_id, actor=actor, actor_account_id=actor_account_id,
        action="create", row=account,
    )
    return account


def reset_password(*, db: Session, email: str, password: str, actor: str) -> Account:
    """Give an existing account a new password (e.g. the embedded demo's dispatcher on each start:
    its password lives only in memory, so a restart sets a fresh one)."""
    account = get_by_email(db=db, email=email)
    if account is None:
        raise NotFound(f"there is no account with the e-mail {email}", field="email")
    return set_password(db=db, account=account, password=password, actor=actor)


def set_password(
    *,
    db: Session,
    account: Account,
    password: str,
    actor: str,
    actor_account_id: uuid.UUID | None = None,
    action: str = "password_change",
    now: datetime | None = None,
) -> Account:
    """Give ``account`` a new password after the strength check, and end all its sign-ins (a
    password is changed because the old one may be known) and its unused reset links."""
    check_new_password(db=db, password=password, email=account.email, school_id=account.school_id)
    now = now or utcnow()
    before = audit_service.snapshot(account)
    account.password_hash = hash_password(password)
    from sync.auth import tokens  # (here: creating accounts, as a seed does, needs no JWT)

    tokens.revoke_sessions(db=db, account=account, at=now)
    void_password_resets(db=db, account_id=account.id, at=now)
    audit_service.record(db=db, school_id=account.school_id, actor=actor,
                         actor_account_id=actor_account_id, action=action, row=account,
                         before=before)
    return account


def set_active(
    *,
    db: Session,
    account: Account,
    active: bool,
    actor: str,
    actor_account_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Account:
    """Disable (every sign-in ends, access tokens at their next request) or enable ``account``.
    Enabling gives back no sign-in: the person signs in again."""
    if account.active == active:
        return account
    before = audit_service.snapshot(account)
    account.active = active
    if not active:
        from sync.auth import tokens  # (here: creating accounts, as a seed does, needs no JWT)

        tokens.revoke_sessions(db=db, account=account, at=now or utcnow())
    audit_service.record(db=db, school_id=account.school_id, actor=actor,
                         actor_account_id=actor_account_id,
                         action="enable" if active else "disable", row=account, before=before)
    return account


def void_password_resets(*, db: Session, account_id: uuid.UUID, at: datetime) -> None:
    """Unused reset links of the account stop working (a newer link or a new password)."""
    db.execute(
        update(PasswordReset)
        .where(PasswordReset.account_id == account_id, PasswordReset.used_at.is_(None))
        .values(used_at=at)
        .execution_options(synchronize_session=False)
    )
