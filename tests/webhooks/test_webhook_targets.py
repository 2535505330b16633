"""Webhooks may not reach inside: private targets are refused when saved and when sent.

The sender is tested against a real HTTP receiver on 127.0.0.1: refused by default
(even through a host name that resolves there only at send time, as after DNS
rebinding), reached once WEBHOOK_ALLOW_PRIVATE_TARGETS is set.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from typing import Any

import anyio
import pytest

from config import Settings
from contact_center.bus import Bus, create_bus
from contact_center.context import AppContext
from contact_center.hub import Hub
from contact_center.webhooks import WebhookService
from contact_center.webhooks.targets import is_public, literal_address, refused_host
from contact_center.webhooks.validation import check_url
from repository import Database
from repository.directory.api_keys import create_api_key
from repository.errors import InvalidInput
from repository.webhooks import store as webhook_store
from tests.factories import chat_item, make_queue
from tests.test_admin_ui import ADMIN, Admin, _serve
from tests.webhooks.receiver import Receiver

PRIVATE_URLS = [
    "http://127.0.0.1:8080/hook",
    "http://127.1/hook",
    "http://2130706433/hook",
    "http://0x7f.1/hook",
    "http://localhost/hook",
    "http://api.localhost/hook",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:a9fe:a9fe]/latest/meta-data/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.5/hook",
    "http://172.16.3.4/hook",
    "http://192.168.1.1/hook",
    "http://100.64.0.1/hook",
    "http://0.0.0.0:6379/",
    "http://[fd00::1]/hook",
    "http://[fe80::1]/hook",
    "http://224.0.0.1/hook",
    "http://[64:ff9b::a00:1]/hook",
]


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_private_addresses_are_refused_when_a_webhook_is_saved(url: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_url(url)
    assert refused.value.details["field"] == "url"
    assert check_url(url, allow_private=True) == url


@pytest.mark.parametrize(
    "url",
    ["https://erp.example.com/hooks", "http://93.184.216.34/hook", "https://[2606:4700::1111]/hook"],
)
def test_public_addresses_and_names_are_accepted(url: str) -> None:
    assert check_url(url) == url


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://127.0.0.1:6379/_x", "ftp://x.example.com/", "http://u:p@x.example.com/", "http://x.example.com:99999/"])  # fmt: skip
def test_other_schemes_credentials_and_bad_ports_are_refused(url: str) -> None:
    with pytest.raises(InvalidInput):
        check_url(url, allow_private=True)


def test_address_rules() -> None:
    assert is_public(literal_address("8.8.8.8"))  # type: ignore[arg-type]
    assert not is_public(literal_address("::ffff:10.1.2.3"))  # type: ignore[arg-type]
    assert not refused_host("hooks.example.com")  # names are checked when resolved, at send time


# -- at send time ------------------------------------------------------------------------


@pytest.fixture
async def memory_bus() -> AsyncIterator[Bus]:
    bus = create_bus("memory://")
    await bus.connect()
    yield bus
    await bus.disconnect()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


def _hub(make_settings: Callable[..., Settings], db: Database, bus: Bus, **env: str) -> Hub:
    make_queue(db, "support", is_default=True)
    return Hub(make_settings(DATABASE_URL=db.url, WEBHOOK_BACKOFF_SECONDS="0.2", **env), db, bus)


async def _deliver_once(hub: Hub) -> list[Any]:
    ctx = AppContext(settings=hub.settings, db=hub.db, bus=hub.bus, hub=hub, router=None, presence=None)  # type: ignore[arg-type]
    service = WebhookService(ctx)
    await service.start()
    try:
        result = await hub.store(chat_item(body="hello"))
        await hub.announce(result)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            rows = webhook_store.list_deliveries(hub.db, limit=10)
            if rows and rows[0].attempts >= 1 and rows[0].status != "sending":
                return rows
            await asyncio.sleep(0.05)
        raise AssertionError("no delivery attempt in time")
    finally:
        await service.stop()


async def test_a_stored_private_url_is_not_reached_at_send_time(
    make_settings: Callable[..., Settings], db: Database, memory_bus: Bus, receiver: Receiver
) -> None:
    hub = _hub(make_settings, db, memory_bus)
    # Stored directly, as a URL saved before this check existed (or by a careless migration).
    webhook_store.create_subscription(db, receiver.url, ["interaction.created"])
    [row] = await _deliver_once(hub)
    assert receiver.received == []
    assert row.status == "pending" and "WEBHOOK_ALLOW_PRIVATE_TARGETS" in (row.last_error or "")


async def test_a_name_that_resolves_to_a_private_address_at_send_time_is_refused(
    make_settings: Callable[..., Settings],
    db: Database,
    memory_bus: Bus,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DNS rebinding: the name looked public when saved, and points at 127.0.0.1 now."""
    real = anyio.getaddrinfo
    lookups: list[str] = []

    async def rebound(host: Any, port: Any, **kwargs: Any) -> Any:
        lookups.append(str(host))
        if host == "hooks.partner.example":
            return await real("127.0.0.1", port, **kwargs)
        return await real(host, port, **kwargs)

    monkeypatch.setattr(anyio, "getaddrinfo", rebound)
    url = f"http://hooks.partner.example:{receiver.port}/hooks"
    assert check_url(url) == url  # a name passes the form: it is judged when resolved
    hub = _hub(make_settings, db, memory_bus)
    webhook_store.create_subscription(db, url, ["interaction.created"])
    [row] = await _deliver_once(hub)
    assert "hooks.partner.example" in lookups
    assert receiver.received == []
    assert "non-public address (127.0.0.1)" in (row.last_error or "")


