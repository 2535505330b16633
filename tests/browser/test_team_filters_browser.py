"""The Live conversations drawer filters by who holds a chat, status, channel and queue,
sorts by waiting time, and shows how many each choice would list."""

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
    create_agent(db, "alice", "Alice Martin", "alice-filter-pass", capacity={"chat": 1})
    db.dispose()
    process.start()
    yield process
    process.stop()
    assert not process.errors_in_log(), process.log_path.read_text()[-4000:]


async def test_team_drawer_filters_and_counts(server: ServerProcess, browser: Any) -> None:
    first, _ = await customer_starts_chat(browser, server, "Rita", "First in line")
    staff, desk = await agent_signs_in(browser, server, "alice", "alice-filter-pass")
    await agent_accepts(desk, "First in line")
    # Alice is full (capacity 1): the next two wait unassigned in the queue.
    second, _ = await customer_starts_chat(browser, server, "Sam", "Second")
    third, _ = await customer_starts_chat(browser, server, "Tao", "Third")

    await desk.get_by_test_id("team-open").click()
    items = desk.get_by_test_id("team-item")
    await items.nth(2).wait_for()
    assert await items.count() == 3

    await desk.get_by_test_id("tf-who").select_option("unassigned")
    await desk.wait_for_function("() => document.querySelectorAll('[data-testid=team-item]').length === 2")
    names = await items.all_inner_texts()
    assert all("Rita" not in n for n in names)
    assert "(1)" in await desk.locator("#tf-who option[value=mine]").inner_text()
    assert "(2)" in await desk.locator("#tf-who option[value=unassigned]").inner_text()

    # Longest waiting first: Sam came before Tao.
    await desk.get_by_test_id("tf-sort").select_option("waiting")
    first_name = await items.first.inner_text()
    assert "Sam" in first_name, first_name

    await desk.get_by_test_id("tf-status").select_option("open")
    await desk.get_by_test_id("team-none").wait_for()
    await desk.get_by_test_id("tf-who").select_option("mine")
    await items.filter(has_text="Rita").wait_for()
    assert await items.count() == 1

    # The choice is remembered across a reload.
    await desk.reload()
    await desk.get_by_test_id("team-open").click()
    await items.filter(has_text="Rita").wait_for()
    assert await desk.get_by_test_id("tf-who").input_value() == "mine"
    for handle in (first, second, third, staff):
        await handle.close()
