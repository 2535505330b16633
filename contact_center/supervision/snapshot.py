"""The supervisor's live picture: one JSON-ready dict, computed from the CCR in one go."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from contact_center.supervision import erlang
from contact_center.supervision.data import agent_records, live_and_recent_contacts, sl_settings
from contact_center.supervision.metrics import Contact, Figures, SlSettings, agent_figures, figures
from contact_center.supervision.status_source import FRESH, StatusSource
from repository.core.models import Customer, Queue
from repository.core.serialize import iso

if TYPE_CHECKING:
    from repository.db import Database

STAFFING_WINDOW = timedelta(minutes=30)
DEFAULT_AHT_SECONDS = 180.0
LIST_LIMIT = 200


def day_start(now: datetime) -> datetime:
    """Today, for the live figures, starts at 00:00 UTC (documented in docs/supervisor.md)."""
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def _figures_dict(f: Figures) -> dict[str, Any]:
    # A shallow copy: asdict() deep-copied every contact id of the day only to drop them.
    return {name: value for name, value in vars(f).items() if name != "contact_ids"}


def staffing(
    contacts: list[Contact],
    queue: Queue,
    rules: SlSettings,
    now: datetime,
    logged_in: int,
    arrivals_override: float | None = None,
) -> dict[str, Any]:
    """Erlang C for one queue: the last 30 minutes' arrivals and AHT, or a what-if rate."""
    recent = [c for c in contacts if c.queue_id == queue.id and c.queued_at >= now - STAFFING_WINDOW]
    handled = [c for c in contacts if c.queue_id == queue.id and c.handled]
    recent_handled = [c for c in handled if c.closed_at and c.closed_at >= now - STAFFING_WINDOW]
    sample = recent_handled or handled
    aht = sum(c.handle_seconds for c in sample) / len(sample) if sample else DEFAULT_AHT_SECONDS
    arrivals = float(len(recent)) if arrivals_override is None else arrivals_override
    needed = erlang.agents_needed(
        arrivals / STAFFING_WINDOW.total_seconds(), aht, rules.threshold_seconds, rules.target_percent / 100.0
    )
    return {
        "queue_id": queue.id,
        "arrivals_per_30min": arrivals,
        "what_if": arrivals_override is not None,
        "aht_seconds": aht,
        "aht_source": "last 30 minutes" if recent_handled else ("today" if handled else "default"),
        "traffic_erlangs": needed.traffic_erlangs,
        "agents_needed": needed.agents,
        "expected_service_level": 100.0 * needed.service_level,
        "expected_asa_seconds": needed.asa_seconds,
        "wait_probability": needed.wait_probability,
        "agents_logged_in": logged_in,
        "threshold_seconds": rules.threshold_seconds,
        "target_percent": rules.target_percent,
    }


def compute(
    db: Database, now: datetime, defaults: dict[str, int], status: StatusSource = FRESH
) -> dict[str, Any]:
    """The picture at ``now``; ``status`` is where status lines come from (the live feed
    passes its cache, data.StatusSource says why), the figures are the same either way."""
    start = day_start(now)
    status.begin(db, start)
    queues, rules = sl_settings(db)
    contacts = live_and_recent_contacts(db, start, now, status)
    today = [c for c in contacts if c.queued_at >= start or c.waiting]
    agents = agent_records(db, start, now, status)
    agent_rows = [agent_figures(a, start, now, defaults) for a in agents]
    present = {a.id for a in agent_rows if a.state in ("available", "busy")}
    skills = _agent_skills(db)

    def own_rules(c: Contact) -> SlSettings:
        return rules.get(c.queue_id, SlSettings()) if c.queue_id is not None else SlSettings()

    queue_rows = []
    for q in queues:
        r = rules[q.id]  # type: ignore[index]
        f = figures(
            [c for c in today if c.queue_id == q.id],
            own_rules,
            now,
            formula=r.formula,
            threshold_seconds=r.threshold_seconds,
            target_percent=r.target_percent,
        )
        able = sum(1 for a in present if set(q.required_skills) <= skills.get(a, set()))
        queue_rows.append(
            {
                "id": q.id,
                "name": q.name,
                **_figures_dict(f),
                "short_abandon_seconds": r.short_abandon_seconds,
                "staffing": staffing(contacts, q, r, now, able),
            }
        )
    default = SlSettings()
    channel_rows = []
    # One row per channel the app knows: the capacity table names each of them.
    for ch in defaults:
        group = [c for c in today if c.channel == ch]
        f = figures(
            group,
            own_rules,
            now,
            formula=default.formula,
            threshold_seconds=default.threshold_seconds,
            target_percent=default.target_percent,
        )
        channel_rows.append({"channel": ch, "contacts": len(group), **_figures_dict(f)})
    names = {a.id: a.name for a in agents}
    return {
        "now": iso(now),
        "day_start": iso(start),
        "queues": queue_rows,
        "channels": channel_rows,
        "agents": [
            # vars(), not asdict(): a shallow copy is as good for JSON and 1,000 deep copies were not free.
            {**vars(a), "state_since": iso(a.state_since), "role": rec.role}
            for a, rec in zip(agent_rows, agents, strict=True)
        ],
        "contacts": _live_list(
            db, [c for c in contacts if c.status in ("queued", "offered", "active", "wrapup")], names
        ),
    }


def _agent_skills(db: Database) -> dict[int, set[str]]:
    from repository.core.models import Agent

    with db.read() as session:
        return {a: set(s) for a, s in session.exec(select(Agent.id, Agent.skills)).all() if a is not None}


def _live_list(db: Database, live: list[Contact], names: dict[int, str]) -> list[dict[str, Any]]:
    """Waiting first (longest wait on top), then held; enough to pick one and step in."""
    live.sort(key=lambda c: (not c.waiting, c.queued_at))
    live = live[:LIST_LIMIT]
    ids = {c.customer_id for c in live}
    with db.read() as session:
        customers = (
            dict(
                session.exec(
                    select(Customer.id, Customer.display_name).where(col(Customer.id).in_(ids))
                ).all()
            )
            if ids
            else {}
        )
    return [
        {
            "id": c.id,
            "channel": c.channel,
            "status": c.status,
            "queue_id": c.queue_id,
            "agent_id": c.agent_id,
            "agent_name": names.get(c.agent_id or 0, ""),
            "customer": customers.get(c.customer_id, "") or f"#{c.customer_id}",
            "queued_at": iso(c.queued_at),
            "answered_at": iso(c.answered_at),
            "sla_status": c.sla_status,
            "sla_due_at": iso(c.sla_due_at),
        }
        for c in live
    ]
