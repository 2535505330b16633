"""The store bench/router.py measures: queues, available agents and waiting chats, seeded fast.

Two queues (one needs the skill "billing", both boost tiers, optionally an SLA policy
and a maximum wait on each), ``agents`` available agents (chat capacity 3, half with
"billing") and ``waiting`` queued chats from customers of every tier, in two bulk
transactions with a fixed random seed so runs compare. Kept apart from the
measurements, which only read and route what is seeded here; ``set_presence_all``
switches every agent at once between the measurements.
"""

from __future__ import annotations

import random
from datetime import timedelta

TIERS = ("standard", "standard", "silver", "gold", "platinum")


def seed(url: str, agents: int, waiting: int, sla: bool = False) -> None:
    from repository import Database, upgrade
    from repository.core.models import Agent, Customer, Interaction, Queue, utcnow
    from repository.routing.sla_models import SlaPolicy

    upgrade(url)
    db = Database(url)
    rng = random.Random(13)
    now = utcnow()
    boosts = {"platinum": 30, "gold": 20, "silver": 10}
    try:
        with db.write() as session:
            general = Queue(name="general", is_default=True, tier_boosts=boosts)
            billing = Queue(name="billing", required_skills=["billing"], priority=1, tier_boosts=boosts)
            session.add_all([general, billing])
            if sla:  # every waiting contact gets due times in the escalation heap (docs/sla.md)
                session.flush()
                general.max_wait_seconds, general.overflow_queue_id = 7200, billing.id
                session.add_all(
                    SlaPolicy(
                        queue_id=q.id,  # type: ignore[arg-type]
                        first_response_seconds=3600,
                        resolution_seconds=86400,
                        actions=["notify"],
                    )
                    for q in (general, billing)
                )
            session.add_all(
                Agent(
                    username=f"bench{i}",
                    display_name=f"Bench Agent {i}",
                    password_hash="!",
                    skills=["billing"] if i % 2 else [],
                    capacity={"chat": 3},
                    presence="available",
                    last_heartbeat=now + timedelta(hours=1),
                )
                for i in range(agents)
            )
        with db.write() as session:
            queues = [general.id, general.id, general.id, billing.id]
            customers = [Customer(display_name=f"c{i}", tier=rng.choice(TIERS)) for i in range(waiting)]
            session.add_all(customers)
            session.flush()
            session.add_all(
                Interaction(
                    customer_id=c.id,  # type: ignore[arg-type]
                    channel="chat",
                    thread_key=f"bench-{i}",
                    queue_id=rng.choice(queues),
                    queued_at=now - timedelta(seconds=rng.uniform(0, 1800)),
                )
                for i, c in enumerate(customers)
            )
    finally:
        db.dispose()


def set_presence_all(url: str, presence: str) -> None:
    from sqlalchemy import update

    from repository import Database
    from repository.core.models import Agent

    db = Database(url)
    with db.write() as session:
        session.execute(update(Agent).values(presence=presence))
    db.dispose()
