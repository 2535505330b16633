"""Issue 15 item 4: quarantined mail can be listed, read, released and deleted (page and API).

Real Dovecot, real store (SQLite and PostgreSQL): two mails the channel cannot take
(no usable sender; a bounce for a message never sent) are quarantined; the count in
/healthz and the mailbox health comes from the table and survives a restart; an
admin releases one under a chosen sender through the page, the API deletes the
other, and deciding twice is a 409.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from channels.email.plugin import email_channel
from contact_center.app import create_app
from repository.core.models import Customer, Event
from repository.directory import create_agent, create_queue, list_queues
from repository.directory.api_keys import create_api_key
from repository.email.leases import health_by_mailbox
from repository.email.models import EmailQuarantine
from tests.email import real_world

pytestmark = pytest.mark.server
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
NO_SENDER = (
    b"From: undisclosed-recipients:;\r\n"
    b"To: support@example.test\r\n"
    b"Subject: Order 5521 never arrived\r\n"
    b"Message-ID: <no-sender-5521@customers.test>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    b"Where is my parcel? It was due on Monday.\r\n"
)


def rows(db: Any) -> list[EmailQuarantine]:
    with db.read() as session:
        return list(session.exec(select(EmailQuarantine).order_by(EmailQuarantine.id)).all())


@pytest.fixture
async def full_app(email_settings: Callable[..., Any], database_url: str) -> AsyncIterator[Callable[[], Any]]:
    @asynccontextmanager
    async def run() -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
        app = create_app(email_settings(DATABASE_URL=database_url))
        ctx = app.state.ctx
        if not list_queues(ctx.db):
            create_queue(ctx.db, "Email", is_default=True)
            create_agent(ctx.db, "root", "Root Admin", "root-admin-pass-1", role="admin")
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                yield app, client

    yield run


async def test_quarantine_is_listed_read_released_with_a_chosen_sender_and_deleted(
    full_app: Any, dovecot: Any, folder: str
) -> None:
    async with full_app() as (app, client):
        ctx = app.state.ctx
        channel = email_channel(ctx)
        dovecot.append(
            [NO_SENDER, real_world.delivery_report("never@elsewhere.test", "x@customers.test")], folder
        )
        waiter = _Waiter()
        await waiter.until(lambda: len(rows(ctx.db)) == 2, "two quarantined mails")
        no_sender, bounce = rows(ctx.db)
        assert no_sender.reason == "no usable sender address in From"
        assert bounce.reason == "bounce for unknown message"
        box_id = no_sender.mailbox_id
        assert health_by_mailbox(ctx.db)[box_id]["quarantined"] == 2
        assert (await channel.health_check())["mailboxes"][0]["quarantined"] == 2

    # A restart: the count is the table's, not a per-process counter.
    async with full_app() as (app, client):
        ctx = app.state.ctx
        channel = email_channel(ctx)
        await _Waiter().until(
            lambda: bool(channel.health) and next(iter(channel.health.values())).connected, "up"
        )
        assert (await channel.health_check())["mailboxes"][0]["quarantined"] == 2
        token, _ = create_api_key(ctx.db, "quarantine")
        api = {"Authorization": f"Bearer {token}"}

        listed = (await client.get("/api/v1/email/quarantine", headers=api)).json()
        assert [item["id"] for item in listed["data"]] == [bounce.id, no_sender.id]  # newest first
        detail = (await client.get(f"/api/v1/email/quarantine/{no_sender.id}", headers=api)).json()
        assert detail["headers"]["subject"] == "Order 5521 never arrived"
        assert detail["text"].startswith("Where is my parcel?")
        assert detail["reason"] == "no usable sender address in From"

        # The admin page: the list, one mail, and the release form (CSRF like every admin form).
        await _login(client, "root", "root-admin-pass-1")
        page = await client.get("/admin/quarantine")
        assert page.status_code == 200 and "no usable sender address in From" in page.text
        shown = await client.get(f"/admin/quarantine/{no_sender.id}")
        assert "Where is my parcel? It was due on Monday." in shown.text
        refused = await client.post(
            f"/admin/quarantine/{no_sender.id}/release", data={"sender": "anna@customers.test"}
        )
        assert refused.status_code == 403  # no CSRF token
        token_match = _CSRF.search(shown.text)
        assert token_match is not None
        bad = await client.post(
            f"/admin/quarantine/{no_sender.id}/release",
            data={"csrf_token": token_match.group(1), "sender": "not an address"},
        )
        assert bad.status_code == 303 and rows(ctx.db)[0].resolved is False
        done = await client.post(
            f"/admin/quarantine/{no_sender.id}/release",
            data={
                "csrf_token": token_match.group(1),
                "sender": "Anna@Customers.test",
                "sender_name": "Anna Berg",
            },
        )
        assert done.status_code == 303
        with ctx.db.read() as session:
            (stored,) = session.exec(select(Event).where(Event.channel == "email")).all()
            person = session.get(Customer, stored.customer_id)
        assert stored.body == "Where is my parcel? It was due on Monday."
        assert stored.payload["from_address"] == "anna@customers.test"
        assert person is not None and person.display_name == "Anna Berg"
        released = rows(ctx.db)[0]
        assert (released.resolution, released.event_id) == ("released", stored.id)

        again = await client.post(
            f"/api/v1/email/quarantine/{no_sender.id}/release",
            headers=api,
            json={"sender": "anna@customers.test"},
        )
        assert again.status_code == 409, again.text
        bad_api = await client.post(
            f"/api/v1/email/quarantine/{bounce.id}/release", headers=api, json={"sender": "nope"}
        )
        assert bad_api.status_code == 422, bad_api.text

        gone = await client.delete(f"/api/v1/email/quarantine/{bounce.id}", headers=api)
        assert gone.status_code in (200, 204), gone.text
        assert not Path(bounce.storage_path).exists()
        assert rows(ctx.db)[1].resolution == "deleted"
        assert (await client.get("/api/v1/email/quarantine", headers=api)).json()["data"] == []
        assert (await channel.health_check())["mailboxes"][0]["quarantined"] == 0
        assert (await client.delete(f"/api/v1/email/quarantine/{bounce.id}", headers=api)).status_code == 409
        assert (await client.get("/api/v1/email/quarantine/999999", headers=api)).status_code == 404


async def _login(client: httpx.AsyncClient, username: str, password: str) -> None:
    page = await client.get("/login")
    token = _CSRF.search(page.text)
    assert token is not None
    response = await client.post(
        "/login", data={"csrf_token": token.group(1), "username": username, "password": password}
    )
    assert response.status_code == 303, response.text


class _Waiter:
    async def until(self, predicate: Callable[[], Any], what: str, timeout: float = 30) -> None:
        import asyncio

        async def poll() -> None:
            while not await asyncio.to_thread(predicate):
                await asyncio.sleep(0.1)

        try:
            await asyncio.wait_for(poll(), timeout)
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what}") from None
