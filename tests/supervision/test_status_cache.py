"""The feed's status-line cache gives the same snapshot as reading the CCR afresh.

A small centre lives through accepts, transfers, requeues, closes, a contact from
yesterday coming back, a line that commits below the newest id already read (as
PostgreSQL allows) and midnight; after every step the snapshot computed through one
long-lived ``StatusLineCache`` must equal ``snapshot.compute`` from scratch. On both stores.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from contact_center.supervision.snapshot import compute
from contact_center.supervision.status_cache import StatusLineCache
from repository import Database
from repository.core.models import Agent, Customer, Event, Interaction, Queue
from repository.supervision.models import AgentStateChange

DAY = datetime(2026, 3, 10, tzinfo=UTC)
CAPACITY = {"chat": 3, "email": 5}


class Clock:
    """The cache's monotonic clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Centre:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.arrivals = 0
        with db.write() as session:
            queue = Queue(name="general", is_default=True)
            customer = Customer(display_name="Ada")
            agents = [Agent(username=f"a{n}", display_name=f"Agent {n}", password_hash="!") for n in range(3)]
            session.add_all([queue, customer, *agents])
            session.flush()
            assert queue.id is not None and customer.id is not None
            self.queue_id, self.customer_id = queue.id, customer.id
            self.agents = [a.id for a in agents if a.id is not None]
            for agent_id in self.agents:
                session.add(
                    AgentStateChange(agent_id=agent_id, state="available", at=DAY + timedelta(hours=8))
                )
                row = session.get(Agent, agent_id)
                row.presence, row.presence_since = "available", DAY + timedelta(hours=8)  # type: ignore[union-attr]

    def arrive(self, at: datetime, channel: str = "chat") -> int:
        self.arrivals += 1
        with self.db.write() as session:
            row = Interaction(
                customer_id=self.customer_id,
                channel=channel,
                thread_key=f"{channel}:{self.arrivals}",
                queue_id=self.queue_id,
                queued_at=at,
                created_at=at,
            )
            session.add(row)
            session.flush()
            return row.id  # type: ignore[return-value]

    def line(
        self, interaction_id: int, body: str, at: datetime, event_id: int | None = None, **columns: Any
    ) -> None:
        """One status line and the interaction's new columns, in one transaction."""
        with self.db.write() as session:
            row = session.get(Interaction, interaction_id)
            assert row is not None
            for name, value in columns.items():
                setattr(row, name, value)
            session.add(
                Event(
                    id=event_id,
                    interaction_id=interaction_id,
                    customer_id=self.customer_id,
                    channel=row.channel,
                    kind="transfer" if body.startswith("transfer") else "status",
                    author_type="system",
                    body=body,
                    payload={"agent_id": columns.get("agent_id", row.agent_id)},
                    created_at=at,
                )
            )
            session.add(row)

    def accept(self, interaction_id: int, agent: int, at: datetime, event_id: int | None = None) -> None:
        self.line(interaction_id, "accepted", at, event_id, status="active", agent_id=agent, accepted_at=at)

    def close(self, interaction_id: int, at: datetime, event_id: int | None = None) -> None:
        self.line(interaction_id, "closed", at, event_id, status="closed", ended_at=at, closed_at=at)

    def top_event(self) -> int:
        with self.db.read() as session:
            return int(session.exec(select(func.max(Event.id))).one() or 0)


def same_as_fresh(db: Database, cache: StatusLineCache, now: datetime) -> dict[str, Any]:
    cached = compute(db, now, CAPACITY, cache)
    fresh = compute(db, now, CAPACITY)
    assert cached == fresh
    return cached


def test_the_cached_snapshot_equals_a_fresh_one_through_a_day(db: Database) -> None:
    centre = Centre(db)
    a, b, c = centre.agents
    clock = Clock()
    cache = StatusLineCache(trail_seconds=30, rebuild_seconds=600, clock=clock)

    def t(hh: int, mm: int) -> datetime:
        return DAY + timedelta(hours=hh, minutes=mm)

    # Yesterday: one contact closed, one accepted and still going today.
    old_closed = centre.arrive(t(-2, 0))
    centre.accept(old_closed, a, t(-2, 1))
    centre.close(old_closed, t(-1, 50))
    carried = centre.arrive(t(-1, 0))
    centre.accept(carried, b, t(-1, 2))
    first = same_as_fresh(db, cache, t(9, 0))
    assert cache.rebuilds == 1
    busy = {row["id"]: row["busy_seconds"] for row in first["agents"]}
    assert busy[b] == 3600.0, "the hold carried over midnight counts from 08:00 (b's available start)"

    # Today: arrivals, accepts, a transfer, a requeue and closes, one snapshot per step.
    one = centre.arrive(t(9, 1))
    same_as_fresh(db, cache, t(9, 1))
    centre.accept(one, a, t(9, 2))
    same_as_fresh(db, cache, t(9, 3))
    centre.line(one, "transferred to agent", t(9, 10), agent_id=c, status="offered")
    centre.accept(one, c, t(9, 11))
    two = centre.arrive(t(9, 12), channel="email")
    centre.accept(two, a, t(9, 13))
    centre.line(two, "requeued", t(9, 20), status="queued", agent_id=None)
    snap = same_as_fresh(db, cache, t(9, 21))
    assert {row["id"]: row["status"] for row in snap["contacts"]} == {
        carried: "active",
        one: "active",
        two: "queued",
    }
    centre.close(one, t(9, 30))
    centre.close(carried, t(9, 31))
    clock.now += 5
    snap = same_as_fresh(db, cache, t(9, 32))
    assert {row["id"] for row in snap["contacts"]} == {two}

    # Yesterday's closed contact reopens today: it is read whole again, with its old lines.
    centre.line(old_closed, "reopened", t(10, 0), status="queued", agent_id=None, closed_at=None)
    centre.accept(old_closed, b, t(10, 1))
    same_as_fresh(db, cache, t(10, 2))

    # A line committed below the newest id already read (PostgreSQL takes ids before
    # commit): within the trail it is read on the next round.
    top = centre.top_event()
    centre.accept(two, c, t(10, 5), event_id=top + 10)
    same_as_fresh(db, cache, t(10, 6))
    centre.close(old_closed, t(10, 7), event_id=top + 5)
    clock.now += 10
    same_as_fresh(db, cache, t(10, 8))

    # Midnight: yesterday's finished contacts leave the picture, the figures still agree.
    clock.now += 60
    same_as_fresh(db, cache, t(24, 1))
    assert cache.rebuilds == 1, "every step above was read forward, not rebuilt"


def test_a_line_committed_long_after_its_id_shows_by_the_next_rebuild(db: Database) -> None:
    centre = Centre(db)
    clock = Clock()
    cache = StatusLineCache(trail_seconds=30, rebuild_seconds=600, clock=clock)
    at = DAY + timedelta(hours=9)
    one = centre.arrive(at)
    two = centre.arrive(at)
    top = centre.top_event()
    centre.accept(one, centre.agents[0], at + timedelta(minutes=1), event_id=top + 10)
    same_as_fresh(db, cache, at + timedelta(minutes=2))
    clock.now += 120  # past the trail: a lower id now is beyond what a round re-reads
    centre.accept(two, centre.agents[1], at + timedelta(minutes=3), event_id=top + 5)
    clock.now += 600
    snap = same_as_fresh(db, cache, at + timedelta(minutes=4))
    assert cache.rebuilds == 2
    assert {row["id"]: row["answered_at"] for row in snap["contacts"]}[two] is not None
