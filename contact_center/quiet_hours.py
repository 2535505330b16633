"""Quiet hours: the part of the day when the company starts no conversation.

``OUTBOUND_QUIET_HOURS=21:00-08:00`` with ``OUTBOUND_TIME_ZONE=Europe/Berlin`` means
no message an agent or a back-end system *starts* leaves between 21:00 and 08:00
Berlin time; the sender is told when it may try again. Replies inside a live
conversation are not held back: the customer is waiting for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_SPAN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class QuietHours:
    start: time | None
    end: time | None
    zone: ZoneInfo

    @classmethod
    def parse(cls, span: str, zone: str) -> QuietHours:
        """From the settings; a bad value fails at start-up with what was wrong."""
        try:
            tz = ZoneInfo(zone or "UTC")
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"OUTBOUND_TIME_ZONE {zone!r} is not an IANA time zone") from exc
        if not span:
            return cls(None, None, tz)
        match = _SPAN.match(span)
        if match is None or match.group(1, 2) == match.group(3, 4):
            raise ValueError(f"OUTBOUND_QUIET_HOURS {span!r} must look like 21:00-08:00")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        return cls(time(h1, m1), time(h2, m2), tz)

    def resumes_at(self, now: datetime) -> datetime | None:
        """None when ``now`` is outside quiet hours, else when they end (aware, in the zone)."""
        if self.start is None or self.end is None:
            return None
        local = now.astimezone(self.zone)
        clock = local.time().replace(tzinfo=None)
        crosses_midnight = self.start > self.end
        quiet = (
            (clock >= self.start or clock < self.end)
            if crosses_midnight
            else (self.start <= clock < self.end)
        )
        if not quiet:
            return None
        day = local.date()
        if crosses_midnight and clock >= self.start:
            day += timedelta(days=1)
        return datetime.combine(day, self.end, tzinfo=self.zone)
