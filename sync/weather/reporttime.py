"""Reports carry only day-of-month and time; this puts them in the right month and year."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta, timezone


def resolve_day_time(day: int, hour: int, minute: int, *, reference: datetime) -> datetime:
    """The latest moment with this day/hour/minute that is not more than a day after ``reference``.

    A report is read near the time it was made: the 30th read on the 1st is last month's 30th,
    and a report stamped a few hours "in the future" is clock skew, not next month.
    """
    reference = reference.astimezone(timezone.utc)
    latest_allowed = reference + timedelta(days=1)
    year, month = latest_allowed.year, latest_allowed.month
    for _ in range(3):
        if day <= calendar.monthrange(year, month)[1]:
            hours, minutes = (hour, minute) if hour < 24 else (0, minute)
            candidate = datetime(year, month, day, hours, minutes, tzinfo=timezone.utc)
            if hour == 24:  # "2524" in a TAF is the end of the 25th
                candidate += timedelta(days=1)
            if candidate <= latest_allowed:
                return candidate
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    raise ValueError(f"day {day} does not fit any month near {reference:%Y-%m-%d}")
