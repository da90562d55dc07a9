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
    # Whose limit each value is, where a tightening set it (field name → applies_to).
    sources: tuple[tuple[str, str], ...] = ()

    def source_of(self, name: str) -> str:
        return dict(self.sources).get(name, self.applies_to)

    def tightened_by(self, other: Minimums | None, *, applies_to: str | None = None) -> Minimums:
        """The stricter of the two for every value: a school or student can only tighten.

        Each value keeps the name of whoever set it, so a reason never blames a looser set.
        """
        if other is None:
            return self
        label = applies_to or other.applies_to
        stricter = {
            "visibility_sm": other.visibility_sm > self.visibility_sm,
            "ceiling_ft": other.ceiling_ft > self.ceiling_ft,
            "max_wind_kt": other.max_wind_kt < self.max_wind_kt,
        }
        sources = {name: (label if stricter[name] else self.source_of(name)) for name in stricter}
        return Minimums(
            visibility_sm=other.visibility_sm if stricter["visibility_sm"] else self.visibility_sm,
            ceiling_ft=other.ceiling_ft if stricter["ceiling_ft"] else self.ceiling_ft,
            max_wind_kt=other.max_wind_kt if stricter["max_wind_kt"] else self.max_wind_kt,
            applies_to=self.applies_to,
            sources=tuple((name, source) for name, source in sources.items()
                          if source != self.applies_to),
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
        applied = applied.tightened_by(school[level], applies_to=f"{level.described} at this school")
    if personal is not None:
        applied = applied.tightened_by(personal, applies_to="this student (personal minimums)")
    return applied
