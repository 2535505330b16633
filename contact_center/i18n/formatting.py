"""Dates, times, numbers and durations in the current locale and time zone (Babel).

The browser does the same with ``Intl`` (agent-i18n.js, widget.js); these are for
what the server renders: admin pages, e-mails, exports.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from babel import dates, numbers

from contact_center.i18n.translate import _, current_locale, current_timezone

DurationFormat = Literal["narrow", "short", "medium", "long"]


def _tz(timezone: str | None) -> ZoneInfo:
    return ZoneInfo(timezone or current_timezone())


def _aware(value: datetime) -> datetime:
    # The CCR stores UTC; a naive value read back from SQLite is UTC too.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def format_datetime(
    value: datetime | None, format: str = "medium", *, locale: str | None = None, timezone: str | None = None
) -> str:
    if value is None:
        return ""
    return dates.format_datetime(
        _aware(value), format, tzinfo=_tz(timezone), locale=locale or current_locale()
    )


def format_date(
    value: datetime | date | None,
    format: str = "medium",
    *,
    locale: str | None = None,
    timezone: str | None = None,
) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _aware(value).astimezone(_tz(timezone)).date()
    return dates.format_date(value, format, locale=locale or current_locale())


def format_time(
    value: datetime | None, format: str = "short", *, locale: str | None = None, timezone: str | None = None
) -> str:
    if value is None:
        return ""
    return dates.format_time(_aware(value), format, tzinfo=_tz(timezone), locale=locale or current_locale())


def format_number(value: float | int | None, *, locale: str | None = None) -> str:
    if value is None:
        return ""
    return numbers.format_decimal(value, locale=locale or current_locale())


def format_percent(value: float | None, *, locale: str | None = None) -> str:
    if value is None:
        return ""
    return numbers.format_percent(value, locale=locale or current_locale())


def format_duration(
    seconds: float | timedelta,
    *,
    approximate: bool = False,
    format: DurationFormat = "long",
    locale: str | None = None,
) -> str:
    """``130`` → "2 minutes" / "2分钟"; with ``approximate`` → "about 2 minutes" / "约 2分钟"."""
    delta = seconds if isinstance(seconds, timedelta) else timedelta(seconds=max(0.0, float(seconds)))
    text = dates.format_timedelta(delta, threshold=0.9, format=format, locale=locale or current_locale())
    return _("about %(duration)s", duration=text) if approximate else text


def format_relative(value: datetime, *, now: datetime | None = None, locale: str | None = None) -> str:
    """ "3 minutes ago" / "3分钟前"."""
    reference = now or datetime.now(UTC)
    return dates.format_timedelta(
        _aware(value) - reference, add_direction=True, threshold=0.9, locale=locale or current_locale()
    )
