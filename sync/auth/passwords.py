"""Password hashing (argon2id, argon2-cffi's recommended parameters) and the length rule."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from sync.errors import InvalidInput

# Length is what makes a password hard to guess; no composition rules (NIST SP 800-63B).
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # hashing cost grows with length: refuse megabyte "passwords"

_hasher = PasswordHasher()


def check_password_rules(password: str) -> None:
    if not password.strip():
        raise InvalidInput("the password is empty", field="password")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"the password is {len(password)} characters long; use at least {MIN_PASSWORD_LENGTH}",
            field="password",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"the password is longer than {MAX_PASSWORD_LENGTH} characters", field="password"
        )


def hash_password(password: str) -> str:
    check_password_rules(password)
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with older parameters: re-hash after the next good sign-in."""
    return _hasher.check_needs_rehash(password_hash)
