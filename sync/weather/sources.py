"""Where raw METAR and TAF texts come from: the aviationweather.gov Data API, or recorded files.

Both sources answer the same question — "the raw reports for these stations, newest first" — so
the sweep takes any ``WeatherSource`` and the demo runs on recorded weather without a network.
Every failure leaves this module as a ``WeatherError``; httpx and JSON errors never leak out.
"""

from __future__ import annotations

import json
import logging
import math
import re
import ssl
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from importlib import metadata
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

import httpx

from sync.weather.breaker import UNAVAILABLE, CircuitBreaker, Deadline
from sync.weather.errors import UnknownStation, WeatherUnavailable, WeatherUnreadable
from sync.weather.settings import weather_base_url

log = logging.getLogger(__name__)

# The API returns at most 400 results per response; without ``hours`` it sends one report per
# station, so 400 ids per request is the most that cannot be truncated.
API_RESULT_LIMIT = 400
# A server asking us to wait an hour would stall the whole sweep; the next sweep is the real retry.
MAX_RETRY_AFTER_SECONDS = 60.0
_STATION_ID = re.compile(r"[A-Z0-9]{3,4}")


def _package_version() -> str:
    try:
        return metadata.version("fsp-dispatcher")
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        return "dev"


# aviationweather.gov asks clients to identify themselves; a named agent gets a warning, not a ban.
USER_AGENT = f"fsp-dispatcher/{_package_version()} (+flight school weather dispatcher)"


@dataclass(frozen=True)
class _Product:
    label: str  # for messages: "METAR"
    name: str  # API path segment and recorded file stem: "metar"
    raw_field: str  # where the report text is: "rawOb"
    time_field: str  # what orders reports of one station: "obsTime"


METAR = _Product(label="METAR", name="metar", raw_field="rawOb", time_field="obsTime")
TAF = _Product(label="TAF", name="taf", raw_field="rawTAF", time_field="issueTime")


@runtime_checkable
class WeatherSource(Protocol):
    """Raw reports per station, newest first; every station asked for is a key (``[]`` = no data)."""

    def fetch_metars(self, station_ids: Iterable[str]) -> dict[str, list[str]]: ...

    def fetch_tafs(self, station_ids: Iterable[str]) -> dict[str, list[str]]: ...


