"""Civil twilight at a station: a lesson outside it is a night flight."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from astral import Observer
from astral.sun import elevation

CIVIL_TWILIGHT_DEPRESSION_DEG = 6.0
# Twilight changes slowly; a check every ten minutes cannot miss a dawn or dusk by more than that.
SAMPLE_STEP = timedelta(minutes=10)


# A sweep asks about the same stations at the same sampled moments for many lessons.
@lru_cache(maxsize=65_536)
def is_daylight(latitude: float, longitude: float, at: datetime) -> bool:
    """Between civil dawn and civil dusk: the sun less than 6° below the horizon."""
    observer = Observer(latitude=latitude, longitude=longitude)
    return elevation(observer, at) > -CIVIL_TWILIGHT_DEPRESSION_DEG


def dark_moments(latitude: float, longitude: float, start: datetime, end: datetime) -> list[datetime]:
    """Sampled moments of [start, end] that are outside civil twilight (empty: all daylight)."""
    moments = []
    moment = start
    while moment < end:
        moments.append(moment)
        moment += SAMPLE_STEP
    moments.append(end)
    return [m for m in moments if not is_daylight(latitude, longitude, m)]
