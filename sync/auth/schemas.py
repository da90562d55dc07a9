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


class LogoutRequest(BaseModel):
    refresh_token: str = Field(max_length=200, description="the sign-in to end (its whole family)")
    everywhere: bool = Field(
        default=False,
        description="end every sign-in of the account, access tokens included (at their next "
                    "request); needs a refresh token that is still valid",
    )


class PasswordChange(BaseModel):
    current_password: str = Field(max_length=MAX_PASSWORD_LENGTH)
    new_password: str = Field(max_length=MAX_PASSWORD_LENGTH)


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
