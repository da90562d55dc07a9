"""METAR and SPECI text → ``Observation``, through python-metar.

python-metar reads the groups; this module only turns its result into ``Conditions`` and makes
sure nothing it could not read passes as good news: a missing or unreadable wind, visibility or
sky group, or any body group the library skipped, is listed in ``Conditions.unreadable``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import datetime, timezone

from metar.Metar import Metar, ParserError

from sync.weather.conditions import Conditions, Sky, Visibility, Wind
from sync.weather.errors import WeatherUnreadable
from sync.weather.reporttime import resolve_day_time

CEILING_COVERS = frozenset({"BKN", "OVC", "VV"})
# US stations report 10SM as their highest value: it means "10 or more".
US_HIGHEST_REPORTED_SM = 10.0
CAVOK_METRES = 10_000


@dataclass(frozen=True, slots=True)
class Observation:
    station: str
    time: datetime
    raw: str
    conditions: Conditions
    kind: str = "METAR"  # or SPECI
    corrected: bool = False
    automated: bool = False


def decode_metar(raw: str, *, reference: datetime | None = None) -> Observation:
    """Decode one METAR/SPECI. ``reference`` dates the report (default: now).

    Raises ``WeatherUnreadable`` when not even the station and time can be read.
    """
    text = " ".join(raw.split()).rstrip("=").strip()
    if not text:
        raise WeatherUnreadable("the METAR is empty")
    try:
        with warnings.catch_warnings():
            # python-metar warns about skipped groups; we collect them from _unparsed_groups.
            warnings.simplefilter("ignore")
            parsed = Metar(text, strict=False)
    except (ParserError, ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
        raise WeatherUnreadable(f"not a readable METAR: {_first_line(exc)}") from exc
    if not parsed.station_id or parsed.time is None:
        raise WeatherUnreadable("not a readable METAR: no station and time group")

    when = resolve_day_time(
        parsed.time.day, parsed.time.hour, parsed.time.minute,
        reference=reference or datetime.now(timezone.utc),
    )
    body_tokens = _body_tokens(text)
    cavok = "CAVOK" in body_tokens
    unreadable: list[str] = []

    wind = _wind(parsed, unreadable)
    visibility = _visibility(parsed, cavok, unreadable)
    sky = _sky(parsed, cavok, unreadable)
    weather_codes = tuple("".join(part or "" for part in group) for group in parsed.weather)
    for group in parsed._unparsed_groups:  # python-metar has no public name for these
        unreadable.append(f"the group '{group}' could not be read")
    trend = [group for group in parsed._trend_groups if group != "NOSIG"]
    if trend:
        # A trend (BECMG/TEMPO) forecasts the next two hours; python-metar keeps only its text.
        unreadable.append(f"the trend forecast '{' '.join(trend)}' is not judged")

    conditions = Conditions(
        visibility=visibility,
        sky=sky,
        wind=wind,
        thunderstorm=any(group[1] == "TS" for group in parsed.weather),
        icing=any(_is_icing(group) for group in parsed.weather),
        weather=weather_codes,
        unreadable=tuple(unreadable),
    )
    return Observation(
        station=parsed.station_id,
        time=when,
        raw=text,
        conditions=conditions,
        kind=parsed.type or "METAR",
        corrected=bool(parsed.correction) or parsed.mod in ("COR", "CCA", "CCB", "CCC"),
        automated="AUTO" in body_tokens,
    )


def _wind(parsed: Metar, unreadable: list[str]) -> Wind | None:
    if parsed.wind_speed is None:
        unreadable.append("the wind group is missing or unreadable")
        return None
    speed = round(parsed.wind_speed.value("KT"))
    gust = round(parsed.wind_gust.value("KT")) if parsed.wind_gust is not None else None
    direction = parsed.wind_dir.value() if parsed.wind_dir is not None else None
    return Wind(
        direction_deg=int(round(direction)) % 360 if direction is not None else None,
        speed_kt=speed,
        gust_kt=gust,
    )


def _visibility(parsed: Metar, cavok: bool, unreadable: list[str]) -> Visibility | None:
    if cavok:
        return Visibility(CAVOK_METRES / 1609.344, "P")
    if parsed.vis is None:
        unreadable.append("the visibility group is missing or unreadable")
        return None
    miles = parsed.vis.value("SM")
    comparison = getattr(parsed.vis, "_gtlt", None)  # no public accessor in python-metar
    modifier = {">": "P", "<": "M"}.get(comparison or "")
    if modifier is None and parsed.vis._units in ("SM", "MI") and miles >= US_HIGHEST_REPORTED_SM:
        modifier = "P"
    return Visibility(miles, modifier)


def _sky(parsed: Metar, cavok: bool, unreadable: list[str]) -> Sky | None:
    if cavok:
        return Sky(ceiling_ft=None)
    if not parsed.sky:
        unreadable.append("the sky condition is missing or unreadable")
        return None
    ceiling: int | None = None
    unknown_base = False
    layers = []
    for cover, height, cloud in parsed.sky:
        feet = int(round(height.value("FT"))) if height is not None else None
        layers.append(f"{cover}{'' if feet is None else f'{feet // 100:03d}'}{cloud or ''}")
        if cover not in CEILING_COVERS:
            continue
        if feet is None:
            unknown_base = True
        elif ceiling is None or feet < ceiling:
            ceiling = feet
    cumulonimbus = any(cloud == "CB" for _, _, cloud in parsed.sky)
    if unknown_base:
        unreadable.append("the base of a broken or overcast layer is not reported")
        if ceiling is None:
            return None
    return Sky(ceiling_ft=ceiling, cumulonimbus=cumulonimbus, layers=tuple(layers))


def _is_icing(group: tuple) -> bool:
    _intensity, descriptor, precipitation, obscuration, _other = group
    return descriptor == "FZ" or "PL" in (precipitation or "")


def _body_tokens(text: str) -> list[str]:
    body = text.split(" RMK ", 1)[0]
    return body.split()


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
