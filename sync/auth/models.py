"""Accounts and their refresh tokens."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
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
    rotated_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
