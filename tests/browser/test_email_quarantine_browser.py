"""The quarantine admin page in headless Chromium, with a real Dovecot feeding a real server.

A mail with no usable sender and a bounce for a message never sent are quarantined;
an admin opens /admin/quarantine, reads the first one and releases it under a sender
they type. Screenshots: test-artifacts/email-quarantine.png (the list) and
email-quarantine-mail.png (one mail with the release form).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from repository import Database, upgrade
from repository.core.models import Event
from repository.directory import create_agent, create_queue
from repository.email.models import EmailQuarantine
from tests.chromium import ARTIFACTS
from tests.email import real_world
from tests.email.dovecot import USER, Dovecot
from tests.email.test_quarantine_review import NO_SENDER
from tests.live import ServerProcess
from tests.services import free_port

pytestmark = [pytest.mark.browser, pytest.mark.server]
FOLDER = "Quarantine"


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    try:
        server = Dovecot()
    except (FileNotFoundError, KeyError) as exc:
        pytest.fail(f"no Dovecot ({exc}): run ./scripts/test, which installs dovecot-imapd")
    client = server.client()
    client.create(FOLDER)
    client.logout()
    yield server
    server.close()


@pytest.fixture
async def server(tmp_path: Path, dovecot: Dovecot) -> AsyncIterator[ServerProcess]:
    process = ServerProcess(
        tmp_path / "data",
        EMAIL_ADDRESS=USER,
        EMAIL_DISPLAY_NAME="Northwind Support",
        EMAIL_IMAP_URL=dovecot.imap_url.replace("/INBOX", f"/{FOLDER}"),
        EMAIL_SMTP_URL=f"smtp://127.0.0.1:{free_port()}",  # nothing is sent in this test
        EMAIL_IDLE_SECONDS="20",
    )
    upgrade(process.database_url)
    db = Database(process.database_url)
    create_queue(db, "Email", is_default=True)
    create_agent(db, "root", "Root Admin", "root-admin-pass-1", role="admin")
    db.dispose()
    process.start()
    yield process
    process.stop()


async def _until(db: Database, predicate: Any, timeout: float = 30) -> Any:
    async def poll() -> Any:
        while not (value := await asyncio.to_thread(predicate, db)):
            await asyncio.sleep(0.2)
        return value

    return await asyncio.wait_for(poll(), timeout)


def _quarantined(db: Database) -> list[EmailQuarantine]:
    with db.read() as session:
        return list(session.exec(select(EmailQuarantine).order_by(EmailQuarantine.id)).all())


async def test_admin_reviews_and_releases_quarantined_mail(
    server: ServerProcess, dovecot: Dovecot, browser: Any
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    dovecot.append(
        [NO_SENDER, real_world.delivery_report("never@elsewhere.test", "x@customers.test")], FOLDER
    )
    db = Database(server.database_url)
    try:
        await _until(db, lambda d: len(_quarantined(d)) == 2)

        staff = await browser.new_context(viewport={"width": 1280, "height": 800})
        page = await staff.new_page()
        await page.goto(server.base + "/admin/quarantine")
        await page.fill("input[name=username]", "root")
        await page.fill("input[name=password]", "root-admin-pass-1")
        await page.click("button[type=submit]")
        await page.goto(server.base + "/admin/quarantine")
        table = page.locator("#quarantine")
        await table.get_by_text("no usable sender address in From").wait_for()
        await table.get_by_text("bounce for unknown message").wait_for()
        await page.screenshot(
            path=str(ARTIFACTS / "email-quarantine.png"), full_page=True, animations="disabled"
        )

        first = _quarantined(db)[0]
        await page.locator(f"tr[data-quarantine='{first.id}'] a").click()
        await page.locator("#quarantine-text").filter(has_text="Where is my parcel?").wait_for()
        await page.fill("#release-form input[name=sender]", "anna@customers.test")
        await page.fill("#release-form input[name=sender_name]", "Anna Berg")
        await page.screenshot(
            path=str(ARTIFACTS / "email-quarantine-mail.png"), full_page=True, animations="disabled"
        )
        await page.click("#release-form button[type=submit]")
        await page.get_by_text("Released: stored as message").wait_for()
        assert await page.locator(f"tr[data-quarantine='{first.id}']").count() == 0

        def released(d: Database) -> list[Event]:
            with d.read() as session:
                return list(session.exec(select(Event).where(Event.channel == "email")).all())

        (event,) = await _until(db, released)
        assert event.payload["from_address"] == "anna@customers.test"
        await staff.close()
    finally:
        db.dispose()
    assert not server.errors_in_log(), server.log_path.read_text()[-4000:]
