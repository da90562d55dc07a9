"""An OpenAI-compatible model choosing three of the top candidates and saying why — or not.

Configured by the environment: ``OPENAI_API_KEY`` (without it the model is never asked),
``OPENAI_BASE_URL`` (any OpenAI-compatible server), ``FSP_AI_MODEL`` (default ``gpt-4o-mini``),
``FSP_AI_TIMEOUT_SECONDS`` (default 20). The model answers in a JSON schema naming candidates by
id; its answer must name exactly ``count`` distinct ids from the list, each with a short sentence.
Anything else — an unknown id, invalid JSON, a timeout, an error — falls back to the
deterministic top ``count``, and the ``Choice`` says which path produced the options.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sync.reschedule.models import ProducedBy
from sync.reschedule.search import Candidate

log = logging.getLogger(__name__)

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_TIMEOUT_SECONDS = 20.0
SHOWN_TO_MODEL = 10
MAX_JUSTIFICATION = 300

_INSTRUCTIONS = (
    "You help a flight school reschedule a lesson cancelled by weather. From the candidate slots "
    "(all feasible; ordered best first by a deterministic score), choose exactly {count} different "
    "ones by id that give the student the best real choice (soon, familiar instructor and aircraft, "
    "good forecast, spread over different days or times), and write one short sentence for each "
    "saying why it is a good option. Answer only with the JSON object the schema describes."
)


@dataclass(frozen=True, slots=True)
class AiConfig:
    api_key: str
    base_url: str | None = None
    model: str = DEFAULT_MODEL
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> AiConfig | None:
        """The configuration, or None when no model is configured (no ``OPENAI_API_KEY``)."""
        environ = os.environ if environ is None else environ
        key = environ.get("OPENAI_API_KEY", "").strip()
        if not key:
            return None
        try:
            timeout = float(environ.get("FSP_AI_TIMEOUT_SECONDS", "") or DEFAULT_TIMEOUT_SECONDS)
        except ValueError:
            timeout = DEFAULT_TIMEOUT_SECONDS
        return cls(api_key=key, base_url=environ.get("OPENAI_BASE_URL", "").strip() or None,
                   model=environ.get("FSP_AI_MODEL", "").strip() or DEFAULT_MODEL,
                   timeout_seconds=timeout)


@dataclass(frozen=True, slots=True)
class Choice:
    options: list[Candidate]  # with the justification that goes to the student
    produced_by: ProducedBy
    note: str | None = None  # why the model's answer was not used, when it was not


def choose(candidates: Sequence[Candidate], *, count: int = 3, config: AiConfig | None = None,
           context: Mapping[str, Any] | None = None) -> Choice:
    """The options to offer: the model's pick when configured and valid, else the top ``count``."""
    fallback = list(candidates[:count])
    if config is None:
        return Choice(fallback, ProducedBy.DETERMINISTIC)
    if len(candidates) <= count:
        # Nothing to choose: every feasible slot is offered; the model would only add latency.
        return Choice(fallback, ProducedBy.DETERMINISTIC, "no more candidates than options")
    shown = list(candidates[:SHOWN_TO_MODEL])
    try:
        answer = _ask(shown, count=count, config=config, context=context or {})
        return Choice(_validated(answer, shown, count), ProducedBy.AI)
    except Exception as exc:  # noqa: BLE001 — any failure of the model means the deterministic three
        note = f"model answer not used ({type(exc).__name__}: {str(exc)[:200]})"
        log.warning("reschedule options: %s; using the deterministic ranking", note)
        return Choice(fallback, ProducedBy.DETERMINISTIC, note)


class InvalidAnswer(ValueError):
    """The model answered, but not with ``count`` distinct candidates and sentences."""


def _schema(count: int) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["choices"],
        "properties": {
            "choices": {
                "type": "array",
                "minItems": count,
                "maxItems": count,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["id", "justification"],
                    "properties": {
                        "id": {"type": "string"},
                        "justification": {"type": "string"},
                    },
                },
            },
        },
    }


def _ask(shown: list[Candidate], *, count: int, config: AiConfig, context: Mapping[str, Any]) -> str:
    from openai import OpenAI  # imported only when a model is configured

    client = OpenAI(api_key=config.api_key, base_url=config.base_url, timeout=config.timeout_seconds,
                    max_retries=0)
    try:
        payload = {"lesson": dict(context), "candidates": [c.as_json() for c in shown]}
        completion = client.chat.completions.create(
            model=config.model,
            messages=[
                {"role": "system", "content": _INSTRUCTIONS.format(count=count)},
                {"role": "user", "content": json.dumps(payload, default=str)},
            ],
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "reschedule_choices", "strict": True, "schema": _schema(count)},
            },
            temperature=0,
            timeout=config.timeout_seconds,
        )
    finally:
        client.close()
    content = completion.choices[0].message.content if completion.choices else None
    if not content:
        raise InvalidAnswer("the model's answer was empty")
    return content


def _validated(answer: str, shown: list[Candidate], count: int) -> list[Candidate]:
    try:
        data = json.loads(answer)
    except json.JSONDecodeError as exc:
        raise InvalidAnswer(f"the model's answer is not JSON ({exc.msg})") from None
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list) or len(choices) != count:
        raise InvalidAnswer(f"the model did not choose exactly {count} options")
    by_key = {candidate.key: candidate for candidate in shown}
    picked: list[Candidate] = []
    for choice in choices:
        if not isinstance(choice, dict):
            raise InvalidAnswer("a choice is not an object")
        key, sentence = choice.get("id"), choice.get("justification")
        if key not in by_key:
            raise InvalidAnswer(f"the model named {str(key)[:40]!r}, which is not a candidate")
        if any(candidate.key == key for candidate in picked):
            raise InvalidAnswer(f"the model named {key!r} twice")
        if not isinstance(sentence, str) or not sentence.strip() or len(sentence) > MAX_JUSTIFICATION:
            raise InvalidAnswer("a justification is empty or too long")
        candidate = by_key[key]
        picked.append(Candidate(candidate.start, candidate.end, candidate.instructor_id,
                                candidate.aircraft_id, candidate.expected_weather, candidate.score,
                                " ".join(sentence.split()), candidate.same_instructor,
                                candidate.same_aircraft, candidate.soft_conflict))
    # Offered in the deterministic order: rank 1 stays the best by the school's own score.
    picked.sort(key=lambda candidate: shown.index(by_key[candidate.key]))
    return picked
