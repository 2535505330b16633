"""Issue 15 on the agent desktop: a dropped attachment says why, a forwarded mail shows its text.

Real Dovecot, real server process, headless Chromium. A mail with a 28 MiB attachment
(over EMAIL_ATTACHMENT_MAX_BYTES, 25 MiB) and a mail that is nothing but a forwarded
mail reach the desk; the agent sees "not kept: 28 MB over the 25 MB limit" next to
the file name, and the forwarded mail's text with its headers folded beneath.
Screenshot: test-artifacts/email-desk-shapes.png.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from repository import Database, upgrade
from repository.directory import create_agent, create_queue
from tests.chromium import ARTIFACTS
from tests.email import real_world
from tests.email.dovecot import USER, Dovecot
from tests.live import ServerProcess
from tests.services import free_port

pytestmark = [pytest.mark.browser, pytest.mark.server]
FOLDER = "Shapes"
MiB = 1024 * 1024


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
    create_agent(db, "mia", "Mia Chen", "mia-email-pass")
    db.dispose()
    process.start()
    yield process
    process.stop()
    assert not process.errors_in_log(), process.log_path.read_text()[-4000:]


async def test_the_desk_explains_a_dropped_attachment_and_shows_a_forwarded_mail(
    server: ServerProcess, dovecot: Dovecot, browser: Any
) -> None:
    dovecot.append(
        [
            real_world.with_attachment("Big Scan <big@customers.test>", 28 * MiB, "scan-28mb.pdf"),
            real_world.forwarded_whole("fwd@customers.test"),
        ],
        FOLDER,
    )
    staff = await browser.new_context(viewport={"width": 1400, "height": 900})
    desk = await staff.new_page()
    await desk.goto(server.base + "/agent")
    await desk.fill("input[name=username]", "mia")
    await desk.fill("input[name=password]", "mia-email-pass")
    await desk.click("button[type=submit]")
    await desk.get_by_test_id("conn-status").filter(has_text="Connected").wait_for()
    await desk.get_by_test_id("presence").select_option("available")
    for _ in range(2):
        await desk.get_by_test_id("offer-accept").first.click(timeout=60_000)
    conversations = desk.get_by_test_id("conv-item")
    await conversations.nth(1).wait_for()
    messages = desk.get_by_test_id("messages")

    await conversations.filter(has_text="Big Scan").click()
    dropped = messages.get_by_test_id("attachment-too-large")
    await dropped.wait_for()
    assert (
        " ".join((await dropped.inner_text()).split())
        == "scan-28mb.pdf · not kept: 28 MB over the 25 MB limit"
    )

    await conversations.filter(has_text="fwd@customers.test").click()
    await messages.get_by_text("The invoice charges 12 units; we ordered 10.").first.wait_for()
    folded = messages.get_by_test_id("email-forwarded")
    assert await folded.get_attribute("open") is None
    await folded.locator("summary").filter(has_text="Forwarded message: Invoice 4471 is wrong").click()
    await folded.get_by_text("From: Bob Builder <bob@partner.test>").wait_for(state="visible")
    await folded.get_by_text("Date: Mon, 01 Dec 2025 10:00:00 +0000").wait_for(state="visible")
    await desk.screenshot(path=str(ARTIFACTS / "email-desk-shapes.png"), animations="disabled")
    await staff.close()
