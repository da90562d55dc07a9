"""Sign-in throttling, counted in the database (``login_attempts``).

In the database, not in a process's memory: every ``fsp-sync serve`` process and every Lambda
instance must count the same attempts, or each new instance is a fresh set of guesses.

An attempt's course (``sync.auth.sign_in`` drives it):

1. ``admit``, in a short transaction of its own that the caller commits before the password is
   looked at, counts the recent attempts that are ``pending`` or ``failed`` and writes this one:
   ``pending`` when it may go on, ``refused`` when it is over a limit. Pending counts as failed,
   so parallel guesses cannot all slip under the limit while their passwords are being checked.
2. A refused attempt is answered 429 without verifying anything. Refused attempts are not
   counted: the window frees ``login_window_seconds`` after the failures that filled it, however
   hard someone keeps knocking meanwhile.
3. Otherwise the password is verified and the attempt marked ``failed`` or ``succeeded``.

Step 1 is serialised per e-mail and per client address (on PostgreSQL by transaction-level
advisory locks; SQLite's writers queue for its one write lock anyway), so in commit order the
k-th attempt sees the k-1 before it, and every ``pending`` row it sees is an attempt that was
let through. Without that, N parallel attempts that had each committed a pending row before any
of them counted would all see N rows and all be refused: safe, but then far fewer than the limit
get through under load, and the owner of a hammered account cannot tell a lockout from noise.

The two limits, both over the last ``login_window_seconds``:

- per account e-mail (``login_max_failures_per_account``, from any address): one account's
  password being guessed. What a success resets: the failures *from the same client address*
  before that (e-mail, address)'s last success no longer count — the owner who mistyped and then
  got it right is not held to their typos — while failures from other addresses still count,
  so an attacker elsewhere gains nothing from the owner signing in.
- per client address (``login_max_failures_per_client``, across all e-mails, known or not):
  password spraying. Nothing resets it: an attacker's own account signing in between guesses
  would otherwise wipe the count.

Rows older than a day (or than the window, if longer) are deleted a bounded batch at a time as
new attempts come in; nothing else needs to clean up.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, delete, func, or_, select, text
from sqlalchemy.orm import Session

from sync.auth.models import LoginAttempt
from sync.config import Settings

RETENTION = timedelta(days=1)
# Rows deleted per attempt at most: keeps up with any steady rate of attempts (each one deletes
# up to this many of the rows a day older), and bounds what one sign-in pays.
PRUNE_BATCH = 100
EMAIL_LENGTH = 320  # the column's length
CLIENT_LENGTH = 64


class Outcome(StrEnum):
    PENDING = "pending"
    FAILED = "failed"
    SUCCEEDED = "succeeded"
    REFUSED = "refused"


# What fills a limit: failures, and attempts whose verification has not ended yet.
COUNTED = (Outcome.PENDING.value, Outcome.FAILED.value)


class Limit(StrEnum):
    ACCOUNT = "account"
    CLIENT = "client"


@dataclass(frozen=True)
class Refusal:
    limit: Limit
    retry_after: int  # seconds until one more attempt fits in the window


def retention(settings: Settings) -> timedelta:
    return max(RETENTION, timedelta(seconds=settings.login_window_seconds))


def admit(*, db: Session, email: str, client: str, settings: Settings,
          now: datetime) -> tuple[LoginAttempt, Refusal | None]:
    """This attempt, recorded (flushed) as ``pending``, or as ``refused`` with the reason.

    The caller commits before verifying the password, and nothing else should happen in this
    transaction after it: it holds the locks that make the next attempt wait.
    """
    email, client = email[:EMAIL_LENGTH], client[:CLIENT_LENGTH]
    _prune(db=db, before=now - retention(settings))  # before the locks: keep their time short
    _serialize(db, email=email, client=client)
    refused = _refusal(db, email=email, client=client, settings=settings, now=now)
    attempt = LoginAttempt(email=email, client=client, at=now,
                           outcome=(Outcome.REFUSED if refused else Outcome.PENDING).value)
    db.add(attempt)
    db.flush()
    return attempt, refused


def _serialize(db: Session, *, email: str, client: str) -> None:
    if db.get_bind().dialect.name != "postgresql":
        return  # SQLite: BEGIN IMMEDIATE already made this transaction the only writer
    # Always the e-mail first, then the address: two attempts never wait for each other in
    # opposite orders. Released at commit or rollback.
    for key in (f"login-email:{email}", f"login-client:{client}"):
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(key)})


def _lock_key(name: str) -> int:
    """A 64-bit advisory lock key, the same in every process (unlike ``hash()``)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big",
                          signed=True)


