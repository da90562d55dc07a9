"""Which lessons the calendar shows: by instructor, aircraft, status and weather verdict.

A ``LessonFilter`` is a plain value; ``apply`` gives the schedule with only the matching lessons
(rows, people and the time zone stay, so the calendar keeps its shape and the editor its choices).
Each dimension is a set of accepted values, empty for "any"; the dimensions combine with "and".
Two values stand for "none": ``SOLO`` among the instructors (a lesson without one) and
``NOT_CHECKED`` among the verdicts (a lesson no weather check has judged yet).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.models.lessons import Lesson, Schedule

__all__ = ["LessonFilter", "NOT_CHECKED", "SOLO"]

SOLO = ""  # an instructor "id" for lessons without an instructor
NOT_CHECKED = ""  # a "verdict" for lessons without a weather check


@dataclass(frozen=True)
class LessonFilter:
    instructor_ids: frozenset[str] = frozenset()
    aircraft_ids: frozenset[str] = frozenset()
    statuses: frozenset[str] = frozenset()
    verdicts: frozenset[str] = frozenset()

    @property
    def active(self) -> bool:
        """Whether any lesson can be hidden."""
        return bool(self.instructor_ids or self.aircraft_ids or self.statuses or self.verdicts)

    def matches(self, lesson: Lesson) -> bool:
        return ((not self.instructor_ids or (lesson.instructor_id or SOLO) in self.instructor_ids)
                and (not self.aircraft_ids or lesson.aircraft_id in self.aircraft_ids)
                # A lesson in the air is still SCHEDULED (or AT_RISK) and FLYING as shown.
                and (not self.statuses or lesson.status in self.statuses
                     or lesson.shown_status in self.statuses)
                and (not self.verdicts or (lesson.verdict or NOT_CHECKED) in self.verdicts))

    def apply(self, schedule: Schedule) -> Schedule:
        """``schedule`` with only the lessons that match (itself when nothing is filtered)."""
        if not self.active:
            return schedule
        return replace(schedule, lessons=tuple(lesson for lesson in schedule.lessons
                                               if self.matches(lesson)))
