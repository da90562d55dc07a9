"""Sign-in requests and answers."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from sync.auth.models import AccountRole
from sync.auth.passwords import MAX_PASSWORD_LENGTH


class LoginRequest(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=MAX_PASSWORD_LENGTH)


class RefreshRequest(BaseModel):
    refresh_token: str = Field(max_length=200)


class AccountSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    role: AccountRole
    school_id: uuid.UUID


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="seconds until the access token expires")


class LoginResponse(TokenPair):
    account: AccountSummary
