"""Merge with undo on the desk in headless Chromium: the customer in view has a likely duplicate
(the same Gmail mailbox), a supervisor merges it in, sees the result, and undoes it. A plain
agent's desk has no merge row, and their session is refused a merge.
Screenshot: test-artifacts/desk-merge.png."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from repository import Database, upgrade
from repository.compliance.audit_models import AuditEntry
from repository.core.customers import add_identity, create_customer
from repository.core.models import Customer, Identity, Interaction
from repository.directory import create_agent, create_queue
from tests.browser.desk_flow import agent_signs_in
from tests.chromium import ARTIFACTS
from tests.live import ServerProcess, client_id, visitor

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    process = ServerProcess(tmp_path / "data")
    upgrade(process.database_url)
    db = Database(process.database_url)
    create_queue(db, "General", is_default=True)
    create_agent(db, "alice", "Alice Martin", "alice-merge-pass", role="supervisor")
    create_agent(db, "bob", "Bob Chen", "bob-merge-pass")
    create_customer(db, display_name="Rita Moreno", email="ritam@gmail.com")
    db.dispose()
    process.start()
    yield process
    process.stop()
    assert not process.errors_in_log(), process.log_path.read_text()[-4000:]


def _state(server: ServerProcess) -> tuple[list[int], dict[int, list[str]], list[str]]:
    db = Database(server.database_url)
    try:
        with db.read() as session:
            customers = sorted(c.id for c in session.exec(select(Customer)).all())  # type: ignore[misc]
            owned: dict[int, list[str]] = {}
            for row in session.exec(select(Identity).order_by(Identity.id)).all():  # type: ignore[arg-type]
                owned.setdefault(row.customer_id, []).append(row.value)
            actions = [a.action for a in session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()]  # type: ignore[arg-type]
        return customers, owned, actions
    finally:
        db.dispose()


async def test_a_supervisor_merges_a_duplicate_customer_and_undoes_it(
    server: ServerProcess, browser: Any
) -> None:
    peer = await visitor(server, name="Rita")
    await peer.send({"type": "message", "client_id": client_id(), "body": "Hi, it's Rita again"})
    db = Database(server.database_url)
    try:
        for _ in range(100):
            with db.read() as session:
                chat = session.exec(select(Interaction)).first()
            if chat is not None:
                break
            await asyncio.sleep(0.05)
        assert chat is not None
        add_identity(db, chat.customer_id, "email", "rita.m+shop@gmail.com")
    finally:
        db.dispose()
    seeded = 1
    assert chat.customer_id != seeded

    staff, desk = await agent_signs_in(browser, server, "alice", "alice-merge-pass")
    await desk.get_by_test_id("presence").select_option("available")
    await desk.get_by_test_id("offer-accept").click(timeout=15_000)
    await desk.get_by_test_id("messages").get_by_text("Hi, it's Rita again").wait_for()

    box = desk.get_by_test_id("desk-merge")
    suggestion = box.get_by_test_id("merge-suggestion")
    await suggestion.filter(has_text="Rita Moreno").wait_for(timeout=10_000)
    await suggestion.get_by_test_id("merge-go").click()
    await box.get_by_test_id("merge-done").wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    await desk.screenshot(path=str(ARTIFACTS / "desk-merge.png"), animations="disabled")
    customers, owned, actions = _state(server)
    assert customers == [chat.customer_id]
    assert "ritam@gmail.com" in owned[chat.customer_id] and actions == ["customer.merge"]

    await box.get_by_test_id("merge-undo").click()
    await suggestion.filter(has_text="Rita Moreno").wait_for(timeout=10_000)
    customers, owned, actions = _state(server)
    assert customers == sorted([seeded, chat.customer_id])
    assert owned[seeded] == ["ritam@gmail.com"] and "ritam@gmail.com" not in owned[chat.customer_id]
    assert actions == ["customer.merge", "customer.merge_undone"]
    await peer.close()
    await staff.close()

    # A plain agent: no merge row, and the session cannot merge behind the desk's back.
    staff, desk = await agent_signs_in(browser, server, "bob", "bob-merge-pass")
    await desk.get_by_test_id("desk-labels").wait_for(state="attached")
    assert await desk.get_by_test_id("desk-merge").count() == 0
    status = await desk.evaluate(
        """async ([kept, other]) => {
            const csrf = document.getElementById('desk-labels').dataset.csrf;
            const r = await fetch(`/agent/customers/${kept}/merge`, {method: 'POST', credentials: 'same-origin',
              headers: {'content-type': 'application/json', 'X-CSRF-Token': csrf},
              body: JSON.stringify({merge_id: other})});
            return r.status;
        }""",
        [chat.customer_id, seeded],
    )
    assert status == 403
    assert _state(server)[0] == sorted([seeded, chat.customer_id])
    await staff.close()