class AviationWeatherClient:
    """The aviationweather.gov Data API (``/api/data/metar``, ``/api/data/taf``), in batches.

    Many stations go in one request (comma-separated ``ids``), so a sweep of 1,000 stations costs
    three requests per product instead of a thousand. 429, 5xx and network failures are retried with
    exponential back-off; anything still failing becomes ``WeatherUnavailable`` and the lessons it
    concerns are judged UNKNOWN until the next sweep.

    ``deadline``: the time every request of this client may take in all (both products, every
    batch, retry and back-off); each attempt's timeout is cut to what is left of it. ``breaker``:
    the process's circuit breaker for this upstream (``sync.weather.breaker.breaker_for``), asked
    before every attempt and told how it went. Without them, only ``timeout`` and
    ``max_retries`` bound a fetch (the CLI, tests of the retry rules).
    """

    def __init__(
        self,
        *,
        base_url: str | None = None,
        http_client: httpx.Client | None = None,
        timeout: float = 10.0,
        max_retries: int = 3,
        backoff_seconds: float = 0.5,
        batch_size: int = API_RESULT_LIMIT,
        sleep: Callable[[float], None] = time.sleep,
        deadline: Deadline | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        if not 1 <= batch_size <= API_RESULT_LIMIT:
            raise ValueError(f"batch_size must be 1..{API_RESULT_LIMIT}, not {batch_size}")
        if max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, not {max_retries}")
        self._base_url = (base_url or weather_base_url()).rstrip("/")
        self._host = httpx.URL(self._base_url).host or self._base_url
        # A client handed in belongs to the caller (shared pool, test transport): we never close it.
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(follow_redirects=True, verify=_tls_context())
        self._timeout = timeout
        self._max_retries = max_retries
        self._backoff_seconds = backoff_seconds
        self._batch_size = batch_size
        self._sleep = sleep
        self._deadline = deadline
        self._breaker = breaker

    def fetch_metars(self, station_ids: Iterable[str]) -> dict[str, list[str]]:
        return self._fetch(METAR, station_ids)

    def fetch_tafs(self, station_ids: Iterable[str]) -> dict[str, list[str]]:
        return self._fetch(TAF, station_ids)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _fetch(self, product: _Product, station_ids: Iterable[str]) -> dict[str, list[str]]:
        stations = normalise_station_ids(station_ids)
        reports: dict[str, list[str]] = {}
        for batch in _batches(stations, self._batch_size):
            records = self._get_records(product, batch)
            origin = f"{self._host}'s {product.label} answer"
            reports.update(_reports_by_station(records, product, batch, origin=origin))
        return reports

    def _get_records(self, product: _Product, batch: list[str]) -> object:
        """One batch, retried; the decoded JSON body (``[]`` when the API has nothing)."""
        url = f"{self._base_url}/api/data/{product.name}"
        params = {"ids": ",".join(batch), "format": "json"}
        attempts = self._max_retries + 1
        made = 0
        failure = ""
        cause: Exception | None = None
        for attempt in range(attempts):
            timeout = self._attempt_timeout(product, batch)  # raises when no time or trust is left
            retry_after: float | None = None
            made += 1
            try:
                response = self._http.get(
                    url, params=params, headers={"User-Agent": USER_AGENT}, timeout=timeout
                )
            except httpx.UnsupportedProtocol as exc:  # a typo in configuration will not heal by retrying
                raise WeatherUnavailable(
                    f"cannot request weather from {self._base_url!r} ({exc}); "
                    "set FSP_WEATHER_URL to an http(s) address or unset it"
                ) from exc
            except httpx.TimeoutException as exc:
                failure, cause = f"did not answer within {self._described(timeout)}", exc
                self._record(failed=True)
            except httpx.TransportError as exc:
                failure, cause = f"could not be reached ({type(exc).__name__}: {exc})", exc
                self._record(failed=True)
            else:
                status = response.status_code
                if status == 429 or status >= 500:
                    failure, cause = f"answered {status} {response.reason_phrase}", None
                    retry_after = _retry_after_seconds(response)
                    self._record(failed=True)
                else:
                    # It answered: whatever the answer, the upstream is there.
                    self._record(failed=False)
                    if response.is_success:
                        return _decode_body(response, product,
                                            origin=f"{self._host}'s {product.label} answer")
                    # other 4xx (and redirects a caller's client did not follow): our request is wrong
                    raise WeatherUnavailable(
                        f"{self._host} refused the {product.label} request with {status} "
                        f"{response.reason_phrase} ({_excerpt(response.text)}); check FSP_WEATHER_URL "
                        f"({self._base_url}) — if it is right, the API may have changed"
                    )
            if attempt + 1 < attempts:
                wait = self._wait_before_retry(attempt, retry_after)
                if self._deadline is not None and wait >= self._deadline.remaining():
                    break  # the back-off alone would spend the caller's time: give up now
                log.warning("%s %s for %s; retrying in %.1f s", self._host, failure, product.label, wait)
                self._sleep(wait)
        count = f" {_times(made)}" if made > 1 else ""
        raise WeatherUnavailable(
            f"{self._host} {failure}{count} for {product.label} "
            f"({len(batch)} stations): {UNAVAILABLE}; the next sweep tries again"
        ) from cause

    def _attempt_timeout(self, product: _Product, batch: list[str]) -> float:
        """This attempt's timeout: ``timeout``, cut to what is left of the deadline. Raises
        ``WeatherUnavailable`` without touching the network when the deadline has passed or the
        breaker is open."""
        timeout = self._timeout
        if self._deadline is not None:
            left = self._deadline.remaining()
            if left <= 0:
                raise WeatherUnavailable(
                    f"{UNAVAILABLE}: the {self._deadline.seconds:g} s allowed for weather ran out "
                    f"before {self._host} was asked for {product.label} ({len(batch)} stations); "
                    "the next sweep tries again"
                )
            timeout = min(timeout, left)
        if self._breaker is not None:
            self._breaker.allow()
        return timeout

    def _described(self, timeout: float) -> str:
        if self._deadline is not None and timeout < self._timeout:
            return f"the {self._deadline.seconds:g} s allowed for weather"
        return f"{timeout:g} s"

    def _record(self, *, failed: bool) -> None:
        if self._breaker is None:
            return
        if failed:
            self._breaker.record_failure()
        else:
            self._breaker.record_success()

    def _wait_before_retry(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, MAX_RETRY_AFTER_SECONDS)
        return self._backoff_seconds * 2.0**attempt


class RecordedWeatherSource:
    """Reports from ``metar.json`` and ``taf.json`` in a directory, in the API's JSON format.

    For the demo and for replaying a day: the files are what ``/api/data/...&format=json``
    answered. They are read on every call, so a file replaced while the service runs is picked up.
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def fetch_metars(self, station_ids: Iterable[str]) -> dict[str, list[str]]:
        return self._fetch(METAR, station_ids)

    def fetch_tafs(self, station_ids: Iterable[str]) -> dict[str, list[str]]:
        return self._fetch(TAF, station_ids)

    def _fetch(self, product: _Product, station_ids: Iterable[str]) -> dict[str, list[str]]:
        stations = normalise_station_ids(station_ids)
        path = self.directory / f"{product.name}.json"
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:  # a recording without TAFs is a recording without forecasts
            return {station: [] for station in stations}
        except (OSError, UnicodeDecodeError) as exc:
            raise WeatherUnreadable(
                f"cannot read recorded weather file {path} ({exc}); fix or re-record it"
            ) from exc
        try:
            records = json.loads(text) if text.strip() else []
        except json.JSONDecodeError as exc:
            raise WeatherUnreadable(
                f"recorded weather file {path} is not valid JSON ({exc}); fix or re-record it"
            ) from exc
        return _reports_by_station(records, product, stations, origin=f"recorded weather file {path}")


@cache
def _tls_context() -> ssl.SSLContext:
    """One for the process: httpx builds a new one per client otherwise (loading the CA bundle,
    a sixth of a second on a small machine), and a client is made per request's weather."""
    return httpx.create_ssl_context()


def normalise_station_ids(station_ids: Iterable[str]) -> list[str]:
    """Upper-cased, de-duplicated (first occurrence wins), checked; raises ``UnknownStation``."""
    if isinstance(station_ids, str):  # "KAUS" would otherwise be asked for as K, A, U, S
        raise TypeError("station_ids must be a collection of identifiers, not one string")
    stations: dict[str, None] = {}
    for station_id in station_ids:
        station = station_id.strip().upper()
        if not _STATION_ID.fullmatch(station):
            raise UnknownStation(
                f"{station_id!r} is not a station identifier (3 or 4 letters or digits, like KAUS)"
            )
        stations[station] = None
    return list(stations)


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _decode_body(response: httpx.Response, product: _Product, *, origin: str) -> object:
    # The API answers 204 with an empty body when no station has a report: that is "no data".
    if response.status_code == 204 or not response.content.strip():
        return []
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise WeatherUnreadable(
            f"{origin} is not JSON ({_excerpt(response.text)}); the next sweep tries again — "
            "if this persists, check FSP_WEATHER_URL or whether the API changed"
        ) from exc


def _reports_by_station(
    records: object, product: _Product, stations: list[str], *, origin: str
) -> dict[str, list[str]]:
    """Raw texts of the wanted stations, newest first; a record of the wrong shape is unreadable."""
    if not isinstance(records, list):
        raise WeatherUnreadable(
            f"{origin} is not a list of {product.label} reports ({_excerpt(repr(records))})"
        )
    found: dict[str, list[tuple[float, str]]] = {station: [] for station in stations}
    for record in records:
        station = record.get("icaoId") if isinstance(record, dict) else None
        raw = record.get(product.raw_field) if isinstance(record, dict) else None
        # Strict on purpose: a renamed field must show up as an error, not as every lesson UNKNOWN.
        if not isinstance(station, str) or not isinstance(raw, str):
            raise WeatherUnreadable(
                f"{origin} has an entry without icaoId or {product.raw_field} "
                f"({_excerpt(repr(record))}); the API format may have changed"
            )
        if station.upper() in found:
            found[station.upper()].append((_report_timestamp(record.get(product.time_field)), raw))
    # The API's order is not documented; the time field is. Stable sort keeps ties in given order.
    return {
        station: [raw for _, raw in sorted(timed, key=lambda item: item[0], reverse=True)]
        for station, timed in found.items()
    }


def _report_timestamp(value: object) -> float:
    """Unix seconds from ``obsTime`` (a number) or ``issueTime`` (ISO 8601); unknown sorts last."""
    if isinstance(value, bool):
        return -math.inf
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return -math.inf
        # The API writes UTC ("...Z"); a recording without an offset means UTC too, never local time.
        return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()
    return -math.inf


def _retry_after_seconds(response: httpx.Response) -> float | None:
    """A numeric ``Retry-After``; the HTTP-date form is rare enough to fall back to back-off."""
    try:
        seconds = float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _times(count: int) -> str:
    return {1: "once", 2: "twice", 3: "three times", 4: "four times"}.get(count, f"{count} times")


def _excerpt(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    if not text:
        return "empty body"
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
