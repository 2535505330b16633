"""A tier-C supervisor's store, seeded in bulk, and the churn live traffic writes (bench/supervisor_snapshot.py).

``Seeder`` writes agents, live chats, contacts closed earlier today and their status
and message lines through SQLAlchemy Core, counting ids itself so every line names its
interaction; ``churn`` then closes some live chats and accepts new ones, as load does.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

CAPACITY = {"chat": 3, "email": 5, "sms": 3, "voice": 1}


class Seeder:
    """Bulk rows through Core: ids counted here, so every line names its interaction."""

    def __init__(self, url: str, now: datetime) -> None:
        from repository import Database, upgrade

        upgrade(url)
        self.db = Database(url)
        self.now = now
        self.start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        self.events: list[dict[str, Any]] = []
        self.interactions: list[dict[str, Any]] = []
        self.live: list[tuple[int, int]] = []  # (interaction, agent)
        self.next_interaction = 1

    def contact(self, agent: int, queued: datetime, closed: datetime | None, transfer_to: int | None) -> int:
        iid = self.next_interaction
        self.next_interaction += 1
        holder = transfer_to or agent
        self.interactions.append(
            {
                "id": iid,
                "customer_id": iid,
                "channel": "chat",
                "thread_key": f"bench:{iid}",
                "status": "closed" if closed else "active",
                "queue_id": 1 + iid % 2,
                "agent_id": holder,
                "declined_by": [],
                "created_at": queued,
                "queued_at": queued,
                "accepted_at": queued + timedelta(seconds=8),
                "ended_at": closed,
                "closed_at": closed,
            }
        )
        t = queued
        lines = [("status", "offered", agent, 2), ("status", "accepted", agent, 6)]
        if transfer_to:
            lines += [
                ("transfer", "transferred to agent", transfer_to, 60),
                ("status", "accepted", transfer_to, 5),
            ]
        self.message_lines(iid, t)
        for kind, body, who, after in lines:
            t += timedelta(seconds=after)
            self.event(iid, kind, body, {"agent_id": who}, t)
        if closed:
            self.event(iid, "status", "closed", {"agent_id": holder}, closed)
        return iid

    def message_lines(self, iid: int, at: datetime) -> None:
        for n in range(self.messages):
            self.event(iid, "message", f"message {n} of a conversation", {}, at + timedelta(seconds=10 + n))

    def event(self, iid: int, kind: str, body: str, payload: dict[str, Any], at: datetime) -> None:
        self.events.append(
            {
                "interaction_id": iid,
                "customer_id": iid,
                "channel": "chat",
                "kind": kind,
                "author_type": "system",
                "author_name": "",
                "body": body,
                "payload": payload,
                "created_at": at,
            }
        )

    def seed(self, agents: int, live: int, closed: int, messages: int) -> None:
        from sqlalchemy import insert

        from repository.core.models import Agent, Customer, Event, Interaction, Queue
        from repository.supervision.models import AgentStateChange

        self.messages = messages
        opened = self.start + timedelta(hours=8) if self.now.hour >= 9 else self.start
        span = (self.now - timedelta(minutes=5) - opened).total_seconds()
        for n in range(closed):
            queued = opened + timedelta(seconds=span * n / max(1, closed))
            self.contact(
                1 + n % agents,
                queued,
                queued + timedelta(minutes=4),
                1 + (n + 7) % agents if n % 10 == 0 else None,
            )
        for n in range(live):
            agent = 1 + n % agents
            queued = self.now - timedelta(seconds=60 + n % 240)
            self.live.append((self.contact(agent, queued, None, None), agent))
        with self.db.write() as session:
            session.add_all(
                [Queue(id=1, name="general"), Queue(id=2, name="billing", required_skills=["billing"])]
            )
            session.flush()
            session.execute(
                insert(Agent),
                [
                    {
                        "id": a,
                        "username": f"bench{a}",
                        "display_name": f"Bench Agent {a}",
                        "password_hash": "!",
                        "skills": ["billing"] if a % 2 else [],
                        "skill_levels": {},
                        "capacity": {"chat": 3},
                        "presence": "available",
                        "presence_since": opened,
                    }
                    for a in range(1, agents + 1)
                ],
            )
            session.execute(
                insert(AgentStateChange),
                [{"agent_id": a, "state": "available", "at": opened} for a in range(1, agents + 1)],
            )
            session.execute(
                insert(Customer),
                [{"id": i["id"], "display_name": f"c{i['id']}", "attributes": {}} for i in self.interactions],
            )
            session.execute(insert(Interaction), self.interactions)
            for n in range(0, len(self.events), 20_000):
                session.execute(insert(Event), self.events[n : n + 20_000])
        if self.db.dialect == "postgresql":  # explicit ids: move the sequences past them
            with self.db.write() as session:
                from sqlalchemy import text

                for table in ("interactions", "customers", "agents", "queues"):
                    session.execute(text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
                session.execute(text("ANALYZE"))
        self.events, self.interactions = [], []


def churn(seeder: Seeder, changes: int, agents: int) -> None:
    """``changes`` status lines as live traffic writes them: closes, and new chats accepted."""
    from repository.core.models import Customer, Event, Interaction, utcnow

    db = seeder.db
    with db.write() as session:
        for _ in range(changes // 2):
            iid, agent = seeder.live.pop(0)
            row = session.get(Interaction, iid)
            assert row is not None
            now = utcnow()
            row.status, row.ended_at, row.closed_at = "closed", now, now
            session.add(row)
            session.add(_line(iid, "closed", agent, now, Event))
        for _ in range(changes - changes // 2):
            agent = 1 + len(seeder.live) % agents
            customer = Customer(display_name="new", attributes={})
            session.add(customer)
            session.flush()
            now = utcnow()
            row = Interaction(
                customer_id=customer.id,  # type: ignore[arg-type]
                channel="chat",
                thread_key=f"new:{customer.id}",
                status="active",
                queue_id=1,
                agent_id=agent,
                queued_at=now,
                created_at=now,
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            for body in ("offered", "accepted"):
                session.add(_line(row.id, body, agent, now, Event, customer.id))
            seeder.live.append((row.id, agent))


def _line(iid: int, body: str, agent: int, at: datetime, event: Any, customer: int | None = None) -> Any:
    return event(
        interaction_id=iid,
        customer_id=customer or iid,
        channel="chat",
        kind="status",
        author_type="system",
        body=body,
        payload={"agent_id": agent},
        created_at=at,
    )
