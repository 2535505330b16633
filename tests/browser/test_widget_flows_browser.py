"""The widget and the desk through a chat's life, as a customer and an agent see them.

The widget's connection line (network loss, a server restart), the "joined the chat"
line after a reload, "End chat" asking first, the status line on the desk shown once,
no rating for a chat no agent answered, and the reports transcript showing the
customer's stars and an image-only message.
"""

from __future__ import annotations

import struct
import zlib
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


def tiny_png(path: Path) -> Path:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x80\x00" * 8 for _ in range(8))
    header = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    path.write_bytes(png)
    return path


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    process = ServerProcess(tmp_path / "data")
    upgrade(process.database_url)
    db = Database(process.database_url)
    create_queue(db, "General", is_default=True)
    create_agent(db, "alice", "Alice Martin", "alice-flow-pass")
    create_agent(db, "sam", "Sam Super", "sam-flow-pass", role="supervisor")
    create_wrapup_code(db, "resolved", "Resolved")
    db.dispose()
    process.start()
    yield process
    process.stop()
    assert not process.errors_in_log(), process.log_path.read_text()[-4000:]


async def test_a_chat_from_first_message_to_rating_and_transcript(
    server: ServerProcess, browser: Any, tmp_path: Path
) -> None:
    customer, shop = await customer_starts_chat(browser, server, "Rita", "Do you ship to Taipei?")
    staff, desk = await agent_signs_in(browser, server, "alice", "alice-flow-pass")
    await agent_accepts(desk, "Do you ship to Taipei?")
    joined = shop.get_by_test_id("cc-system").filter(has_text="Alice Martin joined the chat")
    await joined.wait_for()
    subtitle = shop.get_by_test_id("cc-subtitle")
    await subtitle.filter(has_text="Online").wait_for()

    # Reload: the joined line is still there, once, above the agent's later messages.
    await shop.reload()
    await shop.get_by_test_id("cc-launcher").click()
    await shop.get_by_test_id("cc-msg").filter(has_text="Do you ship to Taipei?").wait_for()
    await joined.wait_for()
    assert await joined.count() == 1

    # No network: the widget says so at once, and the header no longer claims "Online".
    status = shop.get_by_test_id("cc-status")
    await customer.set_offline(True)
    await status.filter(has_text="You're offline").wait_for(timeout=5_000)
    assert "Online" not in await subtitle.inner_text()
    await shop.screenshot(path=str(ARTIFACTS / "widget-offline.png"), animations="disabled")
    await customer.set_offline(False)
    await status.wait_for(state="hidden", timeout=10_000)
    await subtitle.filter(has_text="Online").wait_for()

    # A server restart: the line says the connection is lost until the widget is back.
    server.stop()
    await status.filter(has_text="Connection lost").wait_for(timeout=10_000)
    assert "Online" not in await subtitle.inner_text()
    server.start()
    await status.wait_for(state="hidden", timeout=15_000)
    await desk.get_by_test_id("conn-status").filter(has_text="Connected").wait_for(timeout=15_000)

    # An image with no text (a picked file is sent at once): the agent sees it, and later so does the transcript.
    await shop.get_by_test_id("cc-file").set_input_files(str(tiny_png(tmp_path / "boots.png")))
    await desk.get_by_test_id("messages").locator("img[alt='boots.png']").wait_for(timeout=10_000)

    # "End chat" asks first; "Keep chatting" keeps it.
    await shop.get_by_test_id("cc-end").click()
    confirm = shop.get_by_test_id("cc-end-confirm")
    await confirm.wait_for()
    await shop.screenshot(path=str(ARTIFACTS / "widget-end-confirm.png"), animations="disabled")
    await shop.get_by_test_id("cc-end-cancel").click()
    await confirm.wait_for(state="hidden")
    assert interaction_and_agent(server, "alice")[0].status == "active"
    await shop.get_by_test_id("cc-end").click()
    await shop.get_by_test_id("cc-end-yes").click()

    # The desk shows "Customer left the conversation" once, live and after a reload.
    left = (
        desk.get_by_test_id("messages")
        .get_by_test_id("msg")
        .filter(has_text="Customer left the conversation")
    )
    await left.first.wait_for(timeout=10_000)
    await desk.wait_for_timeout(1000)
    assert await left.count() == 1
    await desk.reload()
    await left.first.wait_for(timeout=10_000)
    assert await left.count() == 1

    # The chat was answered, so the customer may rate it; stars and comment reach the transcript.
    await shop.get_by_test_id("cc-star-4").click()
    await shop.get_by_test_id("cc-comment").fill("Quick, thanks")
    await shop.get_by_test_id("cc-rate").click()
    await shop.get_by_text("Thanks for your feedback").wait_for()
    interaction_id = interaction_and_agent(server, "alice")[0].id

    boss = await browser.new_context(viewport={"width": 1366, "height": 768})
    reports = await boss.new_page()
    await reports.goto(server.base + "/login?next=/reports")
    await reports.fill("input[name=username]", "sam")
    await reports.fill("input[name=password]", "sam-flow-pass")
    await reports.click("button[type=submit]")
    await reports.goto(server.base + "/reports")
    await reports.evaluate(
        """async (id) => {
            const { line } = await import('/static/reports-transcript.js');
            const tx = await (await fetch('/reports/transcript/' + id)).json();
            document.getElementById('transcript').replaceChildren(...tx.events.map(line));
        }""",
        interaction_id,
    )
    csat = reports.locator("[data-testid=transcript-line][data-kind=csat]")
    assert "★★★★☆" in await csat.inner_text() and "Quick, thanks" in await csat.inner_text()
    await reports.locator("[data-testid=transcript-line] img[alt='boots.png']").wait_for(state="attached")
    for handle in (customer, staff, boss):
        await handle.close()


async def test_a_chat_no_agent_answered_asks_for_no_rating(server: ServerProcess, browser: Any) -> None:
    customer, shop = await customer_starts_chat(browser, server, "Rita", "Anyone there?")
    await shop.get_by_test_id("cc-queue").wait_for()
    await shop.get_by_test_id("cc-end").click()
    await shop.get_by_test_id("cc-end-yes").click()
    await shop.get_by_test_id("cc-done").wait_for()
    assert await shop.get_by_test_id("cc-rating").is_hidden()
    await shop.reload()
    await shop.get_by_test_id("cc-launcher").click()
    await shop.get_by_test_id("cc-done").wait_for()
    assert await shop.get_by_test_id("cc-rating").is_hidden()
    await customer.close()