async def test_private_targets_are_reached_once_allowed(
    make_settings: Callable[..., Settings],
    db: Database,
    memory_bus: Bus,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = anyio.getaddrinfo

    async def resolve(host: Any, port: Any, **kwargs: Any) -> Any:
        return await real("127.0.0.1" if host == "hooks.partner.example" else host, port, **kwargs)

    monkeypatch.setattr(anyio, "getaddrinfo", resolve)
    hub = _hub(make_settings, db, memory_bus, WEBHOOK_ALLOW_PRIVATE_TARGETS="true")
    # Through the name: the connection goes to the checked address, the Host header keeps the name.
    webhook_store.create_subscription(
        db, f"http://hooks.partner.example:{receiver.port}/hooks", ["interaction.created"]
    )
    [row] = await _deliver_once(hub)
    assert row.status == "delivered", row.last_error
    assert receiver.received[0].headers["host"] == f"hooks.partner.example:{receiver.port}"


class _Flood(BaseHTTPRequestHandler):
    """Announces a 200 MiB error page, sends 64 KiB of it, then stalls."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(500)
        self.send_header("Content-Length", str(200 * 1024 * 1024))
        self.end_headers()
        try:
            self.wfile.write(b"x" * 64 * 1024)
            self.wfile.flush()
            time.sleep(20)  # a sender that waits for the whole body times out instead
        except OSError:
            pass

    def log_message(self, *args: Any) -> None:
        return None


async def test_a_receiver_answering_with_a_huge_error_body_costs_only_its_first_bytes(
    make_settings: Callable[..., Settings], db: Database, memory_bus: Bus
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Flood)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        hub = _hub(
            make_settings, db, memory_bus, WEBHOOK_ALLOW_PRIVATE_TARGETS="true", WEBHOOK_TIMEOUT_SECONDS="4"
        )
        webhook_store.create_subscription(
            db, f"http://127.0.0.1:{server.server_address[1]}/", ["interaction.created"]
        )
        started = time.monotonic()
        [row] = await _deliver_once(hub)
        assert row.response_code == 500
        assert row.last_error == "HTTP 500: " + "x" * 200
        assert time.monotonic() - started < 3  # it did not wait for (or keep) the rest
    finally:
        server.shutdown()
        server.server_close()


# -- the admin page and the API ------------------------------------------------------------


@pytest.fixture
async def admin(make_settings: Callable[..., Settings]) -> AsyncIterator[Admin]:
    async for served in _serve(make_settings(ANALYTICS_INTERVAL_SECONDS="0")):
        await served.login(*ADMIN)
        yield served


async def test_the_admin_page_and_the_api_refuse_a_private_webhook_url(admin: Admin) -> None:
    page = await admin.follow(
        await admin.submit(
            "/admin/webhooks",
            {"url": "http://169.254.169.254/latest/meta-data/", "events": "*"},
            page="/admin/webhooks",
        )
    )
    assert "may not point at loopback, private or link-local addresses" in page.text
    token, _row = await admin.db(create_api_key, "erp")
    headers = {"Authorization": f"Bearer {token}"}
    created = await admin.client.post(
        "/api/v1/webhooks", json={"url": "http://[::1]:6379/", "events": ["*"]}, headers=headers
    )
    assert created.status_code == 422 and created.json()["error"]["field"] == "url"
    ok = await admin.client.post(
        "/api/v1/webhooks", json={"url": "https://erp.example.com/hooks", "events": ["*"]}, headers=headers
    )
    assert ok.status_code == 201
    moved = await admin.client.patch(
        f"/api/v1/webhooks/{ok.json()['id']}", json={"url": "http://10.1.2.3/"}, headers=headers
    )
    assert moved.status_code == 422
    assert [s.url for s in await admin.db(webhook_store.list_subscriptions)] == [
        "https://erp.example.com/hooks"
    ]
