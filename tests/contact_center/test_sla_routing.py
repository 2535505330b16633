"""SLA stages, escalation, overflow and skill levels through the real Hub and Router.

Time is moved on with the router's clock, not slept: a contact "waits two hours" in
milliseconds, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

import pytest
from sqlmodel import col, select

from config import Settings
from contact_center.bus import Bus, create_bus
from contact_center.hub import Hub
from contact_center.router import Router
from repository import Database
from repository.core.models import Event, Queue, utcnow
from repository.directory.sla_policies import check_policies, set_policies
from repository.directory.work import update_queue
from tests.contact_center.test_router import Listener
from tests.factories import make_agent, make_queue, queued_chat, reload


class Clock:
    """The router's idea of now: the real time plus however far a test moved it on."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


@pytest.fixture
async def memory_bus() -> AsyncIterator[Bus]:
    bus = create_bus("memory://")
    await bus.connect()
    yield bus
    await bus.disconnect()


@pytest.fixture
def hub(make_settings: Callable[..., Settings], db: Database, memory_bus: Bus) -> Hub:
    return Hub(make_settings(DATABASE_URL=db.url, RESERVATION_TIMEOUT_SECONDS="30"), db, memory_bus)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def router(hub: Hub, clock: Clock) -> AsyncIterator[Router]:
    router = Router(hub, clock=clock)
    yield router
    await router.stop()


@pytest.fixture
async def listener(memory_bus: Bus) -> AsyncIterator[Listener]:
    async with memory_bus.subscribe() as subscription:
        yield Listener(aiter(subscription))


def policy(db: Database, queue: Queue, **fields: object) -> None:
    set_policies(db, queue.id, check_policies([fields]))  # type: ignore[arg-type]


def timeline(db: Database, interaction_id: int) -> list[str]:
    with db.read() as session:
        rows = session.exec(
            select(Event.body)
            .where(Event.interaction_id == interaction_id, Event.kind == "status")
            .order_by(col(Event.id))
        ).all()
    return [r for r in rows if r != "queued"]


async def test_a_waiting_contact_is_flagged_then_breaches_and_every_action_runs(
    db: Database, router: Router, clock: Clock, listener: Listener
) -> None:
    overflow = make_queue(db, "priority desk", priority=5)
    support = make_queue(db, "support", is_default=True, overflow_queue_id=overflow.id)
    policy(
        db,
        support,
        first_response_seconds=600,
        warning_percent=50,
        actions=["raise_priority", "overflow", "notify", "webhook"],
        priority_step=7,
    )
    waiting = queued_chat(db, body="Two hours and counting").interaction
    iid = waiting.id
    assert iid is not None

    await router.route_once()
    assert reload(db, iid).sla_status is None

    clock.advance(301)
    await router.route_once()
    flagged = await listener.next("interaction.updated", reason="sla approaching")
    assert flagged.data["interaction"]["sla_status"] == "approaching"
    assert "supervisors" in flagged.data["topics"]
    assert reload(db, iid).sla_status == "approaching"

    clock.advance(300)
    await router.route_once()
    breach = await listener.next("sla.breached")
    assert breach.data["target"] == "first_response"
    assert "supervisors" in breach.data["topics"]
    stored = reload(db, iid)
    assert stored.sla_status == "breached"
    assert stored.queue_id == overflow.id
    # Raised by 7, then never below the overflow queue's own priority.
    assert stored.priority == max(waiting.priority + 7, 5)
    assert timeline(db, iid) == [
        "sla approaching",
        "sla breached",
        "priority raised",
        "overflowed to priority desk",
        "supervisors notified",
        "webhook sla.breached",
    ]


async def test_each_stage_fires_once_even_after_a_new_leader_reads_everything_again(
    db: Database, hub: Hub, router: Router, clock: Clock
) -> None:
    support = make_queue(db, "support", is_default=True)
    policy(db, support, first_response_seconds=60, resolution_seconds=120, actions=["notify"])
    iid = queued_chat(db).interaction.id
    assert iid is not None

    clock.advance(3600)
    await router.route_once()
    await router.route_once()
    successor = Router(hub, clock=clock)
    try:
        await successor.route_once()
    finally:
        await successor.stop()

    lines = timeline(db, iid)
    assert lines.count("sla breached") == 2  # first response and resolution, once each
    assert lines.count("sla approaching") == 2
    assert lines.count("supervisors notified") == 2


async def test_a_contact_answered_in_time_never_breaches_its_first_response_target(
    db: Database, hub: Hub, router: Router, clock: Clock, listener: Listener
) -> None:
    support = make_queue(db, "support", is_default=True)
    policy(db, support, first_response_seconds=300, warning_percent=100, actions=["notify"])
    agent = make_agent(db)
    iid = queued_chat(db).interaction.id
    assert iid is not None
    await router.route_once()
    await listener.next("offer")
    await hub.accept(agent, iid)
    await hub.reply(agent, iid, "Hello, I am looking into it")

    clock.advance(3600)
    await router.route_once()

    assert reload(db, iid).sla_status is None
    assert "sla breached" not in timeline(db, iid)


