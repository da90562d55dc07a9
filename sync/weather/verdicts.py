"""Verdicts and the reasons behind them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class Reason:
    code: ReasonCode
    text: str
    effect: Verdict  # what this reason alone makes of the lesson


def worst(verdicts: Iterable[Verdict]) -> Verdict:
    return max(verdicts, key=lambda verdict: verdict.severity, default=Verdict.GO)


def verdict_of(reasons: Iterable[Reason]) -> Verdict:
    return worst(reason.effect for reason in reasons)


def ordered(reasons: Iterable[Reason]) -> list[Reason]:
    """Most serious first, duplicates removed, otherwise in the order found."""
    unique = list(dict.fromkeys(reasons))
    return sorted(unique, key=lambda reason: -reason.effect.severity)
