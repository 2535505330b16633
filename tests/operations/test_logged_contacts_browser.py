"""An agent logs a customer's visit from the desk in headless Chromium; it is on the customer's
timeline and the desk's search finds its note. Screenshot: test-artifacts/log-contact.png."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from repository import Database, upgrade
from repository.core.customers import create_customer
from repository.core.models import Event, Interaction
from repository.directory import create_agent, create_queue
from tests.chromium import ARTIFACTS
from tests.live import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    process = ServerProcess(tmp_path / "data")
    upgrade(process.database_url)
    db = Database(process.database_url)
    create_queue(db, "General", is_default=True)
    create_agent(db, "alice", "Alice Martin", "alice-logging-pass")
    create_customer(db, display_name="Grace Hopper", email="grace@example.com")
    db.dispose()
    process.start()
    yield process
    process.stop()
    assert not process.errors_in_log(), process.log_path.read_text()[-4000:]


async def test_an_agent_logs_a_visit_and_finds_it_in_search(server: ServerProcess, browser: Any) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    await page.goto(server.base + "/agent")
    await page.fill("input[name=username]", "alice")
    await page.fill("input[name=password]", "alice-logging-pass")
    await page.click("button[type=submit]")
    await page.get_by_test_id("conn-status").filter(has_text="Connected").wait_for()

    await page.get_by_test_id("log-contact-open").click()
    dialog = page.get_by_test_id("log-contact-dialog")
    await dialog.get_by_test_id("log-customer").fill("nobody@example.com")
    await dialog.get_by_test_id("log-channel").select_option("visit")
    await dialog.get_by_test_id("log-category").fill("Complaint")
    await dialog.get_by_test_id("log-note").fill("Brought back a broken kettle; exchanged it.")
    await dialog.get_by_test_id("log-save").click()
    await dialog.get_by_test_id("log-status").filter(has_text="No customer has").wait_for()

    await dialog.get_by_test_id("log-customer").fill("grace@example.com")
    await dialog.get_by_test_id("log-save").click()
    await dialog.wait_for(state="hidden")

    db = Database(server.database_url)
    try:
        with db.read() as session:
            [visit] = session.exec(select(Interaction)).all()
            [note] = session.exec(select(Event)).all()
    finally:
        db.dispose()
    assert (visit.channel, visit.status, visit.category) == ("visit", "closed", "complaint")
    assert note.kind == "note" and note.author_name == "Alice Martin" and "kettle" in note.body

    await page.get_by_test_id("search-open").click()
    await page.get_by_test_id("search-input").fill("kettle")
    await page.get_by_test_id("search-go").click()
    await page.get_by_test_id("search-hit").first.wait_for(timeout=10_000)
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "log-contact.png"), animations="disabled")
    await context.close()
