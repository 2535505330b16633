"""The widget's socket (ui-core.js's ReconnectingSocket) against the real hub, in Chromium.

Playwright relays the widget's websocket to the running server, so the test can cut the
hub's side off the way a half-open connection does (frames stop arriving, nothing
closes) and refuse new connections, while everything that does get through is the real
server's. The page's clock is Playwright's, so the 25 s heartbeat and its 10 s pong
timeout pass in an instant.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import websockets
from sqlmodel import select

from repository import Database, upgrade
from repository.core.models import Event
from repository.directory import create_queue
from tests.live import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.server]
PING_MS = 25_000  # channels/webchat/static/widget/env.js
PONG_TIMEOUT_MS = 10_000


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    process = ServerProcess(tmp_path / "data")
    upgrade(process.database_url)
    db = Database(process.database_url)
    create_queue(db, "General", is_default=True)
    db.dispose()
    process.start()
    yield process
    process.stop()
    assert not process.errors_in_log(), process.log_path.read_text()[-4000:]


class Relay:
    """Every widget socket goes through here to the hub; the frames are recorded."""

    def __init__(self) -> None:
        self.sockets: list[dict[str, Any]] = []  # {"sent": [...], "received": [...], "closed_by_hub": code}
        self.muted = False  # the hub's frames stop reaching the page; nothing closes
        self.reachable = True  # False: a new socket is closed before it reaches the hub

    def route(self, ws: Any) -> None:
        record: dict[str, Any] = {"sent": [], "received": [], "closed_by_hub": None}
        self.sockets.append(record)
        if not self.reachable:
            asyncio.ensure_future(ws.close(code=1011, reason="hub unreachable"))
            return
        hub = ws.connect_to_server()

        def from_page(message: str | bytes) -> None:
            record["sent"].append(json.loads(message))
            hub.send(message)

        def from_hub(message: str | bytes) -> None:
            record["received"].append(json.loads(message))
            if not self.muted:
                ws.send(message)

        def hub_closed(code: int | None, reason: str | None) -> None:
            record["closed_by_hub"] = code
            asyncio.ensure_future(ws.close(code=code, reason=reason))

        ws.on_message(from_page)
        hub.on_message(from_hub)
        hub.on_close(hub_closed)

    def sent(self, type_: str) -> list[dict[str, Any]]:
        return [frame for socket in self.sockets for frame in socket["sent"] if frame.get("type") == type_]

    async def until(self, condition: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not condition():
            assert asyncio.get_running_loop().time() < deadline, f"never saw: {what}"
            await asyncio.sleep(0.05)


async def open_widget(
    browser: Any, server: ServerProcess, relay: Relay, *, stored_token: str = ""
) -> tuple[Any, Any]:
    customer = await browser.new_context()
    page = await customer.new_page()
    if stored_token:
        key = f"cc-widget:{server.base}:token"
        await page.add_init_script(f"localStorage.setItem({json.dumps(key)}, {json.dumps(stored_token)})")
    await page.clock.install()
    await page.route_web_socket("**/channels/webchat/ws", relay.route)
    await page.goto(server.base + "/demo")
    await page.get_by_test_id("cc-launcher").click()
    return customer, page


async def say(page: Any, text: str) -> None:
    await page.get_by_test_id("cc-input").fill(text)
    await page.get_by_test_id("cc-input").press("Enter")


def stored_messages(server: ServerProcess, body: str) -> int:
    db = Database(server.database_url)
    try:
        with db.read() as session:
            return len(session.exec(select(Event).where(Event.kind == "message", Event.body == body)).all())
    finally:
        db.dispose()


async def test_a_socket_that_stops_answering_is_dropped_and_the_message_whose_ack_was_lost_is_stored_once(
    server: ServerProcess, browser: Any
) -> None:
    relay = Relay()
    customer, page = await open_widget(browser, server, relay)
    await page.get_by_test_id("cc-name").fill("Rita")
    await page.get_by_test_id("cc-start").click()
    await say(page, "Hello?")
    await page.locator("[data-testid=cc-msg][data-state=sent]").filter(has_text="Hello?").wait_for()

    # Half-open: the hub still hears the page, but nothing it says gets back.
    relay.muted = True
    text = "Is my parcel lost?"
    await say(page, text)
    await relay.until(lambda: any(f.get("body") == text for f in relay.sent("message")), "the message frame")
    await relay.until(lambda: stored_messages(server, text) == 1, "the message stored")
    pending = page.get_by_test_id("cc-msg").filter(has_text=text)
    assert await pending.get_attribute("data-state") != "sent"  # its ack never arrived

    # The heartbeat: a ping 25 s after the welcome; unanswered for 10 s, the socket is dropped.
    await page.clock.fast_forward(PING_MS)
    await relay.until(lambda: len(relay.sent("ping")) == 1, "a ping after 25 s")
    relay.reachable = False
    await page.clock.fast_forward(PONG_TIMEOUT_MS)
    await relay.until(lambda: len(relay.sockets) >= 2, "a new socket after the pong timeout")
    status = page.get_by_test_id("cc-status")
    await status.filter(has_text="Connection lost — reconnecting…").wait_for(timeout=10_000)

    # The hub is reachable again: the widget reconnects by itself, says hello with its token
    # and resends the unacknowledged message with the same client_id; the hub keeps it once.
    relay.muted = False
    relay.reachable = True
    await status.wait_for(state="hidden", timeout=20_000)
    await page.locator("[data-testid=cc-msg][data-state=sent]").filter(has_text=text).wait_for(timeout=10_000)
    tries = [f for f in relay.sent("message") if f.get("body") == text]
    assert len(tries) == 2 and tries[0]["client_id"] == tries[1]["client_id"], tries
    token = next(f["token"] for f in relay.sockets[0]["received"] if f["type"] == "welcome")
    assert relay.sent("hello")[-1].get("token") == token
    assert await page.get_by_test_id("cc-msg").filter(has_text=text).count() == 1
    assert stored_messages(server, text) == 1
    await customer.close()


async def test_a_token_the_hub_no_longer_knows_starts_a_fresh_conversation_at_once(
    server: ServerProcess, browser: Any
) -> None:
    relay = Relay()
    customer, page = await open_widget(browser, server, relay, stored_token="a-token-from-another-hub")
    # Refused with invalid_token and 4401; the next hello goes without the token.
    await relay.until(lambda: len(relay.sent("hello")) >= 2, "a second hello")
    first, second = relay.sockets[0], relay.sockets[1]
    assert first["sent"][0]["token"] == "a-token-from-another-hub"
    assert [f.get("code") for f in first["received"] if f["type"] == "error"] == ["invalid_token"]
    assert first["closed_by_hub"] == 4401
    assert "token" not in second["sent"][0]
    await relay.until(lambda: any(f["type"] == "welcome" for f in second["received"]), "a welcome")
    fresh = next(f["token"] for f in second["received"] if f["type"] == "welcome")
    key = f"cc-widget:{server.base}:token"
    assert await page.evaluate(f"localStorage.getItem({json.dumps(key)})") == fresh

    # The visitor just chats; no "reconnecting" line is left behind.
    await page.get_by_test_id("cc-name").fill("Rita")
    await page.get_by_test_id("cc-start").click()
    await say(page, "Hello again")
    await page.locator("[data-testid=cc-msg][data-state=sent]").filter(has_text="Hello again").wait_for()
    assert await page.get_by_test_id("cc-status").is_hidden()
    assert stored_messages(server, "Hello again") == 1
    await customer.close()


async def test_refused_for_too_many_sockets_the_widget_waits_as_long_as_the_hub_asked(
    tmp_path: Path, browser: Any
) -> None:
    process = ServerProcess(tmp_path / "data", WIDGET_SOCKETS_PER_ADDRESS="1")
    upgrade(process.database_url)
    db = Database(process.database_url)
    create_queue(db, "General", is_default=True)
    db.dispose()
    process.start()
    try:
        # Another tab from the same address holds the only socket the hub allows.
        other_tab = await websockets.connect(process.ws_base + "/channels/webchat/ws")
        relay = Relay()
        customer, page = await open_widget(browser, process, relay)
        await relay.until(lambda: relay.sockets and relay.sockets[0]["closed_by_hub"] == 4429, "a 4429 close")
        refusal = [f for f in relay.sockets[0]["received"] if f["type"] == "error"]
        assert refusal and refusal[0]["code"] == "rate_limited" and refusal[0]["retry_after"] == 30

        # The usual back-off would have tried several times in 25 s; the widget waits 30 s.
        for _ in range(5):
            await page.clock.fast_forward(5_000)
            await asyncio.sleep(0.1)
        assert len(relay.sockets) == 1

        await other_tab.close()  # the tab is closed: the slot is free
        await page.clock.fast_forward(12_000)  # 37 s in all: past 30 s and its fifth of jitter
        await relay.until(lambda: len(relay.sockets) == 2, "one new socket after retry_after")
        await relay.until(
            lambda: any(f["type"] == "welcome" for f in relay.sockets[1]["received"]), "a welcome"
        )
        await page.get_by_test_id("cc-name").wait_for()
        assert len(relay.sockets) == 2
        await customer.close()
    finally:
        process.stop()
    assert not process.errors_in_log(), process.log_path.read_text()[-4000:]
