"""What the booking-policy API accepts and returns, and the warnings a booking answers with.

``PolicyRead`` / ``PolicyUpdate``: ``GET`` and ``PUT /policy``. ``PolicyWarning``: one rule a
booking breaks that the school lets a person book over once told (the ``warnings`` of a 409
``NEEDS_ACKNOWLEDGEMENT``); ``PolicyNotice``: something the answer of a booking that went through
says (the forecast could not be checked).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sync.policy.models import SETTINGS, Refusal, RuleAction, RuleCode
from sync.preconditions import VersionSent


class PolicyWarning(BaseModel):
    code: RuleCode = Field(description="the rule; send it back in acknowledge to book anyway")
    text: str = Field(description="what the booking breaks, in words for the person booking")


class PolicyNotice(BaseModel):
    code: str = Field(description="FORECAST_NOT_CHECKED: the forecast rule could not be applied")
    text: str


class RuleRead(BaseModel):
    code: RuleCode
    action: RuleAction = Field(description="block: refused; warn: booked once acknowledged; off")
    default: RuleAction
    refusal: Refusal = Field(description="a blocked booking answers 422 (invalid) or 409 (conflict)")
    title: str
    description: str


def _setting(name: str, *, nullable: bool) -> object:
    setting = SETTINGS[name]
    return Field(default=None, ge=setting.minimum, le=setting.maximum,
                 description=setting.description + ("" if nullable else "; cannot be null"))


class PolicySettings(BaseModel):
    turnaround_minutes: int = Field(description=SETTINGS["turnaround_minutes"].description)
    instruction_hours_per_24h: int = Field(description=SETTINGS["instruction_hours_per_24h"].description)
    instruction_hours_per_week: int | None = Field(
        description=SETTINGS["instruction_hours_per_week"].description)
    student_lessons_per_day: int | None = Field(description=SETTINGS["student_lessons_per_day"].description)
    student_lessons_per_week: int | None = Field(
        description=SETTINGS["student_lessons_per_week"].description)


class PolicyRead(BaseModel):
    """The school's policy, every default filled in. ``version`` (and the ETag) is the school
    row's: send it back with a change."""

    version: int
    rules: list[RuleRead]
    settings: PolicySettings


class PolicyUpdate(BaseModel):
    """Only what is sent changes: rules by code, settings by name (null: no limit, where a limit
    may be lifted). ``version`` (or If-Match) must be the one last read."""

    model_config = ConfigDict(extra="forbid")

    version: VersionSent = None
    rules: dict[RuleCode, RuleAction] | None = Field(
        default=None, description='what each named rule does: {"OUTSIDE_SCHOOL_HOURS": "block"}')
    turnaround_minutes: int | None = _setting("turnaround_minutes", nullable=False)  # type: ignore[assignment]
    instruction_hours_per_24h: int | None = _setting("instruction_hours_per_24h",  # type: ignore[assignment]
                                                     nullable=False)
    instruction_hours_per_week: int | None = _setting("instruction_hours_per_week",  # type: ignore[assignment]
                                                      nullable=True)
    student_lessons_per_day: int | None = _setting("student_lessons_per_day",  # type: ignore[assignment]
                                                   nullable=True)
    student_lessons_per_week: int | None = _setting("student_lessons_per_week",  # type: ignore[assignment]
                                                    nullable=True)