def _refusal(db: Session, *, email: str, client: str, settings: Settings,
             now: datetime) -> Refusal | None:
    window = timedelta(seconds=settings.login_window_seconds)
    since = now - window
    recent = [LoginAttempt.at > since, LoginAttempt.outcome.in_(COUNTED)]

    last_success = (select(func.max(LoginAttempt.at)).where(
        LoginAttempt.email == email, LoginAttempt.client == client,
        LoginAttempt.outcome == Outcome.SUCCEEDED.value, LoginAttempt.at > since)
        .scalar_subquery())
    per_account = [LoginAttempt.email == email, *recent,
                   or_(LoginAttempt.client != client, last_success.is_(None),
                       LoginAttempt.at > last_success)]
    per_client = [LoginAttempt.client == client, *recent]

    refusals = []
    for limit, conditions, allowed in (
        (Limit.ACCOUNT, per_account, settings.login_max_failures_per_account),
        (Limit.CLIENT, per_client, settings.login_max_failures_per_client),
    ):
        filled_at = _filling_attempt_at(db, conditions, allowed=allowed)
        if filled_at is not None:
            wait = (filled_at + window - now).total_seconds()
            refusals.append(Refusal(limit=limit, retry_after=max(1, math.ceil(wait))))
    return max(refusals, key=lambda refused: refused.retry_after, default=None)


def mark(*, db: Session, attempt_id: uuid.UUID, outcome: Outcome) -> LoginAttempt:
    attempt = db.get_one(LoginAttempt, attempt_id)
    attempt.outcome = outcome.value
    return attempt


def first_refusal_in_window(*, db: Session, attempt: LoginAttempt, settings: Settings,
                            now: datetime) -> bool:
    """No other attempt on this e-mail was refused within the window (a lockout begins)."""
    since = now - timedelta(seconds=settings.login_window_seconds)
    earlier = db.scalar(select(LoginAttempt.id).where(
        LoginAttempt.email == attempt.email, LoginAttempt.outcome == Outcome.REFUSED.value,
        LoginAttempt.at > since, LoginAttempt.id != attempt.id).limit(1))
    return earlier is None


def refused_since_last_success(*, db: Session, email: str, settings: Settings,
                               now: datetime) -> int:
    """Attempts on this e-mail refused since its last success (within the rows kept)."""
    last_success = db.scalar(select(func.max(LoginAttempt.at)).where(
        LoginAttempt.email == email, LoginAttempt.outcome == Outcome.SUCCEEDED.value))
    since = now - retention(settings)
    if last_success is not None and last_success > since:
        since = last_success
    return db.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.email == email, LoginAttempt.outcome == Outcome.REFUSED.value,
        LoginAttempt.at > since)) or 0


def _filling_attempt_at(db: Session, conditions: list[ColumnElement[bool]], *,
                        allowed: int) -> datetime | None:
    """When the ``allowed``-th most recent counted attempt was made, or None if there are fewer.

    With ``allowed`` others in the window, this attempt would be one too many; once that one
    leaves the window, ``allowed - 1`` remain and one more fits.
    """
    return db.scalars(select(LoginAttempt.at).where(*conditions)
                      .order_by(LoginAttempt.at.desc()).limit(1).offset(allowed - 1)).first()


def _prune(*, db: Session, before: datetime) -> None:
    # SKIP LOCKED (PostgreSQL; SQLite has one writer anyway): parallel sign-ins prune disjoint
    # batches instead of waiting on, or deadlocking over, the same old rows.
    oldest = (select(LoginAttempt.id).where(LoginAttempt.at < before)
              .order_by(LoginAttempt.at).limit(PRUNE_BATCH).with_for_update(skip_locked=True))
    db.execute(delete(LoginAttempt).where(LoginAttempt.id.in_(oldest)),
               execution_options={"synchronize_session": False})
