"""Shared steps for the desk browser tests: a customer starts a chat, an agent takes it."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from repository import Database
from repository.core.models import Agent, Interaction
from tests.live import ServerProcess


async def customer_starts_chat(
    browser: Any, server: ServerProcess, name: str, text: str, **ctx: Any
) -> tuple[Any, Any]:
    customer = await browser.new_context(**ctx)
    shop = await customer.new_page()
    await shop.goto(server.base + "/demo")
    await shop.get_by_test_id("cc-launcher").click()
    await shop.get_by_test_id("cc-name").fill(name)
    await shop.get_by_test_id("cc-start").click()
    await shop.get_by_test_id("cc-input").fill(text)
    await shop.get_by_test_id("cc-input").press("Enter")
    await shop.locator("[data-testid=cc-msg][data-state=sent]").first.wait_for()
    return customer, shop


async def agent_signs_in(
    browser: Any, server: ServerProcess, username: str, password: str, **ctx: Any
) -> tuple[Any, Any]:
    staff = await browser.new_context(**{"viewport": {"width": 1400, "height": 900}, **ctx})
    desk = await staff.new_page()
    await desk.goto(server.base + "/login")
    await desk.fill("input[name=username]", username)
    await desk.fill("input[name=password]", password)
    await desk.click("button[type=submit]")
    await desk.get_by_test_id("conn-status").filter(has_text="Connected").wait_for()
    return staff, desk


async def agent_accepts(desk: Any, text: str) -> None:
    await desk.get_by_test_id("presence").select_option("available")
    await desk.get_by_test_id("offer-accept").click(timeout=15_000)
    await desk.get_by_test_id("messages").get_by_text(text).wait_for()


def interaction_and_agent(server: ServerProcess, username: str) -> tuple[Interaction, Agent]:
    db = Database(server.database_url)
    try:
        with db.read() as session:
            interaction = session.exec(select(Interaction).order_by(Interaction.id.desc())).first()  # type: ignore[union-attr]
            agent = session.exec(select(Agent).where(Agent.username == username)).one()
    finally:
        db.dispose()
    assert interaction is not None
    return interaction, agent


# The top bar's time-zone picker: is it shown, and does its chosen text fit? A select's
# scrollWidth never exceeds its clientWidth, and its arrow takes room beyond its padding,
# so the picker is measured against a copy holding only the chosen option, left to its
# natural width: text, padding and arrow. `needs` <= `has` means the text shows whole.
ZONE_PICKER = """() => {
  const zone = document.querySelector('select[name=timezone]');
  const text = zone.options[zone.selectedIndex].textContent;
  const copy = zone.cloneNode(false);
  copy.removeAttribute('data-testid');
  copy.append(new Option(text));
  copy.style.cssText = 'position:absolute;visibility:hidden;width:auto;min-width:0;max-width:none';
  zone.parentNode.append(copy);
  const needs = copy.getBoundingClientRect().width;
  copy.remove();
  return { shown: zone.offsetParent !== null, text, needs, has: zone.getBoundingClientRect().width };
}"""
