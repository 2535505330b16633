"""``/reports``: the report page's JSON, the drill-down list, a transcript, and CSV export.

Every endpoint reads the same filters from the query string (``parse_query``), so a
chart, its drill-down and its CSV always describe the same contacts.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import col, select
from starlette.responses import JSONResponse, Response

from contact_center.i18n import _
from contact_center.supervision import reports
from contact_center.supervision.timeline import agent_timelines
from repository.core.models import CHANNELS, Agent, Customer, Interaction, Queue, utcnow
from repository.core.queries import interaction_events
from repository.core.serialize import event_dict, iso
from repository.crm.label_filters import label_names
from repository.errors import InvalidInput, NotFound

MAX_DAYS = 370


def _int(params: Any, name: str, lo: int, hi: int, default: int | None = None) -> int | None:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(_("%(name)s must be a whole number", name=name), field=name) from None
    if not lo <= value <= hi:
        raise InvalidInput(_("%(name)s must be from %(lo)s to %(hi)s", name=name, lo=lo, hi=hi), field=name)
    return value


def _date(params: Any, name: str, default: date) -> date:
    raw = params.get(name)
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(_("%(name)s must be a date like 2026-01-31", name=name), field=name) from None


def parse_query(params: Any) -> reports.ReportQuery:
    tz_name = (params.get("tz") or "UTC")[:64]
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(_("unknown time zone"), field="tz") from None
    today = utcnow().astimezone(tz).date()
    first = _date(params, "from", today - timedelta(days=6))
    last = _date(params, "to", today)
    if last < first or (last - first).days > MAX_DAYS:
        raise InvalidInput(_("the date range is backwards or longer than a year"), field="to")
    granularity = params.get("granularity") or "day"
    if granularity not in reports.GRANULARITIES:
        raise InvalidInput(_("granularity is hour, day or week"), field="granularity")
    group_by = params.get("group") or "none"
    if group_by not in reports.GROUPS:
        raise InvalidInput(_("group is none, channel, queue, agent or label"), field="group")
    channel = params.get("channel") or None
    if channel is not None and channel not in CHANNELS:
        raise InvalidInput(_("unknown channel"), field="channel")
    bh = None
    if params.get("business_hours") in ("1", "on", "true"):
        opens = _int(params, "bh_start", 0, 23, 9)
        closes = _int(params, "bh_end", 1, 24, 17)
        assert opens is not None and closes is not None
        if closes <= opens:
            raise InvalidInput(_("business hours must close after they open"), field="bh_end")
        bh = reports.BusinessHours(time(opens), time(23, 59, 59, 999999) if closes == 24 else time(closes))
    return reports.ReportQuery(
        start=datetime.combine(first, time(0), tz),
        end=datetime.combine(last + timedelta(days=1), time(0), tz),
        granularity=granularity,
        group_by=group_by,
        tz=tz_name,
        channel=channel,
        queue_id=_int(params, "queue_id", 1, 2**31),
        agent_id=_int(params, "agent_id", 1, 2**31),
        label_id=_int(params, "label_id", 1, 2**31),
        business_hours=bh,
        fcr_hours=_int(params, "fcr_hours", 1, 24 * 30, 72) or 72,
    )


def _names(db: Any) -> dict[str, dict[int, str]]:
    with db.read() as session:
        return {
            "queue": dict(session.exec(select(Queue.id, Queue.name)).all()),
            "agent": dict(session.exec(select(Agent.id, Agent.display_name)).all()),
            "label": label_names(session),
        }


def _report(db: Any, q: reports.ReportQuery) -> tuple[reports.Report, dict[str, dict[int, str]]]:
    names = _names(db)
    return reports.load(db, q, names, utcnow()), names


def report_data(db: Any, q: reports.ReportQuery) -> dict[str, Any]:
    report, names = _report(db, q)
    now = utcnow()
    data = reports.series(report, reports.rules_for(db), now)
    data["timeline"] = agent_timelines(db, q.start, q.end, now)
    data["names"] = {k: {str(i): n for i, n in v.items()} for k, v in names.items()}
    return data


def _rows_for(report: reports.Report, params: Any) -> list[reports.Row]:
    """The drill-down: one bucket and/or one series, narrowed by the metric clicked."""
    rows = report.rows
    bucket = params.get("bucket")
    if bucket:
        try:
            wanted = datetime.fromisoformat(bucket)
        except ValueError:
            raise InvalidInput(_("bucket must be a date and time"), field="bucket") from None
        rows = [r for r in rows if r.bucket == wanted]
    key = params.get("key")
    if key:
        rows = [r for r in rows if r.key == key]
    metric = params.get("metric")
    if metric == "abandonment":
        rows = [r for r in rows if r.contact.abandoned]
    elif metric in ("asa", "service_level"):
        rows = [r for r in rows if r.contact.answered]
    elif metric in ("aht", "resolution", "fcr"):
        rows = [r for r in rows if r.contact.handled]
    elif metric == "csat":
        rows = [r for r in rows if r.contact.csat_score is not None]
    elif metric == "first_response":
        rows = [r for r in rows if r.first_response_seconds is not None]
    return rows


def _row_dict(r: reports.Row, names: dict[str, dict[int, str]], customers: dict[int, str]) -> dict[str, Any]:
    c = r.contact
    wait = c.wait_seconds()
    return {
        "id": c.id,
        "channel": c.channel,
        "queue": names["queue"].get(c.queue_id or 0, ""),
        "agent": names["agent"].get(c.agent_id or 0, ""),
        "customer": customers.get(c.customer_id, "") or f"#{c.customer_id}",
        "status": c.status,
        "arrived": iso(c.queued_at),
        "wait_seconds": wait,
        "handle_seconds": round(c.handle_seconds, 1) if c.handled else None,
        "first_response_seconds": r.first_response_seconds,
        "resolution_seconds": r.resolution_seconds,
        "abandoned": c.abandoned,
        "disposition": c.disposition or "",
        "csat": c.csat_score,
        "fcr": r.fcr,
    }


def _customers(db: Any, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    with db.read() as session:
        return dict(
            session.exec(select(Customer.id, Customer.display_name).where(col(Customer.id).in_(ids))).all()
        )


def drill_rows(db: Any, q: reports.ReportQuery, params: Any) -> list[dict[str, Any]]:
    report, names = _report(db, q)
    rows = _rows_for(report, params)
    if not params.get("key"):
        rows = reports.distinct(rows)
    customers = _customers(db, {r.contact.customer_id for r in rows})
    return [_row_dict(r, names, customers) for r in rows]


CSV_COLUMNS = (
    "id",
    "channel",
    "queue",
    "agent",
    "customer",
    "status",
    "arrived",
    "wait_seconds",
    "handle_seconds",
    "first_response_seconds",
    "resolution_seconds",
    "abandoned",
    "disposition",
    "csat",
    "fcr",
)


# A cell starting with one of these runs as a formula in Excel, LibreOffice or Sheets
# (tab and carriage return too: OWASP "CSV injection"); customer names are typed by customers.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(rows: list[dict[str, Any]]) -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: spreadsheet_safe(v) for k, v in row.items()})
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="interactions.csv"'},
    )


def transcript(db: Any, interaction_id: int) -> dict[str, Any]:
    with db.read() as session:
        interaction = session.get(Interaction, interaction_id)
        if interaction is None:
            raise NotFound(_("no such interaction"), interaction_id=interaction_id)
        customer = session.get(Customer, interaction.customer_id)
    events = interaction_events(db, interaction_id, include_internal=True)
    return {
        "id": interaction_id,
        "channel": interaction.channel,
        "status": interaction.status,
        "customer": customer.display_name if customer else "",
        "events": [event_dict(e) for e in events],
    }


def json_response(data: Any) -> Response:
    return JSONResponse(data, headers={"Cache-Control": "no-store"})
