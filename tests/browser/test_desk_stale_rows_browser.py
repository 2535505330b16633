"""The desk's merge and pending rows never show (or act on) the previous conversation after
the agent switches, in headless Chromium with slow answers held back by the test.

- A merge made on conversation A whose answer arrives after the agent moved to B does not
  put A's "merged … Undo" row on B.
- While B's duplicates or pending state load, A's merge and pending buttons are not on
  screen (a click there would merge or set aside A's records while the agent reads B).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from repository import Database, upgrade
from repository.core.customers import add_identity, create_customer
from repository.core.models import Customer, Interaction
from repository.directory import create_agent, create_queue
from tests.browser.desk_flow import agent_signs_in
from tests.live import ServerProcess, client_id, visitor

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    process = ServerProcess(tmp_path / "data")
    upgrade(process.database_url)
    db = Database(process.database_url)
    create_queue(db, "General", is_default=True)
    create_agent(db, "alice", "Alice Martin", "alice-stale-pass", role="supervisor", capacity={"chat": 5})
    create_customer(db, display_name="Rita Moreno", email="ritam@gmail.com")
    create_customer(db, display_name="Tom Jones", email="tomj@gmail.com")
    db.dispose()
    process.start()
    yield process
    process.stop()
    assert not process.errors_in_log(), process.log_path.read_text()[-4000:]


def _with_db(server: ServerProcess, fn: Callable[[Database], Any]) -> Any:
    db = Database(server.database_url)
    try:
        return fn(db)
    finally:
        db.dispose()


async def chat_of(server: ServerProcess, name: str, body: str, duplicate_email: str) -> tuple[Any, int, int]:
    """A visitor called ``name`` writes; their customer gets an address like a seeded one's."""
    peer = await visitor(server, name=name)
    await peer.send({"type": "message", "client_id": client_id(), "body": body})

    def find(db: Database) -> Interaction | None:
        with db.read() as session:
            return session.exec(select(Interaction).where(Interaction.thread_key == peer_id)).first()

    welcome = peer.of_type("welcome")[0]
    peer_id = welcome["visitor_id"]
    for _ in range(200):
        found = _with_db(server, find)
        if found is not None:
            break
        await asyncio.sleep(0.05)
    assert found is not None
    _with_db(server, lambda db: add_identity(db, found.customer_id, "email", duplicate_email))
    return peer, found.id, found.customer_id


class Gate:
    """Holds back the browser's requests to one URL pattern until released."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.held = asyncio.Event()

    async def __call__(self, route: Any) -> None:
        self.held.set()
        await self.open.wait()
        await route.continue_()


async def test_rows_of_the_previous_conversation_never_show_on_the_next(
    server: ServerProcess, browser: Any
) -> None:
    staff, desk = await agent_signs_in(browser, server, "alice", "alice-stale-pass")
    await desk.get_by_test_id("presence").select_option("available")
    rita, rita_chat, rita_customer = await chat_of(server, "Rita", "Hi, Rita here", "rita.m+shop@gmail.com")
    await desk.get_by_test_id("offer-accept").first.click(timeout=15_000)
    tom, tom_chat, tom_customer = await chat_of(server, "Tom", "Hi, Tom here", "tom.j+news@gmail.com")
    await desk.get_by_test_id("offer-accept").first.click(timeout=15_000)
    merge = desk.get_by_test_id("desk-merge")
    pending = desk.get_by_test_id("desk-pending")

    async def open_chat(interaction_id: int) -> None:
        await desk.locator(f'[data-testid="conv-item"][data-interaction-id="{interaction_id}"]').click()

    await open_chat(rita_chat)
    await merge.get_by_test_id("merge-suggestion").filter(has_text="Rita Moreno").wait_for(timeout=10_000)
    await pending.get_by_test_id("pending-wait").wait_for()

    # While Tom's duplicates load, Rita's suggestion (bound to Rita's customer) is gone.
    slow_extras = Gate()
    await desk.route(f"**/agent/interactions/{tom_chat}/extras", slow_extras)
    slow_pending = Gate()
    await desk.route("**/agent/pending?*", slow_pending)
    await open_chat(tom_chat)
    await slow_extras.held.wait()
    await merge.wait_for(state="hidden", timeout=2_000)
    await slow_pending.held.wait()
    await pending.wait_for(state="hidden", timeout=2_000)
    slow_extras.open.set()
    slow_pending.open.set()
    await merge.get_by_test_id("merge-suggestion").filter(has_text="Tom Jones").wait_for(timeout=10_000)
    await pending.get_by_test_id("pending-wait").wait_for()
    await desk.unroute(f"**/agent/interactions/{tom_chat}/extras")
    await desk.unroute("**/agent/pending?*")

    # A merge on Rita's conversation that answers after the agent moved to Tom's.
    await open_chat(rita_chat)
    await merge.get_by_test_id("merge-suggestion").filter(has_text="Rita Moreno").wait_for(timeout=10_000)
    slow_merge = Gate()
    await desk.route(f"**/agent/customers/{rita_customer}/merge", slow_merge)
    await merge.get_by_test_id("merge-go").click()
    await slow_merge.held.wait()
    await open_chat(tom_chat)
    await merge.get_by_test_id("merge-suggestion").filter(has_text="Tom Jones").wait_for(timeout=10_000)
    async with desk.expect_response(f"**/agent/customers/{tom_customer}/duplicates") as redrawn:
        slow_merge.open.set()
    await redrawn.value

    def customers(db: Database) -> list[str]:
        with db.read() as session:
            return sorted(c.display_name for c in session.exec(select(Customer)).all())

    assert "Rita Moreno" not in _with_db(server, customers), "the merge itself went through"
    await merge.get_by_test_id("merge-suggestion").filter(has_text="Tom Jones").wait_for()
    assert await merge.get_by_test_id("merge-done").count() == 0, "Rita's undo row on Tom's conversation"
    await rita.close()
    await tom.close()
    await staff.close()
