"""A storm moving in, as aviationweather.gov would report it: METAR clear, TAF with TEMPO TSRA.

Times are relative to the sweep's clock ``now`` (whole hours), so the TAF's day/hour groups always
describe the hours the tests mean: a TAF issued 40 minutes before ``now`` and valid 30 hours.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sync.flights.models import FlightStatus

CLEAR_METAR = "18006KT 10SM FEW250 22/10 A3001"
CLEAR_TAF = "18008KT P6SM SCT250"
THUNDERSTORM = "VRB25G40KT 2SM TSRA BKN015CB"
TAF_HOURS = 30

# The committed-database scenario (kill, concurrency, CLI): storms at KAUS, lessons every few hours.
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
STORMS = ((2, 6), (24, 28))  # hours after NOW
LESSON_HOURS = [1, 2, 3, 4, 5, 7, 9, 12, 20, 23, 25, 26, 30, 40]  # starts; lessons last 2 h
DECISION_WINDOW_HOURS = 24


def expected_status(hours: int) -> FlightStatus:
    """What a sweep at NOW makes of a two-hour lesson ``hours`` after NOW."""
    in_storm = any(start < hours + 2 and hours < end for start, end in STORMS)
    if not in_storm:
        return FlightStatus.SCHEDULED  # GO, or UNKNOWN beyond the TAF
    return (FlightStatus.WEATHER_CANCELLED if hours <= DECISION_WINDOW_HOURS
            else FlightStatus.AT_RISK)


def hour_group(moment: datetime) -> str:
    return f"{moment:%d%H}"


def metar(station: str, now: datetime, body: str = CLEAR_METAR) -> str:
    return f"{station} {now - timedelta(minutes=7):%d%H%M}Z {body}"


def taf(station: str, now: datetime, *, storms: Iterable[tuple[int, int]] = (),
        prevailing: str = CLEAR_TAF) -> str:
    """Clear, except a TEMPO thunderstorm from hour ``a`` to hour ``b`` after ``now`` per storm."""
    issued = now - timedelta(minutes=40)
    valid_from = now.replace(minute=0, second=0, microsecond=0)
    valid_to = valid_from + timedelta(hours=TAF_HOURS)
    text = (f"TAF {station} {issued:%d%H%M}Z {hour_group(valid_from)}/{hour_group(valid_to)} "
            f"{prevailing}")
    for start, end in storms:
        text += (f" TEMPO {hour_group(valid_from + timedelta(hours=start))}/"
                 f"{hour_group(valid_from + timedelta(hours=end))} {THUNDERSTORM}")
    return text
