"""The admin pages: sign-in, roles, CSRF, and every form, checked through HTTP and the API."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from config import Settings
from contact_center.app import create_app
from contact_center.demo import seed_demo
from repository.directory import authenticate, create_agent, list_canned_replies, list_wrapup_codes
from repository.directory.api_keys import create_api_key
from repository.directory.configuration import list_api_keys

ADMIN = ("sam", "sam-demo-pass")
AGENT = ("alice", "alice-demo-pass")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Admin:
    app: Starlette
    client: httpx.AsyncClient

    async def db(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await self.app.state.ctx.hub.db.run(fn, *args, **kwargs)

    async def login(self, username: str, password: str) -> None:
        page = await self.client.get("/login")
        token = _CSRF.search(page.text)
        assert token is not None
        response = await self.client.post(
            "/login",
            data={"csrf_token": token.group(1), "username": username, "password": password, "next": "/admin"},
        )
        assert response.status_code == 303, response.text

    async def csrf(self, path: str = "/admin") -> str:
        page = await self.client.get(path)
        assert page.status_code == 200, page.text
        match = _CSRF.search(page.text)
        assert match is not None
        return match.group(1)

    async def submit(self, path: str, data: dict[str, str], *, page: str = "/admin") -> httpx.Response:
        """Post a form as the browser would, with the page's CSRF token."""
        return await self.client.post(path, data={"csrf_token": await self.csrf(page), **data})

    async def follow(self, response: httpx.Response) -> httpx.Response:
        assert response.status_code == 303, response.text
        return await self.client.get(response.headers["location"])

    async def api(self, path: str) -> Any:
        token, _ = await self.db(create_api_key, "check")
        response = await self.client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        return response.json()


async def _serve(settings: Settings) -> AsyncIterator[Admin]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await app.state.ctx.hub.db.run(seed_demo)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Admin(app, client)


@pytest.fixture
async def site(make_settings: Callable[..., Settings]) -> AsyncIterator[Admin]:
    """The app on SQLite with the demo data, not signed in."""
    async for served in _serve(make_settings()):
        yield served


@pytest.fixture
async def admin(site: Admin) -> Admin:
    await site.login(*ADMIN)
    return site


async def test_signed_out_visitors_are_sent_to_the_login_page(site: Admin) -> None:
    for path in ("/admin", "/admin/agents", "/admin/api-keys"):
        response = await site.client.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={path}"
    response = await site.client.post("/admin/agents", data={"username": "x"})
    assert response.status_code in (303, 403)


@pytest.mark.parametrize("role", ["agent", "supervisor"])
async def test_agents_and_supervisors_get_403(site: Admin, role: str) -> None:
    await site.db(create_agent, f"the-{role}", "Someone", "long enough", role=role)
    await site.login(f"the-{role}", "long enough")
    for path in ("/admin", "/admin/agents", "/admin/queues", "/admin/wrapup-codes", "/admin/api-keys"):
        assert (await site.client.get(path)).status_code == 403, path
    desk = await site.client.get("/agent")
    token = _CSRF.search(desk.text)
    form = {"csrf_token": token.group(1) if token else "", "username": "sneaky", "password": "long enough"}
    assert (await site.client.post("/admin/agents", data=form)).status_code == 403
    assert "sneaky" not in {a["username"] for a in (await site.api("/api/v1/agents"))["data"]}


async def test_every_admin_page_renders(admin: Admin) -> None:
    expectations = {
        "/admin": "canned replies",
        "/admin/agents": "alice",
        "/admin/agents/1": "Reset password",
        "/admin/queues": "Billing",
        "/admin/queues/1": "longest idle",
        "/admin/wrapup-codes": "follow-up",
        "/admin/canned-replies": "/refund",
        "/admin/api-keys": "New API key",
    }
    for path, text in expectations.items():
        response = await admin.client.get(path)
        assert response.status_code == 200, path
        assert text in response.text, path
        assert response.headers["content-type"].startswith("text/html")
        assert 'href="/static/admin.css"' in response.text
    assert (await admin.client.get("/admin/agents/9999")).status_code == 404
    assert (await admin.client.get("/admin/queues/99999999999999")).status_code == 404
    assert (await admin.client.get("/static/admin.css")).status_code == 200


@pytest.mark.parametrize("token", [None, "", "forged-token"])
async def test_posts_without_the_right_csrf_token_are_403(admin: Admin, token: str | None) -> None:
    form = {"username": "mallory", "password": "long enough", "role": "admin"}
    if token is not None:
        form["csrf_token"] = token
    targets = [
        ("/admin/agents", form),
        ("/admin/agents/1/password", {"password": "hijacked!!"}),
        ("/admin/queues", {"name": "Evil", "strategy": "longest_idle"}),
        ("/admin/wrapup-codes", {"code": "evil", "label": "Evil"}),
        ("/admin/wrapup-codes/1/active", {}),
        ("/admin/canned-replies/1/delete", {}),
        ("/admin/api-keys", {"name": "evil"}),
    ]
    for path, data in targets:
        assert (await admin.client.post(path, data=data)).status_code == 403, path
    agents = {a["username"] for a in (await admin.api("/api/v1/agents"))["data"]}
    assert "mallory" not in agents
    assert await admin.db(authenticate, *AGENT) is not None
    assert len(await admin.db(list_canned_replies)) == 3
    assert all(c.code != "evil" for c in await admin.db(list_wrapup_codes, active_only=False))


