"""An agent who lets offers go unanswered is set Away, told why, and the customer is told too.

Alice is the only agent. She is Available but never answers. After two offers time out
(``MISSED_OFFERS_BEFORE_AWAY=2``) the router sets her Away: her desk shows a notice that
stays until she dismisses it and her presence picker says Away, and the customer's widget
stops promising "about 1 minute" and says no agent is online. Setting herself Available
brings the offer back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from repository import Database, upgrade
from repository.directory import create_agent, create_queue
from tests.browser.desk_flow import agent_signs_in, customer_starts_chat
from tests.live import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    process = ServerProcess(tmp_path / "data", RESERVATION_TIMEOUT_SECONDS="2", MISSED_OFFERS_BEFORE_AWAY="2")
    upgrade(process.database_url)
    db = Database(process.database_url)
    create_queue(db, "General", is_default=True)
    create_agent(db, "alice", "Alice Martin", "alice-missed-pass")
    db.dispose()
    process.start()
    yield process
    process.stop()
    assert not process.errors_in_log(), process.log_path.read_text()[-4000:]


async def test_two_unanswered_offers_set_the_agent_away_and_the_customer_is_told(
    server: ServerProcess, browser: Any
) -> None:
    staff, desk = await agent_signs_in(browser, server, "alice", "alice-missed-pass")
    await desk.get_by_test_id("presence").select_option("available")
    customer, shop = await customer_starts_chat(browser, server, "Rita", "Is anyone there?")

    # The offer arrives and is ignored twice; each times out after 2 s.
    await desk.get_by_test_id("offer-accept").wait_for(timeout=15_000)
    notice = desk.get_by_test_id("notice-missed-offers")
    await notice.wait_for(timeout=20_000)
    assert "set to Away" in (await notice.inner_text())
    assert await desk.get_by_test_id("presence").input_value() == "away"
    assert await desk.get_by_test_id("offer-accept").count() == 0

    # The customer is not promised a wait any more.
    await shop.get_by_text("No agent is online right now").wait_for(timeout=15_000)

    # The notice stays until dismissed, and Available brings the chat back.
    await desk.wait_for_timeout(1500)
    assert await notice.is_visible()
    await desk.get_by_test_id("presence").select_option("available")
    await desk.get_by_test_id("offer-accept").click(timeout=15_000)
    await desk.get_by_test_id("messages").get_by_text("Is anyone there?").wait_for()

    await customer.close()
    await staff.close()


async def test_a_rejected_chat_is_not_offered_straight_back_to_the_only_agent(
    server: ServerProcess, browser: Any
) -> None:
    """Rejecting is a real "not now": the only eligible agent gets the chat back only
    after the re-offer cool-down (REOFFER_COOLDOWN_SECONDS, 10 s), not 8 ms later."""
    staff, desk = await agent_signs_in(browser, server, "alice", "alice-missed-pass")
    await desk.get_by_test_id("presence").select_option("available")
    customer, _shop = await customer_starts_chat(browser, server, "Rita", "Hello again")

    await desk.get_by_test_id("offer-reject").click(timeout=15_000)
    rejected_at = await desk.evaluate("Date.now()")
    offer = desk.get_by_test_id("offer-accept")
    await offer.wait_for(state="detached", timeout=5_000)
    await offer.wait_for(timeout=30_000)
    back_after_ms = await desk.evaluate("Date.now()") - rejected_at
    assert back_after_ms >= 9_000, f"re-offered {back_after_ms} ms after the reject"
    await offer.click()
    await desk.get_by_test_id("messages").get_by_text("Hello again").wait_for()

    await customer.close()
    await staff.close()
