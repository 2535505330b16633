"""Hostile input against a real server: every case gets a reason, nobody else is harmed.

Each test ends by checking that an innocent visitor and agent, connected the whole
time, still chat normally, and that the server log holds no traceback.

One server serves the whole module (starting one per test was most of its run time):
each test opens its own visitors and desks, and the traceback check reads only the log
lines written during that test.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import websockets
from itsdangerous import TimestampSigner

from repository import Database, upgrade
from repository.directory import create_agent, create_queue
from tests.live import Client, ServerProcess, agent, client_id, login, visitor

pytestmark = pytest.mark.server
ALLOWED = "http://shop.example.test"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    data = tmp_path_factory.mktemp("hostile") / "data"
    proc = ServerProcess(data, WIDGET_ALLOWED_ORIGINS=ALLOWED, MAX_FRAME_BYTES="4096")
    upgrade(proc.database_url)
    db = Database(proc.database_url)
    create_queue(db, "General", is_default=True)
    # Room for every chat the module's earlier tests left open: they are Ada's too.
    create_agent(db, "ada", "Ada", "integration-pass", capacity={"chat": 50})
    db.dispose()
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture(autouse=True)
def no_traceback_in_this_test(server: ServerProcess) -> Iterator[None]:
    start = server.log_path.stat().st_size if server.log_path.exists() else 0
    yield
    written = server.log_path.read_bytes()[start:].decode("utf-8", "replace")
    bad = [line for line in written.splitlines() if "Traceback" in line or " 500 " in line]
    assert not bad, written[-4000:]


async def bystanders_still_chat(server: ServerProcess, peer: Client, desk: Client) -> None:
    """The innocent visitor's next message still reaches the agent, and the reply comes back."""
    body = "still here " + client_id()
    await peer.send({"type": "message", "client_id": client_id(), "body": body})
    event = await desk.wait_for(
        lambda f: (
            (f["type"] == "event" and f["event"]["body"] == body)
            or (f["type"] == "offer" and any(e["body"] == body for e in f["events"]))
        )
    )
    iid = event["interaction_id"] if event["type"] == "event" else event["interaction"]["id"]
    if event["type"] == "offer":
        await desk.send({"type": "accept", "interaction_id": iid})
        await desk.wait_for(lambda f: f["type"] == "interaction" and f["interaction"]["status"] == "active")
    await desk.send({"type": "reply", "interaction_id": iid, "body": "yes", "client_id": client_id()})
    await peer.wait_for(lambda f: f["type"] == "message" and f["event"]["body"] == "yes")


@pytest.fixture
async def bystanders(server: ServerProcess) -> AsyncIterator[tuple[Client, Client]]:
    desk = await agent(server, await login(server.base, "ada", "integration-pass"))
    peer = await visitor(server, name="Innocent", origin=ALLOWED)
    yield peer, desk
    await bystanders_still_chat(server, peer, desk)
    await peer.close()
    await desk.close()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "malformed_json"),
        ("[1, 2, 3]", "malformed_frame"),
        ('{"type": 42}', "malformed_frame"),
        ('{"type": "launch_missiles"}', "unknown_type"),
        ('{"type": "message", "client_id": "x"}', "empty_message"),
        ('{"type": "message", "client_id": 7, "body": "hi"}', "invalid_field"),
        ('{"type": "csat", "rating": 9}', "no_conversation"),
        ('{"type": "profile", "email": "not-an-email"}', "invalid_input"),
        ("x" * 5000, "frame_too_large"),
    ],
)
async def test_bad_visitor_frames_get_error_frames_and_the_socket_stays_open(
    server: ServerProcess, bystanders: tuple[Client, Client], raw: str, code: str
) -> None:
    attacker = await visitor(server, origin=ALLOWED)
    await attacker.ws.send(raw)
    error = await attacker.wait_for(lambda f: f["type"] == "error")
    assert error["code"] == code
    assert error["message"]
    await attacker.send({"type": "ping"})
    await attacker.wait_for(lambda f: f["type"] == "pong")
    await attacker.close()


