"""Business hours and holidays per queue: the one calendar every channel asks.

``is_open(queue, at)`` is pure: it reads a calendar (a queue's row here, or a phone
number, which has the same ``business_hours`` and ``time_zone`` fields) and a moment,
and says whether the team is in and, if not, when it is back. See docs/business-hours.md.

The hours format is the phone menu's: ``{"mon": [["09:00", "17:00"]], ...}`` in the
calendar's own time zone. A span whose close is before its open runs past midnight
(``["22:00", "06:00"]`` on Friday is Friday 22:00 to Saturday 06:00); a span belongs to
the day it opens. A holiday is a local date on which the team is closed all day: spans
that open on it are dropped and last night's span is cut at midnight.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel, col, select

from repository.core.models import Queue, utcnow
from repository.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from repository.db import Database
    from repository.telephony.models import PhoneNumber

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_HOLIDAYS = 400
# A time of day; 24:00 closes a day. Published as is in the OpenAPI document.
OPEN_PATTERN = "^(?:[01][0-9]|2[0-3]):[0-5][0-9]$"
HHMM_PATTERN = "^(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
_HHMM = re.compile(HHMM_PATTERN)
# How far ahead next_open_at looks: a year of holidays plus a week of hours.
_HORIZON_DAYS = 373


class QueueHours(SQLModel, table=True):
    """A queue's calendar; a queue without a row is always open."""

    __tablename__ = "queue_hours"
    queue_id: int = Field(foreign_key="queues.id", primary_key=True)
    # {"mon": [["09:00", "17:00"]], ...}; empty means always open.
    business_hours: dict[str, list[list[str]]] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    time_zone: str = Field(default="UTC", max_length=64)
    # ["2026-12-25", ...]: local dates, sorted.
    holidays: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


class Calendar(Protocol):
    """Anything with hours and a zone (a queue's row, a phone number); ``holidays`` is optional."""

    @property
    def business_hours(self) -> dict[str, list[list[str]]]: ...

    @property
    def time_zone(self) -> str: ...


def _minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        # A zone removed from tzdata after it was saved: UTC rather than a 500.
        return ZoneInfo("UTC")


def _spans(hours: dict[str, list[list[str]]], day: date) -> list[tuple[int, int]]:
    return [(_minutes(s), _minutes(e)) for s, e in hours.get(DAYS[day.weekday()], [])]


def is_open(queue: Calendar | None, at: datetime) -> tuple[bool, datetime | None]:
    """(open, next_open_at): whether ``at`` (aware) is inside the calendar's hours and,
    when it is not, the next moment it opens (aware, UTC); None when it never opens."""
    if queue is None or not queue.business_hours:
        return True, None
    hours, tz = queue.business_hours, _zone(queue.time_zone)
    holidays = set(getattr(queue, "holidays", None) or ())
    local = at.astimezone(tz)
    today, now = local.date(), local.hour * 60 + local.minute
    yesterday = today - timedelta(days=1)
    if today.isoformat() not in holidays:
        for start, end in _spans(hours, today):
            if start <= now < end or (end <= start and now >= start):
                return True, None
        if yesterday.isoformat() not in holidays:
            if any(end <= start and now < end for start, end in _spans(hours, yesterday)):
                return True, None
    return False, _next_open(hours, tz, holidays, at, today)


