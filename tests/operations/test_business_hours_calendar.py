"""The calendar on its own: time zones, a DST day, holidays, overnight hours."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from contact_center.supervision.queue_calendar import QueueCalendarHours
from repository.directory.business_hours import check_holidays, check_hours, is_open
from repository.errors import InvalidInput

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


@dataclass
class Cal:
    business_hours: dict[str, list[list[str]]]
    time_zone: str = "UTC"
    holidays: list[str] = field(default_factory=list)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_no_calendar_or_no_hours_is_always_open() -> None:
    assert is_open(None, utc(2026, 12, 5, 3)) == (True, None)
    assert is_open(Cal({}), utc(2026, 12, 5, 3)) == (True, None)


def test_hours_are_read_in_the_queues_own_time_zone() -> None:
    cal = Cal(WEEKDAYS, "Asia/Shanghai")
    # Monday 2026-12-07 08:30 UTC is 16:30 in Shanghai: open; 09:30 UTC is 17:30: closed.
    assert is_open(cal, utc(2026, 12, 7, 8, 30)) == (True, None)
    open_, back = is_open(cal, utc(2026, 12, 7, 9, 30))
    assert not open_ and back == utc(2026, 12, 8, 1)  # Tuesday 09:00 in Shanghai


def test_closing_minute_is_closed_and_friday_evening_reopens_monday() -> None:
    cal = Cal(WEEKDAYS)
    assert is_open(cal, utc(2026, 12, 4, 17)) == (False, utc(2026, 12, 7, 9))


def test_dst_day_keeps_wall_clock_hours() -> None:
    cal = Cal(WEEKDAYS, "Europe/Berlin")
    # Berlin leaves summer time on Sunday 2026-10-25; Monday 09:00 is then 08:00 UTC, not 07:00.
    open_, back = is_open(cal, utc(2026, 10, 24, 12))
    assert not open_ and back == utc(2026, 10, 26, 8)
    assert is_open(cal, utc(2026, 10, 23, 7, 30))[0]  # Friday 09:30 summer time
    assert not is_open(cal, utc(2026, 10, 26, 7, 30))[0]  # Monday 08:30 winter time
    # Spring forward (2026-03-29): hours spanning the skipped hour still close at 17:00 local.
    sunday = Cal({"sun": [["01:00", "17:00"]]}, "Europe/Berlin")
    assert is_open(sunday, datetime(2026, 3, 29, 16, 59, tzinfo=BERLIN))[0]
    assert not is_open(sunday, datetime(2026, 3, 29, 17, 0, tzinfo=BERLIN))[0]


def test_holiday_closes_the_whole_local_date_and_next_open_skips_it() -> None:
    cal = Cal(WEEKDAYS, "Europe/Berlin", ["2026-12-24", "2026-12-25"])
    open_, back = is_open(cal, datetime(2026, 12, 24, 10, tzinfo=BERLIN))
    assert not open_
    assert back == datetime(2026, 12, 28, 9, tzinfo=BERLIN)  # Thu, Fri off; Monday
    assert is_open(cal, datetime(2026, 12, 23, 10, tzinfo=BERLIN)) == (True, None)


def test_overnight_span_runs_past_midnight_and_a_holiday_cuts_it() -> None:
    cal = Cal({"fri": [["22:00", "06:00"]]}, "UTC")
    assert is_open(cal, utc(2026, 12, 4, 23))[0]  # Friday 23:00
    assert is_open(cal, utc(2026, 12, 5, 5, 59))[0]  # Saturday 05:59
    assert is_open(cal, utc(2026, 12, 5, 6)) == (False, utc(2026, 12, 11, 22))
    assert not is_open(cal, utc(2026, 12, 4, 21, 59))[0]
    cut = Cal({"fri": [["22:00", "06:00"]]}, "UTC", ["2026-12-05"])
    assert is_open(cut, utc(2026, 12, 4, 23))[0]
    assert not is_open(cut, utc(2026, 12, 5, 1))[0]
    # The span that opens on a holiday does not open at all.
    off = Cal({"fri": [["22:00", "06:00"]]}, "UTC", ["2026-12-04"])
    assert is_open(off, utc(2026, 12, 5, 1)) == (False, utc(2026, 12, 11, 22))


def test_closing_at_24_00_and_a_calendar_that_never_opens() -> None:
    assert is_open(Cal({"sat": [["20:00", "24:00"]]}), utc(2026, 12, 5, 23, 59))[0]
    assert is_open(Cal({"sat": []}), utc(2026, 12, 5, 12)) == (False, None)


@pytest.mark.parametrize(
    "hours",
    [[], {"mon": "9-5"}, {"mon": [["09:00", "09:00"]]}, {"mon": [["24:00", "01:00"]]}, {"xyz": []}],
)
def test_bad_hours_are_refused_with_a_reason(hours: object) -> None:
    with pytest.raises(InvalidInput):
        check_hours(hours)


def test_holidays_are_sorted_unique_dates() -> None:
    assert check_holidays(["2026-12-25", "2026-01-01", "2026-12-25"]) == ["2026-01-01", "2026-12-25"]
    for bad in (["2026-13-01"], ["tomorrow"], [20261225], "2026-12-25"):
        with pytest.raises(InvalidInput):
            check_holidays(bad)


def test_open_seconds_follow_overnight_spans_holidays_and_dst() -> None:
    cal = Cal({"fri": [["22:00", "06:00"]], "sat": [["10:00", "12:00"]]}, "UTC", ["2026-12-12"])
    hours = QueueCalendarHours(cal)
    # Fri 4th 22:00 → Sat 06:00 (8 h) + Sat 10–12 (2 h); Fri 11th 22:00 → midnight (holiday on the 12th).
    assert hours.seconds_between(utc(2026, 12, 4), utc(2026, 12, 14), ZoneInfo("UTC")) == (8 + 2 + 2) * 3600
    assert hours.seconds_between(utc(2026, 12, 5, 5), utc(2026, 12, 5, 11), ZoneInfo("UTC")) == 2 * 3600
    assert hours.contains(utc(2026, 12, 5, 1)) and not hours.contains(utc(2026, 12, 12, 1))
    # A Berlin day of 09:00–17:00 is 8 hours either side of the autumn change.
    berlin = QueueCalendarHours(Cal(WEEKDAYS, "Europe/Berlin"))
    week = berlin.seconds_between(utc(2026, 10, 19), utc(2026, 11, 2), ZoneInfo("UTC"))
    assert week == 10 * 8 * 3600
