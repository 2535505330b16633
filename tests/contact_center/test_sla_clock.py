"""When an SLA target falls due, in wall-clock time or in a queue's business hours only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from contact_center.sla_clock import due_after

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


@dataclass
class Hours:
    business_hours: dict[str, list[list[str]]]
    time_zone: str = "Europe/Berlin"
    holidays: list[str] = field(default_factory=list)


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


def test_without_a_calendar_every_second_counts() -> None:
    start = datetime(2026, 12, 4, 16, 30, tzinfo=UTC)
    assert due_after(start, 3600) == datetime(2026, 12, 4, 17, 30, tzinfo=UTC)
    assert due_after(start, 3600, Hours({})) == datetime(2026, 12, 4, 17, 30, tzinfo=UTC)


def test_friday_afternoon_with_an_hour_left_falls_due_on_monday_morning() -> None:
    # Friday 4 December 2026, 16:30 in Berlin: 30 minutes today, 30 on Monday.
    assert due_after(berlin(2026, 12, 4, 16, 30), 3600, Hours(WEEKDAYS)) == berlin(2026, 12, 7, 9, 30)


def test_a_contact_that_arrives_at_night_starts_counting_at_opening() -> None:
    assert due_after(berlin(2026, 12, 8, 3, 0), 600, Hours(WEEKDAYS)) == berlin(2026, 12, 8, 9, 10)


def test_holidays_do_not_count() -> None:
    hours = Hours(WEEKDAYS, holidays=["2026-12-07"])
    assert due_after(berlin(2026, 12, 4, 16, 30), 3600, hours) == berlin(2026, 12, 8, 9, 30)


def test_a_target_longer_than_a_day_spans_several_open_stretches() -> None:
    # 10 open hours from Monday 09:00: all of Monday (8 h) and two hours of Tuesday.
    assert due_after(berlin(2026, 12, 7, 9, 0), 10 * 3600, Hours(WEEKDAYS)) == berlin(2026, 12, 8, 11, 0)


def test_overnight_hours_count_across_midnight() -> None:
    nights = Hours({d: [["22:00", "06:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    assert due_after(berlin(2026, 12, 7, 23, 30), 3 * 3600, nights) == berlin(2026, 12, 8, 2, 30)


def test_a_calendar_that_never_opens_never_falls_due() -> None:
    # Open on Mondays only, and every Monday for over a year is a holiday.
    mondays = [(date(2026, 12, 7) + timedelta(weeks=n)).isoformat() for n in range(60)]
    hours = Hours({"mon": [["09:00", "17:00"]]}, holidays=mondays)
    assert due_after(berlin(2026, 12, 7, 9, 0), 60, hours) is None
    assert due_after(berlin(2026, 12, 7, 9, 0), 60, Hours({"mon": [["09:00", "17:00"]]})) == berlin(
        2026, 12, 7, 9, 1
    )
