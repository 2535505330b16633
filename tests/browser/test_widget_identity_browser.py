"""The signed widget in headless Chromium (issue 14, item 1).

A shop on its own origin renders the script tag its server signed for a signed-in
customer (``data-widget``, ``data-email``, ``data-identity-hash``). The visitor chats;
the agent's offer shows the known customer's record. The same page with a tampered
signature lands on a record of its own, shown as "unverified, claimed".
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from html import escape
from pathlib import Path
from typing import Any

import pytest

from channels.webchat.identity import identity_hash
from repository import Database, upgrade
from repository.core.ingest import InboundItem, ingest
from repository.core.models import Customer
from repository.directory import create_agent, create_queue
from repository.directory.widget_keys import create_widget_key
from tests.chromium import ARTIFACTS, OtherOriginSite
from tests.live import ServerProcess, agent, login

pytestmark = [pytest.mark.browser, pytest.mark.server]
EMAIL = "kim@example.com"
PASSWORD = "identity-browser-pass"


@pytest.fixture
async def shop(tmp_path: Path) -> AsyncIterator[OtherOriginSite]:
    site = OtherOriginSite(tmp_path / "shop")
    yield site
    site.close()


@pytest.fixture
async def app(tmp_path: Path, shop: OtherOriginSite) -> AsyncIterator[tuple[ServerProcess, str, int]]:
    server = ServerProcess(tmp_path / "data", WIDGET_ALLOWED_ORIGINS=shop.origin)
    upgrade(server.database_url)
    db = Database(server.database_url)
    create_queue(db, "General", is_default=True)
    create_agent(db, "ada", "Ada", PASSWORD, capacity={"chat": 5})
    known = ingest(
        db,
        InboundItem(channel="email", identities=[("email", EMAIL)], thread_key="kim-1", body="Old question"),
    )
    with db.write() as session:
        kim = session.get(Customer, known.customer.id)
        assert kim is not None
        kim.display_name, kim.tier = "Kim Known", "gold"
        session.add(kim)
    secret = create_widget_key(db, "shop").secret
    db.dispose()
    server.start()
    yield server, secret, int(known.customer.id)  # type: ignore[arg-type]
    server.stop()
    assert not server.errors_in_log(), server.log_path.read_text()[-4000:]


def signed_page(app_base: str, signature: str) -> str:
    """What the shop's server renders for a signed-in customer (docs/widget-identity.md)."""
    return (
        "<!doctype html><html><head><meta charset=utf-8><title>Shop</title></head><body><h1>Shop</h1>"
        f'<script src="{app_base}/widget.js" data-widget="shop" data-email="{escape(EMAIL)}"'
        f' data-name="Kim" data-identity-hash="{escape(signature)}" async></script></body></html>'
    )


async def chat_in_browser(browser: Any, url: str, body: str) -> Any:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(url)
    await page.get_by_test_id("cc-launcher").click()
    start = page.get_by_test_id("cc-start")
    if await start.count():
        await start.click()
    await page.get_by_test_id("cc-input").fill(body)
    await page.get_by_test_id("cc-input").press("Enter")
    await page.get_by_test_id("cc-msg").filter(has_text=body).wait_for()
    return context, page


async def test_a_signed_widget_links_the_visitor_and_a_tampered_one_does_not(
    app: tuple[ServerProcess, str, int], shop: OtherOriginSite, browser: Any
) -> None:
    server, secret, kim_id = app
    desk = await agent(server, await login(server.base, "ada", PASSWORD))

    shop.publish(signed_page(server.base, identity_hash(secret, EMAIL)))
    context, page = await chat_in_browser(browser, shop.origin + "/index.html", "Signed hello")
    offer = await desk.wait_for(
        lambda f: f["type"] == "offer" and any(e["body"] == "Signed hello" for e in f["events"]), timeout=15
    )
    assert offer["interaction"]["customer_id"] == kim_id
    assert offer["context"]["customer"]["display_name"] == "Kim Known"
    assert offer["context"]["value"]["tier"] == "gold"
    await page.screenshot(path=str(ARTIFACTS / "widget-signed.png"), animations="disabled")
    await context.close()

    tampered = identity_hash(secret, EMAIL)[:-1] + ("0" if identity_hash(secret, EMAIL)[-1] != "0" else "1")
    shop.publish(signed_page(server.base, tampered))
    context, page = await chat_in_browser(browser, shop.origin + "/index.html", "Tampered hello")
    offer = await desk.wait_for(
        lambda f: f["type"] == "offer" and any(e["body"] == "Tampered hello" for e in f["events"]), timeout=15
    )
    assert offer["interaction"]["customer_id"] != kim_id
    assert offer["context"]["customer"]["attributes"]["claimed_email"] == EMAIL
    assert "Kim Known" not in repr(offer["context"]) and "gold" not in repr(offer["context"])
    await context.close()
    await desk.close()
