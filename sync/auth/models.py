"""Accounts and their refresh tokens."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sync.database.core import Base, TimestampMixin, enum_type, uuid_primary_key
from sync.schools.models import SchoolScopedMixin


class AccountRole(StrEnum):
    ADMIN = "admin"
    DISPATCHER = "dispatcher"
    INSTRUCTOR = "instructor"
    STUDENT = "student"


class Account(SchoolScopedMixin, TimestampMixin, Base):
    __tablename__ = "accounts"
    __table_args__ = (
        # Sign-in compares e-mails exactly; the service lower-cases them on the way in.
        CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[uuid.UUID] = uuid_primary_key()
    # Unique across schools: signing in names no school, the e-mail finds it.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id, PHC string
    role: Mapped[AccountRole] = mapped_column(enum_type(AccountRole, "account_role"))
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)
    # Signing out everywhere, a password change or disabling the account sets this: access
    # tokens issued before it are refused at the next request, not only when they expire.
    sessions_revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    # Bumped by every change an admin or the account makes through /accounts (not by signing in):
    # an update must name the version it was made on, so two admins cannot overwrite each other.
    version: Mapped[int] = mapped_column(default=1)


class RefreshToken(TimestampMixin, Base):
    """One issued refresh token, stored as a hash so a leaked database signs nobody in.

    Rotation: using a token marks it ``rotated_at`` and issues a successor in the same
    ``family_id``. A rotated token presented again means it was copied; the whole family is
    then revoked.
    """

    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = uuid_primary_key()
    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256, hex
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    expires_at: Mapped[datetime]
    # When the family's first token was issued (the sign-in): a family lives at most
    # ``settings.session_max_days`` from here however often it is refreshed. None on rows from
    # before this column: their ``created_at`` stands in.
    family_started_at: Mapped[datetime | None] = mapped_column(default=None)
    rotated_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class PasswordReset(SchoolScopedMixin, TimestampMixin, Base):
    """A one-time link to set a new password, mailed to the account's address.

    Only the SHA-256 of the link's token is stored; the link works once and until ``expires_at``.
    """

    __tablename__ = "password_resets"

    id: Mapped[uuid.UUID] = uuid_primary_key()
    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256, hex
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class LoginAttempt(Base):
    """One sign-in attempt, written (and committed) before the password is verified.

    Kept in the database, not in a process's memory, so every service process and every Lambda
    instance counts the same attempts (``sync.auth.rate_limit``). An attempt under the limits is
    ``pending`` until the verification ends and counts as a failure meanwhile, so parallel guesses
    cannot all slip under the limit; one over a limit is written ``refused`` and never verified.
    Not school-scoped: an attempt may name an e-mail that belongs to no account.
    """

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index(None, "email", "at"),
        Index(None, "client", "at"),
    )

    id: Mapped[uuid.UUID] = uuid_primary_key()
    email: Mapped[str] = mapped_column(String(320))  # as typed, lower-cased
    client: Mapped[str] = mapped_column(String(64))  # the client's address (after trusted proxies)
    at: Mapped[datetime] = mapped_column(index=True)
    outcome: Mapped[str] = mapped_column(String(16), default="pending")  # pending|failed|succeeded|refused
