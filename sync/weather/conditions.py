"""What one report or forecast period says, in the units the minimums are written in.

A field that is ``None`` was not stated. Whether "not stated" is harmless (an element a TEMPO
group leaves unchanged) or a problem (a METAR without a wind group) is the decoder's call: it
records the problem in ``unreadable`` so the judge can never mistake it for calm or clear skies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

METRES_PER_STATUTE_MILE = 1609.344


class FlightCategory(StrEnum):
    VFR = "VFR"
    MVFR = "MVFR"
    IFR = "IFR"
    LIFR = "LIFR"


@dataclass(frozen=True, slots=True)
class Visibility:
    """Prevailing visibility. ``modifier`` is "P" (more than) or "M" (less than)."""

    statute_miles: float
    modifier: str | None = None

    @property
    def is_more_than(self) -> bool:
        return self.modifier == "P"

    @property
    def is_less_than(self) -> bool:
        return self.modifier == "M"

    def describe(self) -> str:
        prefix = {"P": "more than ", "M": "less than "}.get(self.modifier or "", "")
        return f"{prefix}{format_miles(self.statute_miles)} SM"


@dataclass(frozen=True, slots=True)
class Wind:
    """Wind in knots; ``direction_deg`` is true and ``None`` for a variable (VRB) wind."""

    direction_deg: int | None
    speed_kt: int
    gust_kt: int | None = None

    @property
    def strongest_kt(self) -> int:
        """What counts against a limit: the gust when there is one."""
        return max(self.speed_kt, self.gust_kt or 0)

    def describe(self) -> str:
        if self.speed_kt == 0 and not self.gust_kt:
            return "calm"
        where = "variable" if self.direction_deg is None else f"from {self.direction_deg:03d}°"
        gust = f" gusting {self.gust_kt} kt" if self.gust_kt else ""
        return f"{where} at {self.speed_kt} kt{gust}"


@dataclass(frozen=True, slots=True)
class Sky:
    """Cloud cover. ``ceiling_ft`` is ``None`` when no BKN, OVC or VV layer exists."""

    ceiling_ft: int | None
    cumulonimbus: bool = False
    layers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Conditions:
    visibility: Visibility | None = None
    sky: Sky | None = None
    wind: Wind | None = None
    thunderstorm: bool = False
    icing: bool = False
    weather: tuple[str, ...] = ()
    unreadable: tuple[str, ...] = field(default=())

    @property
    def ceiling_ft(self) -> int | None:
        return self.sky.ceiling_ft if self.sky else None

    @property
    def cumulonimbus(self) -> bool:
        return bool(self.sky and self.sky.cumulonimbus)

    @property
    def flight_category(self) -> FlightCategory | None:
        return flight_category(self.visibility, self.sky)


def flight_category(visibility: Visibility | None, sky: Sky | None) -> FlightCategory | None:
    """The NWS category; ``None`` when a missing element could change the answer."""
    ceiling = sky.ceiling_ft if sky else None
    by_ceiling = _category_for_ceiling(ceiling) if sky else None
    by_visibility = _category_for_visibility(visibility) if visibility else None
    known = [c for c in (by_ceiling, by_visibility) if c is not None]
    worst = max(known, key=_CATEGORY_ORDER.index) if known else None
    if sky is None or visibility is None:
        # Only a category that is already the lowest cannot be changed by the missing element.
        return worst if worst is FlightCategory.LIFR else None
    return worst


_CATEGORY_ORDER = [FlightCategory.VFR, FlightCategory.MVFR, FlightCategory.IFR, FlightCategory.LIFR]


def _category_for_ceiling(ceiling_ft: int | None) -> FlightCategory:
    if ceiling_ft is None:
        return FlightCategory.VFR
    if ceiling_ft < 500:
        return FlightCategory.LIFR
    if ceiling_ft < 1000:
        return FlightCategory.IFR
    if ceiling_ft <= 3000:
        return FlightCategory.MVFR
    return FlightCategory.VFR


def _category_for_visibility(visibility: Visibility) -> FlightCategory:
    miles = visibility.statute_miles
    if visibility.is_more_than:
        # "More than X": the true value is above X, so only thresholds above X can still apply.
        miles = miles + 1e-9
    elif visibility.is_less_than:
        miles = miles - 1e-9
    if miles < 1:
        return FlightCategory.LIFR
    if miles < 3:
        return FlightCategory.IFR
    if miles <= 5:
        return FlightCategory.MVFR
    return FlightCategory.VFR


def format_miles(miles: float) -> str:
    """1.5 → "1 1/2", 0.25 → "1/4", 6.21 → "6.21": how a dispatcher reads a visibility."""
    whole = int(miles)
    rest = miles - whole
    for numerator, denominator in ((1, 16), (1, 8), (3, 16), (1, 4), (5, 16), (3, 8), (1, 2),
                                   (5, 8), (3, 4), (7, 8)):
        if abs(rest - numerator / denominator) < 1e-6:
            fraction = f"{numerator}/{denominator}"
            return f"{whole} {fraction}" if whole else fraction
    if abs(rest) < 1e-6:
        return str(whole)
    return f"{miles:.2f}".rstrip("0")
