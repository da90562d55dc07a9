"""A weekly series of lessons as the desk plans and books it — pure Python, no Qt.

``SeriesPlan`` is what the series dialog's form says: who, which aircraft, where, on which
weekdays at which school time, how long, from which day for how many weeks (or until a day), all
or nothing. ``occurrences`` lists its lessons the way the service does (``POST /flights/series``:
the weekdays from the first day, at the same school time every week, so daylight-saving time
moves nothing on the school's clock), so the dialog shows what will be asked for before it is.

``read_result`` turns the service's answer into ``SeriesResult``: every occurrence, booked or
refused, with the reason in words and school time. Occurrences the school's policy only warns
about carry the warnings; the same request sent again with them acknowledged books them.
``merge`` joins such a second answer to the first: occurrences booked the first time come back
refused the second (they clash with themselves) and stay booked in the result.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from app.models.lesson_rules import booking_problem
from app.services.policy_warnings import NEEDS_ACKNOWLEDGEMENT, PolicyWarning, warnings_in

__all__ = ["ALL_OR_NOTHING", "MAX_LESSONS", "MAX_WEEKS", "Occurrence", "SeriesPlan", "SeriesResult", "WEEKDAYS",
           "merge", "read_result", "when"]

# ISO weekdays (1 = Monday), as the service takes them.
WEEKDAYS = ((1, "Mon"), (2, "Tue"), (3, "Wed"), (4, "Thu"), (5, "Fri"), (6, "Sat"), (7, "Sun"))
MAX_WEEKS = 52  # the service's limits (FlightSeriesCreate)
MAX_LESSONS = 200
_CLASHES = {"STUDENT_DOUBLE_BOOKED", "INSTRUCTOR_DOUBLE_BOOKED", "AIRCRAFT_DOUBLE_BOOKED"}
# Not the service's: a lesson it did not book because another of an all-or-nothing series was
# refused (its answer lists only the refused ones).
ALL_OR_NOTHING = "ALL_OR_NOTHING"


def _local_moment(day: date, clock: time, zone: zoneinfo.ZoneInfo) -> datetime:
    """The UTC moment of a wall-clock time on ``day``; a time the clocks skip (spring forward)
    is the first real moment after it, as the service places it."""
    local = datetime.combine(day, clock, tzinfo=zone)
    moment = local.astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        moment = local.replace(fold=1).astimezone(UTC)
    return moment


def when(start: datetime, end: datetime, zone: zoneinfo.ZoneInfo) -> str:
    """"Tue 02 Dec 2025 14:00–15:30 CST": a lesson's day and times in the school's zone."""
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    return f"{local_start:%a %d %b %Y %H:%M}–{local_end:%H:%M} {local_start:%Z}"


@dataclass(frozen=True)
class SeriesPlan:
    student_id: str | None
    instructor_id: str | None
    aircraft_id: str | None
    flight_type: str
    departure: str
    destination: str
    weekdays: tuple[int, ...]
    start_time: time
    duration_minutes: int
    first_date: date
    weeks: int | None = 8
    until: date | None = None
    all_or_nothing: bool = False
    notes: str = ""
    acknowledge: tuple[str, ...] = ()
    # The series a second request adds to (the warned lessons booked anyway join the first
    # answer's series, so "this and following" reaches them all).
    series_id: str | None = None

    @property
    def last_date(self) -> date:
        if self.until is not None:
            return self.until
        return self.first_date + timedelta(days=7 * (self.weeks or 0) - 1)

    def occurrences(self, zone: zoneinfo.ZoneInfo) -> list[tuple[datetime, datetime]]:
        """(start, end), aware UTC, of every lesson the series asks for, in order."""
        length = timedelta(minutes=self.duration_minutes)
        found = []
        day, last = self.first_date, self.last_date
        while day <= last and len(found) <= MAX_LESSONS:
            if day.isoweekday() in self.weekdays:
                start = _local_moment(day, self.start_time, zone)
                found.append((start, start + length))
            day += timedelta(days=1)
        return found

    def problem(self, *, zone: zoneinfo.ZoneInfo, now: datetime) -> tuple[str, str] | None:
        """The first thing wrong with the plan, (field, message), or None."""
        found = booking_problem(student_id=self.student_id, aircraft_id=self.aircraft_id,
                                flight_type=self.flight_type, instructor_id=self.instructor_id,
                                departure=self.departure, destination=self.destination)
        if found is not None:
            return found
        if not self.weekdays:
            return "weekdays", "Tick at least one weekday."
        if self.until is not None:
            if self.until < self.first_date:
                return "until", "The last day is before the first: choose a later one."
            if (self.until - self.first_date).days > MAX_WEEKS * 7:
                return "until", (f"A series runs at most {MAX_WEEKS} weeks: choose an earlier "
                                 "last day, and book a second series after it.")
        elif not self.weeks or not 1 <= self.weeks <= MAX_WEEKS:
            return "weeks", f"A series runs from 1 to {MAX_WEEKS} weeks."
        lessons = self.occurrences(zone)
        if not lessons:
            return "weekdays", ("None of the ticked weekdays falls between the first and the "
                                "last day: tick another, or make the series longer.")
        if len(lessons) > MAX_LESSONS:
            return "weeks", (f"That is more than {MAX_LESSONS} lessons, more than one series "
                             "books at once: book it in parts.")
        if lessons[0][0] <= now:
            return "first_date", ("The first lesson would start in the past: choose a later "
                                  "first day or start time.")
        return None

    def request(self) -> dict[str, Any]:
        """The ``POST /flights/series`` body."""
        body: dict[str, Any] = {
            "student_id": self.student_id, "instructor_id": self.instructor_id,
            "aircraft_id": self.aircraft_id, "flight_type": self.flight_type,
            "departure": self.departure.strip().upper(),
            "destination": self.destination.strip().upper() or None,
            "notes": self.notes, "weekdays": sorted(set(self.weekdays)),
            "start_time": f"{self.start_time:%H:%M}", "duration_minutes": self.duration_minutes,
            "first_date": self.first_date.isoformat(), "all_or_nothing": self.all_or_nothing,
            "acknowledge": list(self.acknowledge),
        }
        if self.series_id is not None:
            body["series_id"] = self.series_id
        if self.until is not None:
            body["until"] = self.until.isoformat()
        else:
            body["weeks"] = self.weeks
        return body

    def acknowledged(self, codes: Iterable[str], *, series_id: str | None = None) -> SeriesPlan:
        """The same plan with the policy's warnings ``codes`` accepted, its lessons joining
        ``series_id`` when the first answer booked some."""
        return replace(self, acknowledge=tuple(dict.fromkeys((*self.acknowledge, *codes))),
                       series_id=series_id or self.series_id)

    def summary(self, zone: zoneinfo.ZoneInfo) -> str:
        """"8 Tuesdays and 8 Thursdays, 16 lessons, Tue 02 Dec 2025 to Thu 22 Jan 2026"."""
        lessons = self.occurrences(zone)
        if not lessons:
            return "No lessons: tick a weekday that falls between the first and the last day."
        first, last = lessons[0][0].astimezone(zone), lessons[-1][0].astimezone(zone)
        count = len(lessons)
        return (f"{count} lesson{'s' if count != 1 else ''}, {first:%a %d %b %Y} to "
                f"{last:%a %d %b %Y}, {first:%H:%M} school time ({zone.key})")


@dataclass(frozen=True)
class Occurrence:
    """One lesson of the series: booked (``lesson_id``) or refused with ``reason`` in words;
    ``warnings``: what the school's policy warns about it (booked once accepted)."""

    start: datetime
    end: datetime
    booked: bool
    reason: str = ""
    lesson_id: str | None = None
    rule: str | None = None
    conflict_id: str | None = None
    warnings: tuple[PolicyWarning, ...] = ()

    def line(self, zone: zoneinfo.ZoneInfo) -> str:
        """The occurrence as the result list shows it."""
        if self.booked:
            return f"Booked — {when(self.start, self.end, zone)}"
        return f"Not booked — {when(self.start, self.end, zone)}: {self.reason}"


