"""Fixtures for the email channel: a private Dovecot, a real SMTP server, a running app.

Dovecot runs once per session (tests/email/dovecot.py); each test gets its own IMAP
folder, so UIDs and UIDVALIDITY are the test's own. The SMTP server is aiosmtpd in
this process; tests assert on what it received, not on what the client said it sent.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from channels.email.channel import EmailChannel
from channels.email.plugin import email_channel
from tests.email.dovecot import USER, Dovecot, free_port

_folders = itertools.count(1)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    try:
        server = Dovecot()
    except (FileNotFoundError, KeyError) as exc:
        pytest.skip(f"no Dovecot: {exc}")
    yield server
    server.close()


@dataclass
class SmtpSink:
    """What the SMTP server received; ``refuse`` makes it answer every RCPT with that reply."""

    port: int
    received: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    refuse: str | None = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), msg))  # type: ignore[arg-type]
        return "250 Message accepted"


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()


@pytest.fixture
def folder(dovecot: Dovecot) -> str:
    name = f"T{next(_folders)}x{int(time.time() * 1000) % 100000}"
    client = dovecot.client()
    try:
        typ, data = client.create(name)
        assert typ == "OK", data
    finally:
        client.logout()
    return name


@dataclass
class EmailApp:
    app: Any
    ctx: Any
    channel: EmailChannel
    dovecot: Dovecot
    folder: str
    smtp: SmtpSink

    async def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 30.0, what: str = "condition"
    ) -> Any:
        async def poll() -> Any:
            while True:
                value = await asyncio.to_thread(predicate)
                if value:
                    return value
                await asyncio.sleep(0.1)

        try:
            return await asyncio.wait_for(poll(), timeout)
        except TimeoutError:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}") from None

    def deliver(self, messages: list[bytes]) -> None:
        self.dovecot.append(messages, self.folder)


@pytest.fixture
def email_settings(
    make_settings: Callable[..., Any], dovecot: Dovecot, folder: str, smtp_sink: SmtpSink
) -> Callable[..., Any]:
    def make(**env: str) -> Any:
        base = {
            "EMAIL_ADDRESS": USER,
            "EMAIL_DISPLAY_NAME": "Northwind Support",
            "EMAIL_IMAP_URL": dovecot.imap_url.replace("/INBOX", f"/{folder}"),
            "EMAIL_SMTP_URL": f"smtp://127.0.0.1:{smtp_sink.port}",
            "EMAIL_IDLE_SECONDS": "20",
            "EMAIL_POLL_SECONDS": "1",
        }
        base.update(env)
        return make_settings(**base)

    return make


@pytest.fixture
async def email_app(
    email_settings: Callable[..., Any], dovecot: Dovecot, folder: str, smtp_sink: SmtpSink
) -> AsyncIterator[Callable[..., Any]]:
    """Start the app (email plugin only) on demand: ``async with email_app(**env) as app``."""
    from contextlib import asynccontextmanager

    from contact_center.app import create_app
    from repository.directory import create_queue

    @asynccontextmanager
    async def run(lease_seconds: float | None = None, **env: str) -> AsyncIterator[EmailApp]:
        settings = email_settings(**env)
        app = create_app(settings, plugins=("channels.email.plugin",))
        ctx = app.state.ctx
        from repository.directory import list_queues

        if not list_queues(ctx.db):
            create_queue(ctx.db, "Email")
        channel = email_channel(ctx)
        channel.outbound.backoff_base = 0.2
        channel.outbox_seconds = 0.2
        if lease_seconds is not None:
            channel.lease_seconds = lease_seconds
        async with app.router.lifespan_context(app):
            yield EmailApp(app, ctx, channel, dovecot, folder, smtp_sink)

    yield run