async def test_an_agent_created_with_the_form_shows_up_in_the_api(
    make_settings: Callable[..., Settings], database_url: str
) -> None:
    async for site in _serve(make_settings(DATABASE_URL=database_url)):
        await site.login(*ADMIN)
        response = await site.submit(
            "/admin/agents",
            {
                "username": "Nina",
                "display_name": "Nina Park",
                "password": "nina-secret-1",
                "role": "supervisor",
                "skills": "billing, VIP",
                "capacity_chat": "4",
                "capacity_email": "",
                "capacity_voice": "0",
            },
        )
        page = await site.follow(response)
        assert "Agent nina created." in page.text
        agents = {a["username"]: a for a in (await site.api("/api/v1/agents"))["data"]}
        assert agents["nina"]["display_name"] == "Nina Park"
        assert agents["nina"]["role"] == "supervisor"
        assert agents["nina"]["skills"] == ["billing", "vip"]
        assert agents["nina"]["capacity"] == {"chat": 4, "voice": 0}
        assert await site.db(authenticate, "nina", "nina-secret-1") is not None
        again = await site.follow(
            await site.submit("/admin/agents", {"username": "nina", "password": "x" * 10, "role": "agent"})
        )
        assert "already exists" in again.text


async def test_edit_an_agent_and_reset_their_password(admin: Admin) -> None:
    alice = next(a for a in (await admin.api("/api/v1/agents"))["data"] if a["username"] == "alice")
    path = f"/admin/agents/{alice['id']}"
    form = {
        "display_name": "Alice M.",
        "role": "supervisor",
        "skills": "general, technical",
        "capacity_sms": "2",
    }
    page = await admin.follow(await admin.submit(path, form, page=path))
    assert "Agent alice saved." in page.text
    edited = await admin.api(f"/api/v1/agents/{alice['id']}")
    assert edited["role"] == "supervisor"
    assert edited["skills"] == ["general", "technical"]
    assert edited["capacity"] == {"sms": 2}
    assert edited["is_active"] is False, "an unticked checkbox deactivates"

    await admin.submit(path, {**form, "is_active": "1"}, page=path)
    assert (await admin.api(f"/api/v1/agents/{alice['id']}"))["is_active"] is True
    page = await admin.follow(
        await admin.submit(f"{path}/password", {"password": "brand-new-pass"}, page=path)
    )
    assert "Password of alice reset" in page.text
    assert await admin.db(authenticate, "alice", "brand-new-pass") is not None
    assert await admin.db(authenticate, *AGENT) is None

    short = await admin.follow(await admin.submit(f"{path}/password", {"password": "short"}, page=path))
    assert "at least 8 characters" in short.text


async def test_an_admin_cannot_lock_themselves_out(admin: Admin) -> None:
    sam = next(a for a in (await admin.api("/api/v1/agents"))["data"] if a["username"] == "sam")
    path = f"/admin/agents/{sam['id']}"
    page = await admin.follow(
        await admin.submit(path, {"display_name": "Sam", "role": "agent", "is_active": "1"}, page=path)
    )
    assert "cannot demote or deactivate yourself" in page.text
    assert (await admin.api(path.replace("/admin", "/api/v1")))["role"] == "admin"
    # Resetting one's own password keeps the current session signed in.
    await admin.submit(f"{path}/password", {"password": "sam-new-pass"}, page=path)
    assert (await admin.client.get("/admin")).status_code == 200


async def test_bad_form_input_is_a_flash_message_not_an_error_page(admin: Admin) -> None:
    cases = [
        (
            "/admin/agents",
            {"username": "zed", "password": "long enough", "role": "agent", "capacity_chat": "lots"},
        ),
        ("/admin/agents", {"username": "zed", "password": "long enough", "role": "emperor"}),
        ("/admin/agents", {"username": "", "password": "long enough", "role": "agent"}),
        ("/admin/queues", {"name": "Q", "priority": "999", "strategy": "longest_idle"}),
        ("/admin/queues", {"name": "Q", "priority": "1", "strategy": "coin_flip"}),
        ("/admin/queues", {"name": "x" * 81, "strategy": "longest_idle"}),
        ("/admin/wrapup-codes", {"code": "has spaces", "label": "x"}),
        ("/admin/canned-replies", {"shortcut": "ok", "title": "t", "body": ""}),
        ("/admin/canned-replies", {"shortcut": "nul\x00", "title": "t", "body": "b"}),
        ("/admin/api-keys", {"name": ""}),
    ]
    for path, data in cases:
        response = await admin.submit(path, data)
        assert response.status_code == 303, (path, data)
        page = await admin.client.get(response.headers["location"])
        assert 'class="flash flash-error"' in page.text, (path, data)
    agents = {a["username"] for a in (await admin.api("/api/v1/agents"))["data"]}
    assert "zed" not in agents
    assert [q["name"] for q in (await admin.api("/api/v1/queues"))["data"]] == ["General", "Billing"]