@dataclass(frozen=True)
class SeriesResult:
    occurrences: tuple[Occurrence, ...]
    series_ids: tuple[str, ...] = ()
    notices: tuple[str, ...] = field(default_factory=tuple)

    @property
    def booked(self) -> tuple[Occurrence, ...]:
        return tuple(occurrence for occurrence in self.occurrences if occurrence.booked)

    @property
    def refused(self) -> tuple[Occurrence, ...]:
        return tuple(occurrence for occurrence in self.occurrences if not occurrence.booked)

    @property
    def warned(self) -> tuple[Occurrence, ...]:
        """Refused only because the school's policy warns: booked once the warnings are accepted."""
        return tuple(occurrence for occurrence in self.refused if occurrence.warnings)

    @property
    def blocked(self) -> tuple[Occurrence, ...]:
        """Refused for good (a clash, a rule the school blocks…): accepting warnings won't help."""
        return tuple(occurrence for occurrence in self.refused
                     if not occurrence.warnings and occurrence.rule != ALL_OR_NOTHING)

    def can_book_anyway(self, *, all_or_nothing: bool) -> bool:
        """Whether sending the series again with the warnings accepted books more: not when an
        all-or-nothing series also has a lesson refused for good."""
        return bool(self.warned) and not (all_or_nothing and self.blocked)

    def warning_codes(self) -> list[str]:
        return list(dict.fromkeys(warning.code for occurrence in self.warned
                                  for warning in occurrence.warnings))

    def warnings_by_rule(self) -> tuple[PolicyWarning, ...]:
        """One warning per rule (its first lesson's words, and how many more lessons it is about):
        what "Book anyway" accepts, short enough to read at a glance."""
        grouped: dict[str, list[PolicyWarning]] = {}
        for occurrence in self.warned:
            for warning in occurrence.warnings:
                grouped.setdefault(warning.code, []).append(warning)
        found = []
        for code, warnings in grouped.items():
            text = warnings[0].sentence
            if len(warnings) > 1:
                more = len(warnings) - 1
                text = f"{text.rstrip('.')} (and {more} more lesson{'s' if more != 1 else ''} " \
                       "of the series)."
            found.append(PolicyWarning(code, text))
        return tuple(found)

    def summary(self) -> str:
        booked, refused = len(self.booked), len(self.refused)
        if not refused:
            return f"All {booked} lessons were booked."
        if not booked:
            held = sum(occurrence.rule == ALL_OR_NOTHING for occurrence in self.refused)
            if held:
                failed = refused - held
                return (f"None of the {refused} lessons was booked: {failed} could not be, and "
                        "the series was to be booked all or nothing. The reasons are listed "
                        "below.")
            return f"None of the {refused} lessons was booked: the reasons are listed below."
        return (f"{booked} lesson{'s were' if booked != 1 else ' was'} booked; {refused} "
                f"{'were' if refused != 1 else 'was'} not (see why below).")


