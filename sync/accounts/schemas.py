"""Accounts over the API: ``AccountCreate``, ``AccountUpdate``, ``AccountRead``, ``AccountsPage``,
``AccountPasswordSet``, ``PasswordResetSent``."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from sync.auth.models import AccountRole
from sync.auth.passwords import MAX_PASSWORD_LENGTH
from sync.preconditions import VersionSent


class AccountCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=320)
    role: AccountRole
    password: str | None = Field(
        default=None, max_length=MAX_PASSWORD_LENGTH,
        description="an initial password; without one (the default) the account gets a mail with "
                    "a one-time link to set its own",
    )


class AccountUpdate(BaseModel):
    """Only the fields given change, and only on the version they were made on (``version``, or
    ``If-Match``): two admins never silently overwrite each other."""

    model_config = ConfigDict(extra="forbid")

    version: VersionSent = None

    role: AccountRole | None = None
    active: bool | None = Field(
        default=None, description="false disables the account and ends all its sign-ins"
    )


class AccountPasswordSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(max_length=MAX_PASSWORD_LENGTH)


class AccountRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    role: AccountRole
    active: bool
    last_login_at: datetime | None
    created_at: datetime
    version: int


class AccountsPage(BaseModel):
    items: list[AccountRead]
    total: int
    offset: int
    limit: int


class PasswordResetSent(BaseModel):
    account_id: uuid.UUID
    expires_at: datetime = Field(description="until when the mailed link works")
    notification_id: uuid.UUID | None = Field(
        default=None, description="the mail in the outbox (GET /notifications shows its status)"
    )
