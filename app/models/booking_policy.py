"""The school's booking policy as the desk reads and changes it — pure Python, no Qt.

``GET /policy`` answers every rule (what it does now — block, warn or off — its default, title
and description) and the numbers the rules use; ``PUT /policy`` takes only what changed, with the
version it was read at. ``BookingPolicy.from_json`` reads the answer; ``changes`` gives the body
of a change (nothing when nothing differs).

The ranges below mirror the service's (``sync.policy.models.SETTINGS``) so the spin boxes offer
only what it takes; the service stays the judge, and a value it refuses comes back as a 422 that
names the setting (``field_label``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.models.labels import enum_words, rule_action_label

__all__ = ["ACTIONS", "BookingPolicy", "PolicyRule", "SETTINGS", "SettingSpec", "field_label",
           "setting_spec"]

ACTIONS = ("block", "warn", "off")


@dataclass(frozen=True)
class PolicyRule:
    code: str
    action: str
    default: str
    title: str
    description: str

    @property
    def changed_from_default(self) -> bool:
        return self.action != self.default


@dataclass(frozen=True)
class SettingSpec:
    """One number of the policy. ``nullable``: it may be lifted (no limit)."""

    name: str
    label: str
    minimum: int
    maximum: int
    nullable: bool
    suffix: str
    hint: str


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec("turnaround_minutes", "Turnaround between lessons", 0, 240, False, " min",
                "Minutes an aircraft or instructor needs between two lessons (the “Short "
                "turnaround” rule; 0: back to back is fine)."),
    SettingSpec("instruction_hours_per_24h", "Instruction in any 24 hours", 1, 8, False, " h",
                "Hours of flight instruction an instructor may give in any 24 consecutive hours "
                "(8 by 14 CFR 61.195(a); a school may set fewer, never more)."),
    SettingSpec("instruction_hours_per_week", "Instruction in any 7 days", 1, 168, True, " h",
                "Hours of flight instruction an instructor may give in any 7 consecutive days "
                "(the “Instructor's weekly limit” rule)."),
    SettingSpec("student_lessons_per_day", "Lessons per student per day", 1, 24, True, "",
                "Lessons a student may have on one day, school time (the “Student's lessons per "
                "day” rule)."),
    SettingSpec("student_lessons_per_week", "Lessons per student per week", 1, 100, True, "",
                "Lessons a student may have in one week, Monday to Sunday, school time (the "
                "“Student's lessons per week” rule)."),
)
_SETTINGS_BY_NAME = {spec.name: spec for spec in SETTINGS}


def setting_spec(name: str) -> SettingSpec | None:
    """The known setting ``name``; None for one a newer service added (shown, not changed)."""
    return _SETTINGS_BY_NAME.get(name)


@dataclass(frozen=True)
class BookingPolicy:
    version: int
    rules: tuple[PolicyRule, ...]
    settings: Mapping[str, int | None]

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> BookingPolicy:
        """``PolicyRead`` (also a stale-version refusal's ``conflict``, the policy as it now is)."""
        rules = tuple(
            PolicyRule(code=str(rule["code"]), action=str(rule.get("action") or ""),
                       default=str(rule.get("default") or ""),
                       title=str(rule.get("title") or enum_words(rule["code"])),
                       description=str(rule.get("description") or ""))
            for rule in body.get("rules") or () if isinstance(rule, Mapping) and rule.get("code"))
        settings = {str(name): (value if isinstance(value, int) and not isinstance(value, bool)
                                else None)
                    for name, value in (body.get("settings") or {}).items()}
        return cls(version=int(body["version"]), rules=rules, settings=settings)

    def rule(self, code: str) -> PolicyRule | None:
        return next((rule for rule in self.rules if rule.code == code), None)

    def changes(self, *, actions: Mapping[str, str],
                settings: Mapping[str, int | None]) -> dict[str, Any]:
        """The ``PUT /policy`` body (without the version) of what differs from this policy:
        ``{"rules": {code: action}, setting: value, …}``; {} when nothing does."""
        body: dict[str, Any] = {}
        rules = {code: action for code, action in actions.items()
                 if (rule := self.rule(code)) is not None and rule.action != action}
        if rules:
            body["rules"] = rules
        for name, value in settings.items():
            if name in self.settings and self.settings[name] != value:
                body[name] = value
        return body

    def describe(self, changes: Mapping[str, Any]) -> list[str]:
        """Each change of ``changes`` (a ``changes`` body) in words, for the person who saved."""
        said = []
        for code, action in (changes.get("rules") or {}).items():
            rule = self.rule(code)
            title = rule.title if rule is not None else enum_words(code)
            said.append(f"{title}: {rule_action_label(action).split(' — ')[0].lower()}")
        for name, value in changes.items():
            if name == "rules":
                continue
            spec = setting_spec(name)
            label = spec.label if spec is not None else enum_words(name)
            said.append(f"{label}: {'no limit' if value is None else value}")
        return said


def field_label(field: str | None, policy: BookingPolicy | None = None) -> str:
    """What a refusal's ``field`` ("turnaround_minutes", "rules.OUTSIDE_SCHOOL_HOURS") is called
    in the dialog."""
    if not field:
        return ""
    name = field.split(".")[-1]
    spec = setting_spec(name)
    if spec is not None:
        return spec.label
    rule = policy.rule(name) if policy is not None else None
    return rule.title if rule is not None else enum_words(name)
