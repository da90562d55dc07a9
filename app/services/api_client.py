"""The desktop's HTTP client for the sync service: the only code in app/ that speaks HTTP.

``ApiClient`` signs in, keeps the access token fresh (a 401 is answered by one refresh with the
rotating refresh token, whose successor is stored at once), and maps every failure into one
hierarchy with messages a person can read::

    ApiError                 anything that went wrong talking to the service
    ├── Offline              no answer: connection refused, DNS, timeouts, dropped connections
    ├── Unauthorized         not signed in, or the sign-in expired / was revoked: sign in again
    ├── Refused              a 4xx with the service's error body (detail, rule, field, conflict)
    └── ServerError          a 5xx: the service failed; retrying later may help

Every method blocks on the network: call them off the GUI thread (``sync_loop`` does).
Methods return the service's JSON as plain dicts, except sign-in (``Session``) and the sync
protocol (``PullPage``, ``PushResult``), which the sync engine reads field by field.

Thread safety: one client may be shared by several worker threads; refreshing is serialized so
two threads that both see a 401 rotate the refresh token once (a second rotation of the same token
would look like theft to the service and revoke the whole sign-in).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

import httpx

__all__ = [
    "Account", "ApiClient", "ApiError", "Change", "MutationOutcome", "Offline", "PullPage",
    "Refused", "ServerError", "Session", "TokenStore", "Tokens", "Unauthorized",
]


# -- errors ------------------------------------------------------------------------------------


class ApiError(Exception):
    """Talking to the service failed; ``str(error)`` is a sentence for the person at the desk."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Offline(ApiError):
    """The service did not answer (refused, unreachable, timed out). Nothing was lost: retry later."""


class Unauthorized(ApiError):
    """Not signed in, or the sign-in expired or was revoked: the person must sign in again."""


