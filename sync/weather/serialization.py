"""Engine results as plain JSON-ready dicts: the shape the CLI prints and the API returns."""

from __future__ import annotations

from sync.weather.conditions import Conditions
from sync.weather.verdicts import Reason
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
        "from": period.start.isoformat().replace("+00:00", "Z"),
        "to": period.end.isoformat().replace("+00:00", "Z"),
        "probability": period.probability,
        **conditions_json(period.conditions, judged.crosswind_kt),
    }


def reason_json(reason: Reason) -> dict:
    return {"code": reason.code.value, "text": reason.text}


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
