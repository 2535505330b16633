"""End to end in headless Chromium: a customer on another site chats, an agent answers.

The widget is embedded with one script tag on a page served from a different origin
than the app. The agent works in a second browser context. Screenshots of both
screens are saved under test-artifacts/.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from repository import Database, upgrade
from repository.directory import create_agent, create_queue, create_wrapup_code
from tests.chromium import ARTIFACTS, OtherOriginSite
from tests.live import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.server]
HOSTILE_NAME = '<img src=x onerror="window.__pwned=1">Eve'
HOSTILE_BODY = "<script>window.__pwned=1</script>Is my order shipped?"


@pytest.fixture
def host_page(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """A customer's shop on its own origin; the page is written once the app port is known."""
    site = OtherOriginSite(tmp_path / "shop")

    def publish(app_base: str) -> None:
        site.publish(
            "<!doctype html><html><head><meta charset=utf-8><title>Acme shop</title></head>"
            "<body style='font-family:sans-serif'><h1>Acme shop</h1><p>Great boots.</p>"
            f'<script src="{app_base}/widget.js" async></script></body></html>'
        )

    yield site.origin, publish
    site.close()


@pytest.fixture
async def app_server(tmp_path: Path, host_page: tuple[str, Any]) -> AsyncIterator[ServerProcess]:
    origin, publish = host_page
    server = ServerProcess(tmp_path / "data", WIDGET_ALLOWED_ORIGINS=origin)
    upgrade(server.database_url)
    db = Database(server.database_url)
    create_queue(db, "General", is_default=True)
    create_agent(db, "alice", "Alice Martin", "alice-e2e-pass")
    create_wrapup_code(db, "resolved", "Resolved")
    db.dispose()
    server.start()
    publish(server.base)
    yield server
    server.stop()
    assert not server.errors_in_log(), server.log_path.read_text()[-4000:]


