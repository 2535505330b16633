"""In headless Chromium: an agent searches the CCR for 退货 and opens the conversation.

Messages written in Traditional Chinese (退貨) are found by the Simplified query, the
match is highlighted with a <mark>, and hostile markup in a message stays text.
The label filter narrows customers to those carrying the label.
Screenshot: test-artifacts/agent-search.png.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from repository import Database, InboundItem, append_event, ingest, upgrade
from repository.crm.labels import attach_label, create_label
from repository.directory import create_agent, create_queue
from tests.chromium import ARTIFACTS
from tests.live import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.server]
HOSTILE = '<img src=x onerror="window.__pwned=1">'


@pytest.fixture
async def app_server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    server = ServerProcess(tmp_path / "data")
    upgrade(server.database_url)
    db = Database(server.database_url)
    create_queue(db, "General", is_default=True)
    create_agent(db, "alice", "Alice Martin", "alice-search-pass")
    first = ingest(
        db,
        InboundItem(
            channel="chat",
            identities=[("email", "wang.wei@example.cn")],
            thread_key="visitor-1",
            body=f"{HOSTILE}我想退貨，訂單 A-1001 的鞋子太小了",
            display_name="王伟",
            external_id="m1",
        ),
    )
    append_event(
        db,
        first.interaction.id,
        kind="note",
        author_type="agent",
        author_name="Alice Martin",
        body="已同意退货，等待快递取件",
    )
    li_na = ingest(
        db,
        InboundItem(
            channel="email",
            identities=[("email", "li.na@example.com")],
            thread_key="mail-1",
            body="Where is my invoice? 发票还没收到",
            display_name="Li Na",
            external_id="m2",
        ),
    )
    vip = create_label(db, "VIP")
    attach_label(db, "customer", li_na.interaction.customer_id, label_id=vip.id)
    db.dispose()
    server.start()
    yield server
    server.stop()
    assert not server.errors_in_log(), server.log_path.read_text()[-4000:]


async def test_an_agent_finds_a_traditional_chinese_message_by_a_simplified_word(
    app_server: ServerProcess,
    browser: Any,
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    desk = await context.new_page()
    await desk.goto(app_server.base + "/agent")
    await desk.fill("input[name=username]", "alice")
    await desk.fill("input[name=password]", "alice-search-pass")
    await desk.click("button[type=submit]")
    await desk.get_by_test_id("search-open").wait_for()

    await desk.get_by_test_id("search-open").click()
    await desk.get_by_test_id("search-input").fill("退货")
    await desk.get_by_test_id("search-go").click()

    hits = desk.get_by_test_id("search-hit")
    await hits.first.wait_for()
    assert await hits.count() == 2  # the customer's message and the agent's internal note
    marks = desk.get_by_test_id("search-results").locator("mark")
    assert sorted(await marks.all_inner_texts()) == sorted(["退货", "退貨"])
    message_hit = hits.filter(has_text="王伟").filter(has_text="鞋子")
    assert HOSTILE in await message_hit.inner_text()  # markup shown as text
    assert await desk.evaluate("window.__pwned") is None
    await desk.screenshot(path=str(ARTIFACTS / "agent-search.png"), animations="disabled")

    await message_hit.locator("button").click()
    lines = desk.get_by_test_id("transcript-lines")
    await lines.get_by_text("已同意退货，等待快递取件").wait_for()
    await lines.get_by_text(f"{HOSTILE}我想退貨，訂單 A-1001 的鞋子太小了").wait_for()
    await desk.screenshot(path=str(ARTIFACTS / "agent-search-transcript.png"), animations="disabled")

    await desk.get_by_test_id("search-back").click()
    await desk.get_by_test_id("search-kind").select_option("customers")
    await desk.get_by_test_id("search-input").fill("li.na")
    await desk.get_by_test_id("search-go").click()
    await desk.get_by_test_id("search-snippet").filter(has_text="li.na@example.com").wait_for()
    assert await desk.evaluate("window.__pwned") is None

    # Both customers have an address at example.*; only Li Na carries the VIP label.
    await desk.get_by_test_id("search-input").fill("example")
    await desk.get_by_test_id("search-go").click()
    await desk.get_by_test_id("search-snippet").filter(has_text="wang.wei@example.cn").wait_for()
    assert await hits.count() == 2
    await desk.get_by_test_id("search-label").select_option(label="VIP")
    await desk.get_by_test_id("search-go").click()
    # The Wang Wei hit leaves once the filtered answer is drawn.
    await hits.filter(has_text="wang.wei@example.cn").wait_for(state="detached")
    assert await hits.count() == 1
    assert "li.na@example.com" in await hits.first.inner_text()
    await context.close()
