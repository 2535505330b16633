"""Outside business hours in headless Chromium: the widget shows the chat queue's hours and
a "leave a message" form instead of the chat; the message left there reaches an agent's desk
as an email conversation, and the agent's answer arrives at the real SMTP server (aiosmtpd)
addressed to the visitor. Screenshot: test-artifacts/after-hours-widget.png."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from repository import Database, upgrade
from repository.directory import create_agent, create_queue
from repository.directory.business_hours import save_hours
from tests.browser.test_accessibility_browser import axe_violations
from tests.chromium import ARTIFACTS
from tests.email.conftest import SmtpSink
from tests.email.dovecot import USER, Dovecot
from tests.live import ServerProcess
from tests.operations.test_left_message import closed_now

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.fixture
async def server(
    tmp_path: Path, dovecot: Dovecot, folder: str, smtp_sink: SmtpSink
) -> AsyncIterator[ServerProcess]:
    process = ServerProcess(
        tmp_path / "data",
        EMAIL_ADDRESS=USER,
        EMAIL_DISPLAY_NAME="Northwind Support",
        EMAIL_IMAP_URL=dovecot.imap_url.replace("/INBOX", f"/{folder}"),
        EMAIL_SMTP_URL=f"smtp://127.0.0.1:{smtp_sink.port}",
        EMAIL_IDLE_SECONDS="20",
    )
    upgrade(process.database_url)
    db = Database(process.database_url)
    queue = create_queue(db, "Support", is_default=True)
    save_hours(db, queue.id, {"business_hours": closed_now(), "time_zone": "UTC", "holidays": []})
    create_agent(db, "mia", "Mia Chen", "mia-hours-pass")
    db.dispose()
    process.start()
    yield process
    process.stop()
    assert not process.errors_in_log(), process.log_path.read_text()[-4000:]


async def test_after_hours_widget_takes_a_message_that_an_agent_answers_by_email(
    server: ServerProcess, smtp_sink: SmtpSink, browser: Any
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    # CSP bypassed only so axe-core can be injected; the page keeps its policy otherwise.
    visitor = await browser.new_context(
        viewport={"width": 1200, "height": 900}, locale="en-US", bypass_csp=True
    )
    page = await visitor.new_page()
    await page.goto(server.base + "/demo")
    await page.get_by_test_id("cc-launcher").click()
    away = page.get_by_test_id("cc-after-hours")
    await away.wait_for(state="visible")
    assert not await page.get_by_test_id("cc-prechat").is_visible()
    hours = page.get_by_test_id("cc-away-hours")
    await hours.get_by_text("09:00–17:00").wait_for()
    assert "Opening hours (UTC)" in await hours.inner_text()
    assert (await hours.inner_text()).count("Closed") == 6
    assert "We're back" in await page.get_by_test_id("cc-away-back").inner_text()

    assert await axe_violations(page, "widget-after-hours") == []

    # Nothing but an address is refused in the browser, before anything is sent.
    await page.get_by_test_id("cc-away-send").click()
    await page.get_by_test_id("cc-away-error").filter(has_text="email address").wait_for()
    await page.get_by_test_id("cc-away-name").fill("Kim Lee")
    await page.get_by_test_id("cc-away-email").fill("kim@customers.test")
    await page.get_by_test_id("cc-away-message").fill("Where is order 7?")
    await page.get_by_test_id("cc-away-send").click()
    await page.get_by_test_id("cc-away-thanks").filter(has_text="kim@customers.test").wait_for()
    await page.screenshot(path=str(ARTIFACTS / "after-hours-widget.png"), animations="disabled")

    staff = await browser.new_context(viewport={"width": 1400, "height": 900})
    desk = await staff.new_page()
    await desk.goto(server.base + "/agent")
    await desk.fill("input[name=username]", "mia")
    await desk.fill("input[name=password]", "mia-hours-pass")
    await desk.click("button[type=submit]")
    await desk.get_by_test_id("conn-status").filter(has_text="Connected").wait_for()
    await desk.get_by_test_id("presence").select_option("available")
    await desk.get_by_test_id("offer-accept").first.click(timeout=30_000)
    messages = desk.get_by_test_id("messages")
    await messages.get_by_text("Where is order 7?").first.wait_for()
    await desk.get_by_test_id("composer").fill("It left our warehouse today.")
    await desk.get_by_test_id("composer").press("Enter")
    await messages.get_by_test_id("delivery").filter(has_text="Sent").wait_for(timeout=30_000)
    deadline = time.monotonic() + 10
    while not smtp_sink.received and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    [(_sender, rcpt, mail)] = smtp_sink.received
    assert rcpt == ["kim@customers.test"]
    assert "Mia Chen via Northwind Support" in mail["From"]
    assert "It left our warehouse today." in mail.get_body(("plain",)).get_content()
    await visitor.close()
    await staff.close()
