"""When an SLA target falls due: wall-clock time, or only the queue's business hours.

Pure functions over a queue's calendar (repository/directory/business_hours.py), so the
escalation loop and the tests share one rule: with ``business_hours_only``, a chat that
arrives on Friday at 16:30 with a one-hour target in a 09:00–17:00 Monday-to-Friday
queue is due on Monday at 09:30 (docs/sla.md).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from repository.directory.business_hours import open_intervals

if TYPE_CHECKING:
    from repository.directory.business_hours import Calendar

# How far ahead to look for enough open time; a calendar with less than the target's
# worth of open hours in a year never falls due.
HORIZON = timedelta(days=400)
_WINDOW = timedelta(days=14)


def due_after(start: datetime, seconds: float, calendar: Calendar | None = None) -> datetime | None:
    """``start`` plus ``seconds`` of time that counts: all of it without a calendar (or with
    one that has no hours), else only the calendar's open time. None: never within HORIZON."""
    if calendar is None or not calendar.business_hours:
        return start + timedelta(seconds=seconds)
    left = timedelta(seconds=seconds)
    window_start, limit = start, start + HORIZON
    while window_start < limit:
        window_end = window_start + _WINDOW
        for opens, closes in _merged(open_intervals(calendar, window_start, window_end)):
            opens, closes = max(opens, window_start), min(closes, window_end)
            if closes <= opens:
                continue
            if closes - opens >= left:
                return opens + left
            left -= closes - opens
        window_start = window_end
    return None


def _merged(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Sorted, overlapping stretches joined (an overnight span may meet the next day's)."""
    out: list[tuple[datetime, datetime]] = []
    for opens, closes in sorted(intervals):
        if out and opens <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], closes))
        else:
            out.append((opens, closes))
    return out
