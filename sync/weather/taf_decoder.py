"""TAF text → ``Forecast``, through avwx-engine.

avwx reads the groups and dates them; this module turns each line into ``Conditions`` and gives
the lines their meaning for a decision:

- prevailing periods (the base forecast, FM, BECMG) are complete: a BECMG carries forward every
  element it does not change, and during its transition both the old and the new conditions may
  prevail, so the old period is kept until the transition ends;
- TEMPO, INTER and PROB lines state only what may change; the rest stays as prevailing.
A group avwx could not read is listed in ``Conditions.unreadable``, never dropped.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from datetime import date, datetime, timezone
from enum import StrEnum
from typing import Any

from sync.weather.conditions import METRES_PER_STATUTE_MILE, Conditions, Sky, Visibility, Wind
from sync.weather.errors import WeatherUnreadable
from sync.weather.reporttime import resolve_day_time
from sync.weather.stations import is_known_station

CEILING_COVERS = frozenset({"BKN", "OVC", "VV"})
CLEAR_SKY_WORDS = frozenset({"SKC", "NSC", "CLR", "NCD"})
NO_SIGNIFICANT_WEATHER = "NSW"
KNOTS_PER_UNIT = {"kt": 1.0, "m/s": 1.943844, "km/h": 0.539957}
US_HIGHEST_FORECAST_SM = 6.0  # US TAFs write "P6SM" for anything above six miles


class PeriodKind(StrEnum):
    BASE = "BASE"
    FM = "FM"
    BECMG = "BECMG"
    TEMPO = "TEMPO"
    INTER = "INTER"
    PROB = "PROB"

    @property
    def prevailing(self) -> bool:
        return self in (PeriodKind.BASE, PeriodKind.FM, PeriodKind.BECMG)


@dataclass(frozen=True, slots=True)
class ForecastPeriod:
    kind: PeriodKind
    start: datetime
    end: datetime
    conditions: Conditions
    raw: str
    probability: int | None = None
    tempo: bool = False  # a "PROB30 TEMPO" line

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.PROB:
            return f"PROB{self.probability}" + (" TEMPO" if self.tempo else "")
        return self.kind.value

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


@dataclass(frozen=True, slots=True)
class Forecast:
    station: str
    issued: datetime
    valid_from: datetime
    valid_to: datetime
    raw: str
    periods: tuple[ForecastPeriod, ...]


def decode_taf(raw: str, *, reference: datetime | None = None) -> Forecast:
    """Decode one TAF. ``reference`` dates it (default: now). Raises ``WeatherUnreadable``."""
    text = " ".join(raw.split()).rstrip("=").strip()
    if not text:
        raise WeatherUnreadable("the TAF is empty")
    reference = (reference or datetime.now(timezone.utc)).astimezone(timezone.utc)
    # avwx's typo repair turns "M1/4SM" into a wind ("M14KT"); "1/4SM" judges the same at every
    # minimum above zero, and the "less than" is put back on the line below.
    less_than_quarter = "M1/4SM" in text.split()
    parse_text = " ".join("1/4SM" if token == "M1/4SM" else token for token in text.split())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            taf = _read(parse_text, reference.date())
    except Exception as exc:  # avwx raises many kinds (StopIteration, IndexError…) on bad text
        raise WeatherUnreadable(f"not a readable TAF: {type(exc).__name__} {exc}".strip()) from exc
    data = taf.data if taf else None
    if data is None or data.start_time is None or data.end_time is None or not data.forecast:
        raise WeatherUnreadable("not a readable TAF: no station, validity period or forecast")
    units = taf.units
    issued = data.time.dt if data.time and data.time.dt else data.start_time.dt

    whole_taf_problems = _repairs(taf) + _dropped_groups(data)
    lines = [_line(line, units, valid_from=data.start_time.dt, valid_to=data.end_time.dt,
                   less_than_quarter=less_than_quarter)
             for line in data.forecast]
    if whole_taf_problems:
        # Where an unread group belonged cannot be told: it casts doubt on every period.
        for line in lines:
            line.conditions = dataclasses.replace(
                line.conditions, unreadable=line.conditions.unreadable + whole_taf_problems)
    periods = _give_meaning(lines, valid_to=data.end_time.dt)
    return Forecast(
        station=data.station or "",
        issued=issued,
        valid_from=data.start_time.dt,
        valid_to=data.end_time.dt,
        raw=text,
        periods=tuple(periods),
    )


@dataclass(frozen=True, slots=True)
class _Reading:
    """What avwx read from a TAF (the parts of its ``Taf`` report used here)."""

    data: Any
    units: Any
    sanitization: Any


def _read(text: str, issued: date) -> _Reading | None:
    """avwx's reading of ``text``, as ``Taf.from_report(text, issued=issued)`` gives it; None
    when the text names no station avwx knows.

    ``from_report`` finds the station by looking up the report's words in avwx's whole station
    file (67 MB; seconds and about 180 MB on first use). When the first word after the header is
    a station the compact index knows — every TAF the service fetches — that lookup could only
    answer that station, so avwx's parser runs on it directly (and its translation too, so that
    what fails in ``from_report`` still fails here); anything else goes to ``from_report``."""
    # avwx (with geopy and requests) is imported on the first TAF, not with the service.
    from avwx import Taf
    from avwx.base import _REPORT_HEADERS
    from avwx.current.taf import parse
    from avwx.parsing.translate.taf import translate_taf

    station = next((word.upper() for word in text.split()
                    if word.upper() not in _REPORT_HEADERS), "")
    if len(station) == 4 and is_known_station(station):
        data, units, sanitization = parse(station, text, issued)
        if data is not None and units is not None:
            translate_taf(data, units)
        return _Reading(data=data, units=units, sanitization=sanitization)
    report = Taf.from_report(text, issued=issued)
    if report is None:
        return None
    return _Reading(data=report.data, units=report.units, sanitization=report.sanitization)


@dataclass(slots=True)
class _Line:
    kind: PeriodKind
    start: datetime
    end: datetime
    transition_start: datetime | None
    probability: int | None
    tempo: bool
    raw: str
    conditions: Conditions
    stated: frozenset[str]  # which of wind/visibility/sky/weather the line states


def _repairs(taf) -> tuple[str, ...]:
    """avwx silently "repairs" what it takes for typos (BKN0#0 → BKN030): we don't guess."""
    sanitization = getattr(taf, "sanitization", None)
    replaced = getattr(sanitization, "replaced", None) or {}
    return tuple(f"the text '{original}' is not valid TAF code (the decoder would have guessed "
                 f"'{guess}')" for original, guess in replaced.items())


def _dropped_groups(data) -> tuple[str, ...]:
    """Groups in the TAF that no forecast line accounts for (e.g. a trailing "PROB30")."""
    tokens = (data.sanitized or "").split()
    validity = data.start_time.repr if data.start_time else None
    if validity is not None:
        for index, token in enumerate(tokens):
            if token.startswith(validity) and "/" in token:
                tokens = tokens[index + 1:]
                break
    accounted: dict[str, int] = {}
    for line in data.forecast:
        for token in (line.sanitized or line.raw).split():
            accounted[token] = accounted.get(token, 0) + 1
    dropped = []
    for token in tokens:
        if accounted.get(token, 0) > 0:
            accounted[token] -= 1
        elif token not in ("RMK",) and not (data.remarks and token in data.remarks.split()):
            dropped.append(token)
    return tuple(f"the group '{token}' could not be placed in any forecast period"
                 for token in dropped)


def _line(line, units, *, valid_from: datetime, valid_to: datetime,
          less_than_quarter: bool = False) -> _Line:
    tokens = set(line.raw.split())
    unreadable = [f"the group '{token}' could not be read"
                  for token in line.other
                  if token not in CLEAR_SKY_WORDS and token != NO_SIGNIFICANT_WEATHER]
    stated: set[str] = set()

    wind = None
    if line.wind_speed is not None:
        stated.add("wind")
        factor = KNOTS_PER_UNIT[_wind_unit(line.raw.split(), units.wind_speed)]
        direction = line.wind_direction.value if line.wind_direction is not None else None
        if line.wind_speed.value is None:
            unreadable.append(f"the wind '{line.wind_speed.repr}' could not be read")
        else:
            gust = line.wind_gust.value if line.wind_gust is not None else None
            if line.wind_direction is not None and direction is None \
                    and line.wind_direction.repr != "VRB":
                unreadable.append(f"the wind direction '{line.wind_direction.repr}' could not be read")
            wind = Wind(
                direction_deg=int(direction) % 360 if direction is not None else None,
                speed_kt=round(line.wind_speed.value * factor),
                gust_kt=round(gust * factor) if gust is not None else None,
            )

    visibility = None
    cavok = "CAVOK" in tokens
    if line.visibility is not None:
        stated.add("visibility")
        visibility = _visibility(line.visibility, _visibility_unit(line, units.visibility), cavok)
        if less_than_quarter and visibility is not None and "1/4SM" in tokens:
            visibility = Visibility(0.25, "M")
        if visibility is None:
            unreadable.append(f"the visibility '{line.visibility.repr}' could not be read")

    sky = None
    if line.clouds or cavok or tokens & CLEAR_SKY_WORDS:
        stated.add("sky")
        sky = _sky(line.clouds, unreadable)

    weather_codes = tuple(code.repr for code in line.wx_codes)
    if weather_codes or NO_SIGNIFICANT_WEATHER in tokens or cavok:
        stated.add("weather")

    kind = _kind(line)
    probability = line.probability.value if line.probability is not None else None
    conditions = Conditions(
        visibility=visibility,
        sky=sky,
        wind=wind,
        thunderstorm=any("TS" in code for code in weather_codes),
        icing=any("FZ" in code or "PL" in code for code in weather_codes),
        weather=weather_codes,
        unreadable=tuple(unreadable),
    )
    transition = getattr(line, "transition_start", None)
    start = line.start_time.dt if line.start_time is not None else None
    end = line.end_time.dt if line.end_time is not None else None
    if start is None or end is None:
        # A change group without a (readable) period could apply at any time of the forecast.
        unreadable.append(f"the change group '{line.raw}' has no readable period")
        conditions = dataclasses.replace(conditions, unreadable=tuple(unreadable))
        start, end = valid_from, valid_to
    elif kind is PeriodKind.FM:
        start = _with_fm_minutes(line.raw, start)
    elif not kind.prevailing:
        end = _own_period_end(line, end, valid_to=valid_to)
    return _Line(
        kind=kind,
        start=start,
        end=end,
        transition_start=transition.dt if transition is not None else None,
        probability=int(probability) if probability is not None else None,
        tempo=line.type == "TEMPO",
        raw=line.raw,
        conditions=conditions,
        stated=frozenset(stated),
    )


def _with_fm_minutes(raw: str, start: datetime) -> datetime:
    # avwx keeps only the hour of "FM252130"; the half hour matters for a lesson at 21:15.
    group = raw.split()[0]
    if len(group) == 8 and group[2:].isdigit():
        return start.replace(minute=int(group[6:8]))
    return start


def _own_period_end(line, end: datetime, *, valid_to: datetime) -> datetime:
    """avwx stretches a trailing INTER to the end of the TAF; its own ddhh/ddhh group says when
    it ends."""
    for token in line.raw.split():
        first, _, last = token.partition("/")
        if len(first) == len(last) == 4 and first.isdigit() and last.isdigit():
            if last == getattr(line.end_time, "repr", None):
                return end
            day, hour = int(last[:2]), int(last[2:])
            try:
                return resolve_day_time(day, hour, 0, reference=valid_to)
            except ValueError:
                return end
    return end


def _wind_unit(tokens: list[str], report_unit: str) -> str:
    # avwx keeps one unit per report; a line's own group says what it was written in.
    for token in tokens:
        if token.endswith("MPS"):
            return "m/s"
        if token.endswith("KMH"):
            return "km/h"
        if token.endswith("KT"):
            return "kt"
    return report_unit if report_unit in KNOTS_PER_UNIT else "kt"


def _visibility_unit(line, report_unit: str) -> str:
    # avwx switches a whole US TAF to metres when one line says "9999": decide per line.
    if any(token.endswith("SM") for token in line.raw.split()):
        return "sm"
    if len(line.visibility.repr) == 4 and line.visibility.repr.isdigit():
        return "m"
    return report_unit


def _kind(line) -> PeriodKind:
    if line.probability is not None:
        return PeriodKind.PROB
    if line.type == "FROM":
        return PeriodKind.FM if line.raw.startswith("FM") else PeriodKind.BASE
    return PeriodKind(line.type)


def _visibility(number, unit: str, cavok: bool) -> Visibility | None:
    if cavok:
        return Visibility(10_000 / METRES_PER_STATUTE_MILE, "P")
    text = number.repr
    modifier = text[0] if text[:1] in ("P", "M") else None
    value = number.value
    if value is None and modifier:
        # avwx leaves "P6"/"M1/4" without a value: the number after the sign is the value.
        try:
            value = float(eval_fraction(text[1:]))
        except ValueError:
            return None
    if value is None:
        return None
    if unit == "m":
        if value >= 9999:
            return Visibility(10_000 / METRES_PER_STATUTE_MILE, "P")
        return Visibility(value / METRES_PER_STATUTE_MILE, modifier)
    if modifier is None and value > US_HIGHEST_FORECAST_SM:
        modifier = "P"
    return Visibility(float(value), modifier)


def eval_fraction(text: str) -> float:
    """ "6" → 6.0, "1/4" → 0.25, "1 1/2" → 1.5; ValueError otherwise."""
    total = 0.0
    for part in text.split():
        if "/" in part:
            numerator, denominator = part.split("/", 1)
            total += int(numerator) / int(denominator)
        else:
            total += float(part)
    return total


def _sky(clouds, unreadable: list[str]) -> Sky | None:
    ceiling: int | None = None
    unknown_base = False
    for cloud in clouds:
        if cloud.type not in CEILING_COVERS:
            continue
        if cloud.base is None:
            unknown_base = True
        elif ceiling is None or cloud.base * 100 < ceiling:
            ceiling = cloud.base * 100
    if unknown_base:
        unreadable.append("the base of a broken or overcast layer is not forecast")
        if ceiling is None:
            return None
    return Sky(
        ceiling_ft=ceiling,
        cumulonimbus=any(cloud.modifier == "CB" for cloud in clouds),
        layers=tuple(cloud.repr for cloud in clouds),
    )


def _give_meaning(lines: list[_Line], *, valid_to: datetime) -> list[ForecastPeriod]:
    periods: list[ForecastPeriod] = []
    prevailing: Conditions | None = None
    prevailing_index: int | None = None
    for line in lines:
        if line.kind.prevailing:
            if line.kind is PeriodKind.BECMG and prevailing is not None:
                conditions = _carry_forward(prevailing, line)
                start = line.transition_start or line.start
                # During the transition the old conditions may still prevail: keep them.
                if prevailing_index is not None:
                    periods[prevailing_index] = dataclasses.replace(
                        periods[prevailing_index], end=max(periods[prevailing_index].end, line.start))
            else:
                conditions = _require_complete(line)
                start = line.start
                if line.kind is PeriodKind.FM and prevailing_index is not None:
                    # FM replaces what prevailed from its exact minute on.
                    periods[prevailing_index] = dataclasses.replace(
                        periods[prevailing_index], end=line.start)
            period = ForecastPeriod(line.kind, start, line.end, conditions, line.raw)
            prevailing, prevailing_index = conditions, len(periods)
        else:
            period = ForecastPeriod(line.kind, line.start, line.end, line.conditions, line.raw,
                                    probability=line.probability, tempo=line.tempo)
        periods.append(period)
    if prevailing_index is not None:
        # avwx may end the last prevailing period at an INTER/TEMPO start; it lasts to the end.
        periods[prevailing_index] = dataclasses.replace(periods[prevailing_index], end=valid_to)
    return periods


def _carry_forward(before: Conditions, line: _Line) -> Conditions:
    change = line.conditions
    merged = Conditions(
        visibility=change.visibility if "visibility" in line.stated else before.visibility,
        sky=change.sky if "sky" in line.stated else before.sky,
        wind=change.wind if "wind" in line.stated else before.wind,
        thunderstorm=change.thunderstorm if "weather" in line.stated else before.thunderstorm,
        icing=change.icing if "weather" in line.stated else before.icing,
        weather=change.weather if "weather" in line.stated else before.weather,
        unreadable=tuple(dict.fromkeys(before.unreadable + change.unreadable)),
    )
    return merged


def _require_complete(line: _Line) -> Conditions:
    missing = [name for name in ("wind", "visibility", "sky") if name not in line.stated]
    if not missing:
        return line.conditions
    notes = tuple(f"the {name} is not forecast in '{line.raw[:40]}'" for name in missing)
    return dataclasses.replace(line.conditions, unreadable=line.conditions.unreadable + notes)