async def test_visitor_on_another_origin_chats_with_an_agent_and_history_survives_reload(
    app_server: ServerProcess, host_page: tuple[str, Any], browser: Any
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    shop_origin, _ = host_page
    customer = await browser.new_context(viewport={"width": 1100, "height": 800})
    shop = await customer.new_page()
    await shop.goto(shop_origin + "/index.html")
    await shop.get_by_test_id("cc-launcher").click()
    await shop.get_by_test_id("cc-name").fill(HOSTILE_NAME)
    await shop.get_by_test_id("cc-email").fill("eve@example.com")
    await shop.get_by_test_id("cc-start").click()
    await shop.get_by_test_id("cc-input").fill(HOSTILE_BODY)
    await shop.get_by_test_id("cc-input").press("Enter")
    await shop.get_by_test_id("cc-msg").filter(has_text="Is my order shipped?").wait_for()
    await shop.get_by_test_id("cc-queue").wait_for()

    staff = await browser.new_context(viewport={"width": 1400, "height": 900})
    desk = await staff.new_page()
    await desk.goto(app_server.base + "/agent")
    await desk.fill("input[name=username]", "alice")
    await desk.fill("input[name=password]", "alice-e2e-pass")
    await desk.click("button[type=submit]")
    await desk.get_by_test_id("conn-status").filter(has_text="Connected").wait_for()
    await desk.get_by_test_id("presence").select_option("available")

    offer = desk.get_by_test_id("offer")
    await offer.wait_for(timeout=15_000)
    # The offer carries the customer context, with hostile markup shown as text.
    await offer.get_by_text("eve@example.com").first.wait_for()
    await offer.get_by_text(HOSTILE_NAME).first.wait_for()
    await desk.screenshot(path=str(ARTIFACTS / "agent-offer.png"), animations="disabled")
    await desk.get_by_test_id("offer-accept").click()

    messages = desk.get_by_test_id("messages")
    await messages.get_by_text(HOSTILE_BODY).wait_for()
    await desk.get_by_test_id("context").get_by_text("eve@example.com").first.wait_for()
    await desk.get_by_test_id("composer").fill("Yes, it left our warehouse today.")
    await desk.get_by_test_id("composer").press("Enter")
    await messages.get_by_text("Yes, it left our warehouse today.").wait_for()

    reply = shop.get_by_test_id("cc-msg").filter(has_text="Yes, it left our warehouse today.")
    await reply.wait_for(timeout=10_000)
    assert await reply.get_attribute("data-author") == "agent"
    await shop.screenshot(path=str(ARTIFACTS / "visitor-chat.png"), animations="disabled")
    await desk.screenshot(path=str(ARTIFACTS / "agent-chat.png"), animations="disabled")

    # Nothing the customer typed ran as code in either page.
    assert await desk.evaluate("window.__pwned") is None
    assert await shop.evaluate("window.__pwned") is None
    assert await desk.locator("img[src=x]").count() == 0

    # Reload: the conversation resumes with its whole history.
    await shop.reload()
    await shop.get_by_test_id("cc-launcher").click()
    history = shop.get_by_test_id("cc-msg")
    await history.filter(has_text="Yes, it left our warehouse today.").wait_for(timeout=10_000)
    texts = await history.all_inner_texts()
    assert sum("Is my order shipped?" in t for t in texts) == 1
    assert sum("Yes, it left our warehouse today." in t for t in texts) == 1
    await shop.screenshot(path=str(ARTIFACTS / "visitor-after-reload.png"), animations="disabled")

    await customer.close()
    await staff.close()


async def test_agent_uses_canned_reply_and_note_closes_with_code_and_customer_rates(
    app_server: ServerProcess, host_page: tuple[str, Any], browser: Any
) -> None:
    from sqlmodel import select

    from repository.core.models import Interaction
    from repository.directory import create_canned_reply

    db = Database(app_server.database_url)
    create_canned_reply(db, "thanks", "Thanks", "Thank you for waiting, I am on it.")
    shop_origin, _ = host_page
    customer = await browser.new_context()
    shop = await customer.new_page()
    await shop.goto(shop_origin + "/index.html")
    await shop.get_by_test_id("cc-launcher").click()
    await shop.get_by_test_id("cc-start").click()
    await shop.get_by_test_id("cc-input").fill("我的订单在哪里？")
    await shop.get_by_test_id("cc-input").press("Enter")
    await shop.locator("[data-testid=cc-msg][data-state=sent]").first.wait_for()

    staff = await browser.new_context(viewport={"width": 1400, "height": 900})
    desk = await staff.new_page()
    await desk.goto(app_server.base + "/login")
    await desk.fill("input[name=username]", "alice")
    await desk.fill("input[name=password]", "alice-e2e-pass")
    await desk.click("button[type=submit]")
    await desk.get_by_test_id("conn-status").filter(has_text="Connected").wait_for()
    await desk.get_by_test_id("presence").select_option("available")
    await desk.get_by_test_id("offer-accept").click()
    messages = desk.get_by_test_id("messages")
    await messages.get_by_text("我的订单在哪里？").wait_for()

    # Canned reply: "/thanks" expands to its body, Enter sends it to the customer.
    composer = desk.get_by_test_id("composer")
    await composer.fill("/thanks")
    await desk.get_by_test_id("canned-item").first.click()
    assert await composer.input_value() == "Thank you for waiting, I am on it."
    await composer.press("Enter")
    await shop.get_by_test_id("cc-msg").filter(has_text="Thank you for waiting").wait_for()

    # An internal note is visible on the desk and never reaches the customer.
    await desk.get_by_test_id("note-toggle").check()
    await composer.fill("Customer writes Chinese; reply slowly.")
    await composer.press("Enter")
    await messages.get_by_text("Customer writes Chinese; reply slowly.").wait_for()
    await desk.get_by_test_id("note-toggle").uncheck()

    # The desktop survives a network drop: it says so, reconnects and shows nothing twice.
    await staff.set_offline(True)
    await desk.get_by_test_id("conn-status").filter(has_not_text="Connected").wait_for(timeout=25_000)
    await staff.set_offline(False)
    await desk.get_by_test_id("conn-status").filter(has_text="Connected").wait_for(timeout=25_000)
    await shop.get_by_test_id("cc-input").fill("谢谢")
    await shop.get_by_test_id("cc-input").press("Enter")
    await messages.get_by_text("谢谢", exact=True).wait_for()
    ids = [await m.get_attribute("data-event-id") for m in await desk.get_by_test_id("msg").all()]
    real_ids = [i for i in ids if i]
    assert len(real_ids) == len(set(real_ids)), f"an event is shown twice: {real_ids}"

    await desk.get_by_test_id("wrapup").select_option("resolved")
    await desk.get_by_test_id("close-conv").click()
    await shop.get_by_test_id("cc-star-5").click()
    await shop.get_by_test_id("cc-rate").click()
    await shop.get_by_text("Thanks for your feedback").wait_for()
    await shop.screenshot(path=str(ARTIFACTS / "visitor-rated.png"), animations="disabled")
    await desk.screenshot(path=str(ARTIFACTS / "agent-after-close.png"), animations="disabled")
    assert not await shop.get_by_text("reply slowly").count()

    with db.read() as session:
        closed = session.exec(select(Interaction)).one()
    db.dispose()
    assert (closed.status, closed.disposition, closed.csat_score) == ("closed", "resolved", 5)
    await customer.close()
    await staff.close()
