"""Every route of the real app, walked from ``create_app``, and who may reach it.

Each route is classified by the guard it must have (``GUARDS``) or named in the short
allow-list of public routes (``PUBLIC``). A route nobody classified fails the first
test, and an anonymous request to any route outside the allow-list must be refused
(401/403, or a redirect to /login; a websocket error frame and close code): so a new
route that forgets its guard fails here, whoever adds it. The probes go to a real
server process started from this checkout, websockets included. docs/operations.md,
"Security notes", says who may see what.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from starlette.routing import Mount, Route, WebSocketRoute

from config import load_settings
from contact_center.app import create_app
from contact_center.demo import seed_demo
from repository import Database, upgrade
from repository.directory import create_agent, update_agent
from tests.live import ServerProcess, login

pytestmark = [pytest.mark.server]

# The only routes anyone may reach without a session, key, token or signature.
PUBLIC = {
    ("GET", "/"): "redirects to /agent, which asks for a sign-in",
    ("GET", "/login"): "the sign-in form",
    ("GET", "/healthz"): "load balancers; part details need an API key",
    ("GET", "/metrics"): "Prometheus; keep it private at the proxy (docs/operations.md)",
    ("GET", "/widget.js"): "the chat widget script, embedded by customer sites",
    ("GET", "/demo"): "the demo page hosting the widget",
    ("GET", "/static"): "CSS and JS of the agent UI",
    ("GET", "/api/v1/openapi.json"): "the API description",
    ("OPTIONS", "/channels/webchat/attachments"): "CORS preflight of the visitor upload",
    ("GET", "/channels/webchat/hours"): "the widget shows visitors the chat queue's business hours",
    ("POST", "/channels/webchat/messages"): "a visitor leaves a message outside hours; origin-checked and"
    " rate-limited like new chats",
    ("OPTIONS", "/channels/webchat/messages"): "CORS preflight of the left message",
    ("WS", "/channels/webchat/ws"): "visitors; the Origin is checked against WIDGET_ALLOWED_ORIGINS",
}
# How every other route is guarded; the first matching prefix wins.
GUARDS = (
    ("/admin", "admin"),
    ("/supervisor", "supervisor"),
    ("/reports", "supervisor"),
    ("/agent", "agent"),
    ("/channels/email/attachments/", "agent"),
    ("/logout", "csrf"),
    ("/login", "csrf"),
    ("/preferences", "csrf"),
    ("/api/v1/", "api_key"),
    ("/channels/twilio/", "twilio_signature"),
    ("/channels/cti/events", "cti_signature"),
    ("/channels/webchat/attachments", "visitor_token"),
)
ROLE_RANK = {"agent": 0, "supervisor": 1, "admin": 2}
EVIL = "http://evil.example"
# The first frames a websocket sends to someone it let in.
LET_IN = ("welcome", "resumed", "snapshot")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str

    @property
    def url(self) -> str:
        return re.sub(r"\{[^}]+\}", "1", self.path)

    @property
    def guard(self) -> str | None:
        if (self.method, self.path) in PUBLIC:
            return "public"
        return next((guard for prefix, guard in GUARDS if self.path.startswith(prefix)), None)


def _walk(routes: list[Any], prefix: str = "") -> Iterator[Endpoint]:
    for route in routes:
        if isinstance(route, Mount):
            yield Endpoint("GET", prefix + route.path)
        elif isinstance(route, WebSocketRoute):
            yield Endpoint("WS", prefix + route.path)
        elif isinstance(route, Route):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                yield Endpoint(method, prefix + route.path)


@dataclass
class Site:
    server: ServerProcess
    endpoints: list[Endpoint]
    db: Database

    def needing(self, *guards: str) -> list[Endpoint]:
        return [e for e in self.endpoints if e.guard in guards]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    data = Path(tmp_path_factory.mktemp("guards")) / "data"
    env = {
        # Configured, so an unsigned webhook is refused for its signature, not for a missing setting.
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "twilio-token-for-guards",
        "CTI_SHARED_SECRET": "cti-secret-for-guards",
    }
    server = ServerProcess(data, **env)
    settings = load_settings(environ={**server.env}, env_file=None)
    endpoints = sorted(
        set(_walk(create_app(settings, migrate=False).routes)), key=lambda e: (e.path, e.method)
    )
    upgrade(server.database_url)
    db = Database(server.database_url)
    seed_demo(db)
    create_agent(db, "sue", "Sue Visor", "sue-supervisor-pass", role="supervisor")
    server.start()
    yield Site(server, endpoints, db)
    server.stop()
    db.dispose()
    assert not server.errors_in_log(), server.log_path.read_text()[-4000:]


@pytest.fixture
async def http(site: Site) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=site.server.base, follow_redirects=False, timeout=10) as client:
        yield client


def refused(response: httpx.Response) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code in (302, 303, 307) and response.headers.get("location", "").startswith(
        "/login"
    )


async def ws_probe(
    site: Site, path: str, *, cookie: str | None = None, origin: str | None = None
) -> tuple[int | None, list[dict[str, Any]]]:
    """Open a websocket and say hello: (close code, frames) once it is closed on us or lets us in."""
    headers = {}
    if cookie:
        headers["Cookie"] = f"cc_session={cookie}"
    if origin:
        headers["Origin"] = origin
    frames: list[dict[str, Any]] = []
    async with websockets.connect(site.server.ws_base + path, additional_headers=headers) as ws:
        with contextlib.suppress(websockets.ConnectionClosed):
            # The server may refuse before the hello (session, origin); its error frame is still read below.
            await ws.send(json.dumps({"type": "hello"}))
        try:
            while not any(f.get("type") in LET_IN for f in frames):
                frames.append(json.loads(await asyncio.wait_for(ws.recv(), 5)))
        except websockets.ConnectionClosed:
            pass
        return ws.close_code, frames


def ws_refused(code: int | None, frames: list[dict[str, Any]]) -> bool:
    errors = [f for f in frames if f.get("type") == "error"]
    return code in (4401, 4403) and bool(errors) and not any(f.get("type") in LET_IN for f in frames)


def test_every_route_is_public_on_purpose_or_has_a_guard(site: Site) -> None:
    unclassified = [f"{e.method} {e.path}" for e in site.endpoints if e.guard is None]
    assert not unclassified, f"classify these routes in GUARDS or PUBLIC (with a reason): {unclassified}"
    stale = [f"{m} {p}" for m, p in PUBLIC if Endpoint(m, p) not in site.endpoints]
    assert not stale, f"the allow-list names routes the app no longer has: {stale}"
    assert len(site.endpoints) > 100  # the walk saw every plugin's routes, not just the core


async def test_anonymous_requests_are_refused_everywhere_but_the_public_routes(
    site: Site, http: httpx.AsyncClient
) -> None:
    open_doors = []
    for endpoint in site.endpoints:
        if endpoint.guard == "public":
            continue
        if endpoint.method == "WS":
            code, frames = await ws_probe(site, endpoint.url)
            if not ws_refused(code, frames):
                open_doors.append(f"WS {endpoint.path} -> close {code}, {frames[:2]}")
            continue
        response = await http.request(endpoint.method, endpoint.url)
        if not refused(response):
            open_doors.append(
                f"{endpoint.method} {endpoint.path} -> {response.status_code} {response.text[:80]!r}"
            )
    assert not open_doors, "reachable without signing in:\n" + "\n".join(open_doors)


async def test_the_public_routes_answer_without_a_session(site: Site, http: httpx.AsyncClient) -> None:
    for method, path in PUBLIC:
        if method == "WS" or path == "/static":
            continue
        response = await http.request(method, path)
        if (method, path) == ("POST", "/channels/webchat/messages"):
            # An empty left message is refused for its content (422 naming the field), never 401/403.
            assert response.status_code == 422, response.text
            continue
        assert response.status_code < 400, (method, path, response.status_code)


async def _signed_in_as(site: Site, username: str, password: str) -> str:
    return await login(site.server.base, username, password)


@pytest.mark.parametrize(
    ("username", "password", "role"),
    [("alice", "alice-demo-pass", "agent"), ("sue", "sue-supervisor-pass", "supervisor")],
)
async def test_signed_in_users_reach_only_what_their_role_allows(
    site: Site, username: str, password: str, role: str
) -> None:
    cookie = await _signed_in_as(site, username, password)
    wrong = []
    async with httpx.AsyncClient(
        base_url=site.server.base, cookies={"cc_session": cookie}, follow_redirects=False, timeout=10
    ) as client:
        for endpoint in site.needing("agent", "supervisor", "admin"):
            allowed = ROLE_RANK[role] >= ROLE_RANK[endpoint.guard or "admin"]
            if endpoint.method == "WS":
                code, frames = await ws_probe(site, endpoint.url, cookie=cookie)
                if allowed == ws_refused(code, frames):
                    wrong.append(f"WS {endpoint.path}: close {code} {frames[:1]}")
                continue
            if endpoint.method != "GET":
                continue  # posts are checked below, with their CSRF token
            response = await client.get(endpoint.url)
            if allowed == (response.status_code in (401, 403) or refused(response)):
                wrong.append(f"GET {endpoint.path}: {response.status_code}")
    assert not wrong, f"{role} {username}: " + "; ".join(wrong)


async def test_a_role_is_enforced_on_posts_even_with_a_valid_csrf_token(site: Site) -> None:
    async with httpx.AsyncClient(base_url=site.server.base, follow_redirects=False, timeout=10) as client:
        page = await client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        signed_in = await client.post(
            "/login",
            data={"csrf_token": token.group(1), "username": "sue", "password": "sue-supervisor-pass"},
        )
        assert signed_in.status_code == 303
        desk = await client.get("/agent")
        token = re.search(r'name="csrf_token" value="([^"]+)"', desk.text)
        assert token is not None
        let_through = []
        for endpoint in site.needing("admin"):
            if endpoint.method != "POST":
                continue
            response = await client.post(endpoint.url, data={"csrf_token": token.group(1)})
            if response.status_code != 403:
                let_through.append(f"POST {endpoint.path}: {response.status_code}")
        assert not let_through, "a supervisor could post to admin forms: " + "; ".join(let_through)


async def test_every_form_post_needs_the_sessions_csrf_token(site: Site) -> None:
    cookie = await _signed_in_as(site, "sam", "sam-demo-pass")
    accepted = []
    async with httpx.AsyncClient(
        base_url=site.server.base, cookies={"cc_session": cookie}, follow_redirects=False, timeout=10
    ) as client:
        for endpoint in site.needing("agent", "supervisor", "admin", "csrf"):
            if endpoint.method != "POST":
                continue
            for form in ({}, {"csrf_token": "forged-token"}):
                response = await client.post(endpoint.url, data=form)
                if response.status_code != 403:
                    accepted.append(f"POST {endpoint.path} {form}: {response.status_code}")
        # The admin is still signed in: the refusals were about the token, not the session.
        assert (await client.get("/admin")).status_code == 200
    assert not accepted, "form posts without the CSRF token went through: " + "; ".join(accepted)


async def test_websockets_refuse_another_sites_origin_even_with_a_session(site: Site) -> None:
    cookie = await _signed_in_as(site, "sam", "sam-demo-pass")
    for path in ("/agent/ws", "/supervisor/ws"):
        code, frames = await ws_probe(site, path, cookie=cookie, origin=EVIL)
        assert code == 4403 and frames[0]["code"] == "origin_not_allowed", (path, code, frames)
        # The same cookie from our own page gets in, so the origin is what was refused.
        code, frames = await ws_probe(site, path, cookie=cookie, origin=site.server.base)
        assert any(f["type"] in ("welcome", "snapshot") for f in frames), (path, code, frames)
    code, frames = await ws_probe(site, "/channels/webchat/ws", origin=EVIL)
    assert frames and frames[0]["type"] == "error" and frames[0]["code"] == "origin_not_allowed"


async def test_a_supervisor_demoted_while_watching_is_cut_off_at_the_next_frame(site: Site) -> None:
    create_agent(site.db, "vic", "Vic Visor", "vic-supervisor-pass", role="supervisor")
    cookie = await _signed_in_as(site, "vic", "vic-supervisor-pass")
    headers = {"Cookie": f"cc_session={cookie}"}
    async with websockets.connect(site.server.ws_base + "/supervisor/ws", additional_headers=headers) as ws:
        await ws.send(json.dumps({"type": "hello"}))
        while json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] != "snapshot":
            pass
        vic = next(a for a in _agents(site.db) if a.username == "vic")
        update_agent(site.db, vic.id, role="agent")
        await ws.send(json.dumps({"type": "audit", "ref": "r1"}))
        frames = []
        with pytest.raises(websockets.ConnectionClosed):
            while True:
                frames.append(json.loads(await asyncio.wait_for(ws.recv(), 5)))
        assert ws.close_code == 4403
        assert [f for f in frames if f["type"] == "error"][-1]["code"] == "forbidden"
        assert not [f for f in frames if f["type"] == "audit"]


def _agents(db: Database) -> list[Any]:
    from repository.directory import list_agents

    return list_agents(db)


# API key scopes (docs/operations.md, "API keys"): written out here, apart from the code's
# rule in contact_center/api/scopes.py, so a route that gets the wrong scope fails.
ADMIN_API = (
    "/api/v1/agents",
    "/api/v1/queues",
    "/api/v1/wrapup-codes",
    "/api/v1/canned-replies",
    "/api/v1/custom-fields",
    "/api/v1/labels",
    "/api/v1/phone-numbers",
    "/api/v1/mailboxes",
    "/api/v1/email/",
    "/api/v1/webhook",
    "/api/v1/gdpr/",
    "/api/v1/audit-log",
)
ADMIN_READS = ("/api/v1/gdpr/", "/api/v1/audit-log")


def expected_scope(endpoint: Endpoint) -> str:
    if endpoint.path.startswith(ADMIN_READS):
        return "admin"  # exports of personal data and of who did what
    if endpoint.method == "GET":
        return "read"
    if endpoint.path.endswith("/merge") or endpoint.path.startswith("/api/v1/customer-merges/"):
        return "admin"  # merging customers and undoing it: supervisors' work on the desk
    return "admin" if endpoint.path.startswith(ADMIN_API) else "write"


async def test_every_api_route_needs_its_scope(site: Site) -> None:
    """A key without the route's scope gets 403 insufficient_scope; a key with it is let through."""
    from repository.directory.api_keys import create_api_key

    keys = {
        scopes: create_api_key(site.db, "scope probe " + "+".join(scopes), scopes)[0]
        for scopes in (("read",), ("write",), ("admin",), ("read", "write"))
    }
    wrong = []
    api = [e for e in site.needing("api_key") if e.method != "DELETE"]  # deleting demo rows helps nobody
    async with httpx.AsyncClient(base_url=site.server.base, timeout=10) as client:
        for endpoint in api:
            need = expected_scope(endpoint)
            for scopes, key in keys.items():
                body = {"json": {}} if endpoint.method in ("POST", "PATCH") else {}
                response = await client.request(
                    endpoint.method, endpoint.url, headers={"Authorization": f"Bearer {key}"}, **body
                )
                denied = (
                    response.status_code == 403 and response.json()["error"]["code"] == "insufficient_scope"
                )
                if (need in scopes) == denied or response.status_code == 401:
                    wrong.append(f"{endpoint.method} {endpoint.path} with {scopes}: {response.status_code}")
                if denied and response.json()["error"]["scope"] != need:
                    wrong.append(
                        f"{endpoint.method} {endpoint.path} names {response.json()['error']['scope']}"
                    )
    assert not wrong, "scope not enforced as documented:\n" + "\n".join(wrong)
    assert len(api) > 40


async def test_a_read_write_key_cannot_create_an_admin_who_could_sign_in(site: Site) -> None:
    from repository.directory.api_keys import create_api_key

    integration, _row = create_api_key(site.db, "ERP sync", ("read", "write"))
    admin, _row = create_api_key(site.db, "provisioning", ("read", "write", "admin"))
    new_admin = {
        "username": "mallory",
        "display_name": "Mallory",
        "password": "mallory-pass-1",
        "role": "admin",
    }
    async with httpx.AsyncClient(base_url=site.server.base, timeout=10) as client:
        refused_key = await client.post(
            "/api/v1/agents", json=new_admin, headers={"Authorization": f"Bearer {integration}"}
        )
        assert refused_key.status_code == 403
        assert refused_key.json()["error"] == {
            "code": "insufficient_scope",
            "message": refused_key.json()["error"]["message"],
            "scope": "admin",
        }
        created = await client.post(
            "/api/v1/agents", json=new_admin, headers={"Authorization": f"Bearer {admin}"}
        )
        assert created.status_code == 201, created.text