def _parse(value: Any) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _reason(refusal: Mapping[str, Any], zone: zoneinfo.ZoneInfo,
            names: Mapping[str, str]) -> str:
    """Why an occurrence was refused, in words and school time (never the service's UTC ids)."""
    rule = str(refusal.get("rule") or "")
    warnings = warnings_in(refusal)
    if rule == NEEDS_ACKNOWLEDGEMENT and warnings:
        said = " ".join(warning.sentence for warning in warnings)
        return f"The booking policy warns: {said}"
    clash = refusal.get("conflict") or {}
    if rule in _CLASHES and clash.get("start_at") and clash.get("end_at"):
        try:
            taken = when(_parse(clash["start_at"]), _parse(clash["end_at"]), zone)
        except ValueError:
            taken = ""
        if taken:
            if rule == "STUDENT_DOUBLE_BOOKED":
                return f"{names.get('student') or 'The student'} already has a lesson {taken}."
            if rule == "INSTRUCTOR_DOUBLE_BOOKED":
                return f"{names.get('instructor') or 'The instructor'} is already teaching {taken}."
            return f"{names.get('aircraft') or 'The aircraft'} is already booked {taken}."
    return _sentence(str(refusal.get("detail") or "The service refused it without a reason"))


def read_result(body: Mapping[str, Any], *, zone: zoneinfo.ZoneInfo,
                names: Mapping[str, str] | None = None,
                planned: Iterable[tuple[datetime, datetime]] = ()) -> SeriesResult:
    """The service's answer (``FlightSeriesResult``) as occurrences in time order. ``names``:
    the chosen ``student``, ``instructor`` and ``aircraft`` as the desk calls them (for a
    clash's reason). ``planned``: the lessons asked for (``SeriesPlan.occurrences``); those the
    answer does not list were held back by all or nothing, and say so."""
    names = names or {}
    occurrences = [Occurrence(start=_parse(row["start_at"]), end=_parse(row["end_at"]), booked=True,
                              lesson_id=str(row["id"]))
                   for row in body.get("booked") or ()]
    for refusal in body.get("refused") or ():
        clash = refusal.get("conflict") or {}
        occurrences.append(Occurrence(
            start=_parse(refusal["start_at"]), end=_parse(refusal["end_at"]), booked=False,
            reason=_reason(refusal, zone, names), rule=refusal.get("rule"),
            conflict_id=str(clash["id"]) if isinstance(clash, Mapping) and clash.get("id") else None,
            warnings=warnings_in(refusal)))
    answered = {occurrence.start for occurrence in occurrences}
    occurrences += [Occurrence(start=start, end=end, booked=False, rule=ALL_OR_NOTHING,
                               reason="Held back: another lesson of the series could not be "
                                      "booked, and it was to be booked all or nothing.")
                    for start, end in planned if start not in answered]
    occurrences.sort(key=lambda occurrence: occurrence.start)
    series = (str(body["series_id"]),) if body.get("series_id") else ()
    notices = tuple(_sentence(str(notice.get("text") or notice.get("code") or ""))
                    for notice in body.get("notices") or () if isinstance(notice, Mapping))
    return SeriesResult(tuple(occurrences), series, notices)


def merge(first: SeriesResult, again: SeriesResult) -> SeriesResult:
    """``again`` (the same series sent again, its warnings accepted) over ``first``: an
    occurrence booked the first time comes back refused as a clash with itself, and stays the
    first answer's booked lesson."""
    booked_first = {occurrence.lesson_id: occurrence for occurrence in first.booked}
    occurrences = []
    for occurrence in again.occurrences:
        if not occurrence.booked and occurrence.conflict_id in booked_first \
                and occurrence.rule in _CLASHES:
            occurrences.append(booked_first[occurrence.conflict_id])
        else:
            occurrences.append(occurrence)
    kept = {occurrence.lesson_id for occurrence in occurrences if occurrence.booked}
    # Booked the first time but not asked for again (cannot be: the same request), kept anyway.
    occurrences += [occurrence for lesson_id, occurrence in booked_first.items() if lesson_id not in kept]
    occurrences.sort(key=lambda occurrence: occurrence.start)
    return SeriesResult(tuple(occurrences), tuple(dict.fromkeys((*first.series_ids, *again.series_ids))),
                        tuple(dict.fromkeys((*first.notices, *again.notices))))