def _next_open(
    hours: dict[str, list[list[str]]], tz: ZoneInfo, holidays: set[str], at: datetime, today: date
) -> datetime | None:
    for offset in range(_HORIZON_DAYS):
        day = today + timedelta(days=offset)
        if day.isoformat() in holidays:
            continue
        for start, _end in sorted(_spans(hours, day)):
            # Wall-clock time in the zone: 09:00 stays 09:00 across a DST change.
            opens = datetime.combine(day, time(start // 60, start % 60), tz).astimezone(ZoneInfo("UTC"))
            if opens > at:
                return opens
    return None


def open_intervals(queue: Calendar, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The calendar's open stretches that overlap [start, end) (aware, in its zone), by the
    same rules as is_open: overnight spans, holidays cutting at midnight."""
    hours, tz = queue.business_hours, _zone(queue.time_zone)
    holidays = set(getattr(queue, "holidays", None) or ())
    out: list[tuple[datetime, datetime]] = []
    day = start.astimezone(tz).date() - timedelta(days=1)
    while day <= end.astimezone(tz).date():
        if day.isoformat() not in holidays:
            for s, e in _spans(hours, day):
                opens = datetime.combine(day, time(s // 60, s % 60), tz)
                # Close on the next day for an overnight span or 24:00; a holiday tomorrow cuts at midnight.
                next_day = day + timedelta(days=1)
                if e <= s or e == 24 * 60:
                    cut = e == 24 * 60 or next_day.isoformat() in holidays
                    closes = datetime.combine(next_day, time(0) if cut else time(e // 60, e % 60), tz)
                else:
                    closes = datetime.combine(day, time(e // 60, e % 60), tz)
                if closes > start and opens < end:
                    out.append((opens, closes))
        day += timedelta(days=1)
    return out


def check_hours(hours: Any) -> dict[str, list[list[str]]]:
    """The phone menu's format; close before open means the span runs past midnight."""
    if not isinstance(hours, dict):
        raise InvalidInput(
            "business hours are an object of day → [[open, close], ...]", field="business_hours"
        )
    clean: dict[str, list[list[str]]] = {}
    for day, spans in hours.items():
        if day not in DAYS:
            raise InvalidInput(
                "unknown day %(day)r; use %(days)s",
                params={"day": str(day)[:10], "days": ", ".join(DAYS)},
                field="business_hours",
            )
        if not isinstance(spans, list) or len(spans) > 6:
            raise InvalidInput(
                "%(day)s: a list of up to 6 [open, close] pairs", params={"day": day}, field="business_hours"
            )
        for span in spans:
            ok = (
                isinstance(span, list)
                and len(span) == 2
                and all(isinstance(t, str) and _HHMM.fullmatch(t) for t in span)
            )
            if not ok or span[0] == span[1] or span[0] == "24:00":
                raise InvalidInput(
                    '%(day)s: each span is ["HH:MM", "HH:MM"] with different open and close',
                    params={"day": day},
                    field="business_hours",
                )
        clean[day] = [list(s) for s in spans]
    return clean


def check_time_zone(name: Any) -> str:
    if not isinstance(name, str) or name not in available_timezones():
        raise InvalidInput("unknown time zone; use an IANA name such as Europe/Berlin", field="time_zone")
    return name


def check_holidays(days: Any) -> list[str]:
    if not isinstance(days, list) or len(days) > MAX_HOLIDAYS:
        raise InvalidInput(
            "holidays are a list of up to %(max)s dates", params={"max": MAX_HOLIDAYS}, field="holidays"
        )
    clean: set[str] = set()
    for day in days:
        try:
            if not isinstance(day, str) or len(day) != 10:
                raise ValueError(day)
            clean.add(date.fromisoformat(day).isoformat())
        except ValueError:
            raise InvalidInput(
                "%(day)r is not a date like 2026-12-25", params={"day": str(day)[:12]}, field="holidays"
            ) from None
    return sorted(clean)


FIELDS = ("business_hours", "time_zone", "holidays")


def check_calendar(data: dict[str, Any]) -> dict[str, Any]:
    """The calendar fields of ``data``, checked; other keys are ignored."""
    checks = {"business_hours": check_hours, "time_zone": check_time_zone, "holidays": check_holidays}
    return {name: check(data[name]) for name, check in checks.items() if name in data}


def hours_dict(row: QueueHours | None) -> dict[str, Any]:
    if row is None:
        return {"business_hours": {}, "time_zone": "UTC", "holidays": []}
    return {"business_hours": row.business_hours, "time_zone": row.time_zone, "holidays": row.holidays}


def get_hours(db: Database, queue_id: int) -> QueueHours | None:
    with db.read() as session:
        return session.get(QueueHours, queue_id)


def hours_for(db: Database, queue_ids: Iterable[int]) -> dict[int, QueueHours]:
    ids = list(queue_ids)
    with db.read() as session:
        rows = session.exec(select(QueueHours).where(col(QueueHours.queue_id).in_(ids))).all()
        return {r.queue_id: r for r in rows}


def save_hours(db: Database, queue_id: int, data: dict[str, Any]) -> QueueHours:
    """Change any of business_hours, time_zone, holidays; the others keep their values."""
    clean = check_calendar(data)
    with db.write() as session:
        if session.get(Queue, queue_id) is None:
            raise NotFound("no such queue", queue_id=queue_id)
        row = session.get(QueueHours, queue_id) or QueueHours(queue_id=queue_id)
        for name, value in clean.items():
            setattr(row, name, value)
        row.updated_at = utcnow()
        session.add(row)
        session.flush()
        return row


def back_at(db: Database, queue_id: int | None, at: datetime) -> tuple[datetime, str] | None:
    """When a closed queue opens again, and its time zone; None when it is open (or unknown)."""
    if queue_id is None:
        return None
    row = get_hours(db, queue_id)
    open_, back = is_open(row, at)
    return None if open_ or back is None or row is None else (back, row.time_zone)


@dataclass(frozen=True)
class PhoneCalendar:
    business_hours: dict[str, list[list[str]]]
    time_zone: str
    holidays: list[str]


def phone_calendar(db: Database, number: PhoneNumber | None) -> Calendar | None:
    """What the phone menu asks: the number's own hours and zone with its default queue's
    holidays; a number without hours of its own follows its default queue's calendar."""
    if number is None:
        return None
    queue = get_hours(db, number.default_queue_id) if number.default_queue_id is not None else None
    if not number.business_hours:
        return queue
    return PhoneCalendar(number.business_hours, number.time_zone, list(queue.holidays) if queue else [])


def describe(hours: dict[str, list[list[str]]]) -> list[dict[str, Any]]:
    """The week in order, for the widget and the acknowledgement: [{"day": "mon", "spans": [...]}]."""
    return [{"day": d, "spans": [list(s) for s in hours.get(d, [])]} for d in DAYS]


def open_now(queue: Calendar | None, at: datetime) -> bool:
    return is_open(queue, at)[0]
