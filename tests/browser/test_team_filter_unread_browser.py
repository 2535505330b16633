"""The Live conversations drawer shows, next to each filter's count, how many unread
messages the conversations it lists hold, and drops it once the agent reads them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from repository import Database, upgrade
from repository.directory import create_agent, create_queue
from tests.browser.desk_flow import agent_accepts, agent_signs_in, customer_starts_chat
from tests.live import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    process = ServerProcess(tmp_path / "data")
    upgrade(process.database_url)
    db = Database(process.database_url)
    create_queue(db, "General", is_default=True)
    create_agent(db, "alice", "Alice Martin", "alice-unread-pass", capacity={"chat": 2})
    db.dispose()
    process.start()
    yield process
    process.stop()
    assert not process.errors_in_log(), process.log_path.read_text()[-4000:]


async def option(desk: Any, select: str, value: str) -> str:
    return str(await desk.locator(f"#{select} option[value={value}]").text_content())


async def test_filters_show_unread_messages_until_read(server: ServerProcess, browser: Any) -> None:
    rita, rita_shop = await customer_starts_chat(browser, server, "Rita", "First in line")
    staff, desk = await agent_signs_in(browser, server, "alice", "alice-unread-pass")
    await agent_accepts(desk, "First in line")
    sam, _ = await customer_starts_chat(browser, server, "Sam", "Second")
    await agent_accepts(desk, "Second")  # Sam's chat is now the one in view
    tao, _ = await customer_starts_chat(browser, server, "Tao", "Third")  # waits: Alice is full

    await desk.get_by_test_id("team-open").click()
    await desk.get_by_test_id("team-item").nth(2).wait_for()
    assert await option(desk, "tf-who", "mine") == "Mine (2)"

    # Rita writes twice while Alice looks at Sam's chat.
    for text in ("Are you there?", "Hello?"):
        await rita_shop.get_by_test_id("cc-input").fill(text)
        await rita_shop.get_by_test_id("cc-input").press("Enter")
    await desk.wait_for_function(
        "() => document.querySelector('#tf-who option[value=mine]').dataset.unread === '2'"
    )
    assert await option(desk, "tf-who", "mine") == "Mine (2, 2 unread)"
    assert await option(desk, "tf-who", "all") == "Everyone (3, 2 unread)"
    assert await option(desk, "tf-who", "unassigned") == "Unassigned (1)"
    assert await option(desk, "tf-channel", "chat") == "Chat (3, 2 unread)"

    # Opening Rita's chat reads them: the counts drop the unread part.
    await desk.get_by_test_id("team-item").filter(has_text="Rita").get_by_test_id("team-view").click()
    await desk.wait_for_function(
        "() => document.querySelector('#tf-who option[value=mine]').dataset.unread === '0'"
    )
    assert await option(desk, "tf-who", "mine") == "Mine (2)"
    for handle in (rita, sam, tao, staff):
        await handle.close()
