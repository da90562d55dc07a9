"""Signing in with an e-mail and a password: throttled (``sync.auth.rate_limit``) and audited.

The transactions, in order. None is open while argon2 runs (a few hundred milliseconds, on
purpose), so SQLite's one write lock is never held across it:

1. the limits checked and the attempt recorded — pending, or refused — and the account looked
   up, committed in a session of its own;
2. the password verified, outside any transaction (never for a refused attempt);
3. a failure recorded in a session of its own (the request's session is rolled back with the
   401), or a success written in the request's session, with the refresh token it then issues.

Security events in the account's school's audit log: ``login_failed`` (a wrong password, or a
disabled account), ``login_locked`` (the first refusal of a window for the account, by either
limit) and ``login_after_lockout`` (a success after refusals). An e-mail that names no account has
no school: its attempts are in ``login_attempts`` only. An unknown e-mail and a wrong password
cost the same argon2 verification and end in the same ``WrongCredentials``.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sync.audit import service as audit_service
from sync.auth import rate_limit
from sync.auth.models import Account, LoginAttempt
from sync.auth.passwords import hash_password, needs_rehash, verify_password
from sync.auth.rate_limit import Outcome
from sync.config import Settings
from sync.database.core import utcnow


class WrongCredentials(Exception):
    """The e-mail names no active account with this password (which part, is not said)."""


class TooManyAttempts(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins: try again in {retry_after} seconds")
        self.retry_after = retry_after


@cache
def _dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so the answer takes as long as for a known one."""
    return hash_password("not-a-real-password-only-for-timing")


def sign_in(*, sessions: sessionmaker[Session], db: Session, email: str, password: str,
            client: str, settings: Settings, now: datetime | None = None) -> Account:
    """The account, loaded in ``db`` (the request's session) and marked signed in.

    ``sessions`` makes the short sessions of steps 1 and 3; ``db`` must not have begun yet.
    """
    now = now or utcnow()
    email = email.strip().lower()
    with sessions.begin() as attempts:
        account = attempts.scalars(select(Account).where(Account.email == email)).one_or_none()
        attempt, refused = rate_limit.admit(db=attempts, email=email, client=client,
                                            settings=settings, now=now)
        attempt_id, counted_as = attempt.id, attempt.email
        if refused is not None and account is not None:
            _audit_refusal(attempts, attempt=attempt, account=account, refused=refused,
                           settings=settings, now=now)
    if refused is not None:
        raise TooManyAttempts(refused.retry_after)

    if account is None:
        verify_password(_dummy_hash(), password)
        verified = False
    else:
        # Verified even for a disabled account, so that it answers as slowly as any other.
        verified = verify_password(account.password_hash, password) and account.active
    if not verified:
        with sessions.begin() as attempts:
            failed = rate_limit.mark(db=attempts, attempt_id=attempt_id, outcome=Outcome.FAILED)
            if account is not None:
                _audit(attempts, account=account, attempt=failed, action="login_failed",
                       actor=_stranger(client))
        raise WrongCredentials()

    # Hashed before the request's session begins: argon2 again, and rarely needed.
    new_hash = hash_password(password) if needs_rehash(account.password_hash) else None
    signed_in = db.get(Account, account.id)
    if signed_in is None or not signed_in.active:  # deleted or disabled a moment ago
        raise WrongCredentials()
    refusals = rate_limit.refused_since_last_success(db=db, email=counted_as, settings=settings,
                                                     now=now)
    succeeded = rate_limit.mark(db=db, attempt_id=attempt_id, outcome=Outcome.SUCCEEDED)
    if new_hash is not None:
        signed_in.password_hash = new_hash
    signed_in.last_login_at = now
    if refusals:
        _audit(db, account=signed_in, attempt=succeeded, action="login_after_lockout",
               actor=signed_in.email, actor_account_id=signed_in.id, refused_attempts=refusals)
    return signed_in


def check_current_password(*, sessions: sessionmaker[Session], account: Account, password: str,
                           client: str, settings: Settings, now: datetime | None = None) -> bool:
    """Whether ``password`` is ``account``'s, throttled like a sign-in: a stolen access token must
    not become unlimited guesses at the password behind it. Counts as an attempt on the account's
    e-mail (``TooManyAttempts`` over a limit, nothing verified); call it with no transaction open.
    """
    now = now or utcnow()
    with sessions.begin() as attempts:
        attempt, refused = rate_limit.admit(db=attempts, email=account.email, client=client,
                                            settings=settings, now=now)
        attempt_id = attempt.id
    if refused is not None:
        raise TooManyAttempts(refused.retry_after)
    verified = verify_password(account.password_hash, password)
    with sessions.begin() as attempts:
        marked = rate_limit.mark(db=attempts, attempt_id=attempt_id,
                                 outcome=Outcome.SUCCEEDED if verified else Outcome.FAILED)
        if not verified:
            _audit(attempts, account=account, attempt=marked, action="password_check_failed",
                   actor=account.email, actor_account_id=account.id)
    return verified


def _audit_refusal(db: Session, *, attempt: LoginAttempt, account: Account,
                   refused: rate_limit.Refusal, settings: Settings, now: datetime) -> None:
    # Attempts on one e-mail are admitted one at a time (rate_limit.admit), so exactly one
    # refusal is the first of its window.
    if rate_limit.first_refusal_in_window(db=db, attempt=attempt, settings=settings, now=now):
        _audit(db, account=account, attempt=attempt, action="login_locked",
               actor=_stranger(attempt.client), limit=refused.limit.value,
               retry_after=refused.retry_after)


def _stranger(client: str) -> str:
    return f"sign-in from {client}"


def _audit(db: Session, *, account: Account, attempt: LoginAttempt, action: str, actor: str,
           actor_account_id: Any = None, **details: Any) -> None:
    event = audit_service.record(db=db, school_id=account.school_id, actor=actor,
                                 actor_account_id=actor_account_id, action=action, row=attempt)
    if details:
        event.after = {**(event.after or {}), **details}
