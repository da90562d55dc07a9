"""Signing in to a school's own server (plain ``fsp``), and opening the local replica for it.

Blocking: call these off the GUI thread. Errors are ``SignInError`` with a message for a person;
``SignInOffline`` (a ``SignInError``) when the service could not be reached — then, if this
computer has the school's replica, ``start_offline`` opens it without the network: the last known
schedule, edits queued, and the first round of sync that reaches the service signs in silently
(the keyring's refresh token) and sends them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs

from app.services.api_client import (ApiClient, ApiError, Offline, Refused, Session,
                                     Unauthorized)
from app.services.credentials import CredentialsUnavailable, KeyringTokenStore
from app.services.replica import Replica, ReplicaError, replica_file
from app.services.sync_engine import SyncEngine

__all__ = ["DesktopSession", "SignInError", "SignInOffline", "sign_in", "sign_in_again", "resume",
           "open_session", "start_offline", "replica_file", "default_data_folder"]

APP_NAME = "fsp-dispatcher"


class SignInError(Exception):
    """Signing in failed; the message says what happened and what to do next."""


class SignInOffline(SignInError):
    """The service could not be reached (``api_client.Offline`` is the cause); a remembered
    sign-in is still good to try later (``start_offline``)."""


@dataclass
class DesktopSession:
    """A client, its replica and the sync engine over both: signed in and synced once
    (``open_session``), or not yet signed in and to be resumed when the service answers
    (``start_offline``: ``client.account`` is None until then)."""

    client: ApiClient
    replica: Replica
    engine: SyncEngine
    email: str

    def close(self) -> None:
        self.client.close()
        self.replica.close()


def default_data_folder() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def _normalised_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url:
        raise SignInError("Enter the server's address, e.g. https://dispatch.example-school.com")
    if "://" not in url:
        url = "https://" + url
    return url


def sign_in(url: str, email: str, password: str, *, remember: bool) -> ApiClient:
    """A client signed in with e-mail and password; with ``remember`` the refresh token goes to
    the OS keyring so the next start signs in silently."""
    url = _normalised_url(url)
    store = KeyringTokenStore() if remember else None
    if store is not None:
        try:
            store.load(url, email)  # fails early when there is no usable keyring
        except CredentialsUnavailable as exc:
            raise SignInError(str(exc)) from exc
    client = ApiClient(base_url=url, token_store=store)
    try:
        client.login(email.strip(), password)
    except Unauthorized as exc:
        client.close()
        raise SignInError("Wrong e-mail or password: check both and try again") from exc
    except Offline as exc:
        client.close()
        raise SignInError(f"Cannot reach {url}: check the address and the network") from exc
    except Refused as exc:
        client.close()
        raise SignInError(str(exc)) from exc
    except (ApiError, CredentialsUnavailable) as exc:
        client.close()
        raise SignInError(str(exc)) from exc
    return client


def sign_in_again(client: ApiClient, email: str, password: str, *, remember: bool,
                  school_id: str) -> Session:
    """Sign ``client`` (the one the sync engine uses, signed out) in again with e-mail and
    password, so the queued edits go out at the next round; with ``remember`` its refresh tokens
    go to the OS keyring from now on, without it nowhere. An account of another school than
    ``school_id`` (the replica's) is refused before ``client`` changes: edits never go to
    another school."""
    store = KeyringTokenStore() if remember else None
    if store is not None:
        try:
            store.load(client.base_url, email)  # fails early when there is no usable keyring
        except CredentialsUnavailable as exc:
            raise SignInError(str(exc)) from exc
    probe = sign_in(client.base_url, email, password, remember=False)  # nothing stored yet
    try:
        session = probe.session
    finally:
        probe.close()
    assert session is not None
    if session.account.school_id != school_id:
        raise SignInError(f"{session.account.email} belongs to another school than the schedule "
                          "shown here: sign in with an account of this school (your changes stay "
                          "on this computer until you do)")
    client.use_token_store(store)
    try:
        client.adopt(session)
    except CredentialsUnavailable as exc:
        raise SignInError(str(exc)) from exc
    return session


def resume(url: str, email: str) -> ApiClient:
    """A client signed in silently with the refresh token remembered in the keyring."""
    client = ApiClient(base_url=_normalised_url(url), token_store=KeyringTokenStore())
    try:
        client.resume(email)
    except Offline as exc:
        client.close()
        raise SignInOffline(str(exc)) from exc
    except (ApiError, CredentialsUnavailable) as exc:
        client.close()
        raise SignInError(str(exc)) from exc
    return client


def open_session(client: ApiClient, folder: Path) -> DesktopSession:
    """The replica for the signed-in school in ``folder`` (one file per school) and a first sync
    (offline is fine: the replica shows the last known state)."""
    account = client.account
    if account is None:
        raise SignInError("Not signed in: sign in first")
    replica = Replica(replica_file(folder, account.school_id))
    engine = SyncEngine(client=client, replica=replica)
    engine.sync_once()
    return DesktopSession(client=client, replica=replica, engine=engine, email=account.email)


def start_offline(url: str, email: str, folder: Path, school_id: str) -> DesktopSession:
    """The school's replica in ``folder`` with a client not signed in yet, for a start while the
    service cannot be reached: no network here (it returns at once). The first request that
    reaches the service resumes silently as ``email`` from the keyring
    (``ApiClient.resume_when_reachable``); the sync loop's rounds do that, then push the queued
    edits. A refused refresh token makes the sync status ``signed_out`` (sign in again)."""
    path = replica_file(folder, school_id)
    if not path.is_file():
        raise SignInError("Nothing to show offline yet: connect to the network and sign in once")
    client = ApiClient(base_url=_normalised_url(url), token_store=KeyringTokenStore())
    client.resume_when_reachable(email.strip(), school_id=school_id)
    try:
        replica = Replica(path)
    except ReplicaError as exc:
        client.close()
        raise SignInError(str(exc)) from exc
    engine = SyncEngine(client=client, replica=replica)
    return DesktopSession(client=client, replica=replica, engine=engine, email=email.strip())
