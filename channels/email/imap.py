"""One IMAP connection for one mailbox folder, on aioimaplib.

Only UIDs are used to say what is new: ``UID SEARCH UID n:*`` after the last UID
stored. A search for ``n:*`` always matches the highest message even when nothing
is above ``n-1`` (RFC 3501 ``*`` semantics), so results are filtered, which is also
what keeps an empty poll on a large mailbox cheap: one short command, one short answer.

New mail is announced by an untagged ``* n EXISTS`` that a server may send at any
time: during IDLE, but also in the middle of a ``UID FETCH`` or after a ``NOOP``.
aioimaplib hands untagged responses only to IDLE's queue or to a pending command of
the same name, and logs everything else as "ignored untagged response", which is how
mail arriving during a long sync used to wait for the next IDLE (up to
``EMAIL_IDLE_SECONDS``). :class:`_WatchingProtocol` sees every response line first
and sets :attr:`Imap.arrived`, whatever command is running; the poller acts on it.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import aioimaplib

if TYPE_CHECKING:
    from repository.email.models import Mailbox
    from repository.email.secrets import PasswordSealer

FETCH_CHUNK = 50
_UIDVALIDITY = re.compile(rb"\[UIDVALIDITY (\d+)\]")
_UIDNEXT = re.compile(rb"\[UIDNEXT (\d+)\]")
_FETCH_UID = re.compile(rb"UID (\d+)")
_EXISTS = re.compile(rb"\* \d+ EXISTS\b")


class ImapError(Exception):
    """The server refused or the connection broke; the poller reconnects with backoff."""


class ImapAuthError(ImapError):
    pass


class _WatchingProtocol(aioimaplib.IMAP4ClientProtocol):
    """aioimaplib's protocol, plus an event set by every ``EXISTS`` the server sends."""

    def __init__(self, loop: asyncio.AbstractEventLoop, conn_lost_cb: Any = None) -> None:
        super().__init__(loop, conn_lost_cb)
        self.arrived = asyncio.Event()

    def _handle_line(self, line: bytes, current_cmd: Any) -> Any:
        if line[:2] == b"* " and _EXISTS.match(line):
            self.arrived.set()
        return super()._handle_line(line, current_cmd)


class _Client(aioimaplib.IMAP4):
    def create_client(
        self, host: str, port: int, loop: Any, conn_lost_cb: Any = None, ssl_context: Any = None
    ) -> None:
        local_loop = loop if loop is not None else asyncio.get_running_loop()
        self.protocol = _WatchingProtocol(local_loop, conn_lost_cb)
        self._client_task = local_loop.create_task(
            local_loop.create_connection(lambda: self.protocol, host, port, ssl=ssl_context)
        )


class _ClientSSL(_Client):
    def create_client(
        self, host: str, port: int, loop: Any, conn_lost_cb: Any = None, ssl_context: Any = None
    ) -> None:
        super().create_client(
            host, port, loop, conn_lost_cb, ssl_context or ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
        )


class Imap:
    def __init__(self, mailbox: Mailbox, sealer: PasswordSealer, timeout: float = 30.0) -> None:
        self.mailbox = mailbox
        self.sealer = sealer
        self.timeout = timeout
        self.client: aioimaplib.IMAP4 | None = None
        self.lost = asyncio.Event()
        # Set by every EXISTS the server sends, at any time; the poller clears it before
        # each UID SEARCH, so a set event means "there may be mail the last search missed".
        self.arrived = asyncio.Event()

    def _on_lost(self, exc: Exception | None) -> None:
        self.lost.set()

    async def connect(self) -> None:
        box = self.mailbox
        client_class = _ClientSSL if box.imap_security == "tls" else _Client
        client = client_class(box.imap_host, box.imap_port, timeout=self.timeout, conn_lost_cb=self._on_lost)
        self.client = client
        self.arrived = client.protocol.arrived
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
        """IDLE until the server reports mail, ``idle_seconds`` pass, or ``stop`` is set.

        Returns at once when an EXISTS came before IDLE began (during the last sync,
        or in answer to the last command), since the search that follows may find it.
        """
        assert self.client is not None
        if self.arrived.is_set():
            return
        idle = await self.client.idle_start(timeout=idle_seconds)
        try:
            waits = [asyncio.ensure_future(event.wait()) for event in (self.arrived, self.lost, stop)]
            try:
                await asyncio.wait(waits, timeout=idle_seconds, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in waits:
                    task.cancel()
            if self.lost.is_set():
                raise ImapError("the connection dropped during IDLE")
        finally:
            _drain(self.client.protocol.idle_queue)  # the arrived event is what we act on
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


def _drain(queue: asyncio.Queue[Any]) -> None:
    while not queue.empty():
        queue.get_nowait()


def _text(lines: list[bytes | bytearray]) -> str:
    return " ".join(bytes(line).decode("utf-8", errors="replace") for line in lines)


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
