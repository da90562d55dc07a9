"""A weather check's reasons taken apart for people: which place, which report (the METAR or a TAF
period), what was found, its value and the limit it broke — and the one-line cause an alert shows
("KAUS TSRA 14:00–18:00, ceiling 700 ft < 3000").

The service replicates each check with its reasons as ``{code, text, effect, station, finding,
measure, source}`` (``sync/weather/serialization.py``, ``reason_record``): ``measure`` the value and
the limit with their unit, ``source`` the METAR (its time) or the TAF period (kind, from, to,
chance). Those are read as they are. Checks stored before the service kept them have only
``{code, text, effect, station}``, whose text reads "[KAUS: ][FM 02 21:00–03 06:00Z[ (30%
chance)]: ]Ceiling 800 ft is below the 1000 ft minimum for a private pilot": for those alone the
facts are read back out of the sentence (``_from_sentence``) — a reworded sentence would lose them,
which is why the service now sends them as data. Pure Python, no Qt: the alerts are built off the
GUI thread.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["WeatherReason", "parse_reason", "parse_reasons", "cause_summary"]

# Only for checks stored before reasons carried their facts as data (see the module's doc):
# "FM 02 21:00–03 06:00Z: …", "PROB30 TEMPO 03 00:00–03 04:00Z (30% chance): …"
_PERIOD = re.compile(
    r"^(?P<label>[A-Z]+\d*(?: TEMPO)?) (?P<d1>\d{2}) (?P<t1>\d{2}:\d{2})–(?P<d2>\d{2}) "
    r"(?P<t2>\d{2}:\d{2})Z(?: \((?P<chance>\d+)% chance\))?: (?P<rest>.*)$")
_STATION_PREFIX = re.compile(r"^(?P<station>[A-Z0-9]{3,4}): (?P<rest>.*)$")
# What each kind of finding says: (value, limit) out of the judge's sentence.
_VALUE_LIMIT = {
    "CEILING": re.compile(r"^Ceiling (?P<value>\d+ ft) is .*?the (?P<limit>\d+ ft) minimum"),
    "VISIBILITY": re.compile(r"^Visibility (?P<value>.+? SM) is .*?the (?P<limit>[\d./ ]+ SM) minimum"),
    "WIND": re.compile(r"^Wind (?P<value>.+?) (?:exceeds|is within \d+ kt of) the (?P<limit>\d+ kt) limit"),
    "CROSSWIND": re.compile(r"^Crosswind (?P<value>\d+ kt) on the best runway .*?the aircraft's "
                            r"(?P<limit>\d+ kt) limit"),
}
_CODES_IN_BRACKETS = re.compile(r"\((?P<codes>[^)]*)\)")
_KIND_OF_LIMIT = {"CEILING": ("MINIMUM", "ft"), "VISIBILITY": ("MINIMUM", "SM"),
                  "WIND": ("MAXIMUM", "kt"), "CROSSWIND": ("MAXIMUM", "kt"),
                  "THUNDERSTORM": ("NONE_ALLOWED", ""), "ICING": ("NONE_ALLOWED", "")}
_NONE_ALLOWED = "none allowed"


@dataclass(frozen=True)
class WeatherReason:
    """One reason of a weather check, taken apart."""

    code: str  # CEILING, VISIBILITY, WIND, CROSSWIND, THUNDERSTORM, ICING, DARKNESS, MISSING…
    effect: str  # NO_GO | MARGINAL | UNKNOWN
    station: str  # "" when the service did not say
    source: str  # "METAR", "TAF FM", "TAF PROB30 TEMPO", or "" (not from one report)
    period_start: datetime | None  # a TAF period's (UTC); None for the METAR
    period_end: datetime | None
    chance: int | None  # a PROB period's percentage
    finding: str  # the judge's sentence, without the place and period
    value: str  # "800 ft", "2 SM", "from 200° at 25 kt gusting 32 kt", "TSRA"; "" when none
    limit: str  # "1000 ft", "3 SM", "15 kt", "none allowed"; "" when none
    text: str  # the whole text as the service wrote it
    # The numbers behind ``value`` and ``limit`` (a wind's strongest: the gust when there is one);
    # None for weather codes, or when the reason has none.
    amount: float | None = None
    limit_amount: float | None = None
    unit: str = ""  # "ft", "SM", "kt", "min"
    bound: str = ""  # MINIMUM (at least), MAXIMUM (at most), NONE_ALLOWED; "" when none
    modifier: str = ""  # "less_than", "more_than", "up_to"
    observed_at: datetime | None = None  # the METAR's time, when the service gave it

    def period_text(self, zone: zoneinfo.ZoneInfo) -> str:
        """"14:00–18:00" in ``zone`` (the school's); "" for the METAR."""
        if self.period_start is None or self.period_end is None:
            return ""
        start, end = self.period_start.astimezone(zone), self.period_end.astimezone(zone)
        if start.date() != end.date() and end.hour == 0 and end.minute == 0:
            return f"{start:%H:%M}–24:00"
        return f"{start:%H:%M}–{end:%H:%M}" if start.date() == end.date() else \
            f"{start:%a %H:%M}–{end:%a %H:%M}"

    def short(self) -> str:
        """The finding in a few words: "TSRA", "ceiling 700 ft < 3000", "wind 32 kt > 15"."""
        sign = "<" if self.bound == "MINIMUM" else ">"
        if self.effect == "MARGINAL":
            sign = "≈"
        limit = _plain(self.limit_amount)
        if self.code == "CROSSWIND" and self.modifier == "up_to" and self.amount is not None:
            return f"crosswind unchecked (up to {_plain(self.amount)} kt, limit {limit})"
        if self.code == "CEILING" and self.value and limit:
            return f"ceiling {self.value} {sign} {limit}"
        if self.code == "VISIBILITY" and self.value and self.limit:
            return f"visibility {self.value} {sign} {self.limit.replace(' SM', '')}"
        if self.code == "WIND" and self.amount is not None and limit:
            return f"wind {_plain(self.amount)} kt {sign} {limit}"
        if self.code == "CROSSWIND" and self.value and limit:
            return f"crosswind {self.value} {sign} {limit}"
        if self.code in ("THUNDERSTORM", "ICING") and self.value:
            return self.value
        if self.code == "STALE" and self.value:
            return f"METAR {self.value} old"
        if self.code == "DARKNESS":
            return "after dark (no night training)"
        first = self.finding.split(":")[0].split(";")[0]
        if first[1:2].islower():  # "Forecast not yet…" → "forecast not yet…"; "TEMPO…" stays
            first = first[:1].lower() + first[1:]
        return first or self.code.lower()


def _plain(number: float | None) -> str:
    """1000.0 → "1000", 20.4 → "20.4", None → ""."""
    return "" if number is None else f"{number:g}"


def _number(text: str) -> float | None:
    found = re.search(r"\d+(?:\.\d+)?", text or "")
    return float(found.group(0)) if found else None


def _strongest(wind: str) -> float | None:
    """"from 200° at 25 kt gusting 32 kt" → 32 (gusts count)."""
    speeds = re.findall(r"(\d+) kt", wind)
    return float(max(int(speed) for speed in speeds)) if speeds else None


def _period_times(match: re.Match[str], near: datetime) -> tuple[datetime, datetime]:
    """The TAF's "dd HH:MM" (UTC) as datetimes: the day of month nearest ``near``."""
    def moment(day: str, clock: str) -> datetime:
        hour, minute = (int(part) for part in clock.split(":"))
        best = None
        for shift in (-1, 0, 1):
            month = (near.month - 1 + shift) % 12 + 1
            year = near.year + (near.month - 1 + shift) // 12
            try:
                candidate = datetime(year, month, int(day), tzinfo=UTC)
            except ValueError:
                continue
            candidate += timedelta(hours=hour, minutes=minute)  # 24:00 is the next midnight
            if best is None or abs(candidate - near) < abs(best - near):
                best = candidate
        return best or near

    return moment(match["d1"], match["t1"]), moment(match["d2"], match["t2"])


def parse_reason(reason: Mapping[str, Any], *, near: datetime,
                 observed: Iterable[str] = ()) -> WeatherReason:
    """One replicated reason taken apart; ``near``: the lesson's start (TAF periods give only
    the day of the month); ``observed``: the stations whose METAR the check used (both only for
    a check stored before reasons carried their facts as data)."""
    # A reason the service wrote with its facts as data has the keys, even when null (darkness
    # has neither a measure nor a report).
    if "measure" in reason or "source" in reason:
        return _from_data(reason)
    return _from_sentence(reason, near=near, observed=observed)


def _from_data(reason: Mapping[str, Any]) -> WeatherReason:
    text = str(reason.get("text") or "")
    code = str(reason.get("code") or "")
    measure = reason.get("measure") if isinstance(reason.get("measure"), Mapping) else {}
    source = reason.get("source") if isinstance(reason.get("source"), Mapping) else {}
    product = str(source.get("product") or "")
    label = str(source.get("label") or source.get("kind") or "")
    return WeatherReason(
        code=code, effect=str(reason.get("effect") or "UNKNOWN"),
        station=str(reason.get("station") or ""),
        source=f"{product} {label}" if product == "TAF" and label else product,
        period_start=_utc(source.get("from")), period_end=_utc(source.get("to")),
        chance=_whole(source.get("chance")),
        finding=str(reason.get("finding") or text),
        value=str(measure.get("value_text") or ""), limit=str(measure.get("limit_text") or ""),
        text=text, amount=_amount(measure.get("value")), limit_amount=_amount(measure.get("limit")),
        unit=str(measure.get("unit") or ""), bound=str(measure.get("bound") or ""),
        modifier=str(measure.get("modifier") or ""), observed_at=_utc(source.get("observed_at")))


def _utc(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _amount(number: Any) -> float | None:
    return float(number) if isinstance(number, int | float) and not isinstance(number, bool) else None


def _whole(number: Any) -> int | None:
    return int(number) if isinstance(number, int | float) and not isinstance(number, bool) else None


def _from_sentence(reason: Mapping[str, Any], *, near: datetime,
                   observed: Iterable[str]) -> WeatherReason:
    """A reason of a check stored before reasons carried their facts as data: the place, the
    period, the value and the limit read back out of the judge's sentence."""
    text = str(reason.get("text") or "")
    station = str(reason.get("station") or "")
    rest = text
    prefixed = _STATION_PREFIX.match(rest)
    if prefixed and (not station or prefixed["station"] == station):
        station, rest = prefixed["station"], prefixed["rest"]
    source, start, end, chance = "", None, None, None
    period = _PERIOD.match(rest)
    if period:
        source = f"TAF {period['label']}"
        start, end = _period_times(period, near)
        chance = int(period["chance"]) if period["chance"] else None
        rest = period["rest"]
    elif station and station in set(observed) and str(reason.get("code")) not in (
            "MISSING", "BEYOND_FORECAST", "UNKNOWN_STATION"):
        source = "METAR"
    code = str(reason.get("code") or "")
    value = limit = ""
    amount = limit_amount = None
    pattern = _VALUE_LIMIT.get(code)
    found = pattern.search(rest) if pattern else None
    if found:
        value, limit = found["value"].strip(), found["limit"].strip()
        amount = _strongest(value) if code == "WIND" else _number(value)
        limit_amount = _number(limit)
    elif code in ("THUNDERSTORM", "ICING"):
        codes = _CODES_IN_BRACKETS.search(rest)
        value = codes["codes"] if codes else ("CB" if "Cumulonimbus" in rest else "")
        limit = _NONE_ALLOWED
    bound, unit = _KIND_OF_LIMIT.get(code, ("", "")) if value else ("", "")
    return WeatherReason(code=code, effect=str(reason.get("effect") or "UNKNOWN"),
                         station=station, source=source, period_start=start, period_end=end,
                         chance=chance, finding=rest, value=value, limit=limit, text=text,
                         amount=amount, limit_amount=limit_amount, bound=bound, unit=unit)


def parse_reasons(check: Mapping[str, Any] | None, *, near: datetime) -> tuple[WeatherReason, ...]:
    """Every reason of a replicated weather check (empty without one), in the service's order."""
    if not check:
        return ()
    decoded = check.get("decoded") or {}
    observed = [station for station, place in decoded.items()
                if isinstance(place, Mapping) and place.get("observed")]
    return tuple(parse_reason(reason, near=near, observed=observed)
                 for reason in check.get("reasons") or () if isinstance(reason, Mapping))


def cause_summary(reasons: Sequence[WeatherReason], zone: zoneinfo.ZoneInfo, *,
                  most: int = 3) -> str:
    """The worst reasons in one line: "KAUS TSRA 14:00–18:00, ceiling 700 ft < 3000"; the same
    place is named once, and more than ``most`` reasons end in "+N more"."""
    if not reasons:
        return ""
    worst = next((effect for effect in ("NO_GO", "MARGINAL", "UNKNOWN")
                  if any(reason.effect == effect for reason in reasons)), reasons[0].effect)
    chosen = [reason for reason in reasons if reason.effect == worst]
    # Findings of one place and one period go together: "KAUS TSRA, BKN020CB 11:00–15:00".
    groups: dict[tuple[str, str], list[str]] = {}
    for reason in chosen:
        words = groups.setdefault((reason.station, reason.period_text(zone)), [])
        if reason.short() not in words:
            words.append(reason.short())
    parts, last_station, shown, total = [], None, 0, sum(len(words) for words in groups.values())
    for (station, when), words in groups.items():
        if shown >= most:
            break
        words = words[:most - shown]
        shown += len(words)
        part = ", ".join(words) + (f" {when}" if when else "")
        if station and station != last_station:
            part = f"{station} {part}"
            last_station = station
        parts.append(part)
    more = total - shown
    return ", ".join(parts) + (f" (+{more} more)" if more > 0 else "")