async def test_a_contact_waiting_longer_than_the_maximum_moves_to_the_overflow_queue_and_is_served_there(
    db: Database, router: Router, clock: Clock, listener: Listener
) -> None:
    experts = make_queue(db, "experts", required_skills=["billing"])
    make_queue(
        db,
        "support",
        is_default=True,
        required_skills=["french"],
        max_wait_seconds=120,
        overflow_queue_id=experts.id,
    )
    biller = make_agent(db, skills=["billing"])
    iid = queued_chat(db).interaction.id
    assert iid is not None

    assert await router.route_once() == 0
    clock.advance(119)
    assert await router.route_once() == 0
    assert reload(db, iid).queue_id != experts.id

    clock.advance(2)
    assert await router.route_once() == 1

    moved = await listener.next("interaction.updated", reason="max wait")
    assert moved.data["interaction"]["queue_id"] == experts.id
    offer = await listener.next("offer")
    assert (offer.data["interaction"]["id"], offer.data["agent_id"]) == (iid, biller.id)
    assert "overflowed to experts" in timeline(db, iid)


async def test_with_nobody_skilled_online_a_contact_widens_its_skills_and_reaches_whoever_is_there(
    db: Database, router: Router, listener: Listener
) -> None:
    make_queue(
        db,
        "support",
        is_default=True,
        required_skills=["french"],
        overflow_when_unstaffed=True,
        widened_skills=[],
    )
    generalist = make_agent(db, skills=["billing"])
    iid = queued_chat(db).interaction.id
    assert iid is not None

    assert await router.route_once() == 1

    offer = await listener.next("offer")
    assert (offer.data["interaction"]["id"], offer.data["agent_id"]) == (iid, generalist.id)
    stored = reload(db, iid)
    assert stored.skills_widened and stored.overflowed_at is not None
    assert "skills widened" in timeline(db, iid)


async def test_a_contact_waits_for_its_skill_while_someone_skilled_is_online(
    db: Database, router: Router
) -> None:
    make_queue(
        db,
        "support",
        is_default=True,
        required_skills=["french"],
        overflow_when_unstaffed=True,
        widened_skills=[],
    )
    make_agent(db, skills=["billing"])
    make_agent(db, skills=["french"], capacity={"chat": 0})  # online, but full
    iid = queued_chat(db).interaction.id
    assert iid is not None

    assert await router.route_once() == 0

    stored = reload(db, iid)
    assert (stored.status, stored.skills_widened) == ("queued", False)


async def test_the_router_prefers_an_agent_at_the_queues_minimum_skill_level(
    db: Database, router: Router, listener: Listener
) -> None:
    make_queue(db, "support", is_default=True, required_skills=["billing"], min_skill_level=4)
    make_agent(db, skills=["billing"], skill_levels={"billing": 2})  # the longest idle
    senior = make_agent(db, skills=["billing"], skill_levels={"billing": 5})
    queued_chat(db)

    assert await router.route_once() == 1

    assert (await listener.next("offer")).data["agent_id"] == senior.id


async def test_below_the_minimum_an_agent_still_gets_the_contact_when_nobody_else_is_eligible(
    db: Database, router: Router, listener: Listener
) -> None:
    make_queue(db, "support", is_default=True, required_skills=["billing"], min_skill_level=4)
    junior = make_agent(db, skills=["billing"], skill_levels={"billing": 2})
    queued_chat(db)

    assert await router.route_once() == 1

    assert (await listener.next("offer")).data["agent_id"] == junior.id


async def test_a_policy_added_while_contacts_wait_applies_to_them(
    db: Database, router: Router, clock: Clock
) -> None:
    support = make_queue(db, "support", is_default=True)
    iid = queued_chat(db).interaction.id
    assert iid is not None
    await router.route_once()

    policy(db, support, first_response_seconds=60, actions=["raise_priority"])
    update_queue(db, support.id, description="now with an SLA")  # type: ignore[arg-type]
    clock.advance(120)
    router.escalation.config = None  # as the next config re-read would
    await router.route_once()

    assert reload(db, iid).sla_status == "breached"


async def test_an_approaching_contact_answered_in_time_loses_its_flag_and_never_breaches(
    db: Database, hub: Hub, router: Router, clock: Clock, listener: Listener
) -> None:
    support = make_queue(db, "support", is_default=True)
    policy(db, support, first_response_seconds=600, warning_percent=50, actions=["notify"])
    agent = make_agent(db)
    iid = queued_chat(db).interaction.id
    assert iid is not None
    await router.route_once()
    await hub.accept(agent, iid)
    clock.advance(400)
    await router.route_once()
    assert reload(db, iid).sla_status == "approaching"

    await hub.reply(agent, iid, "Sorry for the wait, I am on it")

    cleared = await listener.next("interaction.updated", reason="sla answered")
    assert cleared.data["interaction"]["sla_status"] is None
    clock.advance(3600)
    await router.route_once()
    assert reload(db, iid).sla_status is None
    assert timeline(db, iid).count("sla breached") == 0