class Refused(ApiError):
    """The service refused the request (4xx) and said why.

    ``rule`` is a stable code to switch on (``STUDENT_DOUBLE_BOOKED``), ``field`` the input at
    fault, ``conflict`` the existing data it clashes with (JSON), ``retry_after`` seconds for 429.
    """

    def __init__(self, status: int, detail: str, *, rule: str | None = None,
                 field: str | None = None, conflict: dict[str, Any] | None = None,
                 retry_after: int | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.rule = rule
        self.field = field
        self.conflict = conflict
        self.retry_after = retry_after


class ServerError(ApiError):
    """The service failed (5xx); the request may or may not have been applied."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


# -- values ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    role: str  # admin | dispatcher | instructor | student
    school_id: str


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int  # seconds until the access token expires


@dataclass(frozen=True)
class Session:
    account: Account
    tokens: Tokens = field(repr=False)


@dataclass(frozen=True)
class Change:
    """One pulled row as it stands now; ``deleted``: a tombstone (remove the row)."""

    table: str
    id: str
    version: int
    server_seq: int
    deleted: bool
    data: dict[str, Any]


@dataclass(frozen=True)
class PullPage:
    changes: list[Change]
    cursor: int
    has_more: bool


@dataclass(frozen=True)
class MutationOutcome:
    """The service's answer to one pushed mutation.

    ``applied``: ``row`` is the row after the change. ``conflict``: the edit was made on a stale
    version; ``row`` is the server's current row. ``rejected``: ``error`` says why (``detail``,
    ``rule``, ``field``, ``conflict``, ``status_code``); nothing changed.
    """

    mutation_id: str
    status: Literal["applied", "conflict", "rejected"]
    row: dict[str, Any] | None
    error: dict[str, Any] | None


class TokenStore(Protocol):
    """Where the refresh token lives between runs (``credentials.KeyringTokenStore``)."""

    def load(self, server_url: str, email: str) -> str | None: ...
    def save(self, server_url: str, email: str, refresh_token: str) -> None: ...
    def delete(self, server_url: str, email: str) -> None: ...


# -- the client --------------------------------------------------------------------------------

_AUTH_PATHS = ("/auth/login", "/auth/refresh")


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("give times with a time zone (UTC is safest): a naive time is ambiguous")
    return moment.isoformat()


class ApiClient:
    """A signed-in conversation with one sync service (see the module docstring).

    ``http_client``: an ``httpx.Client`` to use (tests, proxies); its base URL is set to
    ``base_url``. The client owns it either way: ``close()`` closes it.
    ``token_store``: keeps the refresh token (``credentials.KeyringTokenStore``); None keeps it in
    memory only ("remember me" off).

    A client may start not signed in and resume silently at its first request that reaches the
    service (``resume_when_reachable``): how the app starts while the network is down.
    """

    def __init__(self, *, base_url: str, http_client: httpx.Client | None = None,
                 token_store: TokenStore | None = None, timeout: float = 10) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = http_client or httpx.Client(timeout=timeout)
        self._http.base_url = httpx.URL(self.base_url)
        self._timeout = timeout
        self._token_store = token_store
        self._lock = threading.Lock()
        self._session: Session | None = None
        # A silent sign-in put off until the service answers (``resume_when_reachable``): the
        # e-mail and the school whose data is shown. One resume at a time (it rotates the token).
        self._deferred: tuple[str, str | None] | None = None
        self._deferred_lock = threading.Lock()

    # -- signing in ------------------------------------------------------------------------

    @property
    def session(self) -> Session | None:
        """The current sign-in, or None."""
        return self._session

    @property
    def account(self) -> Account | None:
        return self._session.account if self._session else None

    def login(self, email: str, password: str) -> Session:
        """Sign in; the refresh token goes to the token store. Raises ``Unauthorized`` for a wrong
        e-mail or password, ``Refused`` (429) after too many failures, ``Offline``."""
        body = self._send("POST", "/auth/login", json={"email": email, "password": password},
                          authenticated=False)
        return self._signed_in(body)

    def resume(self, email: str) -> Session:
        """Sign in silently with the refresh token stored for this server and e-mail.

        Raises ``Unauthorized`` when there is none or it is no longer valid (the stored one is
        then forgotten), ``Offline`` when the service cannot be reached (the token is kept)."""
        stored = self._token_store.load(self.base_url, email) if self._token_store else None
        if not stored:
            raise Unauthorized(f"No saved sign-in for {email} on {self.base_url}: sign in")
        try:
            body = self._send("POST", "/auth/refresh", json={"refresh_token": stored},
                              authenticated=False)
        except Unauthorized:
            self._forget(email)
            raise
        return self._signed_in(body)

    def resume_when_reachable(self, email: str, *, school_id: str | None = None) -> None:
        """Not signed in yet (the service cannot be reached now): the next request that needs a
        sign-in first resumes silently as ``email`` (``resume``), so the app can start offline.

        Until then such requests raise ``Offline`` (still pending, tried again by the next
        request). A refresh token the service refuses, or none stored, raises ``Unauthorized``
        saying to sign in again (no longer pending). ``school_id``: the school whose data this
        client works on; a sign-in that turns out to be another school's is refused the same way.
        """
        with self._deferred_lock:
            self._deferred = (email, school_id)

    @property
    def resume_pending(self) -> str | None:
        """The e-mail of a silent sign-in put off by ``resume_when_reachable``, or None."""
        deferred = self._deferred
        return deferred[0] if deferred and self._session is None else None

    def adopt(self, session: Session) -> None:
        """Use a sign-in obtained elsewhere (the embedded launcher's, or one restored by the app);
        its refresh token goes to the token store like a login's."""
        with self._lock:
            self._session = session
        if self._token_store is not None:
            self._token_store.save(self.base_url, session.account.email, session.tokens.refresh_token)

    def use_token_store(self, token_store: TokenStore | None) -> None:
        """Keep the refresh token in ``token_store`` from now on (None: in memory only): "remember
        me" chosen again at a new sign-in of this client."""
        with self._lock:
            self._token_store = token_store

    def logout(self) -> None:
        """End the sign-in at the service (its refresh token can no longer be used, wherever a
        copy of it is) and forget it here and in the token store. Offline, it is forgotten here
        all the same; the service's copy then lapses with the session's lifetime."""
        with self._lock:
            session, self._session = self._session, None
        self._deferred = None
        if session is None:
            return
        self._forget(session.account.email)
        try:
            self._http.post("/auth/logout", json={"refresh_token": session.tokens.refresh_token})
        except httpx.HTTPError:
            pass  # offline: nothing more can be done from here

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- the REST API ----------------------------------------------------------------------

    def list_students(self, *, offset: int = 0, limit: int = 100) -> dict[str, Any]:
        """A page: ``{items, total, offset, limit}``."""
        return self._get("/students", params={"offset": offset, "limit": limit})

    def get_student(self, student_id: str | uuid.UUID) -> dict[str, Any]:
        return self._get(f"/students/{student_id}")

    def create_student(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return self._send("POST", "/students", json=dict(data))

    def update_student(self, student_id: str | uuid.UUID, data: Mapping[str, Any], *,
                       version: int) -> dict[str, Any]:
        """PATCH: only the fields given, on ``version`` (the row's ``version`` when it was read).
        Every update names it: a stale one is ``Refused(409, rule="STALE_VERSION")`` with the
        service's row in ``conflict``, so nobody's change is overwritten unseen."""
        return self._update(f"/students/{student_id}", data, version)

    def list_instructors(self, *, offset: int = 0, limit: int = 100) -> dict[str, Any]:
        return self._get("/instructors", params={"offset": offset, "limit": limit})

    def get_instructor(self, instructor_id: str | uuid.UUID) -> dict[str, Any]:
        return self._get(f"/instructors/{instructor_id}")

    def create_instructor(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return self._send("POST", "/instructors", json=dict(data))

    def update_instructor(self, instructor_id: str | uuid.UUID, data: Mapping[str, Any], *,
                          version: int) -> dict[str, Any]:
        return self._update(f"/instructors/{instructor_id}", data, version)

    def list_aircraft(self, *, offset: int = 0, limit: int = 100) -> dict[str, Any]:
        return self._get("/aircraft", params={"offset": offset, "limit": limit})

    def get_aircraft(self, aircraft_id: str | uuid.UUID) -> dict[str, Any]:
        return self._get(f"/aircraft/{aircraft_id}")

    def create_aircraft(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return self._send("POST", "/aircraft", json=dict(data))

    def update_aircraft(self, aircraft_id: str | uuid.UUID, data: Mapping[str, Any], *,
                        version: int) -> dict[str, Any]:
        return self._update(f"/aircraft/{aircraft_id}", data, version)

    def list_flights(self, *, start: datetime | None = None, end: datetime | None = None,
                     status: str | None = None, offset: int = 0, limit: int = 1000) -> dict[str, Any]:
        """Lessons ending after ``start`` and starting before ``end``; a page."""
        params: dict[str, Any] = {"offset": offset, "limit": limit}
        if start is not None:
            params["from"] = _iso(start)
        if end is not None:
            params["to"] = _iso(end)
        if status is not None:
            params["status"] = status
        return self._get("/flights", params=params)

    def get_flight(self, flight_id: str | uuid.UUID) -> dict[str, Any]:
        return self._get(f"/flights/{flight_id}")

    def create_flight(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Book a lesson; a clash is ``Refused(409, rule=…_DOUBLE_BOOKED, conflict={…})``."""
        return self._send("POST", "/flights", json=dict(data))

    def update_flight(self, flight_id: str | uuid.UUID, data: Mapping[str, Any], *,
                      version: int) -> dict[str, Any]:
        return self._update(f"/flights/{flight_id}", data, version)

    def book_series(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Book a weekly series (``FlightSeriesCreate``: weekdays, start_time in school time,
        duration_minutes, first_date, weeks or until, all_or_nothing, acknowledge). Each
        occurrence is judged on every rule; the answer lists them: ``{series_id, booked: [lesson],
        refused: [{start_at, end_at, status_code, detail, rule, field, conflict, warnings}],
        notices}``. An invalid series (no weekday in range, too long…) is ``Refused(422)``."""
        return self._send("POST", "/flights/series", json=dict(data))

    def cancel_flight(self, flight_id: str | uuid.UUID, reason: str, *, kind: str = "other",
                      scope: str = "this") -> dict[str, Any]:
        """Cancel a lesson: ``kind`` says why (weather, student, no_show, school, other; counted
        apart in the metrics), ``reason`` in words. ``scope`` "following": the later lessons of
        its series too (their ids in ``also_cancelled``; all or none). A lesson checked out is
        ``Refused(409, rule="FLIGHT_CHECKED_OUT")``."""
        return self._send("POST", f"/flights/{flight_id}/cancel",
                          json={"reason": reason, "reason_kind": kind, "scope": scope})

    def check_out(self, flight_id: str | uuid.UUID, *, hobbs_out: float, tach_out: float,
                  at: datetime | None = None) -> dict[str, Any]:
        """The aircraft taken out for the lesson, its meters as read (``at``: default now); the
        lesson. A reading below the aircraft's last check-in is ``Refused(422,
        rule="METER_BACKWARDS")``; a second check-out ``Refused(409, rule="ALREADY_CHECKED_OUT")``."""
        data: dict[str, Any] = {"hobbs_out": hobbs_out, "tach_out": tach_out}
        if at is not None:
            data["at"] = _iso(at)
        return self._send("POST", f"/flights/{flight_id}/check-out", json=data)

    def check_in(self, flight_id: str | uuid.UUID, *, hobbs_in: float, tach_in: float,
                 hobbs_out: float | None = None, tach_out: float | None = None,
                 actual_start_at: datetime | None = None, actual_end_at: datetime | None = None,
                 remarks: str = "") -> dict[str, Any]:
        """The lesson flown: it becomes COMPLETED with its flown time and the aircraft's meters
        advance; the lesson. ``hobbs_out``/``tach_out`` only for a lesson not checked out.
        Implausible readings are ``Refused(422, rule="IMPLAUSIBLE_METER" | "METER_BACKWARDS")``,
        a closed lesson ``Refused(409, rule="FLIGHT_CLOSED")``."""
        data: dict[str, Any] = {"hobbs_in": hobbs_in, "tach_in": tach_in, "remarks": remarks}
        for key, value in (("hobbs_out", hobbs_out), ("tach_out", tach_out)):
            if value is not None:
                data[key] = value
        for key, moment in (("actual_start_at", actual_start_at), ("actual_end_at", actual_end_at)):
            if moment is not None:
                data[key] = _iso(moment)
        return self._send("POST", f"/flights/{flight_id}/check-in", json=data)

    def check_weather(self, flight_id: str | uuid.UUID) -> dict[str, Any]:
        """Judge one lesson's weather now; the stored WeatherCheck."""
        return self._send("POST", "/weather/check", json={"flight_id": str(flight_id)})

    def current_weather(self, stations: Iterable[str]) -> list[dict[str, Any]]:
        """Latest METAR and TAF periods per station, with flight categories."""
        return self._get("/weather/current", params={"ids": ",".join(stations)})

    # -- rescheduling (each request with its options and ``history``: who acted when) ------

    def list_reschedule_requests(self, state: str | None = None) -> list[dict[str, Any]]:
        """The school's reschedule requests, newest first (``state``: PENDING_STUDENT, …)."""
        params = {"state": state} if state is not None else None
        return self._get("/reschedule", params=params)["items"]

    def get_reschedule_request(self, request_id: str | uuid.UUID) -> dict[str, Any]:
        return self._get(f"/reschedule/{request_id}")

    def open_reschedule_request(self, flight_id: str | uuid.UUID) -> dict[str, Any]:
        """Open a request with options for a weather-cancelled or at-risk lesson; one already
        open is ``Refused(409, rule="REQUEST_ALREADY_OPEN", conflict={"id", "state"})``."""
        return self._send("POST", "/reschedule", json={"flightId": str(flight_id)})

    def select_reschedule_option(self, request_id: str | uuid.UUID, rank: int) -> dict[str, Any]:
        """Pick option ``rank`` for the student (who said so on the phone, say); a slot taken
        meanwhile is ``Refused(409, rule="SLOT_TAKEN", conflict={"options": fresh ones})``."""
        return self._send("POST", f"/reschedule/{request_id}/select", json={"option": int(rank)})

    def confirm_reschedule(self, request_id: str | uuid.UUID) -> dict[str, Any]:
        """Book the chosen option (the lesson's instructor, a dispatcher or an admin)."""
        return self._send("POST", f"/reschedule/{request_id}/confirm")

    def reject_reschedule(self, request_id: str | uuid.UUID, reason: str = "") -> dict[str, Any]:
        """Close the request: none of the options will do."""
        return self._send("POST", f"/reschedule/{request_id}/reject", json={"reason": reason})

    def search_reschedule_again(self, request_id: str | uuid.UUID) -> dict[str, Any]:
        """Replace the open request by a new one with freshly searched options (the new request);
        a closed one is ``Refused(409, rule="REQUEST_CLOSED")``."""
        return self._send("POST", f"/reschedule/{request_id}/search-again")

    def list_notifications(self, *, status: str | None = None, offset: int = 0,
                           limit: int = 100) -> dict[str, Any]:
        """The school's outgoing mail, newest first (never the bodies); a page."""
        params: dict[str, Any] = {"offset": offset, "limit": limit}
        if status is not None:
            params["status"] = status
        return self._get("/notifications", params=params)

    def retry_notification(self, notification_id: str | uuid.UUID) -> dict[str, Any]:
        """Send a FAILED mail again at the sender's next pass; any other status is
        ``Refused(409, rule="NOTIFICATION_NOT_FAILED")``."""
        return self._send("POST", f"/notifications/{notification_id}/retry")

    # -- the school's booking policy ----------------------------------------------------------

    def get_policy(self) -> dict[str, Any]:
        """The school's booking policy: ``{version, rules: [{code, action, default, refusal,
        title, description}], settings: {name: number or None}}``."""
        return self._get("/policy")

    def update_policy(self, changes: Mapping[str, Any], *, version: int) -> dict[str, Any]:
        """Change rules (``{"rules": {code: "block"|"warn"|"off"}}``) and settings (by name; None:
        no limit, where one may be lifted) of the policy as read at ``version``; what is not sent
        stays. The policy as it now is. Admins only (``Refused(403)``); someone else's change
        since is ``Refused(409, rule="STALE_VERSION")`` with the current policy in ``conflict``;
        a value out of range ``Refused(422)`` naming the ``field``."""
        return self._send("PUT", "/policy", json={**changes, "version": version})

    # -- accounts (admins only: anyone else is ``Refused(403)``) ----------------------------

    def list_accounts(self, *, offset: int = 0, limit: int = 500) -> dict[str, Any]:
        """The school's accounts (e-mail, role, active, last sign-in), by e-mail; a page."""
        return self._get("/accounts", params={"offset": offset, "limit": limit})

    def create_account(self, *, email: str, role: str, password: str | None = None) -> dict[str, Any]:
        """A new account of the school. Without ``password`` the service mails it a one-time link
        to set its own; a guessable one is ``Refused(422, rule="WEAK_PASSWORD")``."""
        data: dict[str, Any] = {"email": email, "role": role}
        if password:
            data["password"] = password
        return self._send("POST", "/accounts", json=data)

    def update_account(self, account_id: str | uuid.UUID, data: Mapping[str, Any], *,
                       version: int) -> dict[str, Any]:
        """Change ``role`` and/or ``active`` (False ends all the account's sign-ins) of the
        account as read at ``version`` (someone else's change since: ``Refused(409,
        rule="STALE_VERSION")``). The school's last active admin cannot step down:
        ``Refused(409, rule="LAST_ADMIN")``."""
        return self._update(f"/accounts/{account_id}", data, version)

    def send_password_reset(self, account_id: str | uuid.UUID) -> dict[str, Any]:
        """Mail the account a one-time link to set a new password; its sign-ins end now.
        ``{account_id, expires_at, notification_id}``."""
        return self._send("POST", f"/accounts/{account_id}/password-reset")

    def metrics(self) -> dict[str, Any]:
        return self._get("/metrics")

    def health(self) -> dict[str, Any]:
        """The service's health; a 503 (database unreachable) is answered as its body, not raised."""
        try:
            response = self._http.get("/health", timeout=self._timeout)
        except httpx.TransportError as exc:
            raise self._transport_error(exc) from exc
        if response.status_code == 503:
            return response.json()
        return self._decode(response)

    # -- the sync protocol -----------------------------------------------------------------

    def pull(self, *, cursor: int, limit: int = 500) -> PullPage:
        """Changes of the school after ``cursor`` in server_seq order."""
        body = self._get("/sync/pull", params={"cursor": cursor, "limit": limit})
        return PullPage(
            changes=[Change(table=c["table"], id=str(c["id"]), version=c["version"],
                            server_seq=c["server_seq"], deleted=c["deleted"], data=c["data"])
                     for c in body["changes"]],
            cursor=body["cursor"], has_more=body["has_more"],
        )

    def push(self, *, client_id: str | uuid.UUID,
             mutations: Iterable[Mapping[str, Any]]) -> list[MutationOutcome]:
        """Send mutations ``{mutation_id, table, op, row_id, base_version, data}``; one outcome
        each, in order. Idempotent by mutation id: a retry gets the stored answer."""
        payload = {"client_id": str(client_id),
                   "mutations": [{key: (str(value) if key in ("mutation_id", "row_id") else value)
                                  for key, value in mutation.items()} for mutation in mutations]}
        body = self._send("POST", "/sync/push", json=payload)
        return [MutationOutcome(mutation_id=str(result["mutation_id"]), status=result["status"],
                                row=result.get("row"), error=result.get("error"))
                for result in body["results"]]

    # -- plumbing --------------------------------------------------------------------------

    def _signed_in(self, body: dict[str, Any]) -> Session:
        account = body["account"]
        session = Session(
            account=Account(id=str(account["id"]), email=account["email"], role=account["role"],
                            school_id=str(account["school_id"])),
            tokens=Tokens(access_token=body["access_token"], refresh_token=body["refresh_token"],
                          expires_in=int(body.get("expires_in", 0))),
        )
        with self._lock:
            self._session = session
        if self._token_store is not None:
            self._token_store.save(self.base_url, session.account.email, session.tokens.refresh_token)
        return session

    def _resume_deferred(self) -> Session | None:
        """The silent sign-in ``resume_when_reachable`` put off, now; None when there is none."""
        with self._deferred_lock:
            if self._session is not None:  # another thread resumed while we waited
                return self._session
            if self._deferred is None:
                return None
            email, school_id = self._deferred
            again = ("sign in again; your changes are kept on this computer and are sent once "
                     "you have")
            try:
                session = self.resume(email)
            except Unauthorized as exc:
                self._deferred = None
                raise Unauthorized(f"Your saved sign-in for {email} is no longer valid: "
                                   f"{again}") from exc
            except ApiError:
                raise  # Offline, ServerError…: still pending, tried again by the next request
            except Exception as exc:  # the token store's own failure (a locked keyring)
                raise ApiError(f"Your saved sign-in for {email} could not be read ({exc}): "
                               "unlock the password store (keyring), or sign in again") from exc
            self._deferred = None
            if school_id is not None and session.account.school_id != school_id:
                with self._lock:
                    self._session = None
                raise Unauthorized(f"{email} now belongs to another school than the schedule "
                                   f"shown here: {again}")
            return session

    def _forget(self, email: str) -> None:
        if self._token_store is not None:
            self._token_store.delete(self.base_url, email)

    def _refresh(self, stale_access_token: str | None) -> bool:
        """Rotate the refresh token once; True when there is a (new) access token to retry with."""
        with self._lock:
            session = self._session
            if session is None:
                return False
            if session.tokens.access_token != stale_access_token:
                return True  # another thread refreshed while we waited
            try:
                response = self._http.post("/auth/refresh", timeout=self._timeout,
                                           json={"refresh_token": session.tokens.refresh_token})
            except httpx.TransportError as exc:
                raise self._transport_error(exc) from exc
            if response.status_code == 401:
                self._session = None
                email = session.account.email
            else:
                body = self._decode(response)
                account = body["account"]
                self._session = Session(
                    account=Account(id=str(account["id"]), email=account["email"],
                                    role=account["role"], school_id=str(account["school_id"])),
                    tokens=Tokens(access_token=body["access_token"],
                                  refresh_token=body["refresh_token"],
                                  expires_in=int(body.get("expires_in", 0))),
                )
                # Stored before anything else can fail: the old token is already spent.
                if self._token_store is not None:
                    self._token_store.save(self.base_url, account["email"],
                                           body["refresh_token"])
                return True
        self._forget(email)
        return False

    def _get(self, path: str, *, params: Mapping[str, Any] | None = None) -> Any:
        return self._send("GET", path, params=params)

    def _update(self, path: str, data: Mapping[str, Any], version: int) -> Any:
        return self._send("PATCH", path, json={**data, "version": version})

    def _send(self, method: str, path: str, *, json: Any = None,
              params: Mapping[str, Any] | None = None, authenticated: bool = True) -> Any:
        access = None
        if authenticated:
            session = self._session or self._resume_deferred()
            if session is None:
                raise Unauthorized("You are not signed in: sign in first")
            access = session.tokens.access_token
        response = self._request(method, path, json=json, params=params, access_token=access)
        if response.status_code == 401 and authenticated:
            if not self._refresh(access):
                raise Unauthorized("Your sign-in has expired or was revoked: sign in again")
            session = self._session
            if session is None:
                raise Unauthorized("Your sign-in has expired or was revoked: sign in again")
            response = self._request(method, path, json=json, params=params,
                                     access_token=session.tokens.access_token)
        return self._decode(response)

    def _request(self, method: str, path: str, *, json: Any, params: Mapping[str, Any] | None,
                 access_token: str | None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
        try:
            return self._http.request(method, path, json=json, params=params, headers=headers,
                                      timeout=self._timeout)
        except httpx.TransportError as exc:
            raise self._transport_error(exc) from exc

    def _transport_error(self, exc: httpx.TransportError) -> ApiError:
        where = self.base_url
        if isinstance(exc, httpx.TimeoutException):
            return Offline(f"The service at {where} did not answer in time: check the network; "
                           "your changes are kept and will be sent later")
        if isinstance(exc, (httpx.NetworkError, httpx.RemoteProtocolError, httpx.ProxyError)):
            return Offline(f"Cannot reach the service at {where}: check the network or the "
                           "server address; your changes are kept and will be sent later")
        return ApiError(f"Cannot talk to the service at {where}: {exc}")

    @staticmethod
    def _decode(response: httpx.Response) -> Any:
        status = response.status_code
        if status < 400:
            if status == 204 or not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                raise ServerError(status, "The service sent an answer this app cannot read: "
                                          "is the server address right?") from None
        body: Any
        try:
            body = response.json()
        except ValueError:
            body = None
        detail = _detail_text(body) or response.reason_phrase or f"HTTP {status}"
        if status == 401:
            raise Unauthorized(detail)
        if 400 <= status < 500:
            fields = body if isinstance(body, dict) else {}
            retry = response.headers.get("Retry-After")
            raise Refused(status, detail, rule=fields.get("rule"), field=fields.get("field")
                          or _first_field(body), conflict=fields.get("conflict"),
                          retry_after=int(retry) if retry and retry.isdigit() else None)
        raise ServerError(status, f"The service failed ({status} {response.reason_phrase}): "
                                  "try again in a moment; if it keeps failing, tell your administrator")


def _detail_text(body: Any) -> str | None:
    """The service's ``detail``: a sentence, or FastAPI's list of validation errors joined."""
    if not isinstance(body, dict):
        return None
    detail = body.get("detail")
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list):
        parts = []
        for error in detail:
            if isinstance(error, dict):
                location = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
                parts.append(f"{location}: {error.get('msg', 'invalid')}" if location
                             else str(error.get("msg", "invalid")))
        return "; ".join(parts) or None
    return None


def _first_field(body: Any) -> str | None:
    if isinstance(body, dict) and isinstance(body.get("detail"), list) and body["detail"]:
        first = body["detail"][0]
        if isinstance(first, dict):
            location = [str(part) for part in first.get("loc", ()) if part != "body"]
            return ".".join(location) or None
    return None
