"""Outages as an agent and a customer live them, in headless Chromium.

The server is really stopped and started again (same port, same SQLite file), for
longer than the disconnect grace period. AGENT_DISCONNECT_GRACE_SECONDS is 8 s here
instead of 20 s so the test is quick; the outage is 25 s, so it is more than three
times the grace period, as 45 s is to 20 s. The grace still has to cover a desktop's
ordinary return: after a restart it counts from when presence starts, before the
server takes connections; the desk may then be up to its longest back-off (4 s,
ui-core.js) into a wait, and needs a connection and a sign-in check. With 3 s, on a
machine at load 11 (the server took 10 s to start), the agent was released about 2 s
after the server first answered, before the desk could be back.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from repository import Database, upgrade
from repository.directory import create_agent, create_queue, create_wrapup_code
from tests.browser.desk_flow import agent_accepts, agent_signs_in, customer_starts_chat, interaction_and_agent
from tests.chromium import ARTIFACTS
from tests.live import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.server]
GRACE = 8.0
OUTAGE = 25.0


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    process = ServerProcess(tmp_path / "data", AGENT_DISCONNECT_GRACE_SECONDS=str(GRACE))
    upgrade(process.database_url)
    db = Database(process.database_url)
    create_queue(db, "General", is_default=True)
    create_agent(db, "alice", "Alice Martin", "alice-outage-pass")
    create_wrapup_code(db, "resolved", "Resolved")
    db.dispose()
    process.start()
    yield process
    process.stop()
    assert not process.errors_in_log(), process.log_path.read_text()[-4000:]


async def test_a_reply_typed_during_a_long_server_outage_is_delivered_once_and_the_agent_keeps_the_chat(
    server: ServerProcess, browser: Any
) -> None:
    customer, shop = await customer_starts_chat(browser, server, "Rita", "Is my parcel lost?")
    staff, desk = await agent_signs_in(browser, server, "alice", "alice-outage-pass")
    await agent_accepts(desk, "Is my parcel lost?")

    server.stop()
    await desk.get_by_test_id("conn-status").filter(has_not_text="Connected").wait_for(timeout=20_000)
    await desk.get_by_test_id("offline-note").wait_for()
    await desk.get_by_test_id("composer").fill("It is on its way, I checked.")
    await desk.get_by_test_id("composer").press("Enter")
    pending = desk.locator("[data-testid=msg][data-pending=true]")
    await pending.get_by_text("Sending…").wait_for()
    # The pending reply is in sessionStorage with its client_id, so a reload would keep it.
    stored = await desk.evaluate("Object.keys(sessionStorage).map((k) => sessionStorage.getItem(k)).join('')")
    client_id = await pending.get_attribute("data-client-id")
    assert client_id and client_id in stored and "It is on its way" in stored
    await asyncio.sleep(OUTAGE)
    assert await pending.count() == 1, "the pending reply vanished during the outage"
    server.start()
    # From when the server answers: the desk's own pace, not how long the server took to start
    # (10 s at load 11, which alone failed the check below).
    started = time.monotonic()

    messages = desk.get_by_test_id("messages")
    delivered = messages.locator("[data-testid=msg][data-event-id]").filter(
        has_text="It is on its way, I checked."
    )
    await delivered.wait_for(timeout=20_000)
    reconnect_seconds = time.monotonic() - started
    await (
        shop.get_by_test_id("cc-msg").filter(has_text="It is on its way, I checked.").wait_for(timeout=20_000)
    )
    # Let any late resend land before counting.
    await asyncio.sleep(GRACE + 1)
    assert await delivered.count() == 1
    assert await desk.locator("[data-testid=msg][data-pending=true]").count() == 0
    assert await shop.get_by_test_id("cc-msg").filter(has_text="It is on its way, I checked.").count() == 1
    assert (
        await desk.evaluate(
            "Object.keys(sessionStorage).filter((k) => k.startsWith('cc-desk-outbox')).length"
        )
        == 0
    )

    # The chat is still Alice's, she is still Available, and nothing told her otherwise.
    interaction, agent = interaction_and_agent(server, "alice")
    assert (interaction.status, interaction.agent_id, agent.presence) == ("active", agent.id, "available")
    assert await desk.get_by_test_id("chat-taken-away").count() == 0
    assert await desk.get_by_test_id("presence").input_value() == "available"
    await desk.get_by_test_id("conv-item").filter(has_text="Rita").wait_for()
    assert reconnect_seconds < 10, f"the desk took {reconnect_seconds:.1f}s to come back"
    await desk.screenshot(path=str(ARTIFACTS / "desk-after-server-outage.png"), animations="disabled")
    await customer.close()
    await staff.close()


async def test_a_chat_taken_away_after_a_network_drop_is_explained_with_name_and_duration(
    server: ServerProcess, browser: Any
) -> None:
    customer, shop = await customer_starts_chat(browser, server, "Rita", "Hello?")
    staff, desk = await agent_signs_in(browser, server, "alice", "alice-outage-pass")
    await agent_accepts(desk, "Hello?")

    await staff.set_offline(True)
    await desk.get_by_test_id("conn-status").filter(has_not_text="Connected").wait_for(timeout=20_000)
    await desk.get_by_test_id("composer").fill("One moment please")
    await desk.get_by_test_id("composer").press("Enter")
    deadline = time.monotonic() + 30
    while interaction_and_agent(server, "alice")[0].status != "queued":
        assert time.monotonic() < deadline, "the server never released the disconnected agent"
        await asyncio.sleep(0.5)
    await staff.set_offline(False)

    notice = desk.get_by_test_id("chat-taken-away")
    await notice.wait_for(timeout=20_000)
    text = await notice.inner_text()
    assert "Rita" in text and "went back to the queue" in text and "second" in text, text
    # The reply typed while away is not dropped silently: it is shown as not sent, with Retry.
    failed = desk.locator("[data-testid=msg].msg-failed").filter(has_text="One moment please")
    await failed.wait_for(timeout=10_000)
    await failed.get_by_role("button", name="Retry").wait_for()
    await desk.screenshot(path=str(ARTIFACTS / "desk-chat-taken-away.png"), animations="disabled")
    await customer.close()
    await staff.close()
