"""Labels and custom fields on the desk in headless Chromium: an agent labels a conversation and
its customer, sets typed fields, filters "My conversations" by label, and takes a label off.
Screenshot: test-artifacts/desk-labels.png."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from repository import Database, upgrade
from repository.crm.custom_fields import create_field, values_of
from repository.crm.labels import create_label, labels_of
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
    create_agent(db, "alice", "Alice Martin", "alice-labels-pass")
    create_label(db, "Refund request", "#dc2626")
    create_label(db, "VIP", "#d97706")
    create_field(db, "interaction", "order_no", "Order number", "text")
    create_field(db, "customer", "contract", "Contract", "list", ["basic", "pro"])
    db.dispose()
    process.start()
    yield process
    process.stop()
    assert not process.errors_in_log(), process.log_path.read_text()[-4000:]


async def test_an_agent_labels_a_conversation_sets_fields_and_filters_by_label(
    server: ServerProcess, browser: Any
) -> None:
    staff, desk = await agent_signs_in(browser, server, "alice", "alice-labels-pass")
    await desk.get_by_test_id("presence").select_option("available")
    visitors = []
    for name, text in (("Rita", "I want my money back"), ("Sam", "Where is my parcel?")):
        peer = await visitor(server, name=name)
        await peer.send({"type": "message", "client_id": client_id(), "body": text})
        visitors.append(peer)
        await desk.get_by_test_id("offer-accept").click(timeout=15_000)
        await desk.get_by_test_id("messages").get_by_text(text).wait_for()
    items = desk.get_by_test_id("conv-item")
    assert await items.count() == 2

    # Rita's conversation: label it, label the customer VIP, fill the typed fields.
    await items.filter(has_text="Rita").locator("button.conv-open").click()
    await desk.get_by_test_id("messages").get_by_text("I want my money back").wait_for()
    bar = desk.get_by_test_id("desk-labels")
    await bar.get_by_test_id("label-add-interaction").select_option(label="Refund request")
    await (
        bar.get_by_test_id("labels-interaction")
        .get_by_test_id("label-chip")
        .filter(has_text="Refund request")
        .wait_for()
    )
    await bar.get_by_test_id("label-add-customer").select_option(label="VIP")
    await bar.get_by_test_id("labels-customer").get_by_test_id("label-chip").filter(has_text="VIP").wait_for()
    order = bar.get_by_test_id("field-interaction-order_no")
    await order.fill("A-1042")
    await order.press("Tab")
    await bar.get_by_test_id("field-customer-contract").select_option("pro")
    ARTIFACTS.mkdir(exist_ok=True)
    await desk.screenshot(path=str(ARTIFACTS / "desk-labels.png"), animations="disabled")

    # Filter: only Rita's conversation carries "Refund request".
    await desk.get_by_test_id("label-filter").select_option(label="Refund request")
    await desk.locator('[data-testid="conv-item"]:visible').filter(has_text="Rita").wait_for()
    await desk.locator('[data-testid="conv-item"]:visible').nth(1).wait_for(state="detached", timeout=5_000)
    assert await desk.locator('[data-testid="conv-item"]:visible').count() == 1
    await desk.get_by_test_id("label-filter").select_option("")
    assert await desk.locator('[data-testid="conv-item"]:visible').count() == 2

    db = Database(server.database_url)
    try:
        iid = int(await items.filter(has_text="Rita").get_attribute("data-interaction-id") or 0)
        assert [x["name"] for x in labels_of(db, "interaction", [iid])[iid]] == ["Refund request"]
        assert values_of(db, "interaction", [iid])[iid] == {"order_no": "A-1042"}
        customers = values_of(db, "customer", list(range(1, 10)))
        assert list(customers.values()) == [{"contract": "pro"}]

        # Take the label off again: the chip goes, and so does the link.
        chip = bar.get_by_test_id("labels-interaction").get_by_test_id("label-chip")
        await chip.locator("button").click()
        await chip.wait_for(state="detached")
        assert labels_of(db, "interaction", [iid]) == {}
    finally:
        db.dispose()
    for peer in visitors:
        await peer.close()
    await staff.close()
