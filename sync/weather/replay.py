"""A weather recording replayed at the present: the demo's weather on any day.

The demo school's weather was recorded on one morning (``recording.json`` in the recording's
folder says when). Judged on another day, every report would be days old — stale METARs, expired
TAFs, every lesson UNKNOWN. ``ReplayedWeatherSource`` moves the recording forward by a whole
number of hours so that it looks taken in the current hour: the same front arrives on the same
schedule relative to now, whatever the date.

Only the reports' time groups move — ``DDHHMMZ`` (observation and issue time), ``DDHH/DDHH``
(TAF validity and change periods), ``FMDDHHMM`` and the TAF temperature groups ``TX../DDHHZ``.
The decoders (python-metar, avwx-engine) still read every report; this module never interprets
weather. Whole hours keep every minute field and every ``HH`` a valid hour. Times in remarks
(``PK WND 27028/1432``, ``RAB15``) are left as recorded: the judge does not read them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sync.weather.errors import WeatherUnreadable
from sync.weather.sources import RecordedWeatherSource

__all__ = ["RECORDING_FILE", "ReplayedWeatherSource", "recorded_at", "shift_report"]

RECORDING_FILE = "recording.json"

# The groups that carry a day of the month, each with the parts around the time kept as they are.
_DAY_HOUR_MINUTE_Z = re.compile(r"(?<![\w/])(\d{2})(\d{2})(\d{2})Z(?!\w)")  # 251453Z
_FROM = re.compile(r"(?<![\w/])FM(\d{2})(\d{2})(\d{2})(?!\w)")  # FM251800
_PERIOD = re.compile(r"(?<![\w/])(\d{2})(\d{2})/(\d{2})(\d{2})(?![\w/])")  # 2512/2618
_TEMPERATURE_AT = re.compile(r"(?<![\w/])(T[XN]M?\d{2}/)(\d{2})(\d{2})Z(?!\w)")  # TX25/2520Z


def recorded_at(directory: str | Path) -> datetime:
    """When the recording in ``directory`` was made (its ``recording.json``)."""
    path = Path(directory) / RECORDING_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise WeatherUnreadable(
            f"cannot replay the recording in {directory}: {path.name} is missing or unreadable "
            f"({exc}); it must say when the weather was recorded, e.g. "
            '{"recorded_at": "2026-11-25T15:05:00Z"}') from exc
    try:
        moment = datetime.fromisoformat(json.loads(text)["recorded_at"])
    except (ValueError, KeyError, TypeError) as exc:
        raise WeatherUnreadable(
            f"{path} must hold {{\"recorded_at\": \"<ISO 8601 time>\"}} ({exc}); fix it") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _whole_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


class _DayResolver:
    """Turns a report's day of the month into a date: the one nearest the recording's day."""

    def __init__(self, recorded: datetime) -> None:
        self._recorded = recorded.astimezone(UTC)

    def moment(self, day: int, hour: int, minute: int = 0) -> datetime:
        base = self._recorded.replace(hour=0, minute=0, second=0, microsecond=0)
        candidates = []
        for months_back in (-1, 0, 1):
            year, month = base.year, base.month + months_back
            if month == 0:
                year, month = year - 1, 12
            elif month == 13:
                year, month = year + 1, 1
            try:
                candidates.append(base.replace(year=year, month=month, day=day))
            except ValueError:  # day 31 in a 30-day month
                continue
        if not candidates:
            raise ValueError(f"day {day:02d} exists in no month near the recording")
        date = min(candidates, key=lambda candidate: abs(candidate - base))
        # Hour 24 is the end of the day (TAF validity "2524"): midnight of the next day.
        return date + timedelta(hours=hour, minutes=minute)


def shift_report(raw: str, shift: timedelta, *, recorded: datetime) -> str:
    """``raw`` with every time group moved by ``shift`` (a whole number of hours)."""
    if shift % timedelta(hours=1):
        raise ValueError(f"a recording moves by whole hours, not {shift}")
    if not shift:
        return raw
    days = _DayResolver(recorded)

    def moved(day: str, hour: str, minute: str = "00") -> datetime:
        return days.moment(int(day), int(hour), int(minute)) + shift

    def day_hour(moment: datetime, *, end_of_day: bool) -> str:
        # Keep the end-of-day spelling ("..24") where the recording used it.
        if end_of_day and moment.hour == 0:
            return f"{(moment - timedelta(days=1)).day:02d}24"
        return f"{moment.day:02d}{moment.hour:02d}"

    def observation(match: re.Match[str]) -> str:
        moment = moved(*match.groups())
        return f"{moment.day:02d}{moment.hour:02d}{moment.minute:02d}Z"

    def from_group(match: re.Match[str]) -> str:
        moment = moved(*match.groups())
        return f"FM{moment.day:02d}{moment.hour:02d}{moment.minute:02d}"

    def period(match: re.Match[str]) -> str:
        start_day, start_hour, end_day, end_hour = match.groups()
        start = moved(start_day, start_hour)
        end = moved(end_day, end_hour)
        return (f"{day_hour(start, end_of_day=start_hour == '24')}/"
                f"{day_hour(end, end_of_day=end_hour == '24')}")

    def temperature(match: re.Match[str]) -> str:
        prefix, day, hour = match.groups()
        return f"{prefix}{day_hour(moved(day, hour), end_of_day=hour == '24')}Z"

    text = _TEMPERATURE_AT.sub(temperature, raw)
    text = _DAY_HOUR_MINUTE_Z.sub(observation, text)
    text = _FROM.sub(from_group, text)
    return _PERIOD.sub(period, text)


class ReplayedWeatherSource:
    """The recording in ``directory``, moved so that it looks taken in the current hour of
    ``clock()``; a ``WeatherSource`` like the one it wraps."""

    def __init__(self, directory: str | Path, *,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._directory = directory
        self._recording = RecordedWeatherSource(directory)
        self._clock = clock

    @property
    def _recorded(self) -> datetime:
        # Read at each fetch, like the reports: a broken recording.json is a WeatherUnreadable
        # there, which the lessons it concerns report as their reason (not a failed request).
        return recorded_at(self._directory)

    def fetch_metars(self, station_ids: Iterable[str]) -> dict[str, list[str]]:
        return self._shifted(self._recording.fetch_metars(station_ids))

    def fetch_tafs(self, station_ids: Iterable[str]) -> dict[str, list[str]]:
        return self._shifted(self._recording.fetch_tafs(station_ids))

    def _shifted(self, reports: dict[str, list[str]]) -> dict[str, list[str]]:
        recorded = self._recorded
        shift = _whole_hour(self._clock()) - _whole_hour(recorded)
        return {station: [shift_report(raw, shift, recorded=recorded) for raw in raws]
                for station, raws in reports.items()}
