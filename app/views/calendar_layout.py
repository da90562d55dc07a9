"""Where every lesson block of the calendar goes: columns (days), the hours shown, rows (aircraft
or instructors), and lanes inside a row — pure geometry, no painting.

Built once per schedule, size and row choice (``build_layout``) and reused for painting,
hit-testing and keyboard moves. Positions are *fit coordinates*: x as if the days fitted the
width (zoom 1), y as if nothing were scrolled; the view maps them to the screen
(``x = LABEL_WIDTH + (x - LABEL_WIDTH) * zoom - scroll``), so zooming and scrolling never
rebuild the layout.

Nothing is ever hidden: blocks that overlap in one row (a weather-cancelled lesson and the one
booked into its slot) are put in lanes stacked inside the row, and a row grows to give every lane
room for its text (two lines in the week, one in the day). Lanes are decided at zoom 1 with a
minimum block width and a one-pixel gap after each block; zooming in only widens the gaps, so
blocks of one row never intersect at any zoom.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from app.models.lessons import Lesson

__all__ = ["Block", "Column", "Layout", "build_layout", "hour_range", "LIVE_STATUSES",
           "FIRST_HOUR", "LAST_HOUR", "LABEL_WIDTH", "HEADER_HEIGHT", "MIN_BLOCK_WIDTH"]

FIRST_HOUR, LAST_HOUR = 6, 21  # the day shown when no lesson is earlier or later (school time)
LABEL_WIDTH = 150
HEADER_HEIGHT = 44
MIN_BLOCK_WIDTH = 6  # even a 5-minute lesson is something to point at
ROW_PADDING = 3  # between a row's edge and its blocks
LANE_GAP = 2  # between two lanes of a row
# A row is never lower than this (week, day): room for two lines of a block (week) or three.
MIN_ROW_HEIGHT = {"week": 44, "day": 60}
# A lane is never lower than this: in the week, the room of a row of one lane (two lines: the
# time, then the student, or initials when narrow — what a lane of one line would lose), in the
# day one line (its blocks are wide enough to write the student beside the weather's glyph).
MIN_LANE_HEIGHT = {"week": MIN_ROW_HEIGHT["week"] - 2 * ROW_PADDING, "day": 18}
# Lessons the school still flies (the rest are kept for the record); they take the top lane
# when a cancelled lesson shares their time.
LIVE_STATUSES = frozenset({"SCHEDULED", "AT_RISK"})


@dataclass(frozen=True)
class Column:
    """One day: its place (fit coordinates) and its times as UTC timestamps."""

    day: date
    left: float
    width: float
    first: float  # the first and last hour shown that day
    last: float
    dawn: float  # civil dawn and dusk (±inf: no dawn/dusk that day)
    dusk: float

    def x_of(self, timestamp: float) -> float:
        fraction = (timestamp - self.first) / (self.last - self.first)
        return self.left + self.width * min(max(fraction, 0.0), 1.0)

    def time_at(self, x: float) -> float:
        fraction = min(max((x - self.left) / self.width, 0.0), 1.0)
        return self.first + fraction * (self.last - self.first)


@dataclass(slots=True)
class Block:
    """A lesson's part in one day column (a lesson past midnight has two)."""

    lesson: Lesson
    row: int
    left: float  # fit coordinates; right is one pixel short of where the next block may start
    right: float
    top: float
    bottom: float
    read_only: bool
    start: float  # the lesson's start, UTC timestamp (time order)
    lane: int = 0
    lanes: int = 1  # lanes of the group of overlapping blocks it belongs to


