"""One IMAP connection for one mailbox folder, on aioimaplib.

Only UIDs are used to say what is new: ``UID SEARCH UID n:*`` after the last UID
stored. A search for ``n:*`` always matches the highest message even when nothing
is above ``n-1`` (RFC 3501 ``*`` semantics), so results are filtered, which is also
what keeps an empty poll on a large mailbox cheap: one short command, one short answer.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import aioimaplib

if TYPE_CHECKING:
    from repository.email_models import Mailbox
    from repository.email_secrets import PasswordSealer

FETCH_CHUNK = 50
_UIDVALIDITY = re.compile(rb"\[UIDVALIDITY (\d+)\]")
_UIDNEXT = re.compile(rb"\[UIDNEXT (\d+)\]")
_FETCH_UID = re.compile(rb"UID (\d+)")


class ImapError(Exception):
    """The server refused or the connection broke; the poller reconnects with backoff."""


class ImapAuthError(ImapError):
    pass


class Imap:
    def __init__(self, mailbox: Mailbox, sealer: PasswordSealer, timeout: float = 30.0) -> None:
        self.mailbox = mailbox
        self.sealer = sealer
        self.timeout = timeout
        self.client: aioimaplib.IMAP4 | None = None
        self.lost = asyncio.Event()

    def _on_lost(self, exc: Exception | None) -> None:
        self.lost.set()

    async def connect(self) -> None:
        box = self.mailbox
        if box.imap_security == "tls":
            client: aioimaplib.IMAP4 = aioimaplib.IMAP4_SSL(
                box.imap_host, box.imap_port, timeout=self.timeout
            )
            client.protocol.conn_lost_cb = self._on_lost
        else:
            client = aioimaplib.IMAP4(
                box.imap_host, box.imap_port, timeout=self.timeout, conn_lost_cb=self._on_lost
            )
        self.client = client
        try:
            await asyncio.wait_for(client.wait_hello_from_server(), self.timeout)
        except (TimeoutError, OSError) as exc:
            raise ImapError(f"cannot reach {box.imap_host}:{box.imap_port} ({type(exc).__name__})") from exc
        if box.imap_security == "starttls":
            await self._starttls()
        # Opened here, for the LOGIN command only; never kept on an object that outlives it.
        response = await client.login(box.imap_user, self.sealer.open(box.imap_password))
        if response.result != "OK":
            raise ImapAuthError(f"login refused: {_text(response.lines)[:200]}")

    async def _starttls(self) -> None:
        # aioimaplib has no STARTTLS of its own: send the command, then upgrade the transport.
        assert self.client is not None
        protocol = self.client.protocol
        command = aioimaplib.Command("STARTTLS", protocol.new_tag(), loop=protocol.loop)
        response = await protocol.execute(command)
        if response.result != "OK":
            raise ImapError("the server refused STARTTLS")
        loop = asyncio.get_running_loop()
        transport = await loop.start_tls(
            protocol.transport, protocol, ssl.create_default_context(), server_hostname=self.mailbox.imap_host
        )
        protocol.transport = transport
        await protocol.capability()

    @property
    def supports_idle(self) -> bool:
        return self.client is not None and self.client.has_capability("IDLE")

    async def select(self, folder: str) -> tuple[int, int]:
        """Open ``folder``; returns (UIDVALIDITY, UIDNEXT)."""
        assert self.client is not None
        response = await self.client.select(_quote(folder))
        if response.result != "OK":
            raise ImapError(f"cannot open folder {folder!r}: {_text(response.lines)[:200]}")
        joined = b"\n".join(bytes(line) for line in response.lines)
        validity = _UIDVALIDITY.search(joined)
        uidnext = _UIDNEXT.search(joined)
        if validity is None:
            raise ImapError("the server sent no UIDVALIDITY")
        return int(validity.group(1)), int(uidnext.group(1)) if uidnext else 0

    async def new_uids(self, last_uid: int) -> list[int]:
        assert self.client is not None
        response = await self.client.uid_search(f"UID {last_uid + 1}:*", charset=None)
        if response.result != "OK":
            raise ImapError(f"search failed: {_text(response.lines)[:200]}")
        found: set[int] = set()
        for line in response.lines[:-1]:
            found.update(int(tok) for tok in bytes(line).split() if tok.isdigit())
        return sorted(uid for uid in found if uid > last_uid)

    async def fetch(self, uids: list[int]) -> AsyncIterator[tuple[int, bytes]]:
        """Each message's UID and raw bytes, in UID order, without setting \\Seen."""
        assert self.client is not None
        for start in range(0, len(uids), FETCH_CHUNK):
            chunk = uids[start : start + FETCH_CHUNK]
            response = await self.client.protocol.uid(
                "fetch", ",".join(map(str, chunk)), "(UID BODY.PEEK[])", timeout=self.timeout + len(chunk)
            )
            if response.result != "OK":
                raise ImapError(f"fetch failed: {_text(response.lines)[:200]}")
            for uid, raw in sorted(_fetched(response.lines)):
                yield uid, raw

    async def wait_for_change(self, idle_seconds: float, stop: asyncio.Event) -> None:
        """IDLE until the server reports mail, ``idle_seconds`` pass, or ``stop`` is set."""
        assert self.client is not None
        idle = await self.client.idle_start(timeout=idle_seconds)
        try:
            while True:
                push = asyncio.ensure_future(self.client.wait_server_push(timeout=idle_seconds + 5))
                lost = asyncio.ensure_future(self.lost.wait())
                stopped = asyncio.ensure_future(stop.wait())
                done, pending = await asyncio.wait({push, lost, stopped}, return_when=asyncio.FIRST_COMPLETED)
                for task in pending:
                    task.cancel()
                if lost in done:
                    raise ImapError("the connection dropped during IDLE")
                if stopped in done:
                    return
                lines = push.result()
                if lines == aioimaplib.STOP_WAIT_SERVER_PUSH:
                    return
                if any(b"EXISTS" in bytes(line) for line in lines):
                    return
        finally:
            if not self.lost.is_set() and self.client.has_pending_idle():
                self.client.idle_done()
                try:
                    await asyncio.wait_for(idle, self.timeout)
                except (TimeoutError, aioimaplib.AioImapException) as exc:
                    raise ImapError("the server did not end IDLE") from exc

    async def noop(self) -> None:
        assert self.client is not None
        await self.client.noop()

    async def close(self) -> None:
        if self.client is None:
            return
        try:
            if not self.lost.is_set():
                await asyncio.wait_for(self.client.logout(), 5)
        except Exception:  # noqa: S110  (closing a broken connection: nothing left to report)
            pass
        transport = self.client.protocol.transport
        if transport is not None:
            transport.close()
        self.client = None


def _fetched(lines: list[bytes | bytearray]) -> list[tuple[int, bytes]]:
    """Pair each FETCH response's UID with its literal, whichever order the server sent them."""
    out: list[tuple[int, bytes]] = []
    uid: int | None = None
    raw: bytes | None = None
    for line in lines:
        if isinstance(line, bytearray):
            raw = bytes(line)
        else:
            if b"FETCH (" in line:
                uid, raw = None, None
            match = _FETCH_UID.search(line)
            if match:
                uid = int(match.group(1))
        if uid is not None and raw is not None:
            out.append((uid, raw))
            uid, raw = None, None
    return out


def _text(lines: list[bytes | bytearray]) -> str:
    return " ".join(bytes(line).decode("utf-8", errors="replace") for line in lines)


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
