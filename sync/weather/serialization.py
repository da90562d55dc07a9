"""Engine results as plain JSON-ready dicts: the shape the CLI prints and the API returns."""

from __future__ import annotations

from datetime import datetime

from sync.weather.conditions import Conditions
from sync.weather.verdicts import Measure, Reason, Source
from sync.weather.window import PeriodJudgement, StationAssessment


def conditions_json(conditions: Conditions, crosswind_kt: float | None) -> dict:
    visibility = conditions.visibility
    wind = conditions.wind
    category = conditions.flight_category
    return {
        "flight_category": category.value if category else None,
        "visibility_sm": round(visibility.statute_miles, 3) if visibility else None,
        "visibility_modifier": visibility.modifier if visibility else None,
        "ceiling_ft": conditions.ceiling_ft,
        "wind_dir_deg": wind.direction_deg if wind else None,
        "wind_speed_kt": wind.speed_kt if wind else None,
        "wind_gust_kt": wind.gust_kt if wind else None,
        "thunderstorm": conditions.thunderstorm,
        "icing": conditions.icing,
        "cumulonimbus": conditions.cumulonimbus,
        "weather": list(conditions.weather),
        "crosswind_kt": round(crosswind_kt, 1) if crosswind_kt is not None else None,
    }


def period_json(judged: PeriodJudgement) -> dict:
    period = judged.period
    return {
        "type": period.label,
        "from": _utc(period.start),
        "to": _utc(period.end),
        "probability": period.probability,
        **conditions_json(period.conditions, judged.crosswind_kt),
    }


def reason_json(reason: Reason) -> dict:
    """The short form the command line prints and each place of a stored check keeps."""
    return {"code": reason.code.value, "text": reason.text}


def reason_record(reason: Reason, *, text: str | None = None, station: str | None = None) -> dict:
    """A reason as a stored check keeps it (``WeatherReasonRead``): the sentence, and the same
    facts as data — ``finding`` (the sentence without the place and the period in front),
    ``measure`` (value and limit) and ``source`` (the METAR or the TAF period), each ``None``
    when the reason has none. ``text``/``station``: as the lesson names them."""
    return {
        "code": reason.code.value,
        "text": reason.text if text is None else text,
        "effect": reason.effect.value,
        "station": reason.station if station is None else station,
        "finding": reason.finding or reason.text,
        "measure": measure_json(reason.measure) if reason.measure is not None else None,
        "source": source_json(reason.source) if reason.source is not None else None,
    }


def measure_json(measure: Measure) -> dict:
    return {
        "value": measure.value,
        "limit": measure.limit,
        "unit": measure.unit,
        "bound": measure.bound.value,
        "value_text": measure.value_text,
        "limit_text": measure.limit_text,
        "modifier": measure.modifier,
        "margin": measure.margin,
        "codes": list(measure.codes),
        "wind_direction_deg": measure.wind_direction_deg,
        "wind_speed_kt": measure.wind_speed_kt,
        "wind_gust_kt": measure.wind_gust_kt,
    }


def source_json(source: Source) -> dict:
    return {
        "product": source.product,
        "observed_at": _utc(source.observed_at) if source.observed_at else None,
        "kind": source.kind,
        "label": source.label,
        "from": _utc(source.start) if source.start else None,
        "to": _utc(source.end) if source.end else None,
        "chance": source.chance,
    }


def _utc(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def assessment_json(assessment: StationAssessment) -> dict:
    observation = assessment.observation
    return {
        "station": assessment.station,
        "verdict": assessment.verdict.value,
        "reasons": [reason_json(reason) for reason in assessment.reasons],
        "observed": (conditions_json(observation.conditions, assessment.observed_crosswind_kt)
                     if observation is not None else None),
        "forecast": [period_json(judged) for judged in assessment.periods],
    }
