"""Password hashing (argon2id, argon2-cffi's recommended parameters), the length rule and the
strength check every new password passes (zxcvbn)."""

from __future__ import annotations

import base64
import secrets
import threading
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import ARGON2_VERSION
from zxcvbn import zxcvbn

from sync.errors import InvalidInput

# Length is what makes a password hard to guess; no composition rules (NIST SP 800-63B).
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # hashing cost grows with length: refuse megabyte "passwords"

# zxcvbn's 0-4 scale: 3 is "safely unguessable" (about 10^8 guesses to find it offline at a slow
# hash's pace); 2 and below are passwords like "password1234" that are found in minutes.
MIN_STRENGTH_SCORE = 3
# zxcvbn refuses longer input (its matching grows much faster than the length): longer
# passwords are judged on their first 72 characters, and more only makes them stronger.
_STRENGTH_CHECKED_LENGTH = 72
# zxcvbn keeps the user inputs of the call in a module-level dictionary: two threads checking at
# once would judge each other's passwords against the wrong inputs.
_strength_lock = threading.Lock()

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


def check_password_strength(password: str, *, user_inputs: Iterable[str] = ()) -> None:
    """Refuse a password that breaks the length rule or that zxcvbn scores below 3.

    ``user_inputs``: words tied to the account (its e-mail, the school's name): a password built
    from them is as weak as one built from a dictionary.
    """
    check_password_rules(password)
    inputs = sorted({word.strip().lower() for word in user_inputs if word and word.strip()})
    with _strength_lock:
        result = zxcvbn(password[:_STRENGTH_CHECKED_LENGTH], user_inputs=inputs)
    if result["score"] >= MIN_STRENGTH_SCORE:
        return
    feedback = result.get("feedback") or {}
    warning = (feedback.get("warning") or "").strip().rstrip(".")
    suggestions = " ".join(feedback.get("suggestions") or []).strip()
    why = f" ({warning.lower()})" if warning else ""
    advice = suggestions or "Add another word or two; uncommon words are better."
    raise InvalidInput(
        f"the password is too easy to guess{why}: choose another. {advice}",
        field="password", rule="WEAK_PASSWORD",
    )


def unusable_password_hash() -> str:
    """A hash no password matches, for an account that sets its own password through a mailed
    link: signing in fails exactly like a wrong password.

    Random bytes where the hash goes, with a random salt and this hasher's parameters: verifying
    against it costs a full argon2 run like any other account's (nothing to time), and no
    password hashes to 32 random bytes. Making it costs nothing, where hashing a random secret
    cost a whole argon2 run and its 64 MiB (seven of them in a row when the demo school is
    seeded)."""
    def b64(raw: bytes) -> str:  # argon2's PHC strings: standard base64, no padding
        return base64.b64encode(raw).decode("ascii").rstrip("=")

    return (f"$argon2{_hasher.type.name.lower()}$v={ARGON2_VERSION}"
            f"$m={_hasher.memory_cost},t={_hasher.time_cost},p={_hasher.parallelism}"
            f"${b64(secrets.token_bytes(_hasher.salt_len))}"
            f"${b64(secrets.token_bytes(_hasher.hash_len))}")


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
