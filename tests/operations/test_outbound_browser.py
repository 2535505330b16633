"""An agent starts an SMS from the desk in headless Chromium: the real twilio client sends it to
Prism (Twilio's own spec), the conversation appears in the agent's list, and the customer's
signed answer comes back into it. Screenshot: test-artifacts/outbound-sms.png."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from repository import Database
from repository.core.customers import create_customer
from repository.telephony.config import save_number
from tests.live import ServerProcess
from tests.telephony.conftest import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PASSWORD,
    ROOT,
    Prism,
    inbound_sms,
    seed,
    sid,
    twilio_post,
)

pytestmark = [pytest.mark.browser, pytest.mark.server]
ARTIFACTS = ROOT / "test-artifacts"
COMPANY = "+14155550100"
CUSTOMER = "+14155550123"


@pytest.fixture
async def desk_server(tmp_path: Path, prism: Prism) -> AsyncIterator[ServerProcess]:
    server = ServerProcess(
        tmp_path / "data",
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_API_BASE_URL=prism.url,
    )
    server.env["PUBLIC_BASE_URL"] = server.base
    server.ids = seed(server.database_url)  # type: ignore[attr-defined]
    db = Database(server.database_url)
    try:
        save_number(db, None, {"number": COMPANY, "label": "Main line"})
        create_customer(db, display_name="Grace Hopper", phone=CUSTOMER)
    finally:
        db.dispose()
    server.start()
    yield server
    server.stop()
    assert not server.errors_in_log(), server.log_path.read_text()[-4000:]


async def sent_messages(prism: Prism, after: int, count: int) -> list[str]:
    for _ in range(200):
        hits = [r for r in prism.requests()[after:] if r.endswith("/Messages.json")]
        if len(hits) >= count:
            return hits
        await asyncio.sleep(0.05)
    raise AssertionError(f"Prism saw {prism.requests()[after:]}")


async def test_an_agent_starts_an_sms_from_the_desk_and_the_answer_comes_back(
    desk_server: ServerProcess, prism: Prism, browser: Any
) -> None:
    server = desk_server
    ARTIFACTS.mkdir(exist_ok=True)
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    await page.goto(server.base + "/agent")
    await page.fill("input[name=username]", "ada")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.get_by_test_id("conn-status").filter(has_text="Connected").wait_for()

    # A number nobody has: the dialog says so, nothing is sent.
    before = len(prism.requests())
    await page.get_by_test_id("outbound-open").click()
    dialog = page.get_by_test_id("outbound-dialog")
    await dialog.get_by_test_id("outbound-to").fill("+14155550999")
    await dialog.get_by_test_id("outbound-body").fill("Hello?")
    await dialog.get_by_test_id("outbound-send").click()
    await dialog.get_by_test_id("outbound-status").filter(has_text="No customer has").wait_for()

    await dialog.get_by_test_id("outbound-to").fill("(415) 555-0123")
    await dialog.get_by_test_id("outbound-body").fill("Hi Grace, your replacement part is ready.")
    await dialog.get_by_test_id("outbound-send").click()
    await dialog.wait_for(state="hidden")
    assert len(await sent_messages(prism, before, 1)) == 1 and prism.rejections() == []

    # The conversation is Ada's, with her message in it.
    conversations = page.get_by_test_id("conv-list")
    await conversations.get_by_text("Grace Hopper").first.wait_for(timeout=10_000)
    await conversations.get_by_text("Grace Hopper").first.click()
    messages = page.get_by_test_id("messages")
    await messages.get_by_text("your replacement part is ready").wait_for()

    # Grace answers by SMS (a signed webhook): it lands in the same conversation on the desk.
    answer = await twilio_post(server, "/channels/twilio/sms", inbound_sms(sid("SM", 501), "Great, thanks!"))
    assert answer.status_code == 200
    await messages.get_by_text("Great, thanks!").wait_for(timeout=10_000)
    await page.screenshot(path=str(ARTIFACTS / "outbound-sms.png"), animations="disabled")

    # Ada replies in the same thread: a second messages.create, still valid for Twilio's spec.
    await page.get_by_test_id("composer").fill("See you tomorrow.")
    await page.get_by_test_id("send").click()
    assert len(await sent_messages(prism, before, 2)) == 2 and prism.rejections() == []
    await context.close()
