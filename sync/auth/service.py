"""Accounts: creating them and finding them by e-mail."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.audit import service as audit_service
from sync.auth.models import Account, AccountRole
from sync.auth.passwords import hash_password
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


def create_account(
    *,
    db: Session,
    school_id: uuid.UUID,
    email: str,
    role: AccountRole,
    password: str,
    actor: str,
    actor_account_id: uuid.UUID | None = None,
) -> Account:
    email = normalized_email(email)
    if schools_service.get(db=db, school_id=school_id) is None:
        raise NotFound(f"there is no school with id {school_id}", field="school")
    if get_by_email(db=db, email=email) is not None:
        raise Conflict(f"an account with the e-mail {email} already exists", field="email")
    account = Account(
        school_id=school_id, email=email, role=role, password_hash=hash_password(password)
    )
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
    account.password_hash = hash_password(password)
    audit_service.record(db=db, school_id=account.school_id, actor=actor, action="update",
                         row=account)
    return account
