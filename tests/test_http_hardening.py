"""Request body limits, response headers, and secrets kept out of repr, /healthz and CSV cells.

Bodies: an oversized one is refused before any route reads it, whether its
Content-Length says so (checked on a real server: the 413 comes back while the client
has sent almost nothing) or it is chunked (counted as it streams in).
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import hmac
import io
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from agent_ui.supervisor.reports import csv_response
from config import Settings, load_settings
from contact_center.app import create_app
from contact_center.demo import seed_demo
from contact_center.visitor_tokens import VisitorTokens
from repository.directory.api_keys import create_api_key
from tests.live import ServerProcess

SECRET = "test-secret-key-not-for-production"
CTI_SECRET = "cti-secret-for-limits"
MIB = 1024 * 1024


@pytest.fixture
async def app_client(
    make_settings: Callable[..., Settings],
) -> AsyncIterator[tuple[httpx.AsyncClient, object]]:
    app = create_app(make_settings(CTI_SHARED_SECRET=CTI_SECRET, ATTACHMENT_MAX_BYTES=str(3 * MIB)))
    async with app.router.lifespan_context(app):
        await app.state.ctx.hub.db.run(seed_demo)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client, app


class Stream:
    """A chunked request body that counts how much of it the server pulled."""

    def __init__(self, total: int, chunk: int = 64 * 1024, prefix: bytes = b"") -> None:
        self.total, self.chunk, self.sent, self.prefix = total, chunk, 0, prefix

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.prefix:
            self.sent += len(self.prefix)
            yield self.prefix
        while self.sent < self.total:
            self.sent += self.chunk
            yield b"a" * self.chunk


@pytest.mark.parametrize(
    "path", ["/login", "/channels/cti/events", "/channels/twilio/sms", "/api/v1/customers"]
)
async def test_a_declared_body_over_the_limit_gets_413_before_anything_reads_it(
    app_client: tuple[httpx.AsyncClient, object], path: str
) -> None:
    client, _app = app_client
    body = Stream(2 * MIB)
    response = await client.post(path, content=body, headers={"Content-Length": str(2 * MIB)})
    assert response.status_code == 413
    assert response.json()["error"] == {"code": "body_too_large", "message": f"body larger than {MIB} bytes"}
    assert body.sent == 0  # refused on the header alone
    chinese = await client.post(path, content=b"x" * (MIB + 1), headers={"Accept-Language": "zh-CN"})
    assert chinese.json()["error"]["message"] == f"请求体超过 {MIB} 字节"


@pytest.mark.parametrize("path", ["/login", "/channels/cti/events", "/preferences"])
async def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(
    app_client: tuple[httpx.AsyncClient, object], path: str
) -> None:
    client, _app = app_client
    body = Stream(64 * MIB)
    response = await client.post(
        path, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413
    assert body.sent <= MIB + 64 * 1024  # it stopped reading just past 1 MiB, not at 64 MiB


async def test_bodies_under_the_limit_and_visitor_uploads_up_to_their_own_limit_still_work(
    app_client: tuple[httpx.AsyncClient, object],
) -> None:
    client, _app = app_client
    event = json.dumps(
        {"id": "e1", "type": "ringing", "call_id": "c1", "from": "+4930111", "pad": "x" * 20000}
    )
    signature = "sha256=" + hmac.new(CTI_SECRET.encode(), event.encode(), hashlib.sha256).hexdigest()
    cti = await client.post("/channels/cti/events", content=event, headers={"X-CTI-Signature": signature})
    assert cti.status_code == 202, cti.text

    _visitor, token = VisitorTokens(SECRET).issue()
    pdf = b"%PDF-1.4\n" + b"0" * (2 * MIB)  # over MAX_BODY_BYTES, under ATTACHMENT_MAX_BYTES
    upload = await client.post(
        "/channels/webchat/attachments",
        files={"file": ("big.pdf", pdf, "application/pdf")},
        headers={"X-Visitor-Token": token},
    )
    assert upload.status_code == 201, upload.text
    too_big = await client.post(
        "/channels/webchat/attachments",
        files={"file": ("huge.pdf", pdf + b"0" * (2 * MIB), "application/pdf")},
        headers={"X-Visitor-Token": token},
    )
    # The upload route's own answer, with its CORS headers, for the widget to show.
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "too_large"
    # Chunked, no length: Starlette would spool the whole file part to disk; the stream cap stops it.
    endless = Stream(64 * MIB, prefix=b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
                     b"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n")  # fmt: skip
    chunked = await client.post(
        "/channels/webchat/attachments",
        content=endless,
        headers={"X-Visitor-Token": token, "Content-Type": "multipart/form-data; boundary=x"},
    )
    assert chunked.status_code == 413 and chunked.json()["error"]["code"] == "too_large"
    assert endless.sent <= 3 * MIB + 3 * 64 * 1024


@pytest.mark.server
async def test_a_real_server_answers_413_while_the_client_has_sent_almost_nothing(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data", CTI_SHARED_SECRET=CTI_SECRET).start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(
            b"POST /channels/cti/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {500 * MIB}\r\n\r\n".encode()
            + b"{" * 1024
        )
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), 5)
        assert status.startswith(b"HTTP/1.1 413"), status
        writer.close()
    finally:
        server.stop()


async def test_pages_cannot_be_framed_by_other_sites_and_are_not_sniffed(
    app_client: tuple[httpx.AsyncClient, object],
) -> None:
    client, _app = app_client
    for path in ("/login", "/agent", "/admin", "/healthz", "/api/v1/openapi.json"):
        response = await client.get(path)
        assert response.headers["x-frame-options"] == "DENY", path
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert len(response.headers.get_list("x-content-type-options")) == 1, path


async def test_healthz_shows_part_details_only_to_an_api_key(
    app_client: tuple[httpx.AsyncClient, object],
) -> None:
    client, app = app_client
    ctx = app.state.ctx  # type: ignore[attr-defined]

    class MailboxProbe:
        """A channel adapter whose mailbox is down, with details only monitoring may read."""

        name, kinds, routes = "probe", (), ()

        async def start(self) -> None: ...
        async def stop(self) -> None: ...
        async def send(self, interaction: object, event: object) -> None: ...
        async def check(self, interaction: object) -> None: ...

        async def health(self) -> dict[str, object]:
            return {
                "ok": False,
                "mailboxes": [{"address": "support@internal.example", "last_error": "imap.corp:993 refused"}],
            }

    ctx.channels.add(MailboxProbe())
    anonymous = await client.get("/healthz")
    assert anonymous.status_code == 200
    assert anonymous.json()["status"] == "degraded"
    assert anonymous.json()["parts"]["probe"] == {"ok": False}
    assert "internal.example" not in anonymous.text and "imap.corp" not in anonymous.text
    forged = await client.get("/healthz", headers={"Authorization": "Bearer cck_not-a-key"})
    assert "internal.example" not in forged.text

    token, _row = await ctx.hub.db.run(create_api_key, "monitoring")
    detailed = await client.get("/healthz", headers={"Authorization": f"Bearer {token}"})
    assert detailed.json()["parts"]["probe"]["mailboxes"][0]["address"] == "support@internal.example"


def test_settings_never_print_database_or_bus_passwords() -> None:
    settings = load_settings(
        environ={
            "DATA_DIR": "/tmp/never-created",
            "SECRET_KEY": "the-session-signing-key",
            "DATABASE_URL": "postgresql://cc:db-pa%24%24word@db.internal:5432/cc",
            "BUS_URL": "redis://:redis-password@redis.internal:6379/0",
            "TWILIO_AUTH_TOKEN": "twilio-auth-token",
            "CTI_SHARED_SECRET": "cti-shared-secret",
            "EMAIL_IMAP_URL": "imaps://me:imap-password@imap.example:993/INBOX",
        },
        env_file=None,
    )
    shown = repr(settings) + str(settings) + f"{settings}"
    for secret in ("db-pa%24%24word", "redis-password", "the-session-signing-key", "twilio-auth-token",
                   "cti-shared-secret", "imap-password"):  # fmt: skip
        assert secret not in shown, secret
    assert "postgresql://cc:********@db.internal:5432/cc" in shown
    assert "redis://:********@redis.internal:6379/0" in shown
    assert settings.database_url.endswith("db-pa%24%24word@db.internal:5432/cc")  # the value itself is intact


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"])
def test_exported_cells_never_start_a_spreadsheet_formula(cell: str) -> None:
    text = csv_response([{"id": 1, "customer": cell, "disposition": "resolved"}]).body.decode()
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["customer"] == "'" + cell
    assert row["disposition"] == "resolved" and row["id"] == "1"