async def test_binary_and_oversized_binary_frames_are_refused(
    server: ServerProcess, bystanders: tuple[Client, Client]
) -> None:
    attacker = await visitor(server, origin=ALLOWED)
    await attacker.ws.send(b"\xff\xfe\x00garbage")
    assert (await attacker.wait_for(lambda f: f["type"] == "error"))["code"] == "bad_frame"
    await attacker.ws.send(b"{" * 10_000)
    await attacker.wait_for(lambda f: f["type"] == "error" and f["code"] == "frame_too_large")
    await attacker.close()


async def test_bad_agent_frames_get_error_frames(
    server: ServerProcess, bystanders: tuple[Client, Client]
) -> None:
    desk = await agent(server, await login(server.base, "ada", "integration-pass"), available=False)
    cases = [
        ("{oops", "malformed_json"),
        ('{"type": "self_destruct"}', "unknown_type"),
        ('{"type": "accept", "interaction_id": "1; DROP TABLE"}', "invalid_field"),
        ('{"type": "accept", "interaction_id": 999999}', "conflict"),
        ('{"type": "reply", "interaction_id": 999999, "body": "x", "client_id": "a"}', "not_found"),
        ('{"type": "presence", "state": "on-the-moon"}', "invalid_input"),
        ('{"type": "close", "interaction_id": 1, "disposition": "<script>"}', "invalid_input"),
        ('{"type": "transfer", "interaction_id": 1}', "invalid_input"),
        ("y" * 5000, "frame_too_large"),
    ]
    for raw, code in cases:
        before = len(desk.of_type("error"))
        await desk.ws.send(raw)
        await desk.wait_for(lambda f, before=before: len(desk.of_type("error")) > before)
        error = desk.of_type("error")[-1]
        assert error["code"] == code, (raw, error)
    await desk.close()


async def test_agent_socket_refuses_missing_forged_and_expired_sessions(server: ServerProcess) -> None:
    real = await login(server.base, "ada", "integration-pass")
    payload = real.split(".", 1)[0]
    forged_signature = payload + ".Zm9yZ2Vk.c2lnbmF0dXJl"
    # Same payload and a valid signature, but signed long ago: older than the max age.
    old = TimestampSigner("integration-secret")
    old.get_timestamp = lambda: 1_000_000_000  # type: ignore[method-assign]
    expired = old.sign(payload.encode()).decode()
    for cookie in (None, "garbage", forged_signature, expired):
        headers = {"Cookie": f"cc_session={cookie}"} if cookie else None
        async with websockets.connect(server.ws_base + "/agent/ws", additional_headers=headers) as ws:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert frame == {"type": "error", "code": "unauthorized", "message": frame["message"]}
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_cross_site_agent_socket_is_refused(server: ServerProcess) -> None:
    cookie = await login(server.base, "ada", "integration-pass")
    async with websockets.connect(
        server.ws_base + "/agent/ws",
        additional_headers={"Cookie": f"cc_session={cookie}", "Origin": "http://evil.example"},
    ) as ws:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert frame["code"] == "origin_not_allowed"


async def test_widget_from_a_disallowed_origin_is_refused_with_a_reason(
    server: ServerProcess, bystanders: tuple[Client, Client]
) -> None:
    async with websockets.connect(
        server.ws_base + "/channels/webchat/ws", additional_headers={"Origin": "http://evil.example"}
    ) as ws:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert frame["code"] == "origin_not_allowed"
        assert "evil.example" in frame["message"]
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
    async with httpx.AsyncClient(base_url=server.base) as client:
        upload = await client.post(
            "/channels/webchat/attachments",
            headers={"Origin": "http://evil.example"},
            files={"file": ("a.png", b"x")},
        )
    assert upload.status_code == 403
    assert upload.json()["error"]["code"] == "origin_not_allowed"


async def test_forged_visitor_token_is_refused(server: ServerProcess) -> None:
    attacker = await visitor(server, token="v_someone_else.forged", origin=ALLOWED)
    error = await attacker.wait_for(lambda f: f["type"] == "error")
    assert error["code"] == "invalid_token"


