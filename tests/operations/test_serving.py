"""`contact-center serve` cuts off slow and idle clients, caps concurrency, trusts only TRUSTED_PROXIES,
and sends a strict Content-Security-Policy on every HTML page (issue 14, items 6, 7 and 10); websocket
compression only when SERVE_WS_COMPRESSION asks for it (issue 12).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import websockets

from repository import Database, upgrade
from repository.directory import create_agent, create_queue
from tests.live import ServerProcess, login

pytestmark = pytest.mark.server
ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = [
    *sorted((ROOT / "agent_ui" / "templates").glob("*.html")),
    ROOT / "channels/webchat/templates/demo.html",
]


async def start(tmp_path: Path, **env: str) -> ServerProcess:
    proc = ServerProcess(tmp_path / "data", **env)
    upgrade(proc.database_url)
    db = Database(proc.database_url)
    create_queue(db, "General", is_default=True)
    create_agent(db, "sam", "Sam", "serving-pass", role="admin")
    db.dispose()
    await asyncio.to_thread(proc.start)
    return proc


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    proc = await start(
        tmp_path, SERVE_HEADER_TIMEOUT_SECONDS="1", SERVE_KEEP_ALIVE_SECONDS="1", SERVE_LIMIT_CONCURRENCY="40"
    )
    yield proc
    proc.stop()
    assert not proc.errors_in_log(), proc.log_path.read_text()[-4000:]


async def closed_within(reader: asyncio.StreamReader, seconds: float) -> bool:
    """True if the server closes the connection (EOF) within ``seconds``."""
    try:
        while await asyncio.wait_for(reader.read(1024), seconds):
            pass
        return True
    except (TimeoutError, ConnectionError):
        return False


async def test_idle_and_slow_loris_connections_are_closed_and_others_are_served(
    server: ServerProcess,
) -> None:
    idle = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(20)]
    trickling = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(15)]
    for _reader, writer in trickling:
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    started = time.monotonic()

    async def trickle() -> None:
        for n in range(12):  # a header line every 0.25 s: never finishes within the timeout
            for _reader, writer in trickling:
                if not writer.is_closing():
                    writer.write(f"X-Slow-{n}: y\r\n".encode())
            await asyncio.sleep(0.25)

    feeder = asyncio.create_task(trickle())
    results = await asyncio.gather(*(closed_within(r, 5) for r, _w in idle + trickling))
    elapsed = time.monotonic() - started
    await feeder
    assert all(results), f"{results.count(False)} of {len(results)} connections still open"
    assert elapsed < 4, elapsed
    async with httpx.AsyncClient() as client:
        assert (await client.get(server.base + "/healthz")).status_code == 200
    for _r, writer in idle + trickling:
        writer.close()


async def test_an_idle_kept_alive_connection_is_closed_after_the_keep_alive_timeout(
    server: ServerProcess,
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 200")
    length = int(re.search(rb"content-length: (\d+)", head.lower()).group(1))  # type: ignore[union-attr]
    await reader.readexactly(length)
    assert await closed_within(reader, 4)
    writer.close()


async def test_websockets_outlive_the_header_timeout(server: ServerProcess) -> None:
    async with websockets.connect(server.ws_base + "/channels/webchat/ws") as ws:
        await ws.send('{"type": "hello"}')
        await asyncio.wait_for(ws.recv(), 5)
        await asyncio.sleep(2.5)
        await ws.send('{"type": "ping"}')
        assert '"pong"' in await asyncio.wait_for(ws.recv(), 5)


async def test_websocket_compression_only_when_configured(server: ServerProcess, tmp_path: Path) -> None:
    # The client offers permessage-deflate, as every browser does.
    async with websockets.connect(server.ws_base + "/channels/webchat/ws", compression="deflate") as ws:
        assert ws.response is not None
        assert "sec-websocket-extensions" not in ws.response.headers
    compressing = await start(tmp_path / "deflate", SERVE_WS_COMPRESSION="true")
    try:
        async with websockets.connect(
            compressing.ws_base + "/channels/webchat/ws", compression="deflate"
        ) as ws:
            assert ws.response is not None
            assert "permessage-deflate" in ws.response.headers["sec-websocket-extensions"]
    finally:
        compressing.stop()


async def test_over_the_concurrency_limit_requests_get_503(server: ServerProcess) -> None:
    held = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(45)]
    await asyncio.sleep(0.2)
    async with httpx.AsyncClient() as client:
        busy = await client.get(server.base + "/healthz")
        assert busy.status_code == 503
        await asyncio.sleep(2)  # the header timeout frees the held connections
        assert (await client.get(server.base + "/healthz")).status_code == 200
    for _r, writer in held:
        writer.close()


async def admitted(
    server: ServerProcess, forwarded_for: str, opened: list[websockets.ClientConnection]
) -> bool:
    ws = await websockets.connect(
        server.ws_base + "/channels/webchat/ws", additional_headers={"X-Forwarded-For": forwarded_for}
    )
    opened.append(ws)
    try:
        await ws.send('{"type": "hello"}')
    except websockets.ConnectionClosed:
        pass  # refused at once; its error frame is still readable
    return '"welcome"' in str(await asyncio.wait_for(ws.recv(), 5))


@pytest.mark.parametrize(
    ("trusted", "expected"), [("", [True, True, False, False]), ("127.0.0.1", [True] * 4)]
)
async def test_forwarded_addresses_count_only_from_trusted_proxies(
    tmp_path: Path, trusted: str, expected: list[bool]
) -> None:
    """Rotating X-Forwarded-For from 127.0.0.1 escapes per-address limits only if 127.0.0.1 is trusted."""
    proc = await start(tmp_path, TRUSTED_PROXIES=trusted, WIDGET_SOCKETS_PER_ADDRESS="2")
    opened: list[websockets.ClientConnection] = []
    try:
        results = [await admitted(proc, f"203.0.113.{n}", opened) for n in range(4)]
        assert results == expected
    finally:
        for ws in opened:
            await ws.close()
        proc.stop()
    assert not proc.errors_in_log()


CSP_PAGES = ["/login", "/demo", "/agent", "/supervisor", "/reports", "/admin", "/admin/agents"]


async def test_every_html_page_sends_a_strict_content_security_policy(server: ServerProcess) -> None:
    cookie = await login(server.base, "sam", "serving-pass")
    async with httpx.AsyncClient(base_url=server.base, cookies={"cc_session": cookie}) as client:
        for path in CSP_PAGES:
            response = await client.get(path)
            assert response.status_code == 200, path
            assert response.headers["content-type"].startswith("text/html"), path
            policy = response.headers["content-security-policy"]
            directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
            assert directives["script-src"] == "'self'", path
            assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
            # What the policy forbids is not in the page either.
            scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", response.text)
            assert not scripts, (path, scripts)
            assert not re.search(r"<[^>]+\son[a-z]+\s*=", response.text), path
        api = await client.get("/healthz")
        assert "content-security-policy" not in api.headers


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_no_template_has_inline_script_or_handlers(template: Path) -> None:
    text = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text)
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", text)
    assert "javascript:" not in text
