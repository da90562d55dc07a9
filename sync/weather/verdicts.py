"""Verdicts and the reasons behind them.

A reason is a sentence for people (the student's mail quotes it) and, where the judge had them, the
same facts as data: the value found and the limit it was held against (``Measure``), and the report
it was read from (``Source``: the METAR, or one TAF period). The desktop shows the data; nothing
should have to read numbers back out of the sentence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Verdict(StrEnum):
    GO = "GO"
    MARGINAL = "MARGINAL"
    UNKNOWN = "UNKNOWN"
    NO_GO = "NO_GO"

    @property
    def severity(self) -> int:
        # UNKNOWN ranks above MARGINAL: not knowing is never better than a known margin,
        # and below NO_GO: a known hazard is never hidden behind missing data.
        return _SEVERITY[self]


_SEVERITY = {Verdict.GO: 0, Verdict.MARGINAL: 1, Verdict.UNKNOWN: 2, Verdict.NO_GO: 3}


class ReasonCode(StrEnum):
    VISIBILITY = "VISIBILITY"
    CEILING = "CEILING"
    WIND = "WIND"
    CROSSWIND = "CROSSWIND"
    THUNDERSTORM = "THUNDERSTORM"
    ICING = "ICING"
    DARKNESS = "DARKNESS"
    STALE = "STALE"
    UNREADABLE = "UNREADABLE"
    BEYOND_FORECAST = "BEYOND_FORECAST"
    MISSING = "MISSING"
    UNKNOWN_STATION = "UNKNOWN_STATION"


class Bound(StrEnum):
    """How a limit binds the value."""

    MINIMUM = "MINIMUM"  # at least (visibility, ceiling)
    MAXIMUM = "MAXIMUM"  # at most (wind with its gust, crosswind, a report's age)
    NONE_ALLOWED = "NONE_ALLOWED"  # any is too much (thunderstorm, cumulonimbus, icing)


NONE_ALLOWED_TEXT = "none allowed"


@dataclass(frozen=True, slots=True)
class Measure:
    """The value a reason found and the limit it was held against, with their unit.

    ``value`` is the number compared (a wind's strongest, so the gust when there is one; the
    crosswind unrounded to 0.1 kt); ``None`` for weather codes, which are in ``codes``.
    ``limit`` is ``None`` when none is allowed. ``value_text`` and ``limit_text`` are as the
    sentence writes them ("less than 1/4 SM", "from 200° at 25 kt gusting 32 kt", "none allowed").
    """

    value: float | None
    limit: float | None
    unit: str | None  # "ft", "SM", "kt", "min"; None for weather codes
    bound: Bound
    value_text: str
    limit_text: str
    modifier: str | None = None  # "less_than" / "more_than" (visibility), "up_to" (unchecked crosswind)
    margin: float | None = None  # a MARGINAL reason: how near the limit counts as near
    codes: tuple[str, ...] = ()  # "TSRA", "VCTS", "BKN020CB", "FZRA"
    wind_direction_deg: int | None = None  # a WIND reason's wind (None: variable)
    wind_speed_kt: int | None = None
    wind_gust_kt: int | None = None


@dataclass(frozen=True, slots=True)
class Source:
    """The report a reason was read from: a METAR, or one period of a TAF."""

    product: str  # "METAR" | "TAF"
    observed_at: datetime | None = None  # the METAR's time
    kind: str | None = None  # the TAF period's kind: BASE, FM, BECMG, TEMPO, INTER, PROB
    label: str | None = None  # as the TAF writes it: "FM", "TEMPO", "PROB30", "PROB30 TEMPO"
    start: datetime | None = None  # the TAF period (UTC)
    end: datetime | None = None
    chance: int | None = None  # a PROB period's percentage


@dataclass(frozen=True, slots=True)
class Reason:
    code: ReasonCode
    text: str
    effect: Verdict  # what this reason alone makes of the lesson
    measure: Measure | None = None
    source: Source | None = None
    station: str | None = None  # the place it concerns, set where the station is known
    # The judge's sentence before the period and the place were put in front of it (``text``
    # then reads "KAUS: TEMPO 25 20:00–25 22:00Z: <finding>"); None: ``text`` is the finding.
    finding: str | None = None


def worst(verdicts: Iterable[Verdict]) -> Verdict:
    return max(verdicts, key=lambda verdict: verdict.severity, default=Verdict.GO)


def verdict_of(reasons: Iterable[Reason]) -> Verdict:
    return worst(reason.effect for reason in reasons)


def ordered(reasons: Iterable[Reason]) -> list[Reason]:
    """Most serious first, duplicates removed, otherwise in the order found."""
    unique = list(dict.fromkeys(reasons))
    return sorted(unique, key=lambda reason: -reason.effect.severity)