async def test_queue_create_and_edit_with_a_single_default(admin: Admin) -> None:
    form = {"name": "VIP", "description": "Big spenders", "required_skills": "vip", "priority": "20",
            "strategy": "least_busy", "is_default": "1"}  # fmt: skip
    page = await admin.follow(await admin.submit("/admin/queues", form))
    assert "Queue VIP created." in page.text
    queues = {q["name"]: q for q in (await admin.api("/api/v1/queues"))["data"]}
    assert queues["VIP"]["is_default"] and not queues["General"]["is_default"]
    assert queues["VIP"]["required_skills"] == ["vip"] and queues["VIP"]["priority"] == 20

    general = f"/admin/queues/{queues['General']['id']}"
    edit = {"name": "General", "required_skills": "general, chat", "priority": "3", "strategy": "round_robin",
            "is_default": "1"}  # fmt: skip
    page = await admin.follow(await admin.submit(general, edit, page=general))
    assert "Queue General saved." in page.text
    queues = {q["name"]: q for q in (await admin.api("/api/v1/queues"))["data"]}
    assert queues["General"]["is_default"] and not queues["VIP"]["is_default"]
    assert queues["General"]["strategy"] == "round_robin"
    clash = await admin.follow(await admin.submit(general, {**edit, "name": "VIP"}, page=general))
    assert 'class="flash flash-error"' in clash.text


async def test_wrapup_codes_are_created_deactivated_and_reactivated(admin: Admin) -> None:
    await admin.submit("/admin/wrapup-codes", {"code": "callback", "label": "Call back later"})
    codes = {c.code: c for c in await admin.db(list_wrapup_codes, active_only=False)}
    assert codes["callback"].is_active
    page = await admin.follow(await admin.submit(f"/admin/wrapup-codes/{codes['callback'].id}/active", {}))
    assert "Wrap-up code callback deactivated." in page.text
    active = [c["code"] for c in (await admin.api("/api/v1/wrapup-codes"))["data"]]
    assert "callback" not in active
    await admin.submit(f"/admin/wrapup-codes/{codes['callback'].id}/active", {"active": "1"})
    assert "callback" in [c["code"] for c in (await admin.api("/api/v1/wrapup-codes"))["data"]]


async def test_canned_replies_are_created_and_deleted(admin: Admin) -> None:
    page = await admin.follow(
        await admin.submit(
            "/admin/canned-replies", {"shortcut": "/wait", "title": "Hold on", "body": "One moment."}
        )
    )
    assert "Canned reply /wait created." in page.text
    reply = next(r for r in (await admin.api("/api/v1/canned-replies"))["data"] if r["shortcut"] == "wait")
    page = await admin.follow(await admin.submit(f"/admin/canned-replies/{reply['id']}/delete", {}))
    assert "Canned reply deleted." in page.text
    assert "wait" not in [r["shortcut"] for r in (await admin.api("/api/v1/canned-replies"))["data"]]


async def test_an_api_key_is_shown_once_works_and_can_be_revoked(admin: Admin) -> None:
    response = await admin.submit("/admin/api-keys", {"name": "ERP sync"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    match = re.search(r'<code id="new-api-key">(cck_[^<]+)</code>', response.text)
    assert match is not None
    key = match.group(1)
    listing = await admin.client.get("/admin/api-keys")
    assert key not in listing.text and "ERP sync" in listing.text
    headers = {"Authorization": f"Bearer {key}"}
    assert (await admin.client.get("/api/v1/customers", headers=headers)).status_code == 200

    keys = await admin.db(list_api_keys)
    erp = next(k for k in keys if k.name == "ERP sync")
    page = await admin.follow(await admin.submit(f"/admin/api-keys/{erp.id}/revoke", {}))
    assert "API key revoked." in page.text
    assert (await admin.client.get("/api/v1/customers", headers=headers)).status_code == 401


async def test_user_data_is_escaped_on_every_page(admin: Admin) -> None:
    evil = '<script>alert("x")</script>'
    await admin.submit("/admin/canned-replies", {"shortcut": "xss", "title": evil, "body": evil})
    await admin.submit(
        "/admin/agents", {"username": "xss", "display_name": evil, "password": "long enough", "role": "agent"}
    )
    await admin.submit("/admin/queues", {"name": evil, "description": evil, "strategy": "longest_idle"})
    await admin.submit("/admin/api-keys", {"name": evil})
    await admin.submit("/admin/wrapup-codes", {"code": "xss", "label": evil})
    for path in (
        "/admin/canned-replies",
        "/admin/agents",
        "/admin/queues",
        "/admin/api-keys",
        "/admin/wrapup-codes",
    ):
        page = await admin.client.get(path)
        assert evil not in page.text, path
        assert "&lt;script&gt;" in page.text, path
