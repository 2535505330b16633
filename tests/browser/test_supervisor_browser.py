"""The supervisor's pages in headless Chromium, under load; screenshots go to test-artifacts/.

A week of history (every channel, answered, abandoned, rated) and a busy moment
(many contacts waiting, agents at capacity) are written straight into the CCR, with
explicit times, before the real server starts.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from repository import Database, upgrade
from repository.core.ingest import InboundItem, ingest
from repository.core.models import Agent, Event, Interaction, utcnow
from repository.directory import create_agent, create_queue, create_wrapup_code
from repository.supervision.models import AgentStateChange
from tests.chromium import ARTIFACTS
from tests.live import ServerProcess, login

pytestmark = [pytest.mark.browser, pytest.mark.server]
CHANNEL_IDENTITY = {"chat": "webchat", "email": "email", "sms": "phone", "voice": "phone"}


def _contact(db: Database, n: int, channel: str, queue_id: int) -> int:
    who = (
        f"cust{n}@example.test"
        if channel == "email"
        else (f"+1415555{n:04d}" if channel in ("sms", "voice") else f"v{n}")
    )
    result = ingest(
        db,
        InboundItem(
            channel=channel,
            identities=[(CHANNEL_IDENTITY[channel], who)],
            thread_key=f"t{n}",
            body="Hello, I need help with my order",
            external_id=f"x{n}",
            display_name=f"Customer {n}",
            queue_id=queue_id,
        ),
    )
    return result.interaction.id  # type: ignore[return-value]


def seed(db: Database) -> None:
    rng = random.Random(7)
    queues = [
        create_queue(db, name, is_default=name == "General") for name in ("General", "Billing", "Returns")
    ]
    create_wrapup_code(db, "resolved", "Resolved")
    agents = [
        create_agent(db, f"a{i}", name, "agent-password")
        for i, name in enumerate(
            [
                "Alice Martin",
                "Bob Chen",
                "Chloé Dubois",
                "Dmitri Ivanov",
                "Eve Park",
                "Farah Khan",
                "Gus Lee",
                "Hana Sato",
            ]
        )
    ]
    create_agent(db, "sam", "Sam Super", "sam-password", role="supervisor")
    now = utcnow()
    n = 0
    for day in range(7, -1, -1):
        for _ in range(rng.randint(25, 45)):
            n += 1
            channel = rng.choice(["chat", "chat", "email", "sms", "voice"])
            queue = rng.choice(queues)
            iid = _contact(db, n, channel, queue.id)  # type: ignore[arg-type]
            queued = now - timedelta(days=day, hours=rng.uniform(0.5, 9))
            if day == 0 and queued > now:
                queued = now - timedelta(minutes=30)
            wait = rng.expovariate(1 / 25)
            agent = rng.choice(agents)
            with db.write() as session:
                row = session.get(Interaction, iid)
                row.queued_at = row.created_at = queued  # type: ignore[union-attr]
                if rng.random() < 0.12:
                    row.status, row.disposition = "closed", "abandoned"  # type: ignore[union-attr]
                    row.ended_at = row.closed_at = queued + timedelta(seconds=wait)  # type: ignore[union-attr]
                    lines = [("ended by customer", {}, row.ended_at)]  # type: ignore[union-attr]
                else:
                    accepted = queued + timedelta(seconds=wait)
                    talk = rng.uniform(120, 600)
                    row.status, row.disposition, row.agent_id = "closed", "resolved", agent.id  # type: ignore[union-attr]
                    row.accepted_at, row.first_response_at = (
                        accepted,
                        accepted + timedelta(seconds=rng.uniform(5, 60)),
                    )  # type: ignore[union-attr]
                    row.ended_at = accepted + timedelta(seconds=talk)  # type: ignore[union-attr]
                    row.closed_at = row.ended_at + timedelta(seconds=rng.uniform(10, 90))  # type: ignore[union-attr]
                    row.csat_score = rng.choice([None, 5, 5, 4, 4, 3, 2])  # type: ignore[union-attr]
                    lines = [("accepted", {"agent_id": agent.id}, accepted), ("closed", {}, row.closed_at)]  # type: ignore[union-attr]
                session.add(row)
                for body, payload, at in lines:
                    session.add(
                        Event(
                            interaction_id=iid,
                            customer_id=row.customer_id,
                            channel=channel,
                            kind="status",  # type: ignore[union-attr]
                            author_type="system",
                            body=body,
                            payload=payload,
                            created_at=at,
                        )
                    )
    # The busy moment: agents at work, 14 contacts waiting.
    for i, agent in enumerate(agents):
        state = "away" if i == 6 else ("offline" if i == 7 else "available")
        with db.write() as session:
            row = session.get(Agent, agent.id)
            row.presence, row.presence_since = state, now - timedelta(minutes=5 + 7 * i)  # type: ignore[union-attr]
            row.last_heartbeat = now + timedelta(hours=1)  # type: ignore[union-attr]
            session.add(row)
            session.add(AgentStateChange(agent_id=agent.id, state=state, at=now - timedelta(hours=8 - i % 3)))
        if state != "available":
            continue
        for k in range(i % 3 + 1):
            n += 1
            iid = _contact(db, n, "chat", queues[k % 3].id)  # type: ignore[arg-type]
            with db.write() as session:
                row = session.get(Interaction, iid)
                row.status, row.agent_id = "active", agent.id  # type: ignore[union-attr]
                row.queued_at = now - timedelta(minutes=9 + k)  # type: ignore[union-attr]
                session.add(row)
                session.add(
                    Event(
                        interaction_id=iid,
                        customer_id=row.customer_id,
                        channel="chat",
                        kind="status",  # type: ignore[union-attr]
                        author_type="system",
                        body="accepted",
                        payload={"agent_id": agent.id},
                        created_at=now - timedelta(minutes=8 + k),
                    )
                )
    for k in range(14):
        n += 1
        iid = _contact(db, n, ["chat", "email", "voice", "sms"][k % 4], queues[k % 3].id)  # type: ignore[arg-type]
        with db.write() as session:
            row = session.get(Interaction, iid)
            row.queued_at = row.created_at = now - timedelta(seconds=15 + 11 * k)  # type: ignore[union-attr]
            session.add(row)


@pytest.fixture
async def loaded_server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    # A long grace keeps the seeded agents "connected" although no desktop is open.
    server = ServerProcess(
        tmp_path / "data", AGENT_DISCONNECT_GRACE_SECONDS="100000", ROUTER_TICK_SECONDS="3600"
    )
    upgrade(server.database_url)
    db = Database(server.database_url)
    seed(db)
    db.dispose()
    server.start()
    yield server
    server.stop()
    assert not server.errors_in_log(), server.log_path.read_text()[-4000:]


async def test_supervisor_monitor_and_reports_under_load(loaded_server: ServerProcess, browser: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    cookie = await login(loaded_server.base, "sam", "sam-password")
    context = await browser.new_context(viewport={"width": 1366, "height": 768})
    await context.add_cookies([{"name": "cc_session", "value": cookie, "url": loaded_server.base}])
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    await page.goto(loaded_server.base + "/supervisor")
    await page.wait_for_selector("#queue-rows tr >> nth=2")
    await page.wait_for_selector("#contact-rows tr >> nth=10")
    assert await page.get_by_test_id("sup-conn").inner_text() in ("Live",)
    waiting = [int(x) for x in await page.locator("#queue-rows [data-c=waiting]").all_inner_texts()]
    assert sum(waiting) == 14
    await page.screenshot(path=str(ARTIFACTS / "supervisor-monitor.png"))

    await page.fill("#whatif-rate", "100")
    await page.click("#whatif button[type=submit]")
    # A locator, not wait_for_function: the page's CSP forbids the eval that the latter uses.
    await page.locator("#whatif-out", has_text="agents needed").wait_for()

    await page.goto(loaded_server.base + "/reports?granularity=day&group=channel")
    await page.wait_for_selector("#charts figure svg")
    assert await page.locator("#charts figure").count() == 9
    await page.screenshot(path=str(ARTIFACTS / "reports.png"), full_page=True)
    await page.locator("#charts figure[data-metric=volume] rect.hit").last.click()
    await page.wait_for_selector("#drill-rows tr")
    await page.locator("#drill-rows tr").first.click()
    await page.wait_for_selector("#transcript .rep-msg")
    await page.screenshot(path=str(ARTIFACTS / "reports-drilldown.png"), full_page=True)
    assert errors == []
    await context.close()
