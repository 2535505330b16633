"""Historical figures: contacts bucketed by hour, day or week, split by channel, queue, agent or label.

A contact belongs to the bucket in which it arrived (``queued_at``, in the report's time
zone). With business hours on, only contacts that arrived inside them count, and
first-response and resolution times count business seconds only. Split by label, a
contact with two labels is in both series (and once in the totals); one with none is
in the series keyed "0". The formulas are the
live ones (``metrics.figures``) plus the ones below; docs/supervisor.md lists them all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from contact_center.supervision.data import contacts_from_rows, sl_settings
from contact_center.supervision.metrics import Contact, SlSettings, figures
from contact_center.supervision.queue_calendar import QueueCalendarHours
from contact_center.supervision.status_source import status_lines
from repository.core.models import Interaction
from repository.crm.label_filters import interaction_carries, labels_by_interaction
from repository.directory.business_hours import get_hours

if TYPE_CHECKING:
    from repository.db import Database

GRANULARITIES = ("hour", "day", "week")
GROUPS = ("none", "channel", "queue", "agent", "label")
METRICS = (
    "volume",
    "service_level",
    "asa",
    "aht",
    "abandonment",
    "first_response",
    "resolution",
    "csat",
    "fcr",
)


@dataclass(frozen=True)
class BusinessHours:
    start: time = time(9)
    end: time = time(17)
    weekdays: frozenset[int] = frozenset(range(5))  # Monday is 0

    def contains(self, local: datetime) -> bool:
        return local.weekday() in self.weekdays and self.start <= local.time() < self.end

    def seconds_between(self, a: datetime, b: datetime, tz: ZoneInfo) -> float:
        """Business seconds from a to b: only the open part of each day counts."""
        if b <= a:
            return 0.0
        a, b = a.astimezone(tz), b.astimezone(tz)
        total = 0.0
        day = a.date()
        while day <= b.date():
            if day.weekday() in self.weekdays:
                open_at = datetime.combine(day, self.start, tz)
                close_at = datetime.combine(day, self.end, tz)
                s, e = max(a, open_at), min(b, close_at)
                if e > s:
                    total += (e - s).total_seconds()
            day += timedelta(days=1)
        return total


@dataclass(frozen=True)
class ReportQuery:
    start: datetime  # aware
    end: datetime
    granularity: str = "day"
    group_by: str = "none"
    tz: str = "UTC"
    channel: str | None = None
    queue_id: int | None = None
    agent_id: int | None = None
    # Conversations carrying the label, on themselves or on their customer.
    label_id: int | None = None
    business_hours: BusinessHours | QueueCalendarHours | None = None
    fcr_hours: int = 72

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)


@dataclass
class Row:
    contact: Contact
    bucket: datetime
    key: str
    first_response_seconds: float | None = None
    resolution_seconds: float | None = None
    fcr: bool | None = None  # None: not a resolved, answered contact


@dataclass
class Report:
    query: ReportQuery
    buckets: list[datetime]
    rows: list[Row] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)


def bucket_of(moment: datetime, granularity: str, tz: ZoneInfo) -> datetime:
    local = moment.astimezone(tz)
    if granularity == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    return day


def bucket_range(q: ReportQuery) -> list[datetime]:
    step = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(days=7)}[q.granularity]
    out: list[datetime] = []
    cur = bucket_of(q.start, q.granularity, q.zone)
    while cur < q.end and len(out) < 2000:
        out.append(cur)
        # Step in local wall time, so days stay days across a DST change.
        cur = (cur.replace(tzinfo=None) + step).replace(tzinfo=q.zone)
    return out


def load(db: Database, q: ReportQuery, names: dict[str, dict[int, str]], now: datetime) -> Report:
    if q.business_hours is not None and q.queue_id is not None:
        # One queue with a calendar of its own: its hours and holidays, not the fixed window.
        calendar = get_hours(db, q.queue_id)
        if calendar is not None and calendar.business_hours:
            q = replace(q, business_hours=QueueCalendarHours(calendar))
    with db.read() as session:
        stmt = select(Interaction).where(Interaction.queued_at >= q.start, Interaction.queued_at < q.end)
        if q.channel:
            stmt = stmt.where(Interaction.channel == q.channel)
        if q.queue_id is not None:
            stmt = stmt.where(Interaction.queue_id == q.queue_id)
        if q.agent_id is not None:
            stmt = stmt.where(Interaction.agent_id == q.agent_id)
        if q.label_id is not None:
            stmt = stmt.where(interaction_carries(q.label_id))
        rows = list(session.exec(stmt.order_by(col(Interaction.queued_at), col(Interaction.id))).all())
        lines = status_lines(session, [r.id for r in rows])  # type: ignore[misc]
        labels = (
            labels_by_interaction(session, [(r.id, r.customer_id) for r in rows])  # type: ignore[misc]
            if q.group_by == "label"
            else None
        )
        customers = {r.customer_id for r in rows}
        later = _later_contacts(session, customers, q.start, q.end + timedelta(hours=q.fcr_hours))
    contacts = contacts_from_rows(rows, lines, now)
    return build(q, contacts, later, names, labels)


def _later_contacts(
    session: Any, customers: set[int], start: datetime, end: datetime
) -> dict[int, list[datetime]]:
    found: dict[int, list[datetime]] = defaultdict(list)
    ids = sorted(customers)
    for i in range(0, len(ids), 500):
        for customer_id, created in session.exec(
            select(Interaction.customer_id, Interaction.created_at).where(
                col(Interaction.customer_id).in_(ids[i : i + 500]),
                Interaction.created_at >= start,
                Interaction.created_at < end,
            )
        ).all():
            found[customer_id].append(created)
    return found


def build(
    q: ReportQuery,
    contacts: list[Contact],
    later: dict[int, list[datetime]],
    names: dict[str, dict[int, str]],
    labels: dict[int, list[int]] | None = None,
) -> Report:
    """Pure: the report's rows from contacts (and each customer's contact times, for FCR).

    ``labels`` (each contact's label ids) is needed to split by label.
    """
    tz, bh = q.zone, q.business_hours
    report = Report(query=q, buckets=bucket_range(q))
    window = timedelta(hours=q.fcr_hours)
    for c in contacts:
        if bh is not None and not bh.contains(c.queued_at.astimezone(tz)):
            continue
        row = Row(contact=c, bucket=bucket_of(c.queued_at, q.granularity, tz), key="")
        if c.first_response_at is not None:
            row.first_response_seconds = _elapsed(c.queued_at, c.first_response_at, bh, tz)
        if c.handled and c.closed_at is not None:
            row.resolution_seconds = _elapsed(c.queued_at, c.closed_at, bh, tz)
            done = c.closed_at
            row.fcr = not any(done < t <= done + window for t in later.get(c.customer_id, []))
        for key in _keys(c, q.group_by, labels or {}):
            report.labels.setdefault(key, _label(key, q.group_by, names))
            report.rows.append(replace(row, key=key))
    return report


def _elapsed(a: datetime, b: datetime, bh: BusinessHours | QueueCalendarHours | None, tz: ZoneInfo) -> float:
    return bh.seconds_between(a, b, tz) if bh is not None else (b - a).total_seconds()


def _keys(c: Contact, group_by: str, labels: dict[int, list[int]]) -> list[str]:
    if group_by == "channel":
        return [c.channel]
    if group_by == "queue":
        return [str(c.queue_id or 0)]
    if group_by == "agent":
        return [str(c.agent_id or 0)]
    if group_by == "label":
        return [str(label_id) for label_id in labels.get(c.id, [])] or ["0"]
    return ["all"]


def distinct(rows: list[Row]) -> list[Row]:
    """Each contact once: split by label, a contact with two labels has a row in each series."""
    seen: set[int] = set()
    out = []
    for row in rows:
        if row.contact.id not in seen:
            seen.add(row.contact.id)
            out.append(row)
    return out


def _label(key: str, group_by: str, names: dict[str, dict[int, str]]) -> str:
    if group_by in ("queue", "agent", "label"):
        return names.get(group_by, {}).get(int(key), "—" if key == "0" else f"#{key}")
    return key


def point(rows: list[Row], rules: dict[int, SlSettings], now: datetime) -> dict[str, Any]:
    """Every metric for one bucket of one series."""

    def own(c: Contact) -> SlSettings:
        return rules.get(c.queue_id or 0, SlSettings())

    f = figures(
        [r.contact for r in rows], own, now, formula="answered", threshold_seconds=20, target_percent=80
    )
    frt = [r.first_response_seconds for r in rows if r.first_response_seconds is not None]
    res = [r.resolution_seconds for r in rows if r.resolution_seconds is not None]
    csat = [r.contact.csat_score for r in rows if r.contact.csat_score is not None]
    fcr = [r.fcr for r in rows if r.fcr is not None]
    return {
        "volume": len(rows),
        "answered": f.answered,
        "abandoned": f.abandoned,
        "service_level": f.service_level,
        "asa": f.asa_seconds,
        "aht": f.aht_seconds,
        "abandonment": f.abandon_rate,
        "first_response": sum(frt) / len(frt) if frt else None,
        "resolution": sum(res) / len(res) if res else None,
        "csat": sum(csat) / len(csat) if csat else None,
        "csat_count": len(csat),
        "fcr": 100.0 * sum(fcr) / len(fcr) if fcr else None,
    }


def series(report: Report, rules: dict[int, SlSettings], now: datetime) -> dict[str, Any]:
    """JSON for the charts: one series per group, one point per bucket, plus totals."""
    grouped: dict[str, dict[datetime, list[Row]]] = defaultdict(lambda: defaultdict(list))
    for row in report.rows:
        grouped[row.key][row.bucket].append(row)
    return {
        "buckets": [b.isoformat() for b in report.buckets],
        "series": [
            {
                "key": key,
                "label": report.labels.get(key, key),
                "points": [point(by_bucket.get(b, []), rules, now) for b in report.buckets],
                "total": point([r for rs in by_bucket.values() for r in rs], rules, now),
            }
            for key, by_bucket in sorted(grouped.items(), key=lambda kv: report.labels.get(kv[0], kv[0]))
        ],
        "total": point(distinct(report.rows), rules, now),
    }


def rules_for(db: Database) -> dict[int, SlSettings]:
    return sl_settings(db)[1]