async def test_uploads_check_content_size_and_token(
    server: ServerProcess, bystanders: tuple[Client, Client]
) -> None:
    peer = await visitor(server, origin=ALLOWED)
    token = peer.of_type("welcome")[0]["token"]
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    async with httpx.AsyncClient(base_url=server.base, headers={"Origin": ALLOWED}) as client:
        disguised = await client.post(
            "/channels/webchat/attachments",
            headers={"X-Visitor-Token": token},
            files={"file": ("photo.png", b"<script>alert(1)</script>", "image/png")},
        )
        assert disguised.status_code == 422 and disguised.json()["error"]["code"] == "unsupported_type"
        no_token = await client.post(
            "/channels/webchat/attachments", files={"file": ("a.png", png, "image/png")}
        )
        assert no_token.status_code == 403
        good = await client.post(
            "/channels/webchat/attachments",
            headers={"X-Visitor-Token": token},
            files={"file": ("../../etc/passwd<b>.png", png, "image/png")},
        )
        assert good.status_code == 201, good.text
        assert good.headers["access-control-allow-origin"] == ALLOWED
        described = good.json()
        assert "/" not in described["filename"] and "<" not in described["filename"]
        fetched = await client.get(described["url"])
        assert fetched.status_code == 200 and fetched.content == png
        assert fetched.headers["x-content-type-options"] == "nosniff"
    # Someone else's attachment token cannot be attached to my message.
    thief = await visitor(server, origin=ALLOWED)
    await thief.send(
        {"type": "message", "client_id": client_id(), "body": "mine now", "attachments": [described["token"]]}
    )
    assert (await thief.wait_for(lambda f: f["type"] == "error"))["code"] == "forbidden"
    for c in (peer, thief):
        await c.close()


async def test_oversized_upload_is_refused_with_413(tmp_path: Path) -> None:
    proc = ServerProcess(tmp_path / "small", ATTACHMENT_MAX_BYTES="1000")
    upgrade(proc.database_url)
    proc.start()
    try:
        peer = await visitor(proc)
        token = peer.of_type("welcome")[0]["token"]
        async with httpx.AsyncClient(base_url=proc.base) as client:
            big = await client.post(
                "/channels/webchat/attachments",
                headers={"X-Visitor-Token": token},
                files={"file": ("big.pdf", b"%PDF-" + b"0" * 200_000, "application/pdf")},
            )
        assert big.status_code == 413
        assert "1000" in big.json()["error"]["message"]
        await peer.close()
    finally:
        proc.stop()
    assert not proc.errors_in_log()


async def test_html_in_customer_fields_is_stored_verbatim_not_executed(
    server: ServerProcess, bystanders: tuple[Client, Client]
) -> None:
    """The server keeps what the customer typed; the browser test checks it renders inert."""
    peer = await visitor(server, name='<img src=x onerror="alert(1)">', email="x@example.com", origin=ALLOWED)
    body = "<script>document.title='pwned'</script>"
    cid = client_id()
    await peer.send({"type": "message", "client_id": cid, "body": body})
    ack = await peer.wait_for(lambda f: f["type"] == "ack")
    assert ack["event"]["body"] == body
    await peer.close()


async def test_invalid_email_in_hello_is_refused_with_the_field_named(server: ServerProcess) -> None:
    attacker = await visitor(server, email="<svg onload=alert(1)>", origin=ALLOWED)
    error = await attacker.wait_for(lambda f: f["type"] == "error")
    assert error["code"] == "invalid_input" and error["field"] == "email"


async def test_signing_out_ends_that_sessions_open_desktops(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.base) as browser:
        page = await browser.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        await browser.post(
            "/login", data={"csrf_token": token, "username": "ada", "password": "integration-pass"}
        )
        other_device = await agent(
            server, await login(server.base, "ada", "integration-pass"), available=False
        )
        desk = await agent(server, str(browser.cookies.get("cc_session")), available=False)
        desk_page = await browser.get("/agent")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', desk_page.text).group(1)  # type: ignore[union-attr]
        forged = await browser.post("/logout", data={"csrf_token": "forged"})
        assert forged.status_code == 403
        signed_out = await browser.post("/logout", data={"csrf_token": csrf})
        assert signed_out.status_code == 303
    error = await desk.wait_for(lambda f: f["type"] == "error")
    assert error["code"] == "unauthorized"
    # Another sign-in of the same agent, elsewhere, is not thrown out.
    await other_device.send({"type": "ping"})
    await other_device.wait_for(lambda f: f["type"] == "pong")
    await other_device.close()
