"""Weather minimums per training level, and how schools and students may tighten them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TrainingLevel(StrEnum):
    EARLY_STUDENT = "EARLY_STUDENT"
    PRIVATE_PILOT = "PRIVATE_PILOT"
    INSTRUMENT_RATED = "INSTRUMENT_RATED"

    @property
    def described(self) -> str:
        return _DESCRIPTIONS[self]

    @property
    def night_trained_by_default(self) -> bool:
        # Night training is part of the private pilot certificate; an early student has none.
        return self is not TrainingLevel.EARLY_STUDENT


_DESCRIPTIONS = {
    TrainingLevel.EARLY_STUDENT: "an early student",
    TrainingLevel.PRIVATE_PILOT: "a private pilot",
    TrainingLevel.INSTRUMENT_RATED: "an instrument-rated pilot",
}


@dataclass(frozen=True, slots=True)
class Minimums:
    """Visibility and ceiling at least, wind (gust counts) at most. A value at the limit passes."""

    visibility_sm: float
    ceiling_ft: int
    max_wind_kt: int
    applies_to: str = "this lesson"  # completes "…the 1000 ft minimum for <applies_to>"

    def tightened_by(self, other: Minimums | None, *, applies_to: str | None = None) -> Minimums:
        """The stricter of the two for every value: a school or student can only tighten."""
        if other is None:
            return self
        return Minimums(
            visibility_sm=max(self.visibility_sm, other.visibility_sm),
            ceiling_ft=max(self.ceiling_ft, other.ceiling_ft),
            max_wind_kt=min(self.max_wind_kt, other.max_wind_kt),
            applies_to=applies_to or self.applies_to,
        )

    def as_dict(self) -> dict:
        return {
            "visibility_sm": self.visibility_sm,
            "ceiling_ft": self.ceiling_ft,
            "max_wind_kt": self.max_wind_kt,
        }


# From the product specification (ARCHITECTURE.md, "Default minimums").
DEFAULT_MINIMUMS: dict[TrainingLevel, Minimums] = {
    TrainingLevel.EARLY_STUDENT: Minimums(10, 3000, 10, TrainingLevel.EARLY_STUDENT.described),
    TrainingLevel.PRIVATE_PILOT: Minimums(3, 1000, 15, TrainingLevel.PRIVATE_PILOT.described),
    TrainingLevel.INSTRUMENT_RATED: Minimums(0, 0, 25, TrainingLevel.INSTRUMENT_RATED.described),
}


@dataclass(frozen=True, slots=True)
class Margin:
    """How close to a limit a passing value must be to make the lesson MARGINAL (school-set)."""

    visibility_sm: float = 1.0
    ceiling_ft: int = 500
    wind_kt: int = 3


DEFAULT_MARGIN = Margin()


def minimums_for(
    level: TrainingLevel,
    *,
    school: dict[TrainingLevel, Minimums] | None = None,
    personal: Minimums | None = None,
) -> Minimums:
    """The minimums that apply to one student: defaults, tightened by school, then by student."""
    applied = DEFAULT_MINIMUMS[level]
    if school and level in school:
        applied = applied.tightened_by(school[level])
    if personal is not None:
        applied = applied.tightened_by(personal, applies_to="this student's personal minimums")
    return applied
