"""People's availability on the desktop: what is typed read into the API's JSON, and the times a
person is not available — checked against the service's own reading (``sync.policy.windows``)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from app.models.availability import (
    RESTRICTED_MEANING, UNRESTRICTED_MEANING, Availability, DatedHours, check_exceptions,
    check_week, dated_hours, instructor_bands, parse_windows, unavailable_bands, week_texts,
)
from sync.people.schemas import AvailabilityException, AvailabilityWindow
from sync.policy import windows as service_windows

CHICAGO = ZoneInfo("America/Chicago")


def at(day: date, hour: int, minute: int = 0, zone: ZoneInfo = CHICAGO) -> datetime:
    return datetime.combine(day, time(hour, minute), zone).astimezone(UTC)


# -- reading what is typed ------------------------------------------------------------------


@pytest.mark.parametrize(("text", "windows"), [
    ("08:00–12:00, 13:00–17:00", [("08:00", "12:00"), ("13:00", "17:00")]),
    ("8-12 13:30 - 17", [("08:00", "12:00"), ("13:30", "17:00")]),
    ("07:00 to 11:15; 12.00-14h30", [("07:00", "11:15"), ("12:00", "14:30")]),
    ("", []),
    ("  ", []),
])
def test_windows_are_read_in_the_ways_people_type_them(text, windows):
    assert parse_windows(text) == (windows, [])


@pytest.mark.parametrize(("text", "says"), [
    ("13:00–12:00", "13:00–12:00 ends before it starts"),
    ("12:00-12:00", "12:00–12:00 is empty: the end must be after the start"),
    ("25:00-26:00", "25:00 is not a time of day"),
    ("08:00-24:00", "write 23:59 for the end of the day"),
    ("08:00-12:00 and then", 'cannot read "and then"'),
    ("mornings", 'cannot read "mornings"'),
    ("0800-1200", "cannot read"),
])
def test_what_cannot_be_read_is_said(text, says):
    windows, problems = parse_windows(text)
    assert problems and says in problems[0], problems


def test_the_week_becomes_the_apis_windows_and_says_what_is_wrong_per_day():
    check = check_week({1: "08:00-12:00, 13:00-17:00", 3: "13:00-17:00, 07:00-09:00"})
    assert check.ok and not check.unrestricted
    assert check.windows == [
        {"weekday": 1, "start": "08:00", "end": "12:00"},
        {"weekday": 1, "start": "13:00", "end": "17:00"},
        {"weekday": 3, "start": "07:00", "end": "09:00"},
        {"weekday": 3, "start": "13:00", "end": "17:00"},
    ]
    for window in check.windows:  # what the service's schema accepts
        AvailabilityWindow(**window)

    wrong = check_week({1: "08:00-12:00, 11:00-14:00", 2: "10:00-09:00", 4: "08:00-10:00"})
    assert not wrong.ok and wrong.windows == []
    assert wrong.problems[1] == ["08:00–12:00 and 11:00–14:00 overlap: make them one window "
                                 "(08:00–14:00) or move one"]
    assert wrong.problems[2] == ["10:00–09:00 ends before it starts"]
    assert 4 not in wrong.problems


def test_windows_that_only_touch_are_allowed_and_read_as_one():
    check = check_week({2: "08:00-12:00, 12:00-14:00"})
    assert check.ok and 2 not in check.problems
    tuesday = date(2026, 12, 8)
    windows = Availability(check.windows, [], ZoneInfo("America/Chicago"))
    noon = datetime.combine(tuesday, time(11, 30), ZoneInfo("America/Chicago"))
    assert windows.problem(noon, noon + timedelta(hours=1)) is None


def test_an_empty_week_means_unrestricted_and_the_words_say_so():
    assert check_week({}).unrestricted
    assert "whenever the school is open" in UNRESTRICTED_MEANING
    assert "unavailable all day" in RESTRICTED_MEANING


def test_the_services_week_reads_back_as_text():
    assert week_texts([{"weekday": 2, "start": "13:00", "end": "17:00"},
                       {"weekday": 2, "start": "08:00", "end": "12:00"}]) == {
        1: "", 2: "08:00–12:00, 13:00–17:00", 3: "", 4: "", 5: "", 6: "", 7: ""}


def test_days_off_and_extra_hours_are_checked_together():
    christmas, boxing = date(2026, 12, 25), date(2026, 12, 26)
    check = check_exceptions([DatedHours(boxing, "09:00", "12:00"), DatedHours(christmas),
                              DatedHours(christmas)])
    assert check.ok
    assert check.exceptions == [
        {"date": "2026-12-25", "available": False},
        {"date": "2026-12-26", "available": True, "start": "09:00", "end": "12:00"},
    ]
    for exception in check.exceptions:
        AvailabilityException(**exception)
    assert dated_hours(check.exceptions) == [DatedHours(christmas), DatedHours(boxing, "09:00", "12:00")]

    both = check_exceptions([DatedHours(christmas), DatedHours(christmas, "09:00", "12:00")])
    assert both.problems == ["Fri 25 Dec 2026 is both a day off and has extra hours (09:00–12:00): "
                             "a day off wins, so remove one"]
    overlapping = check_exceptions([DatedHours(boxing, "09:00", "12:00"),
                                    DatedHours(boxing, "11:00", "13:00")])
    assert overlapping.problems == ["Sat 26 Dec 2026: 09:00–12:00 and 11:00–13:00 overlap: make "
                                    "them one window (09:00–13:00) or move one"]


# -- when someone is not available -------------------------------------------------------------


def test_the_shading_of_a_week_with_split_windows_and_a_day_off():
    monday = date(2026, 11, 30)
    person = {"availability": [{"weekday": 1, "start": "08:00", "end": "12:00"},
                               {"weekday": 1, "start": "13:00", "end": "17:00"},
                               {"weekday": 3, "start": "09:00", "end": "15:00"}],
              "availability_exceptions": [{"date": "2026-12-02", "available": False},
                                          {"date": "2026-12-05", "available": True,
                                           "start": "10:00", "end": "12:00"}]}
    start, end = at(monday, 0), at(monday + timedelta(days=7), 0)

    bands = unavailable_bands(person, CHICAGO, start, end)

    def day(offset: int) -> list[tuple[datetime, datetime, str]]:
        begin, finish = at(monday + timedelta(days=offset), 0), at(monday + timedelta(days=offset + 1), 0)
        return [(datetime.fromtimestamp(a, UTC), datetime.fromtimestamp(b, UTC), why)
                for a, b, why in bands if begin.timestamp() <= a < finish.timestamp()]

    monday_gaps = day(0)
    assert monday_gaps == [(at(monday, 0), at(monday, 8), "outside_windows"),
                           (at(monday, 12), at(monday, 13), "outside_windows"),
                           (at(monday, 17), at(monday + timedelta(days=1), 0), "outside_windows")]
    tuesday = monday + timedelta(days=1)  # no window on Tuesdays: all day
    assert day(1) == [(at(tuesday, 0), at(tuesday + timedelta(days=1), 0), "outside_windows")]
    wednesday = monday + timedelta(days=2)  # a window, but a day off
    assert day(2) == [(at(wednesday, 0), at(wednesday + timedelta(days=1), 0), "day_off")]
    saturday = monday + timedelta(days=5)  # extra hours
    assert day(5) == [(at(saturday, 0), at(saturday, 10), "outside_windows"),
                      (at(saturday, 12), at(saturday + timedelta(days=1), 0), "outside_windows")]


def test_someone_unrestricted_is_shaded_only_on_days_off():
    monday = date(2026, 11, 30)
    person = {"availability": [], "availability_exceptions": [{"date": "2026-12-03", "available": False}]}
    bands = unavailable_bands(person, CHICAGO, at(monday, 0), at(monday + timedelta(days=7), 0))
    thursday = monday + timedelta(days=3)
    assert bands == ((at(thursday, 0).timestamp(), at(thursday + timedelta(days=1), 0).timestamp(),
                      "day_off"),)
    assert instructor_bands({"a": person, "b": {"availability": []}}, CHICAGO, at(monday, 0),
                            at(monday + timedelta(days=7), 0)) == (("a", bands),)


@pytest.mark.parametrize(("sunday", "day_hours"), [
    (date(2026, 3, 8), 23),  # spring forward: 02:00 → 03:00
    (date(2026, 11, 1), 25),  # fall back: 02:00 → 01:00
])
def test_the_shading_follows_the_school_clock_across_a_dst_change(sunday, day_hours):
    person = {"availability": [{"weekday": day, "start": "08:00", "end": "17:00"} for day in range(1, 8)]}
    monday_before = sunday - timedelta(days=6)
    bands = unavailable_bands(person, CHICAGO, at(monday_before, 0), at(sunday + timedelta(days=1), 0))

    assert len(bands) == 14  # before 08:00 and after 17:00 each day
    for start, end, _why in bands:
        local_start = datetime.fromtimestamp(start, CHICAGO)
        local_end = datetime.fromtimestamp(end, CHICAGO)
        assert (local_start.hour, local_start.minute) in ((0, 0), (17, 0))
        assert (local_end.hour, local_end.minute) in ((8, 0), (0, 0))
    morning = next(band for band in bands
                   if datetime.fromtimestamp(band[0], CHICAGO).date() == sunday)
    # The night before 08:00 on the change day is an hour shorter or longer in elapsed time.
    assert morning[1] - morning[0] == (8 + day_hours - 24) * 3600
    assert [datetime.fromtimestamp(band[0], CHICAGO).isoformat() for band in bands][-2:] == [
        f"{sunday}T00:00:00-0{6 if day_hours == 23 else 5}:00",
        f"{sunday}T17:00:00-0{5 if day_hours == 23 else 6}:00"]


# -- the same reading as the service ----------------------------------------------------------

ZONES = [ZoneInfo(name) for name in ("America/Chicago", "Europe/London", "Australia/Lord_Howe",
                                     "America/Santiago", "Asia/Kolkata", "UTC")]


def _random_person(rng: random.Random, first: date) -> dict:
    def clock() -> str:
        return f"{rng.randrange(0, 24):02d}:{rng.choice((0, 15, 30, 45)):02d}"

    windows = []
    if rng.random() > 0.2:  # some people have not restricted their time
        for _ in range(rng.randrange(0, 8)):
            start, end = sorted((clock(), clock()))
            if start < end:
                windows.append({"weekday": rng.randrange(1, 8), "start": start, "end": end})
    exceptions = []
    for _ in range(rng.randrange(0, 5)):
        day = (first + timedelta(days=rng.randrange(0, 9))).isoformat()
        if rng.random() < 0.5:
            exceptions.append({"date": day, "available": False})
        else:
            start, end = sorted((clock(), clock()))
            if start < end:
                exceptions.append({"date": day, "available": True, "start": start, "end": end})
    return {"availability": windows, "availability_exceptions": exceptions}


@pytest.mark.parametrize("seed", range(40))
def test_the_desktop_reads_availability_as_the_service_does(seed):
    rng = random.Random(seed)
    zone = ZONES[seed % len(ZONES)]
    # Weeks with clock changes in most of these zones, and ordinary ones.
    first = rng.choice([date(2026, 3, 5), date(2026, 3, 26), date(2026, 4, 2), date(2026, 9, 3),
                        date(2026, 10, 1), date(2026, 10, 22), date(2026, 11, 30)])
    person = _random_person(rng, first)
    mine = Availability(person["availability"], person["availability_exceptions"], zone)
    theirs = service_windows.Availability(SimpleNamespace(**person), zone)
    start = datetime.combine(first, time(0), zone).astimezone(UTC)
    end = datetime.combine(first + timedelta(days=8), time(0), zone).astimezone(UTC)
    bands = unavailable_bands(person, zone, start, end)

    for offset in range(8):
        day = first + timedelta(days=offset)
        assert mine.windows(day) == theirs.windows(day)
    moment = start
    while moment < end:  # every quarter hour: a lesson there, and whether it is shaded
        for length in (timedelta(minutes=15), timedelta(hours=1, minutes=30)):
            assert mine.problem(moment, moment + length) == theirs.problem(moment, moment + length)
        quarter = (moment.timestamp(), moment.timestamp() + 900)
        shaded = any(a < quarter[1] and quarter[0] < b for a, b, _why in bands)
        crosses_midnight = (moment + timedelta(minutes=15)).astimezone(zone).date() != \
            moment.astimezone(zone).date() and (moment + timedelta(minutes=15)).astimezone(zone).time() != time(0)
        if not crosses_midnight:
            assert shaded == (not theirs.covers(moment, moment + timedelta(minutes=15))), (
                moment.astimezone(zone), person)
        moment += timedelta(minutes=15)
