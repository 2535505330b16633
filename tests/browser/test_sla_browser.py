"""A chat nobody answers is flagged "SLA soon", then "SLA breached", on the agent's desk and
on the supervisor page, in headless Chromium against a real server.

The queue's first-response target is 6 s (approaching at 50 %), so the real clock does it
in seconds; the router leader's escalation step flags it (docs/sla.md).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from repository import Database, upgrade
from repository.directory import create_agent, create_queue
from repository.directory.sla_policies import check_policies, set_policies
from tests.browser.desk_flow import agent_accepts, agent_signs_in, customer_starts_chat
from tests.live import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    process = ServerProcess(tmp_path / "data")
    upgrade(process.database_url)
    db = Database(process.database_url)
    queue = create_queue(db, "General", is_default=True)
    set_policies(
        db,
        queue.id,  # type: ignore[arg-type]
        check_policies([{"first_response_seconds": 6, "warning_percent": 50, "actions": ["notify"]}]),
    )
    create_agent(db, "alice", "Alice Martin", "alice-sla-pass")
    create_agent(db, "sam", "Sam Super", "sam-sla-pass", role="supervisor")
    db.dispose()
    process.start()
    yield process
    process.stop()
    assert not process.errors_in_log(), process.log_path.read_text()[-4000:]


async def test_an_unanswered_chat_is_flagged_approaching_then_breached_on_desk_and_supervisor_page(
    server: ServerProcess, browser: Any
) -> None:
    staff, desk = await agent_signs_in(browser, server, "alice", "alice-sla-pass")
    boss, monitor = await agent_signs_in(browser, server, "sam", "sam-sla-pass")
    await monitor.goto(server.base + "/supervisor")
    customer, _shop = await customer_starts_chat(browser, server, "Rita", "My order never came")
    await agent_accepts(desk, "My order never came")

    item = desk.get_by_test_id("conv-item").filter(has_text="Rita")
    soon = item.locator('[data-testid="sla-flag"][data-sla="approaching"]')
    await soon.wait_for(timeout=15_000)
    assert await soon.text_content() == "SLA soon"
    breached = item.locator('[data-testid="sla-flag"][data-sla="breached"]')
    await breached.wait_for(timeout=15_000)
    assert await breached.text_content() == "SLA breached"
    assert await soon.count() == 0
    await desk.get_by_test_id("messages").get_by_text("SLA first response target breached").wait_for()

    row = monitor.locator("#contact-rows tr").filter(has_text="Rita")
    await row.locator('[data-testid="sla-flag"][data-sla="breached"]').wait_for(timeout=15_000)

    await customer.close()
    await boss.close()
    await staff.close()
