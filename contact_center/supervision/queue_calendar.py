"""A queue's calendar as the reports' business-hours window (docs/business-hours.md).

The reports' "Business hours" option filters contacts to those that arrived while open and
counts only open seconds. With a queue chosen that has a calendar, that queue's own hours,
time zone and holidays decide, through the same rules as the widget and the phone menu.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from repository.directory.business_hours import Calendar, is_open, open_intervals


@dataclass(frozen=True)
class QueueCalendarHours:
    calendar: Calendar

    def contains(self, local: datetime) -> bool:
        return is_open(self.calendar, local)[0]

    def seconds_between(self, a: datetime, b: datetime, tz: ZoneInfo) -> float:
        """Open seconds from a to b in the queue's calendar (``tz``, the report's zone, does not matter)."""
        total = 0.0
        for opens, closes in open_intervals(self.calendar, a, b):
            s, e = max(a, opens), min(b, closes)
            if e > s:
                total += (e - s).total_seconds()
        return total
