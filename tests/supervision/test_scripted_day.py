"""A scripted day through the real hub and router; every figure checked against hand arithmetic.

The contacts really go through ``Hub.store`` → ``Router.route_once`` → accept, transfer,
end, close. Then the test writes the day's clock into the CCR (queued, accepted,
ended, closed times and the agents' presence log), so the figures are exact without
sleeping. Channels: chat, email, SMS and voice (the last three as synthetic InboundItems).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from config import Settings
from contact_center.bus import create_bus
from contact_center.hub import Hub
from contact_center.router import Router
from contact_center.supervision import reports, snapshot
from repository import Database
from repository.core.ingest import InboundItem
from repository.core.models import Agent, Event, Interaction
from repository.directory import create_agent, create_queue, create_wrapup_code
from repository.supervision.models import AgentStateChange, QueueServiceLevel
from tests.channel_kinds import shipped_channels

DAY = datetime(2026, 3, 10, tzinfo=UTC)
NOW = DAY + timedelta(hours=12)


def at(hh: int, mm: int, ss: int = 0) -> datetime:
    return DAY + timedelta(hours=hh, minutes=mm, seconds=ss)


@pytest.fixture
async def hub(make_settings: Callable[..., Settings], db: Database) -> AsyncIterator[Hub]:
    settings = make_settings(DATABASE_URL=str(db.engine.url.render_as_string(hide_password=False)))
    bus = create_bus("memory://")
    await bus.connect()
    hub = Hub(settings, db, bus, shipped_channels())
    yield hub
    await bus.disconnect()


def item(channel: str, who: str, n: int) -> InboundItem:
    kind = {"chat": "webchat", "email": "email", "sms": "phone", "voice": "phone"}[channel]
    return InboundItem(
        channel=channel,
        identities=[(kind, who)],
        thread_key=f"{channel}:{who}:{n}",
        body=f"hello {n}",
        external_id=f"{channel}-{who}-{n}",
        display_name=who,
    )


async def arrive(hub: Hub, it: InboundItem) -> int:
    result = await hub.store(it)
    await hub.announce(result)
    return result.interaction.id  # type: ignore[return-value]


def retime(
    db: Database, interaction_id: int, queued: datetime, lines: list[datetime], **columns: Any
) -> None:
    """Write the scripted clock: queued/created, each status line in order, and columns."""
    with db.write() as session:
        row = session.get(Interaction, interaction_id)
        assert row is not None
        row.queued_at = row.created_at = queued
        for name, value in columns.items():
            setattr(row, name, value)
        session.add(row)
        events = session.exec(
            select(Event)
            .where(Event.interaction_id == interaction_id, Event.kind.in_(("status", "transfer")))  # type: ignore[attr-defined]
            .order_by(Event.id)  # type: ignore[arg-type]
        ).all()
        assert len(events) == len(lines), [e.body for e in events]
        for event, when in zip(events, lines, strict=True):
            event.created_at = when
            session.add(event)


async def test_a_scripted_day_gives_the_hand_computed_live_and_report_figures(hub: Hub, db: Database) -> None:
    general = create_queue(db, "General", is_default=True)
    create_wrapup_code(db, "resolved", "Resolved")
    alice = create_agent(db, "alice", "Alice", "alice-password")
    bob = create_agent(db, "bob", "Bob", "bob-password")
    with db.write() as session:
        session.add(
            QueueServiceLevel(
                queue_id=general.id,
                threshold_seconds=20,
                target_percent=80,
                formula="answered",
                short_abandon_seconds=5,
            )
        )
    router = Router(hub)

    async def route_to(agent: Agent) -> int:
        assert await router.route_once() == 1
        with db.read() as session:
            offered = session.exec(select(Interaction).where(Interaction.status == "offered")).one()
        assert offered.agent_id == agent.id
        return offered.id  # type: ignore[return-value]

    await hub.set_presence(alice.id, "available")  # type: ignore[arg-type]
    # c1: chat, answered in 10 s, 5 min talk, 1 min wrap-up. Same customer comes back (c2).
    c1 = await arrive(hub, item("chat", "dana", 1))
    await route_to(alice)
    await hub.accept(alice, c1)
    await hub.end_by_customer(c1)
    await hub.close(alice, c1, "resolved")
    await hub.rate(c1, 5)
    # c2: the same chat customer again, answered in 30 s, closed by the agent after 4 min.
    c2 = await arrive(hub, item("chat", "dana", 2))
    await route_to(alice)
    await hub.accept(alice, c2)
    await hub.close(alice, c2, "resolved")
    # c3: an email, to Bob, answered in 15 s, 10 min handling. Rated 3.
    await hub.set_presence(alice.id, "away")  # type: ignore[arg-type]
    await hub.set_presence(bob.id, "available")  # type: ignore[arg-type]
    c3 = await arrive(hub, item("email", "erin@example.test", 3))
    await route_to(bob)
    await hub.accept(bob, c3)
    await hub.close(bob, c3, "resolved")
    await hub.rate(c3, 3)
    # c4: chat abandoned after 3 s (short); c5: SMS abandoned after 40 s; c8: chat abandoned after 15 s.
    await hub.set_presence(bob.id, "away")  # type: ignore[arg-type]
    c4 = await arrive(hub, item("chat", "finn", 4))
    await hub.end_by_customer(c4)
    c5 = await arrive(hub, item("sms", "+14155550100", 5))
    await hub.end_by_customer(c5)
    c8 = await arrive(hub, item("chat", "gail", 8))
    await hub.end_by_customer(c8)
    # c6: a call Alice answers in 10 s, transfers to Bob after 2 min; Bob talks 3 min, wraps 1 min.
    await hub.set_presence(alice.id, "available")  # type: ignore[arg-type]
    c6 = await arrive(hub, item("voice", "+14155550111", 6))
    await route_to(alice)
    await hub.accept(alice, c6)
    await hub.transfer(alice, c6, to_agent_id=bob.id)
    await hub.set_presence(bob.id, "available")  # type: ignore[arg-type]
    await route_to(bob)
    await hub.accept(bob, c6)
    await hub.end_by_customer(c6)
    await hub.close(bob, c6, "resolved")
    # c7: a chat still waiting at noon.
    c7 = await arrive(hub, item("chat", "hana", 7))

    retime(
        db,
        c1,
        at(9, 0),
        [at(9, 0, 5), at(9, 0, 10), at(9, 5, 10), at(9, 6, 10)],
        accepted_at=at(9, 0, 10),
        first_response_at=at(9, 0, 20),
        ended_at=at(9, 5, 10),
        closed_at=at(9, 6, 10),
    )
    retime(
        db,
        c2,
        at(10, 0),
        [at(10, 0, 25), at(10, 0, 30), at(10, 4, 30)],
        accepted_at=at(10, 0, 30),
        first_response_at=at(10, 0, 40),
        ended_at=at(10, 4, 30),
        closed_at=at(10, 4, 30),
    )
    retime(
        db,
        c3,
        at(11, 0),
        [at(11, 0, 10), at(11, 0, 15), at(11, 10, 15)],
        accepted_at=at(11, 0, 15),
        first_response_at=at(11, 1, 15),
        ended_at=at(11, 10, 15),
        closed_at=at(11, 10, 15),
    )
    retime(db, c4, at(11, 30), [at(11, 30, 3)], ended_at=at(11, 30, 3), closed_at=at(11, 30, 3))
    retime(db, c5, at(11, 40), [at(11, 40, 40)], ended_at=at(11, 40, 40), closed_at=at(11, 40, 40))
    retime(db, c8, at(11, 50), [at(11, 50, 15)], ended_at=at(11, 50, 15), closed_at=at(11, 50, 15))
    retime(
        db,
        c6,
        at(11, 45),
        [
            at(11, 45, 5),
            at(11, 45, 10),
            at(11, 47, 10),
            at(11, 47, 15),
            at(11, 47, 20),
            at(11, 50, 20),
            at(11, 51, 20),
        ],
        accepted_at=at(11, 47, 20),
        first_response_at=at(11, 45, 30),
        ended_at=at(11, 50, 20),
        closed_at=at(11, 51, 20),
    )
    retime(db, c7, at(11, 58), [])
    with db.write() as session:
        for row in session.exec(select(AgentStateChange)).all():
            session.delete(row)
        session.add(AgentStateChange(agent_id=alice.id, state="available", at=at(8, 55)))
        session.add(AgentStateChange(agent_id=bob.id, state="available", at=at(10, 55)))
        for agent, since in ((alice, at(8, 55)), (bob, at(10, 55))):
            row = session.get(Agent, agent.id)
            row.presence, row.presence_since = "available", since  # type: ignore[union-attr]
            session.add(row)

    snap = snapshot.compute(db, NOW, {"chat": 3, "email": 5, "sms": 3, "voice": 1})

    (queue,) = snap["queues"]
    # Answered waits 10, 30, 15, 10 → 3 within 20 s. Abandons after 3 (short), 40, 15 s.
    assert queue["waiting"] == 1 and queue["longest_wait_seconds"] == 120
    assert (queue["answered"], queue["answered_within"]) == (4, 3)
    assert (queue["abandoned"], queue["abandoned_within"], queue["short_abandons"]) == (3, 2, 1)
    assert queue["service_level"] == pytest.approx(75.0)  # 3 / 4
    assert queue["sl_state"] == "near"  # 75 is below 80 but within 5 points: amber
    assert queue["asa_seconds"] == pytest.approx((10 + 30 + 15 + 10) / 4)
    assert queue["aht_seconds"] == pytest.approx((360 + 240 + 600 + (120 + 240)) / 4)
    assert queue["abandon_rate"] == pytest.approx(100 * 2 / 6)
    assert queue["handled"] == 4
    channels = {c["channel"]: c for c in snap["channels"]}
    assert channels["chat"]["service_level"] == pytest.approx(50.0)  # 10 s ✓, 30 s ✗
    assert channels["chat"]["asa_seconds"] == pytest.approx(20.0)
    assert channels["chat"]["aht_seconds"] == pytest.approx(300.0)
    assert channels["chat"]["abandon_rate"] == pytest.approx(100 * 1 / 3)  # (2 − 1 short) / (4 − 1)
    assert channels["chat"]["waiting"] == 1
    assert channels["email"]["service_level"] == 100 and channels["email"]["aht_seconds"] == 600
    assert channels["sms"]["service_level"] is None and channels["sms"]["abandon_rate"] == 100
    assert channels["voice"]["asa_seconds"] == 10 and channels["voice"]["aht_seconds"] == 360
    agents = {a["name"]: a for a in snap["agents"]}
    # Alice: available 08:55–12:00 (11,100 s), busy 360 + 240 + 120 s. Bob: 10:55–12:00, busy 600 + 240 s.
    assert agents["Alice"]["occupancy"] == pytest.approx(100 * 720 / 11_100)
    assert agents["Bob"]["occupancy"] == pytest.approx(100 * 840 / 3_900)
    assert agents["Alice"]["state"] == "available" and agents["Alice"]["state_seconds"] == 3 * 3600 + 300
    assert agents["Alice"]["contacts"] == 0

    q = reports.ReportQuery(start=DAY, end=DAY + timedelta(days=1), granularity="hour", group_by="channel")
    report = reports.load(db, q, {"queue": {}, "agent": {}}, NOW)
    data = reports.series(report, {general.id: snapshot.SlSettings()}, NOW)  # type: ignore[dict-item]
    total = data["total"]
    assert total["volume"] == 8
    assert total["service_level"] == pytest.approx(75.0)
    assert total["first_response"] == pytest.approx((20 + 40 + 75 + 30) / 4)
    assert total["resolution"] == pytest.approx((370 + 270 + 615 + 380) / 4)
    assert total["csat"] == pytest.approx(4.0)
    # c1 is followed by c2 from the same customer within 72 h: not resolved first time.
    assert total["fcr"] == pytest.approx(75.0)
    hours = data["buckets"]
    chat = next(s for s in data["series"] if s["key"] == "chat")
    assert chat["points"][hours.index(at(11, 0).isoformat())]["volume"] == 3  # c4, c8, c7
    assert chat["points"][hours.index(at(9, 0).isoformat())]["aht"] == 360

    bh = reports.ReportQuery(
        start=DAY,
        end=DAY + timedelta(days=1),
        business_hours=reports.BusinessHours(start=at(10, 0).time(), end=at(17, 0).time()),
    )
    in_hours = reports.series(reports.load(db, bh, {"queue": {}, "agent": {}}, NOW), {}, NOW)["total"]
    assert in_hours["volume"] == 7  # c1 at 09:00 is outside 10:00–17:00
