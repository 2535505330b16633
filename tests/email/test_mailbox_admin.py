"""Admin page and REST API for mailboxes, against a real Dovecot: health shown, passwords never.

A mailbox created through the admin form is polled (health comes back through the
lease table), its password is sealed in the database, and neither the pages, the API,
/healthz nor any log line (SQL parameters included) ever carries it.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from channels.email.plugin import email_channel
from contact_center.app import create_app
from contact_center.demo import seed_demo
from repository.directory.api_keys import create_api_key
from repository.email.leases import health_by_mailbox
from repository.email.mailboxes import list_mailboxes
from repository.email.secrets import PasswordSealer
from tests.email.dovecot import Dovecot

pytestmark = pytest.mark.server

USER = "helpdesk@example.test"
PASSWORD = "Tr0ub4dor&3-horse-staple"
WRONG = "wrong-Zebra-Quartz-91"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Site:
    def __init__(self, app: Any, client: httpx.AsyncClient) -> None:
        self.app = app
        self.ctx = app.state.ctx
        self.client = client
        self.channel = email_channel(self.ctx)

    async def login(self, username: str, password: str) -> None:
        page = await self.client.get("/login")
        token = _CSRF.search(page.text)
        assert token is not None
        response = await self.client.post(
            "/login", data={"csrf_token": token.group(1), "username": username, "password": password}
        )
        assert response.status_code == 303, response.text

    async def submit(self, path: str, data: dict[str, str], page: str = "/admin/mailboxes") -> httpx.Response:
        csrf = _CSRF.search((await self.client.get(page)).text)
        assert csrf is not None
        return await self.client.post(path, data={"csrf_token": csrf.group(1), **data})

    async def wait_for(self, predicate: Callable[[], Any], what: str, timeout: float = 30) -> Any:
        async def poll() -> Any:
            while not (value := await asyncio.to_thread(predicate)):
                await asyncio.sleep(0.1)
            return value

        try:
            return await asyncio.wait_for(poll(), timeout)
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what}") from None


@pytest.fixture
async def site(make_settings: Callable[..., Any], database_url: str) -> AsyncIterator[Site]:
    app = create_app(make_settings(DATABASE_URL=database_url))
    async with app.router.lifespan_context(app):
        await app.state.ctx.hub.db.run(seed_demo)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Site(app, client)


def form(dovecot: Dovecot, address: str, password: str, **extra: str) -> dict[str, str]:
    return {
        "address": address,
        "display_name": "Help Desk",
        "imap_host": "127.0.0.1",
        "imap_port": str(dovecot.port),
        "imap_security": "plain",
        "imap_user": address,
        "imap_password": password,
        "imap_folder": "INBOX",
        "smtp_host": "127.0.0.1",
        "smtp_port": "25",
        "smtp_security": "plain",
        "smtp_user": address,
        "smtp_password": password,
        "is_active": "on",
        **extra,
    }


def every_stored_value(db: Any) -> str:
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM email_mailboxes")).all()
        leases = conn.execute(text("SELECT * FROM email_poll_leases")).all()
    return " ".join(str(v) for row in [*rows, *leases] for v in row)


async def test_admin_creates_a_mailbox_that_is_polled_and_never_shows_its_password(
    site: Site, dovecot: Dovecot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    dovecot.add_user(USER, PASSWORD)
    await site.login("sam", "sam-demo-pass")
    page = await site.client.get("/admin/mailboxes")
    assert page.status_code == 200 and "Add a mailbox" in page.text

    created = await site.submit("/admin/mailboxes", form(dovecot, USER, PASSWORD))
    assert created.status_code == 303
    page = await site.client.get(created.headers["location"])
    assert f"Mailbox {USER} added" in page.text
    [box] = await site.ctx.hub.db.run(list_mailboxes)
    assert box.imap_password.startswith("fernet:") and PASSWORD not in every_stored_value(site.ctx.db)
    assert PasswordSealer(str(site.ctx.settings.secret_key)).open(box.smtp_password) == PASSWORD

    await site.channel.reconcile()  # the background pass would do this within 5 s
    health = await site.wait_for(
        lambda: (health_by_mailbox(site.ctx.db).get(box.id) or {}).get("connected"), "the poller to connect"
    )
    assert health
    listing = await site.client.get("/admin/mailboxes")
    detail = await site.client.get(f"/admin/mailboxes/{box.id}")
    for shown in (listing.text, detail.text):
        assert "connected" in shown and USER in shown
        assert PASSWORD not in shown
    assert "set; leave blank to keep it" in detail.text
    assert (
        'name="imap_password" type="password" maxlength="256" autocomplete="new-password" value=""'
        in detail.text
    )

    # Saving with blank password fields keeps the stored passwords.
    saved = await site.submit(
        f"/admin/mailboxes/{box.id}",
        form(dovecot, USER, "", display_name="Help Desk EU"),
        page=f"/admin/mailboxes/{box.id}",
    )
    assert saved.status_code == 303
    [after] = await site.ctx.hub.db.run(list_mailboxes)
    assert after.display_name == "Help Desk EU" and after.imap_password == box.imap_password

    # A mailbox with a wrong password: the refusal is logged and shown, the password is not.
    wrong = await site.submit("/admin/mailboxes", form(dovecot, "wrong@example.test", WRONG))
    assert wrong.status_code == 303
    await site.channel.reconcile()
    wrong_box = next(
        m for m in await site.ctx.hub.db.run(list_mailboxes) if m.address == "wrong@example.test"
    )
    failed = await site.wait_for(
        lambda: (health_by_mailbox(site.ctx.db).get(wrong_box.id) or {}).get("last_error"),
        "the login refusal",
    )
    assert "login refused" in failed
    assert any(
        "wrong@example.test" in r.getMessage() and r.levelno >= logging.WARNING for r in caplog.records
    )
    healthz = await site.client.get("/healthz")
    listing = await site.client.get("/admin/mailboxes")
    assert "login refused" in listing.text
    for shown in (healthz.text, listing.text, caplog.text, every_stored_value(site.ctx.db)):
        assert PASSWORD not in shown and WRONG not in shown


async def test_the_admin_forms_need_the_admin_role_csrf_and_sane_values(site: Site, dovecot: Dovecot) -> None:
    await site.login("alice", "alice-demo-pass")
    assert (await site.client.get("/admin/mailboxes")).status_code == 403
    site.client.cookies.clear()
    await site.login("sam", "sam-demo-pass")
    no_csrf = await site.client.post("/admin/mailboxes", data=form(dovecot, USER, PASSWORD))
    assert no_csrf.status_code == 403
    for bad in (
        {"imap_port": "http"},
        {"imap_port": "70000"},
        {"imap_security": "ssl"},
        {"address": "not-an-address"},
    ):
        response = await site.submit("/admin/mailboxes", {**form(dovecot, USER, PASSWORD), **bad})
        assert response.status_code == 303
        page = await site.client.get(response.headers["location"])
        assert 'class="flash flash-error"' in page.text, bad
    assert await site.ctx.hub.db.run(list_mailboxes) == []
    assert (await site.client.get("/admin/mailboxes/99999")).status_code == 404
    assert (await site.client.get("/admin/mailboxes/x1")).status_code == 404


async def test_the_api_creates_lists_and_updates_mailboxes_without_ever_returning_a_password(
    site: Site, dovecot: Dovecot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    dovecot.add_user(USER, PASSWORD)
    token, _ = await site.ctx.hub.db.run(create_api_key, "mailboxes")
    auth = {"Authorization": f"Bearer {token}"}
    body = {
        "address": USER,
        "imap_host": "127.0.0.1",
        "imap_port": dovecot.port,
        "imap_security": "plain",
        "imap_user": USER,
        "imap_password": PASSWORD,
        "smtp_host": "127.0.0.1",
        "smtp_port": 25,
        "smtp_security": "plain",
    }
    created = await site.client.post("/api/v1/mailboxes", json=body, headers=auth)
    assert created.status_code == 201, created.text
    mailbox = created.json()
    assert mailbox["imap_password_set"] is True and mailbox["smtp_password_set"] is False
    assert "imap_password" not in mailbox and PASSWORD not in created.text
    again = await site.client.post("/api/v1/mailboxes", json=body, headers=auth)
    assert again.status_code == 409

    await site.channel.reconcile()
    url = f"/api/v1/mailboxes/{mailbox['id']}"

    def connected() -> bool:
        return bool((health_by_mailbox(site.ctx.db).get(mailbox["id"]) or {}).get("connected"))

    await site.wait_for(connected, "the poller to connect")
    got = await site.client.get(url, headers=auth)
    assert got.json()["health"]["connected"] is True and got.json()["health"]["polled_by"]
    patched = await site.client.patch(
        url, json={"smtp_password": PASSWORD + "!", "imap_password": "", "display_name": "Desk"}, headers=auth
    )
    assert patched.status_code == 200 and patched.json()["smtp_password_set"] is True
    listing = await site.client.get("/api/v1/mailboxes", headers=auth)
    assert [m["display_name"] for m in listing.json()["data"]] == ["Desk"]
    for response in (got, patched, listing):
        assert PASSWORD not in response.text
    for bad in ({"imap_security": "ssl"}, {"imap_port": 0}, {"imap_password": "x" * 300}, {"password": "x"}):
        response = await site.client.patch(url, json=bad, headers=auth)
        assert response.status_code == 422, (bad, response.text)
    assert (await site.client.get("/api/v1/mailboxes/424242", headers=auth)).status_code == 404
    assert PASSWORD not in caplog.text and PASSWORD not in every_stored_value(site.ctx.db)
