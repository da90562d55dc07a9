"""The booking policy a school decides: its soft rules, what each does, and the numbers they use.

Stored on the school's row (``School.booking_policy``, a JSON document, replicated with the school
so a desktop can show it offline)::

    {"rules": {"OUTSIDE_SCHOOL_HOURS": "block", ...}, "turnaround_minutes": 10, ...}

Empty until the school first changes it; anything missing takes its default (``RULES``,
``SETTINGS``), so a school that never touched its policy follows the defaults of whichever version
of the service it runs.

Hard rules (a clash, an unqualified instructor, an aircraft out of service, a lesson too long or
too far ahead) are not here: no school may turn them off.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class RuleAction(StrEnum):
    BLOCK = "block"  # refused, naming the rule
    WARN = "warn"  # refused until acknowledged (409 NEEDS_ACKNOWLEDGEMENT), then booked
    OFF = "off"  # not checked


class RuleCode(StrEnum):
    OUTSIDE_SCHOOL_HOURS = "OUTSIDE_SCHOOL_HOURS"
    INSTRUCTOR_UNAVAILABLE = "INSTRUCTOR_UNAVAILABLE"
    STUDENT_UNAVAILABLE = "STUDENT_UNAVAILABLE"
    NIGHT_WITHOUT_TRAINING = "NIGHT_WITHOUT_TRAINING"
    FORECAST_NO_GO = "FORECAST_NO_GO"
    INSTRUCTION_8_IN_24 = "INSTRUCTION_8_IN_24"
    INSTRUCTION_WEEKLY_LIMIT = "INSTRUCTION_WEEKLY_LIMIT"
    TURNAROUND_BUFFER = "TURNAROUND_BUFFER"
    STUDENT_DAILY_LIMIT = "STUDENT_DAILY_LIMIT"
    STUDENT_WEEKLY_LIMIT = "STUDENT_WEEKLY_LIMIT"


class Refusal(StrEnum):
    """How a blocking rule answers: the lesson itself is wrong (422), or it clashes with other
    lessons (409), as the hard rules answer alike."""

    INVALID = "invalid"
    CONFLICT = "conflict"


@dataclass(frozen=True, slots=True)
class Rule:
    code: RuleCode
    default: RuleAction
    refusal: Refusal
    title: str
    description: str


# The defaults, and why:
# - never-again things block: a student without night training at night (the weather engine
#   judges that NO_GO and the sweep would cancel it anyway), more than 8 hours of instruction in
#   24 (14 CFR 61.195(a): the instructor may not);
# - what a school usually avoids but sometimes means warns: outside its hours or someone's
#   availability, a forecast NO_GO (forecasts change; the sweep watches it), long weeks, many
#   lessons for one student, a short turnaround;
# - limits that need a number only the school knows start without one (turnaround 0 minutes, no
#   weekly student limit), so nothing fires until the school sets it.
RULES: dict[RuleCode, Rule] = {rule.code: rule for rule in (
    Rule(RuleCode.OUTSIDE_SCHOOL_HOURS, RuleAction.WARN, Refusal.INVALID, "Outside school hours",
         "The lesson starts or ends outside the school's opening hours that day."),
    Rule(RuleCode.INSTRUCTOR_UNAVAILABLE, RuleAction.WARN, Refusal.INVALID,
         "Outside the instructor's availability",
         "The lesson is outside the instructor's weekly availability, or on a day off."),
    Rule(RuleCode.STUDENT_UNAVAILABLE, RuleAction.WARN, Refusal.INVALID,
         "Outside the student's availability",
         "The lesson is outside the student's weekly availability, or on a day off."),
    Rule(RuleCode.NIGHT_WITHOUT_TRAINING, RuleAction.BLOCK, Refusal.INVALID,
         "Night for a student without night training",
         "Part of the lesson is outside civil twilight at the departure and the student has no "
         "night training."),
    Rule(RuleCode.FORECAST_NO_GO, RuleAction.WARN, Refusal.INVALID, "Forecast below minimums",
         "The forecast for the lesson's own window is NO_GO for this student at a place it goes "
         "(it would be marked at risk or cancelled by the sweep)."),
    Rule(RuleCode.INSTRUCTION_8_IN_24, RuleAction.BLOCK, Refusal.CONFLICT,
         "More than 8 hours of instruction in 24",
         "The instructor would give more flight instruction than allowed in some 24 consecutive "
         "hours (14 CFR 61.195(a): 8 hours; a school may set fewer)."),
    Rule(RuleCode.INSTRUCTION_WEEKLY_LIMIT, RuleAction.WARN, Refusal.CONFLICT,
         "Instructor's weekly limit",
         "The instructor would give more flight instruction than the school's limit in some 7 "
         "consecutive days."),
    Rule(RuleCode.TURNAROUND_BUFFER, RuleAction.WARN, Refusal.CONFLICT, "Short turnaround",
         "Less than the school's turnaround time between this lesson and another of the same "
         "aircraft or instructor."),
    Rule(RuleCode.STUDENT_DAILY_LIMIT, RuleAction.WARN, Refusal.CONFLICT, "Student's lessons per day",
         "The student would have more lessons that day (school time) than the school's limit."),
    Rule(RuleCode.STUDENT_WEEKLY_LIMIT, RuleAction.WARN, Refusal.CONFLICT, "Student's lessons per week",
         "The student would have more lessons that week (Monday to Sunday, school time) than the "
         "school's limit."),
)}


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: int | None
    minimum: int
    maximum: int
    description: str


SETTINGS: dict[str, Setting] = {setting.name: setting for setting in (
    Setting("turnaround_minutes", 0, 0, 240,
            "minutes an aircraft or instructor needs between two lessons (TURNAROUND_BUFFER)"),
    Setting("instruction_hours_per_24h", 8, 1, 8,
            "hours of flight instruction an instructor may give in any 24 consecutive hours "
            "(INSTRUCTION_8_IN_24; 8 by 14 CFR 61.195(a), a school may set fewer)"),
    Setting("instruction_hours_per_week", 40, 1, 168,
            "hours of flight instruction an instructor may give in any 7 consecutive days "
            "(INSTRUCTION_WEEKLY_LIMIT; null: no limit)"),
    Setting("student_lessons_per_day", 2, 1, 24,
            "lessons a student may have on one day (STUDENT_DAILY_LIMIT; null: no limit)"),
    Setting("student_lessons_per_week", None, 1, 100,
            "lessons a student may have in one week (STUDENT_WEEKLY_LIMIT; null: no limit)"),
)}
# The 61.195(a) limit is the law's: a school may lower it, never remove it.
REQUIRED_SETTINGS = frozenset({"turnaround_minutes", "instruction_hours_per_24h"})


@dataclass(frozen=True, slots=True)
class BookingPolicy:
    """A school's policy with every default filled in: what ``evaluate`` reads."""

    actions: dict[RuleCode, RuleAction]
    settings: dict[str, int | None]

    def action(self, code: RuleCode) -> RuleAction:
        return self.actions[code]

    def active(self, code: RuleCode) -> bool:
        return self.actions[code] is not RuleAction.OFF

    @classmethod
    def from_stored(cls, stored: dict[str, Any] | None) -> BookingPolicy:
        """The effective policy of a stored document; values that are not understood (a rule a
        later version removed, a setting out of range) fall back to their default."""
        stored = stored or {}
        rules = stored.get("rules") or {}
        actions = {}
        for code, rule in RULES.items():
            try:
                actions[code] = RuleAction(rules.get(code.value, rule.default))
            except ValueError:
                actions[code] = rule.default
        settings: dict[str, int | None] = {}
        for name, setting in SETTINGS.items():
            value = stored.get(name, setting.default)
            if value is None and name not in REQUIRED_SETTINGS:
                settings[name] = None
            elif isinstance(value, int) and not isinstance(value, bool) and \
                    setting.minimum <= value <= setting.maximum:
                settings[name] = value
            else:
                settings[name] = setting.default
        return cls(actions, settings)

    def stored(self) -> dict[str, Any]:
        """The document to store: everything, so what the school saw is what it keeps."""
        return {"rules": {code.value: action.value for code, action in self.actions.items()},
                **self.settings}
