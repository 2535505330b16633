"""Email on the agent desktop, end to end in headless Chromium, with a real Dovecot and SMTP server.

Two mails arrive through Dovecot into a real server process: a reply whose quoted
history must be folded away, and an HTML-only mail carrying a script. The agent
accepts both, reads subject and sender, unfolds the quote, sees the HTML inside a
sandboxed iframe with nothing executed, replies, and watches the delivery state
reach "Sent" as the SMTP server receives the reply. Screenshots:
test-artifacts/email-desktop.png (quote unfolded, reply sent) and email-desktop-html.png.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from repository import Database, upgrade
from repository.directory import create_agent, create_queue
from tests.chromium import ARTIFACTS
from tests.email.corpus import simple
from tests.email.dovecot import USER, Dovecot
from tests.live import ServerProcess
from tests.services import free_port

pytestmark = [pytest.mark.browser, pytest.mark.server]
FOLDER = "Desk"
QUOTED = "On Mon, 3 Mar 2025 at 10:00, Support <support@example.test> wrote:\n> Please restart the router.\n> Regards"
HTML = (
    "<html><body><script>window.parent.__pwned = 1; document.title = 'pwned'</script>"
    '<p onclick="window.parent.__pwned = 2">Your invoice <b>INV-7731</b> is attached.</p>'
    '<img src="x" onerror="window.parent.__pwned = 3"><p>Kind regards, Li Wei</p></body></html>'
)


class Sink:
    def __init__(self) -> None:
        self.received: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted"


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
def smtp() -> Iterator[tuple[int, Sink]]:
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, sink
    controller.stop()


@pytest.fixture
async def server(tmp_path: Path, dovecot: Dovecot, smtp: tuple[int, Sink]) -> AsyncIterator[ServerProcess]:
    process = ServerProcess(
        tmp_path / "data",
        EMAIL_ADDRESS=USER,
        EMAIL_DISPLAY_NAME="Northwind Support",
        EMAIL_IMAP_URL=dovecot.imap_url.replace("/INBOX", f"/{FOLDER}"),
        EMAIL_SMTP_URL=f"smtp://127.0.0.1:{smtp[0]}",
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


def html_only_mail() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Li Wei <li.wei@customers.test>"
    msg["To"] = USER
    msg["Subject"] = "Invoice INV-7731"
    msg["Message-ID"] = "<invoice-7731@customers.test>"
    msg.set_content(HTML, subtype="html")
    return msg.as_bytes()


async def test_agent_reads_folded_quotes_and_sandboxed_html_and_sees_the_reply_sent(
    server: ServerProcess, dovecot: Dovecot, smtp: tuple[int, Sink], browser: Any
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    _, sink = smtp
    quoted_id, quoted_mail = simple(
        "Jane Doe <jane@customers.test>",
        "Re: Router keeps dropping",
        "Thanks, that fixed it for a day, but it drops again every evening.\n\n" + QUOTED,
    )
    dovecot.append([quoted_mail, html_only_mail()], FOLDER)

    staff = await browser.new_context(viewport={"width": 1400, "height": 900})
    desk = await staff.new_page()
    await desk.goto(server.base + "/agent")
    await desk.fill("input[name=username]", "mia")
    await desk.fill("input[name=password]", "mia-email-pass")
    await desk.click("button[type=submit]")
    await desk.get_by_test_id("conn-status").filter(has_text="Connected").wait_for()
    await desk.get_by_test_id("presence").select_option("available")
    for _ in range(2):
        await desk.get_by_test_id("offer-accept").first.click(timeout=30_000)
    conversations = desk.get_by_test_id("conv-item")
    await conversations.nth(1).wait_for()

    # The reply with quoted history: subject, sender, the quote folded until asked for.
    await conversations.filter(has_text="Jane Doe").click()
    messages = desk.get_by_test_id("messages")
    await messages.get_by_test_id("email-subject").filter(has_text="Re: Router keeps dropping").wait_for()
    await messages.get_by_text("From: Jane Doe <jane@customers.test>").wait_for()
    await messages.get_by_text("it drops again every evening").wait_for()
    quoted = messages.get_by_test_id("email-quoted")
    assert await quoted.get_attribute("open") is None
    assert not await quoted.get_by_text("Please restart the router.").is_visible()
    fold = quoted.locator("summary")
    assert (await fold.text_content()) == "Show quoted text"
    await fold.click()
    await quoted.get_by_text("Please restart the router.").wait_for(state="visible")
    # Open, the summary says what the next click does (set by the "toggle" event, which
    # the browser fires in a task after the content shows).
    await quoted.locator("summary", has_text="Hide quoted text").wait_for()
    assert (await fold.text_content()) == "Hide quoted text"

    # The agent answers; the SMTP server receives it and the desktop says so.
    await desk.get_by_test_id("composer").fill("Sorry to hear that. A technician will call you tomorrow.")
    await desk.get_by_test_id("composer").press("Enter")
    sent = messages.get_by_test_id("delivery").filter(has_text="Sent")
    await sent.wait_for(timeout=30_000)
    deadline = time.monotonic() + 10
    while not sink.received and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    await desk.screenshot(path=str(ARTIFACTS / "email-desktop.png"), animations="disabled")
    [reply] = sink.received
    assert reply["In-Reply-To"] == f"<{quoted_id}>"
    assert reply["To"].addresses[0].addr_spec == "jane@customers.test"
    assert "Mia Chen via Northwind Support" in reply["From"]
    assert "A technician will call you tomorrow." in reply.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    # The HTML-only mail: its text reading inline, the sanitised HTML in a sandboxed frame.
    await conversations.filter(has_text="Li Wei").click()
    await messages.get_by_test_id("email-subject").filter(has_text="Invoice INV-7731").wait_for()
    await messages.get_by_text("From: Li Wei <li.wei@customers.test>").wait_for()
    formatted = messages.locator("details.email-formatted summary")
    await formatted.click()
    frame_node = messages.get_by_test_id("email-html")
    await frame_node.wait_for(state="visible")
    await messages.locator("details.email-formatted summary", has_text="Hide formatted message").wait_for()
    assert (await formatted.text_content()) == "Hide formatted message"
    assert await frame_node.get_attribute("sandbox") == ""
    srcdoc = await frame_node.get_attribute("srcdoc") or ""
    assert "<b>INV-7731</b>" in srcdoc
    for banned in ("<script", "onclick", "onerror"):
        assert banned not in srcdoc
    frame = desk.frame_locator("[data-testid=email-html]")
    await frame.get_by_text("Kind regards, Li Wei").wait_for()
    await frame.locator("p").first.click()
    await desk.screenshot(path=str(ARTIFACTS / "email-desktop-html.png"), animations="disabled")
    assert await desk.evaluate("window.__pwned") is None
    assert await desk.title() != "pwned"

    await conversations.filter(has_text="Jane Doe").click()
    await quoted.wait_for()
    await staff.close()
