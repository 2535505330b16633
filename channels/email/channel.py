"""The email channel as a running service: pollers per mailbox, the outbox, health.

Mailboxes come from the CCR (the one from ``EMAIL_*`` is written there at start-up).
A reconcile pass every few seconds starts pollers for new or changed mailboxes and
stops those of removed or deactivated ones, so admin and API changes take effect
without a restart, on every node. Each mailbox is polled by one node at a time (the
lease holder); the pollers of other nodes stand by.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from anyio import to_thread

from channels.email.health import MailboxHealth
from channels.email.inbound import Inbound
from channels.email.outbound import Outbound
from channels.email.poller import LEASE_SECONDS, MailboxPoller, node_name, stop_within
from channels.email.urls import imap_settings, smtp_settings
from contact_center.aio import raise_if_cancelled, wait_event
from repository.email.mailboxes import EDITABLE, ensure_env_mailbox, list_mailboxes
from repository.email.quarantine import open_counts
from repository.email.secrets import PasswordSealer, seal_stored_passwords

if TYPE_CHECKING:
    from contact_center.context import AppContext
    from repository.email.models import Mailbox

log = logging.getLogger(__name__)


def _fingerprint(mailbox: Mailbox) -> tuple[Any, ...]:
    return tuple(getattr(mailbox, name) for name in ("address", *EDITABLE))


def sealer_for(ctx: AppContext) -> PasswordSealer:
    return PasswordSealer(str(ctx.settings.secret_key))


class EmailChannel:
    def __init__(
        self,
        ctx: AppContext,
        *,
        reconcile_seconds: float = 5.0,
        outbox_seconds: float = 5.0,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self.ctx = ctx
        self.settings = ctx.settings
        self.sealer = sealer_for(ctx)
        self.node = node_name()
        self.lease_seconds = lease_seconds
        self.health: dict[int, MailboxHealth] = {}
        self.outbound = Outbound(ctx, self.health, self.sealer)
        self.inbound = Inbound(ctx, self.outbound)
        self.pollers: dict[int, tuple[tuple[Any, ...], MailboxPoller]] = {}
        self.reconcile_seconds = reconcile_seconds
        self.outbox_seconds = outbox_seconds
        self.stop_event = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []

    def env_mailbox_values(self) -> dict[str, Any] | None:
        s = self.settings
        if not s.email_address or not str(s.email_imap_url):
            return None
        values = {**imap_settings(str(s.email_imap_url)), "display_name": s.email_display_name}
        if str(s.email_smtp_url):
            values.update(smtp_settings(str(s.email_smtp_url)))
        else:
            values.update(smtp_host="", smtp_port=25, smtp_security="plain")
        return values

    async def start(self) -> None:
        self.stop_event = asyncio.Event()
        values = self.env_mailbox_values()
        if values is not None:
            await to_thread.run_sync(
                lambda: ensure_env_mailbox(
                    self.ctx.db, self.settings.email_address, sealer=self.sealer, **values
                )
            )
        sealed = await to_thread.run_sync(seal_stored_passwords, self.ctx.db, self.sealer)
        if sealed:
            log.info("email: sealed %s mailbox password(s) stored in plain text", sealed)
        await self.reconcile()
        self.tasks = [
            asyncio.create_task(self._reconcile_loop(), name="email-reconcile"),
            asyncio.create_task(self.outbound.run(self.stop_event, self.outbox_seconds), name="email-outbox"),
        ]

    async def stop(self) -> None:
        self.stop_event.set()
        for task in self.tasks:
            await stop_within(task, 15)
        self.tasks = []
        await asyncio.gather(*(poller.close() for _, poller in self.pollers.values()))
        self.pollers.clear()

    async def reconcile(self) -> None:
        mailboxes = await to_thread.run_sync(lambda: list_mailboxes(self.ctx.db, active_only=True))
        wanted = {m.id: m for m in mailboxes if m.id is not None}
        for mailbox_id in list(self.pollers):
            print_, poller = self.pollers[mailbox_id]
            current = wanted.get(mailbox_id)
            if current is None or _fingerprint(current) != print_:
                await poller.close()
                del self.pollers[mailbox_id]
                if current is None:
                    self.health.pop(mailbox_id, None)
        for mailbox_id, mailbox in wanted.items():
            if mailbox_id in self.pollers:
                continue
            health = self.health.get(mailbox_id) or MailboxHealth(mailbox_id, mailbox.address)
            health.address = mailbox.address
            self.health[mailbox_id] = health
            poller = MailboxPoller(
                self.ctx.db,
                mailbox,
                self.inbound,
                health,
                poll_seconds=self.settings.email_poll_seconds,
                idle_seconds=self.settings.email_idle_seconds,
                sealer=self.sealer,
                holder=self.node,
                lease_seconds=self.lease_seconds,
            )
            poller.start()
            self.pollers[mailbox_id] = (_fingerprint(mailbox), poller)

    async def _reconcile_loop(self) -> None:
        while not self.stop_event.is_set():
            raise_if_cancelled()
            try:
                await wait_event(self.stop_event, self.reconcile_seconds)
                return
            except TimeoutError:
                pass
            try:
                await self.reconcile()
            except Exception:
                log.exception("email: reconciling mailboxes failed; the next pass retries")

    async def health_check(self) -> dict[str, Any]:
        boxes = [h.as_dict() for h in sorted(self.health.values(), key=lambda h: h.mailbox_id)]
        try:
            waiting = await to_thread.run_sync(open_counts, self.ctx.db)
        except Exception:  # the database's own health check reports an outage
            waiting = None
        for box in boxes:
            # Mail waiting for a human, from the table: survives restarts, same on every node.
            box["quarantined"] = waiting.get(box["mailbox_id"], 0) if waiting is not None else None
        # A mailbox another node polls is not this node's failure.
        return {
            "ok": all(b["connected"] or b["standby"] for b in boxes),
            "mailboxes": boxes,
            "node": self.node,
        }
