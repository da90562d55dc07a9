"""The refresh token in the OS keyring (Windows Credential Locker, macOS Keychain, Secret Service),
never in a file.

One entry per server and account: service name ``fsp-dispatcher``, user name
``"<server URL> <e-mail>"`` — so the same person signed in to two servers keeps two sign-ins.
``KeyringTokenStore`` is what ``ApiClient(token_store=…)`` expects.

A machine without a usable keyring (a bare Linux session) raises ``CredentialsUnavailable``
with what to do; the app then signs in without "remember me".
"""

from __future__ import annotations

import keyring
import keyring.errors

__all__ = ["SERVICE_NAME", "CredentialsUnavailable", "KeyringTokenStore", "keyring_username",
           "keyring_available", "NO_KEYRING_NOTE"]

NO_KEYRING_NOTE = ("This computer has no password store (keyring) the app can use, so the sign-in "
                   "cannot be remembered: you will sign in each time. To be remembered, install "
                   "and unlock one (e.g. GNOME Keyring or KWallet on Linux).")

SERVICE_NAME = "fsp-dispatcher"


def keyring_available() -> bool:
    """Whether a keyring backend that can store a token is there: not keyring's "fail" backend
    (no backend found) nor a chainer with nothing to chain. Asks nothing of the backend, so it is
    quick enough for the GUI thread (a locked store is still found out at sign-in)."""
    from keyring.backends import chainer, fail

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return any(not isinstance(inner, fail.Keyring) for inner in backend.backends)
    return True


class CredentialsUnavailable(Exception):
    """The OS keyring cannot be used; the message says why and what to do."""


def keyring_username(server_url: str, email: str) -> str:
    """The keyring user name for a sign-in: the server URL and the e-mail, normalised."""
    return f"{server_url.strip().rstrip('/').lower()} {email.strip().lower()}"


class KeyringTokenStore:
    """Loads, saves and deletes refresh tokens in the keyring ``keyring.get_keyring()`` returns
    (the OS's by default; tests install an in-memory backend with ``keyring.set_keyring``)."""

    def __init__(self, *, service_name: str = SERVICE_NAME) -> None:
        self.service_name = service_name

    def load(self, server_url: str, email: str) -> str | None:
        try:
            return keyring.get_password(self.service_name, keyring_username(server_url, email))
        except keyring.errors.KeyringError as exc:
            raise _unavailable(exc) from exc

    def save(self, server_url: str, email: str, refresh_token: str) -> None:
        try:
            keyring.set_password(self.service_name, keyring_username(server_url, email),
                                 refresh_token)
        except keyring.errors.KeyringError as exc:
            raise _unavailable(exc) from exc

    def delete(self, server_url: str, email: str) -> None:
        """Forget the sign-in; forgetting one that is not there is not an error."""
        try:
            keyring.delete_password(self.service_name, keyring_username(server_url, email))
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError as exc:
            raise _unavailable(exc) from exc


def _unavailable(exc: keyring.errors.KeyringError) -> CredentialsUnavailable:
    if isinstance(exc, keyring.errors.NoKeyringError):
        return CredentialsUnavailable(
            "This computer has no password store (keyring) this app can use, so the sign-in "
            "cannot be remembered: sign in each time, or install and unlock one "
            "(e.g. GNOME Keyring or KWallet on Linux)")
    return CredentialsUnavailable(
        f"The password store (keyring) refused: {exc or type(exc).__name__}. Unlock it and try "
        "again, or sign in without remembering")
