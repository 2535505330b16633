"""The desk on a phone (390×844) and in narrow windows, in headless Chromium.

Below 1024 px the desk is one column (agent-narrow.css): nothing scrolls sideways, the
offer, presence, the composer with its Send button and "Sign out" are on screen without
scrolling, and the customer panel is one tap away under the thread. At 1400 px the top
bar's time-zone picker shows its text whole. Screenshots: test-artifacts/desk-narrow-390.png
(the thread) and desk-narrow-390-customer.png (the customer panel).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from repository import Database, upgrade
from repository.directory import create_agent, create_queue, create_wrapup_code
from tests.browser.desk_flow import ZONE_PICKER, agent_signs_in, customer_starts_chat
from tests.chromium import ARTIFACTS, settle
from tests.live import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.server]
PHONE = {"width": 390, "height": 844}
NARROW_WINDOWS = ({"width": 760, "height": 800}, {"width": 600, "height": 900}, {"width": 375, "height": 667})

# Wholly inside the viewport and not covered: the element (or a child) is what a tap at
# its centre reaches. Playwright's click would scroll to it; an agent cannot see to scroll.
ON_SCREEN = """(node) => {
  const box = node.getBoundingClientRect();
  const inside = box.width > 0 && box.height > 0 && box.left >= 0 && box.top >= 0
    && box.right <= innerWidth + 0.5 && box.bottom <= innerHeight + 0.5;
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  return { inside, reached: !!hit && (hit === node || node.contains(hit)),
           box: [Math.round(box.left), Math.round(box.top), Math.round(box.right), Math.round(box.bottom)] };
}"""
SIDEWAYS = "() => ({ page: document.documentElement.scrollWidth, body: document.body.scrollWidth, view: innerWidth })"


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    process = ServerProcess(tmp_path / "data")
    upgrade(process.database_url)
    db = Database(process.database_url)
    create_queue(db, "General", is_default=True)
    # A supervisor's desk has every top-bar control an agent's has, and the merge row.
    create_agent(db, "alice", "Alice Martin", "alice-narrow-pass", role="supervisor", capacity={"chat": 3})
    create_wrapup_code(db, "resolved", "Resolved")
    db.dispose()
    process.start()
    yield process
    process.stop()
    assert not process.errors_in_log(), process.log_path.read_text()[-4000:]


async def off_screen(desk: Any, *testids: str) -> list[str]:
    """The controls an agent could not see and tap without scrolling, with their boxes."""
    problems = []
    # Where things come to rest, not mid slide-in (an offer enters 30 px from the right):
    # wait for every finite animation; infinite ones (the offer's pulse) never end.
    await settle(desk)
    for testid in testids:
        seen = await desk.get_by_test_id(testid).first.evaluate(ON_SCREEN)
        if not (seen["inside"] and seen["reached"]):
            problems.append(f"{testid} at {seen['box']}: inside={seen['inside']} reached={seen['reached']}")
    return problems


async def no_sideways_scroll(desk: Any) -> None:
    seen = await desk.evaluate(SIDEWAYS)
    assert seen["page"] <= seen["view"] and seen["body"] <= seen["view"], seen


async def test_an_agent_works_a_chat_on_a_phone(server: ServerProcess, browser: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    customer, shop = await customer_starts_chat(browser, server, "Rita Customer", "Do you ship to Taipei?")
    staff, desk = await agent_signs_in(browser, server, "alice", "alice-narrow-pass", viewport=PHONE)
    await no_sideways_scroll(desk)
    assert await off_screen(desk, "presence", "sign-out", "conn-status") == []

    await desk.get_by_test_id("presence").select_option("available")
    await desk.get_by_test_id("offer-accept").wait_for(timeout=15_000)
    assert await off_screen(desk, "offer-accept") == []
    await desk.get_by_test_id("offer-accept").click()
    await desk.get_by_test_id("messages").get_by_text("Do you ship to Taipei?").wait_for()
    await desk.get_by_test_id("context").locator(".panel-title").wait_for()

    await no_sideways_scroll(desk)
    assert (
        await off_screen(
            desk, "conv-item", "composer", "send", "transfer", "close-conv", "sign-out", "presence"
        )
        == []
    )
    await desk.get_by_test_id("composer").click()
    await desk.keyboard.type("Yes, we ship to Taipei in three days.")
    await desk.get_by_test_id("send").click()
    await desk.get_by_test_id("messages").get_by_text("Yes, we ship to Taipei in three days.").wait_for()
    await shop.get_by_text("Yes, we ship to Taipei in three days.").wait_for()
    await no_sideways_scroll(desk)
    await desk.screenshot(path=str(ARTIFACTS / "desk-narrow-390.png"), animations="disabled")

    # The customer panel is under the thread; the thread's "Customer" link scrolls to it.
    assert await off_screen(desk, "jump-context") == []
    await desk.get_by_test_id("jump-context").click()
    context = desk.get_by_test_id("context")
    await context.get_by_text("Rita Customer").first.wait_for()
    panel = await context.locator(".panel-title").evaluate(ON_SCREEN)
    assert panel["inside"] and panel["reached"], panel
    width = await context.evaluate("(node) => node.getBoundingClientRect().width")
    assert width <= PHONE["width"], width
    # Only the column scrolled: the top bar, with "Sign out", stays where it was.
    assert await off_screen(desk, "sign-out", "presence") == []
    await no_sideways_scroll(desk)
    await desk.screenshot(path=str(ARTIFACTS / "desk-narrow-390-customer.png"), animations="disabled")

    for viewport in NARROW_WINDOWS:
        await desk.set_viewport_size(viewport)
        # Back up the column, the way the agent came down to the customer.
        await desk.locator(".workspace").evaluate("(column) => column.scrollTo(0, 0)")
        await no_sideways_scroll(desk)
        assert await off_screen(desk, "composer", "send", "sign-out", "presence") == [], viewport

    # At 1400 px the time-zone picker shows "Time zone of this browser" whole (or gives way).
    await desk.set_viewport_size({"width": 1400, "height": 900})
    zone = await desk.evaluate(ZONE_PICKER)
    assert not zone["shown"] or zone["needs"] <= zone["has"] + 0.5, zone
    await staff.close()
    await customer.close()
