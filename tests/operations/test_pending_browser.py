"""Pending on the desk in headless Chromium: the agent sets a chat aside ("Wait for customer"),
it leaves My conversations, and comes back on its own when the customer writes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from repository import Database, upgrade
from repository.directory import create_agent, create_queue
from tests.browser.desk_flow import agent_signs_in
from tests.live import ServerProcess, client_id, visitor

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    process = ServerProcess(tmp_path / "data")
    upgrade(process.database_url)
    db = Database(process.database_url)
    create_queue(db, "General", is_default=True)
    create_agent(db, "alice", "Alice Martin", "alice-pending-pass")
    db.dispose()
    process.start()
    yield process
    process.stop()
    assert not process.errors_in_log(), process.log_path.read_text()[-4000:]


async def test_a_chat_waiting_for_the_customer_comes_back_when_they_write(
    server: ServerProcess, browser: Any
) -> None:
    staff, desk = await agent_signs_in(browser, server, "alice", "alice-pending-pass")
    await desk.get_by_test_id("presence").select_option("available")
    peer = await visitor(server, name="Rita")
    await peer.send({"type": "message", "client_id": client_id(), "body": "Let me find my order number"})
    await desk.get_by_test_id("offer-accept").click(timeout=15_000)
    await desk.get_by_test_id("messages").get_by_text("Let me find my order number").wait_for()

    visible = desk.locator('[data-testid="conv-item"]:visible')
    assert await visible.count() == 1
    await desk.get_by_test_id("pending-wait").click()
    await desk.get_by_test_id("pending-state").wait_for()
    await visible.first.wait_for(state="detached", timeout=5_000)
    assert await visible.count() == 0

    await peer.send({"type": "message", "client_id": client_id(), "body": "It is 1042"})
    await visible.filter(has_text="Rita").wait_for(timeout=10_000)
    await desk.get_by_test_id("pending-wait").wait_for(timeout=5_000)
    await desk.get_by_test_id("messages").get_by_text("It is 1042").wait_for()
    await peer.close()
    await staff.close()
