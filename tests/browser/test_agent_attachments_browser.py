"""An agent sends an image and a PDF to a chat: picked and pasted, previewed in the desk,
shown in the widget, opened in a lightbox on both sides. Uploads need the desk's CSRF
token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from repository import Database, upgrade
from repository.directory import create_agent, create_queue
from tests.browser.desk_flow import agent_accepts, agent_signs_in, customer_starts_chat
from tests.browser.test_widget_flows_browser import tiny_png
from tests.chromium import ARTIFACTS
from tests.live import ServerProcess, login

pytestmark = [pytest.mark.browser, pytest.mark.server]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    process = ServerProcess(tmp_path / "data")
    upgrade(process.database_url)
    db = Database(process.database_url)
    create_queue(db, "General", is_default=True)
    create_agent(db, "alice", "Alice Martin", "alice-files-pass")
    db.dispose()
    process.start()
    yield process
    process.stop()
    assert not process.errors_in_log(), process.log_path.read_text()[-4000:]


async def test_agent_sends_an_image_and_a_pdf_to_a_chat(
    server: ServerProcess, browser: Any, tmp_path: Path
) -> None:
    customer, shop = await customer_starts_chat(browser, server, "Rita", "Can I see it?")
    staff, desk = await agent_signs_in(browser, server, "alice", "alice-files-pass")
    await agent_accepts(desk, "Can I see it?")

    (tmp_path / "manual.pdf").write_bytes(PDF)
    await desk.get_by_test_id("attach-input").set_input_files(
        [str(tiny_png(tmp_path / "boots.png")), str(tmp_path / "manual.pdf")]
    )
    chips = desk.locator("[data-testid=attach-chip][data-state=ready]")
    await chips.nth(1).wait_for(timeout=10_000)
    await desk.get_by_test_id("composer").fill("Here they are")
    await desk.get_by_test_id("composer").press("Enter")
    stored = desk.locator("[data-testid=msg][data-event-id]").filter(has_text="Here they are")
    await stored.locator("img[alt='boots.png']").wait_for(timeout=10_000)
    await stored.get_by_text("manual.pdf").wait_for()
    assert await desk.get_by_test_id("attach-chip").count() == 0

    # The customer gets both, and the image opens in a lightbox inside the chat.
    reply = shop.get_by_test_id("cc-msg").filter(has_text="Here they are")
    await reply.get_by_test_id("cc-image").wait_for(timeout=10_000)
    await reply.get_by_test_id("cc-file-link").filter(has_text="manual.pdf").wait_for()
    await reply.get_by_test_id("cc-image").click()
    await shop.get_by_test_id("cc-lightbox").wait_for()
    await shop.screenshot(path=str(ARTIFACTS / "widget-lightbox.png"), animations="disabled")
    await shop.keyboard.press("Escape")
    await shop.get_by_test_id("cc-lightbox").wait_for(state="hidden")
    await shop.get_by_test_id("cc-panel").wait_for()  # Escape closed the lightbox, not the chat

    # An image-only reply, pasted from the clipboard, also works; the agent's lightbox opens.
    await desk.evaluate(
        """async () => {
            const bytes = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=='), (c) => c.charCodeAt(0));
            const data = new DataTransfer();
            data.items.add(new File([bytes], 'pasted.png', { type: 'image/png' }));
            document.getElementById('composer-input').dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }));
        }"""
    )
    await chips.first.wait_for(timeout=10_000)
    await desk.get_by_test_id("composer").press("Enter")
    pasted = desk.locator("[data-testid=msg][data-event-id] img[alt='pasted.png']")
    await pasted.wait_for(timeout=10_000)
    await pasted.click()
    await desk.get_by_test_id("lightbox").wait_for()
    await desk.keyboard.press("Escape")
    await desk.get_by_test_id("lightbox").wait_for(state="hidden")
    await shop.locator("[data-testid=cc-image][alt='pasted.png']").wait_for(timeout=10_000)

    # Without the page's CSRF token an upload is refused.
    cookie = await login(server.base, "alice", "alice-files-pass")
    async with httpx.AsyncClient(base_url=server.base, cookies={"cc_session": cookie}) as client:
        refused = await client.post(
            "/agent/attachments", files={"file": ("x.png", tiny_png(tmp_path / "x.png").read_bytes())}
        )
    assert refused.status_code == 403, refused.text
    await customer.close()
    await staff.close()