@dataclass
class Layout:
    width: int  # the widget size it was built for
    height: int
    grid_width: float  # the days' width at zoom 1
    columns: list[Column]
    midnights: list[float]  # UTC timestamps of each column's start of day, then the end
    first_hour: int
    last_hour: int
    rows: list[tuple[str | None, str]]
    row_tops: list[float]  # each row's top, then the bottom of the last
    blocks: list[Block] = field(default_factory=list)  # in time order
    by_row: list[list[Block]] = field(default_factory=list)  # each row's, by left edge
    by_lesson: dict[str, list[Block]] = field(default_factory=dict)
    # Each row's shaded times (its person is not available), as (left, right, why) in fit
    # coordinates, by left edge; empty rows where nothing is shaded.
    shading: list[list[tuple[float, float, str]]] = field(default_factory=list)

    @property
    def content_height(self) -> float:
        return self.row_tops[-1] - HEADER_HEIGHT

    def row_top(self, index: int) -> float:
        return self.row_tops[index]

    def row_height(self, index: int) -> float:
        return self.row_tops[index + 1] - self.row_tops[index]

    def row_at(self, y: float) -> int | None:
        """The row at content ``y``, or None above or below the rows."""
        index = bisect.bisect_right(self.row_tops, y) - 1
        return index if 0 <= index < len(self.rows) else None

    def column_of(self, timestamp: float) -> int | None:
        index = bisect.bisect_right(self.midnights, timestamp) - 1
        return index if 0 <= index < len(self.columns) else None

    def column_at(self, x: float) -> int:
        """The column under fit ``x``, clamped into the days."""
        index = int((x - LABEL_WIDTH) // self.columns[0].width)
        return min(max(index, 0), len(self.columns) - 1)

    def span(self, start: float, end: float) -> tuple[float, float] | None:
        """Fit x of a time span in its first visible column (a drag's ghost), or None when it is
        outside the days."""
        first = self.column_of(start)
        final = self.column_of(end - 1e-3)  # ending at midnight: still that day
        if first is None and final is None:
            return None
        if first is None:
            column = self.columns[final]
            return column.left, column.x_of(end)
        column = self.columns[first]
        return column.x_of(start), (column.x_of(end) if final == first
                                    else column.left + column.width)

    def lessons_in_row(self, row: int) -> list[Lesson]:
        """The row's lessons, each once, in time order."""
        seen: dict[str, Lesson] = {}
        for block in sorted(self.by_row[row], key=lambda item: (item.lesson.start, item.lane)):
            seen.setdefault(block.lesson.id, block.lesson)
        return list(seen.values())


def hour_range(spans: Sequence[tuple[float, float]], days: Sequence[date], zone: tzinfo,
               first: int = FIRST_HOUR, last: int = LAST_HOUR) -> tuple[int, int]:
    """The hours of the day to show: ``first``–``last``, stretched to the earliest start and the
    latest end of the lessons' ``spans`` (UTC timestamps) in ``days``, so that no lesson is
    clipped — a lesson at 02:00 makes the day start at 02:00."""
    begin = datetime.combine(days[0], time(0), zone).timestamp()
    end = datetime.combine(days[-1] + timedelta(days=1), time(0), zone).timestamp()
    # Inside the usual hours of its day, a lesson stretches nothing: most need no more.
    usual = [(_at_hour(day, first, zone), _at_hour(day, last, zone)) for day in days]
    starts = [opening for opening, _closing in usual]
    for start, finish in spans:
        if finish <= begin or start >= end:
            continue
        index = bisect.bisect_right(starts, start) - 1
        if 0 <= index and finish <= usual[index][1]:
            continue
        if start <= begin or finish >= end:
            first = 0 if start <= begin else first
            last = 24 if finish >= end else last
        local_start = datetime.fromtimestamp(max(start, begin), zone)
        local_end = datetime.fromtimestamp(min(finish, end), zone)
        first = min(first, local_start.hour)
        if local_end.date() != local_start.date():
            if local_end.time() != time(0) or local_end.date() != local_start.date() + timedelta(1):
                first = 0  # past midnight: the next day starts at 00:00 too
            last = 24
            continue
        end_hour = local_end.hour + (1 if (local_end.minute or local_end.second) else 0)
        last = max(last, end_hour)
        if first == 0 and last == 24:
            break
    return first, last


def _at_hour(day: date, hour: int, zone: tzinfo) -> float:
    if hour >= 24:
        return datetime.combine(day + timedelta(days=1), time(0), zone).timestamp()
    return datetime.combine(day, time(hour), zone).timestamp()


def build_layout(*, lessons: Sequence[Lesson], days: Sequence[date], zone: tzinfo,
                 rows: list[tuple[str | None, str]], row_of: Callable[[Lesson], int | None],
                 read_only: Callable[[Lesson], bool],
                 dawn_dusk: Callable[[date], tuple[float, float]], width: int, height: int,
                 grid_height: float, scrollbar_width: int, mode: str,
                 unavailable: Callable[[str | None], Sequence[tuple[float, float, str]]]
                 | None = None) -> Layout:
    """The layout of ``lessons`` for a widget of ``width``×``height`` whose rows get
    ``grid_height`` pixels before they scroll; when they do not fit, the days leave
    ``scrollbar_width`` for the vertical scroll bar. ``unavailable``: a row id's times to shade
    (start, end as UTC timestamps, why), each inside one local day."""
    midnights = [datetime.combine(day, time(0), zone).timestamp() for day in days]
    midnights.append(datetime.combine(days[-1] + timedelta(days=1), time(0), zone).timestamp())
    count = len(days)
    placed: list[_Placed] = []
    for lesson in lessons:
        row = row_of(lesson)
        if row is None:
            continue
        start, end = lesson.start.timestamp(), lesson.end.timestamp()
        first = bisect.bisect_right(midnights, start) - 1
        final = bisect.bisect_right(midnights, end - 1e-3) - 1  # ending at midnight: that day
        if final < 0 or first >= count:
            continue
        placed.append((lesson, row, start, end, max(first, 0), min(final, count - 1),
                       read_only(lesson), lesson.status in LIVE_STATUSES))
    first_hour, last_hour = hour_range([(item[2], item[3]) for item in placed], days, zone)
    base_row = max(grid_height / max(len(rows), 1), MIN_ROW_HEIGHT.get(mode, 44))
    # More rows than fit at their least height: the scroll bar is sure, the days make room.
    surely = len(rows) * base_row > grid_height + 0.5
    layout = None
    for reserve in ((scrollbar_width,) if surely else (0, scrollbar_width)):
        grid_width = max(width - LABEL_WIDTH - reserve, 1)
        layout = _place(placed, days, zone, rows, dawn_dusk, width, height, grid_width,
                        midnights, first_hour, last_hour, base_row,
                        MIN_LANE_HEIGHT.get(mode, MIN_LANE_HEIGHT["day"]))
        if layout.content_height <= grid_height + 0.5:
            break  # no vertical scroll bar: the days keep the whole width
    assert layout is not None
    layout.shading = [_shade(layout, unavailable(row_id)) if unavailable is not None else []
                      for row_id, _label in rows]
    return layout


def _shade(layout: Layout, bands: Sequence[tuple[float, float, str]]
           ) -> list[tuple[float, float, str]]:
    """``bands`` (UTC timestamps) as fit x extents in the columns shown, clipped to the hours
    shown."""
    shaded = []
    midnights, columns = layout.midnights, layout.columns
    for start, end, why in bands:
        index = max(bisect.bisect_right(midnights, start) - 1, 0)
        while index < len(columns) and midnights[index] < end:
            column = columns[index]
            low, high = max(start, column.first), min(end, column.last)
            if low < high:
                shaded.append((column.x_of(low), column.x_of(high), why))
            index += 1
    shaded.sort()
    return shaded


# (lesson, row, start, end, first column, last column, read-only, live)
_Placed = tuple[Lesson, int, float, float, int, int, bool, bool]


def _place(placed: list[_Placed], days: Sequence[date], zone: tzinfo,
           rows: list[tuple[str | None, str]],
           dawn_dusk: Callable[[date], tuple[float, float]], width: int, height: int,
           grid_width: float, midnights: list[float], first_hour: int, last_hour: int,
           base_row: float, lane_height: float) -> Layout:
    column_width = grid_width / len(days)
    columns = []
    for index, day in enumerate(days):
        dawn, dusk = dawn_dusk(day)
        columns.append(Column(day=day, left=LABEL_WIDTH + index * column_width, width=column_width,
                              first=_at_hour(day, first_hour, zone),
                              last=_at_hour(day, last_hour, zone), dawn=dawn, dusk=dusk))
    firsts = [column.first for column in columns]
    spans = [column.last - column.first for column in columns]
    lefts = [column.left for column in columns]
    shortest = MIN_BLOCK_WIDTH + 1  # the least width, and the gap before the next block
    # Each lesson's parts (one per day it touches) with their extent at zoom 1, sortable: at the
    # same start the live lesson first (it takes the top lane), then the longer.
    parts: list[list[tuple[float, bool, float, str, Block]]] = [[] for _ in rows]
    for lesson, row, start, end, first, final, locked, live in placed:
        for index in range(first, final + 1):
            begin = midnights[index]
            fraction = ((start if start > begin else begin) - firsts[index]) / spans[index]
            left = lefts[index] + column_width * (
                0.0 if fraction < 0.0 else 1.0 if fraction > 1.0 else fraction)
            finish = midnights[index + 1]
            fraction = ((end if end < finish else finish) - firsts[index]) / spans[index]
            stop = lefts[index] + column_width * (
                0.0 if fraction < 0.0 else 1.0 if fraction > 1.0 else fraction)
            if stop < left + shortest:  # at least MIN_BLOCK_WIDTH, inside its column
                stop = left + shortest
                column_right = lefts[index] + column_width
                if stop > column_right:
                    stop = column_right
                    left = max(lefts[index], stop - shortest)
            block = Block(lesson, row, left, stop - 1, 0.0, 0.0, locked, start)
            parts[row].append((left, not live, -stop, lesson.id, block))

    # Lanes: first fit, the earliest block first.
    row_lanes = []
    for entries in parts:
        entries.sort()  # (never down to the block: a lesson has one part per column)
        lane_ends: list[float] = []
        group: list[Block] = []
        group_end = -math.inf
        most = 1
        for left, _dead, negative_stop, _id, block in entries:
            stop = -negative_stop
            if left >= group_end and group:
                for member in group:
                    member.lanes = len(lane_ends)
                most = max(most, len(lane_ends))
                group, lane_ends = [], []
            for lane, lane_end in enumerate(lane_ends):
                if left >= lane_end:
                    lane_ends[lane] = stop
                    block.lane = lane
                    break
            else:
                block.lane = len(lane_ends)
                lane_ends.append(stop)
            group.append(block)
            if stop > group_end:
                group_end = stop
        for member in group:
            member.lanes = len(lane_ends) or 1
        most = max(most, len(lane_ends))
        row_lanes.append(most)

    row_tops = [float(HEADER_HEIGHT)]
    for lanes in row_lanes:
        needed = lanes * lane_height + (lanes - 1) * LANE_GAP + 2 * ROW_PADDING
        row_tops.append(row_tops[-1] + max(base_row, needed))
    layout = Layout(width=width, height=height, grid_width=grid_width, columns=columns,
                    midnights=midnights, first_hour=first_hour, last_hour=last_hour, rows=rows,
                    row_tops=row_tops)
    for row, entries in enumerate(parts):
        top = row_tops[row] + ROW_PADDING
        inner = row_tops[row + 1] - ROW_PADDING - top
        row_blocks = []
        for *_key, block in entries:
            lane_height = (inner - (block.lanes - 1) * LANE_GAP) / block.lanes
            block.top = top + block.lane * (lane_height + LANE_GAP)
            block.bottom = block.top + lane_height
            row_blocks.append(block)
        layout.by_row.append(row_blocks)
        layout.blocks.extend(row_blocks)
    layout.blocks.sort(key=_time_order)
    by_lesson = layout.by_lesson
    for block in layout.blocks:
        found = by_lesson.get(block.lesson.id)
        if found is None:
            by_lesson[block.lesson.id] = [block]
        else:
            found.append(block)
    return layout


def _time_order(block: Block) -> tuple[float, int, int]:
    return block.start, block.row, block.lane
