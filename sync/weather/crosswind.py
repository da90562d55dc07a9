"""Crosswind on the best runway: the smallest component among the station's runways."""

from __future__ import annotations

import math
from collections.abc import Sequence

from sync.weather.conditions import Wind


def crosswind_component(wind_speed_kt: float, wind_from_deg: float, runway_heading_deg: float) -> float:
    return abs(wind_speed_kt * math.sin(math.radians(wind_from_deg - runway_heading_deg)))


def best_runway_crosswind(wind: Wind, runway_headings: Sequence[float]) -> float | None:
    """Crosswind of the strongest wind (gust included) on the most favourable runway.

    A variable wind may blow from anywhere, so all of it may be crosswind. ``None`` when the
    station has no runway data and the wind has a direction.
    """
    strongest = wind.strongest_kt
    if strongest == 0:
        return 0.0
    if wind.direction_deg is None:
        return float(strongest)
    if not runway_headings:
        return None
    component = min(crosswind_component(strongest, wind.direction_deg, heading)
                    for heading in runway_headings)
    # Round away float noise (30 kt at 30° is 15 kt, not 14.999…): a value at the limit passes.
    return round(component, 2)
