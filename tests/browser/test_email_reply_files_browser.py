"""An agent attaches an image and a PDF to an email reply on the desk: the mail reaching
the SMTP server (aiosmtpd, in this process) carries both files byte for byte with their
content types and names, and the desk shows them on the sent message.

Real Dovecot, real server process, headless Chromium."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from repository import Database, upgrade
from repository.directory import create_agent, create_queue
from tests.browser.test_widget_flows_browser import tiny_png
from tests.email.conftest import SmtpSink
from tests.email.corpus import simple
from tests.email.dovecot import USER, Dovecot
from tests.live import ServerProcess
from tests.services import free_port

pytestmark = [pytest.mark.browser, pytest.mark.server]
FOLDER = "AgentFiles"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


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
def sink() -> Iterator[SmtpSink]:
    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()


@pytest.fixture
async def server(tmp_path: Path, dovecot: Dovecot, sink: SmtpSink) -> AsyncIterator[ServerProcess]:
    process = ServerProcess(
        tmp_path / "data",
        EMAIL_ADDRESS=USER,
        EMAIL_DISPLAY_NAME="Northwind Support",
        EMAIL_IMAP_URL=dovecot.imap_url.replace("/INBOX", f"/{FOLDER}"),
        EMAIL_SMTP_URL=f"smtp://127.0.0.1:{sink.port}",
        EMAIL_IDLE_SECONDS="20",
    )
    upgrade(process.database_url)
    db = Database(process.database_url)
    create_queue(db, "Email", is_default=True)
    create_agent(db, "mia", "Mia Chen", "mia-files-pass")
    db.dispose()
    process.start()
    yield process
    process.stop()
    assert not process.errors_in_log(), process.log_path.read_text()[-4000:]


async def test_an_email_reply_with_files_from_the_desk(
    server: ServerProcess, dovecot: Dovecot, sink: SmtpSink, browser: Any, tmp_path: Path
) -> None:
    dovecot.append([simple("Jane Roe <jane@customers.test>", "Manual please", "Can you send it?")[1]], FOLDER)
    staff = await browser.new_context(viewport={"width": 1400, "height": 900})
    desk = await staff.new_page()
    await desk.goto(server.base + "/agent")
    await desk.fill("input[name=username]", "mia")
    await desk.fill("input[name=password]", "mia-files-pass")
    await desk.click("button[type=submit]")
    await desk.get_by_test_id("conn-status").filter(has_text="Connected").wait_for()
    await desk.get_by_test_id("presence").select_option("available")
    await desk.get_by_test_id("offer-accept").first.click(timeout=60_000)
    await desk.get_by_test_id("messages").get_by_text("Can you send it?").wait_for()

    png = tiny_png(tmp_path / "boots.png")
    (tmp_path / "manual.pdf").write_bytes(PDF)
    await desk.get_by_test_id("attach-input").set_input_files([str(png), str(tmp_path / "manual.pdf")])
    await desk.locator("[data-testid=attach-chip][data-state=ready]").nth(1).wait_for(timeout=10_000)
    await desk.get_by_test_id("composer").fill("Here it is")
    await desk.get_by_test_id("composer").press("Enter")

    stored = desk.locator("[data-testid=msg][data-event-id]").filter(has_text="Here it is")
    await stored.locator("img[alt='boots.png']").wait_for(timeout=10_000)
    await stored.get_by_text("manual.pdf").wait_for()
    await stored.get_by_test_id("delivery").filter(has_text="Sent").wait_for(timeout=15_000)

    assert len(sink.received) == 1
    _from, rcpt, mail = sink.received[0]
    assert rcpt == ["jane@customers.test"] and mail.get_content_type() == "multipart/mixed"
    got = [(p.get_filename(), p.get_content_type(), p.get_content()) for p in mail.iter_attachments()]
    assert got == [("boots.png", "image/png", png.read_bytes()), ("manual.pdf", "application/pdf", PDF)]
    await staff.close()
