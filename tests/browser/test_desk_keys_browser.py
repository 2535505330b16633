"""The desk by keyboard alone, in headless Chromium: every shortcut on the `?` overlay works.

An offer takes the focus when it arrives, unless the agent is typing: then the reply
being written keeps it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from repository import Database, upgrade
from repository.directory import create_agent, create_queue, create_wrapup_code
from tests.browser.desk_flow import agent_signs_in, customer_starts_chat
from tests.chromium import ARTIFACTS
from tests.live import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.server]
FOCUSED = "() => (document.activeElement && document.activeElement.dataset.testid) || ''"


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    process = ServerProcess(tmp_path / "data")
    upgrade(process.database_url)
    db = Database(process.database_url)
    create_queue(db, "General", is_default=True)
    create_agent(db, "alice", "Alice Martin", "alice-keys-pass", capacity={"chat": 3})
    create_wrapup_code(db, "resolved", "Resolved")
    db.dispose()
    process.start()
    yield process
    process.stop()
    assert not process.errors_in_log(), process.log_path.read_text()[-4000:]


async def test_an_agent_works_two_chats_by_keyboard(server: ServerProcess, browser: Any) -> None:
    first, _ = await customer_starts_chat(browser, server, "Rita", "First question")
    staff, desk = await agent_signs_in(browser, server, "alice", "alice-keys-pass")
    await desk.get_by_test_id("presence").select_option("available")

    await desk.get_by_test_id("offer").wait_for(timeout=15_000)
    await desk.wait_for_function(
        "() => document.activeElement && document.activeElement.dataset.testid === 'offer-accept'"
    )
    await desk.keyboard.press("Alt+KeyA")
    await desk.get_by_test_id("messages").get_by_text("First question").wait_for()
    await desk.keyboard.press("Alt+KeyM")
    assert await desk.evaluate(FOCUSED) == "composer"

    # The agent is typing when the second offer arrives: the focus stays in the composer.
    await desk.keyboard.type("Let me check")
    second, _ = await customer_starts_chat(browser, server, "Sam", "Second question")
    await desk.get_by_test_id("offer").wait_for(timeout=15_000)
    assert await desk.evaluate(FOCUSED) == "composer"
    await desk.keyboard.type(" that for you.")
    await desk.keyboard.press("Enter")
    await desk.get_by_test_id("messages").get_by_text("Let me check that for you.").wait_for()
    await desk.keyboard.press("Alt+KeyA")
    await desk.get_by_test_id("conv-item").nth(1).wait_for()

    # Between conversations, to transfer and to wrap-up, all from the keyboard.
    await desk.get_by_test_id("messages").get_by_text("Second question").wait_for()
    await desk.keyboard.press("Alt+ArrowUp")
    await desk.get_by_test_id("messages").get_by_text("First question").wait_for()
    await desk.keyboard.press("Alt+ArrowDown")
    await desk.get_by_test_id("messages").get_by_text("Second question").wait_for()
    await desk.keyboard.press("Alt+KeyT")
    assert await desk.evaluate(FOCUSED) == "transfer"
    await desk.keyboard.press("Alt+KeyW")
    assert await desk.evaluate(FOCUSED) == "wrapup"
    await desk.keyboard.press("Alt+KeyK")
    await desk.get_by_test_id("search-input").wait_for()
    await desk.keyboard.press("Escape")

    # `?` lists every shortcut; Escape closes the list.
    await desk.locator("body").click()
    await desk.keyboard.press("?")
    help_box = desk.get_by_test_id("keys-help")
    await help_box.wait_for()
    text = await help_box.inner_text()
    for keys in ("Alt+A", "Alt+X", "Alt+↓", "Alt+↑", "Alt+M", "Alt+N", "Alt+K", "Alt+T", "Alt+W"):
        assert keys in text, keys
    await desk.screenshot(path=str(ARTIFACTS / "desk-shortcuts.png"), animations="disabled")
    await desk.keyboard.press("Escape")
    await help_box.wait_for(state="hidden")
    for handle in (first, second, staff):
        await handle.close()
