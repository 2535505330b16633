"""Emoji pickers in the desk and the widget, built in (no request leaves the hub's origin)."""

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
    create_agent(db, "alice", "Alice Martin", "alice-emoji-pass")
    db.dispose()
    process.start()
    yield process
    process.stop()
    assert not process.errors_in_log(), process.log_path.read_text()[-4000:]


async def test_customer_and_agent_send_emoji_from_their_pickers(server: ServerProcess, browser: Any) -> None:
    customer, shop = await customer_starts_chat(browser, server, "Rita", "Hello")
    staff, desk = await agent_signs_in(browser, server, "alice", "alice-emoji-pass")
    foreign: list[str] = []
    for page in (shop, desk):
        page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(server.base) else None)
    await agent_accepts(desk, "Hello")

    await shop.get_by_test_id("cc-input").fill("Thanks ")
    await shop.get_by_test_id("cc-emoji-open").click()
    await shop.get_by_test_id("cc-emoji").filter(has_text="🙏").click()
    assert await shop.get_by_test_id("cc-input").input_value() == "Thanks 🙏"
    await shop.get_by_test_id("cc-input").press("Enter")
    await desk.get_by_test_id("messages").get_by_text("Thanks 🙏").wait_for()

    await desk.get_by_test_id("composer").fill("Happy to help ")
    await desk.get_by_test_id("emoji-open").click()
    await desk.get_by_test_id("emoji").filter(has_text="👍").click()
    assert await desk.get_by_test_id("composer").input_value() == "Happy to help 👍"
    await desk.get_by_test_id("composer").press("Enter")
    await shop.get_by_test_id("cc-msg").filter(has_text="Happy to help 👍").wait_for()

    # Escape closes a picker without closing anything else.
    await desk.get_by_test_id("emoji-open").click()
    await desk.keyboard.press("Escape")
    await desk.get_by_test_id("emoji-grid").wait_for(state="hidden")
    assert not [url for url in foreign if not url.startswith("data:")], foreign
    await customer.close()
    await staff.close()
