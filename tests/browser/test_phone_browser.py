"""A phone call on the agent desktop, in headless Chromium: screen-pop, call card, click-to-call.

A real server, Prism serving Twilio's own OpenAPI spec for the outbound REST calls,
and webhooks signed with twilio's RequestValidator exactly as Twilio signs them. The
agent works in the browser. Screenshots: test-artifacts/phone-screen-pop.png and
test-artifacts/phone-call-card.png.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from repository import Database
from repository.core.ingest import InboundItem, ingest
from repository.core.models import Interaction, utcnow
from repository.telephony.config import save_number
from tests.live import ServerProcess
from tests.telephony.conftest import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PASSWORD,
    PRISM,
    ROOT,
    Prism,
    seed,
    sid,
    twilio_post,
    voice_params,
)

pytestmark = [pytest.mark.browser, pytest.mark.server]
ARTIFACTS = ROOT / "test-artifacts"
COMPANY = "+14155550100"
CALLER = "+14155550123"


@pytest.fixture(scope="module")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prism]:
    if not PRISM.exists():
        pytest.fail(
            "Prism is not installed: run scripts/test (it installs @stoplight/prism-cli into .tools/)"
        )
    server = Prism(tmp_path_factory.mktemp("prism") / "prism.log").start()
    yield server
    server.stop()


@pytest.fixture
async def phone_desk_server(tmp_path: Path, prism: Prism) -> AsyncIterator[ServerProcess]:
    server = ServerProcess(
        tmp_path / "data",
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_API_BASE_URL=prism.url,
        RESERVATION_TIMEOUT_SECONDS="60",
    )
    server.env["PUBLIC_BASE_URL"] = server.base
    server.ids = seed(server.database_url)  # type: ignore[attr-defined]
    db = Database(server.database_url)
    try:
        # The company number sends callers straight to Support (no menu).
        save_number(
            db, None, {"number": COMPANY, "label": "Main line", "default_queue_id": server.ids["support"]}
        )  # type: ignore[attr-defined]
        # The caller chatted before: the call must pop that customer, found by caller id.
        earlier = ingest(
            db,
            InboundItem(
                channel="chat",
                identities=[("webchat", "visitor-grace"), ("phone", CALLER), ("email", "grace@example.com")],
                thread_key="visitor-grace",
                body="Hi, my order #1042 has not arrived yet.",
                display_name="Grace Hopper",
            ),
        )
        with db.write() as session:  # that chat was answered and closed last week
            chat = session.get(Interaction, earlier.interaction.id)
            assert chat is not None
            chat.status, chat.closed_at, chat.disposition = "closed", utcnow(), "resolved"
            session.add(chat)
    finally:
        db.dispose()
    server.start()
    yield server
    server.stop()
    assert not server.errors_in_log(), server.log_path.read_text()[-4000:]


async def sign_in(page: Any, server: ServerProcess) -> None:
    await page.goto(server.base + "/agent")
    await page.fill("input[name=username]", "ada")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.get_by_test_id("conn-status").filter(has_text="Connected").wait_for()


async def wait_for_request(prism: Prism, suffix: str, after: int) -> list[str]:
    for _ in range(200):
        hits = [r for r in prism.requests()[after:] if r.endswith(suffix)]
        if hits:
            return hits
        await asyncio.sleep(0.05)
    raise AssertionError(f"Prism never saw …{suffix}: {prism.requests()[-5:]}")


async def test_a_call_pops_the_caller_on_the_desktop_connects_and_the_agent_calls_back(
    phone_desk_server: ServerProcess,
    prism: Prism,
    browser: Any,
) -> None:
    server = phone_desk_server
    ARTIFACTS.mkdir(exist_ok=True)
    staff = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await staff.new_page()
    await sign_in(page, server)
    await page.get_by_test_id("presence").select_option("available")

    # 1. A signed incoming-call webhook: the caller goes straight into the Support queue.
    call = sid("CA", 7001)
    answer = await twilio_post(server, "/channels/twilio/voice", voice_params(call, caller=CALLER))
    assert answer.status_code == 200 and "<Enqueue" in answer.text, answer.text

    # 2. The screen-pop: the offer carries the call card and the caller's customer record.
    offer = page.get_by_test_id("offer")
    await offer.wait_for(timeout=15_000)
    card = offer.get_by_test_id("call-card")
    await card.wait_for()
    assert await card.get_by_test_id("call-number").inner_text() == CALLER
    assert await card.get_by_test_id("call-state").inner_text() == "Waiting in queue"
    assert await card.get_attribute("data-state") == "queued"
    await offer.get_by_text("Grace Hopper").first.wait_for()
    await offer.get_by_text("grace@example.com").first.wait_for()
    await page.screenshot(path=str(ARTIFACTS / "phone-screen-pop.png"), animations="disabled")

    # 3. Accept: the live call is redirected to Ada's phone through the real client.
    before = len(prism.requests())
    await offer.get_by_test_id("offer-accept").click()
    await wait_for_request(prism, f"/Calls/{call}.json", before)
    assert prism.rejections() == []

    # 4. Twilio reports Ada's leg ringing, then answered: the card shows the live call.
    panel = page.get_by_test_id("context")
    leg = sid("CA", 7101)
    status_path = f"/channels/twilio/voice/agent-status?call={call}"
    for status in ("ringing", "in-progress"):
        params = {**voice_params(leg, status), "ParentCallSid": call, "To": "client:ada-desk"}
        assert (await twilio_post(server, status_path, params)).status_code == 204
    live = panel.locator('[data-testid="call-card"][data-state="answered"]')
    await live.wait_for(timeout=10_000)
    assert await live.get_by_test_id("call-state").inner_text() == "Connected"
    await live.get_by_test_id("call-timer").wait_for()
    assert await live.get_by_test_id("call-number").inner_text() == CALLER
    await panel.get_by_text("Grace Hopper").first.wait_for()
    await page.screenshot(path=str(ARTIFACTS / "phone-call-card.png"), animations="disabled")

    # 5. Click-to-call from the customer panel places a call: Prism sees calls.create.
    before = len(prism.requests())
    button = panel.get_by_test_id("click-to-call")
    assert CALLER in await button.inner_text()
    await button.click()
    created = await wait_for_request(prism, "/Calls.json", before)
    assert created[0].lower().startswith("post ")
    assert prism.rejections() == []
    await page.get_by_text(f"Calling {CALLER}…").wait_for()
    await staff.close()
