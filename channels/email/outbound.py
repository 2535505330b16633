"""Agent replies and acknowledgements leave by SMTP, through a retrying outbox.

The hub stores the agent's reply first; :meth:`Outbound.send_reply` (the email
adapter's ``send``, channels/email/plugin.py) then composes the mail, writes it to the
outbox and tries it at once. A failure is recorded on the message (the desktop shows
"queued" with the error) and retried with exponential backoff by :meth:`run`, which
also picks up whatever a previous process left unsent. A 5xx refusal, or running out
of attempts, marks the message failed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from channels.email import compose, reply_files, smtp
from channels.email.guards import SenderRateGuard
from channels.email.health import scrub
from contact_center.aio import wait_event
from contact_center.errors import localized
from contact_center.i18n import _, format_datetime, use_locale
from repository.core.ingest import append_event
from repository.core.models import stored_id, utcnow
from repository.directory.business_hours import back_at
from repository.email import outbox as email_outbox
from repository.email.mailboxes import get_mailbox
from repository.email.threads import latest_customer_mail, record_message_id
from repository.errors import ContactCenterError

if TYPE_CHECKING:
    from channels.email.health import MailboxHealth
    from contact_center.context import AppContext
    from repository.core.models import Event, Interaction
    from repository.email.models import Mailbox
    from repository.email.secrets import PasswordSealer

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 30.0
BACKOFF_MAX_SECONDS = 3600.0


def backoff(attempts: int, base: float = BACKOFF_BASE_SECONDS) -> float:
    return min(base * 2 ** max(0, attempts - 1), BACKOFF_MAX_SECONDS)


def mailbox_id_of(interaction: Interaction) -> int:
    """Email thread keys are ``<mailbox id>:<root message>``; the mailbox answers."""
    head = interaction.thread_key.split(":", 1)[0]
    if not head.isdigit():
        raise ValueError(f"interaction {interaction.id} has no email thread key")
    return int(head)


class Outbound:
    def __init__(
        self,
        ctx: AppContext,
        health: dict[int, MailboxHealth],
        sealer: PasswordSealer,
        backoff_base: float = BACKOFF_BASE_SECONDS,
    ):
        self.ctx = ctx
        self.sealer = sealer
        self.db = ctx.db
        self.hub = ctx.hub
        self.health = health
        self.backoff_base = backoff_base
        self.rate_guard = SenderRateGuard()

    async def send_reply(self, interaction: Interaction, event: Event) -> None:
        mailbox: Mailbox = await self.db.run(get_mailbox, mailbox_id_of(interaction))
        agent_name = event.author_name or _("Support")
        sender = _(
            "%(agent)s via %(company)s", agent=agent_name, company=mailbox.display_name or mailbox.address
        )
        await self._queue(mailbox, interaction, event, sender, automated=False)

    async def acknowledge(
        self, mailbox: Mailbox, interaction: Interaction, inbound: Event, language: str | None = None
    ) -> None:
        """Tell a new correspondent their mail arrived, with the token that threads their answer.

        Written in ``language`` (the customer's, see channels/email/language.py), else the mailbox's.
        """
        if not self.rate_guard.allow(mailbox.id, inbound.payload.get("from_address", "")):  # type: ignore[arg-type]
            log.info("mailbox %s: acknowledgement rate limit reached for a sender", mailbox.id)
            return
        language = language or mailbox.language
        back = await self.db.run(back_at, interaction.queue_id, utcnow())
        with use_locale(language):
            text = _(
                "Thank you for your message. We have received it and will answer as soon as we can.\n\n"
                "Your reference is [#%(id)s]; please keep it in the subject when you write to us about this.",
                id=interaction.id,
            )
            if back is not None:
                # Outside the queue's business hours (docs/business-hours.md): say when we are back.
                when = format_datetime(back[0], "long", timezone=back[1])
                text += "\n\n" + _("We are away right now and will be back on %(when)s.", when=when)
        event, interaction, duplicate = await self.db.run(
            append_event,
            stored_id(interaction),
            kind="message",
            author_type="system",
            body=text,
            author_name=mailbox.display_name,
            external_id=f"ack:{inbound.id}",
        )
        if duplicate:
            return
        self.hub.committed()  # append_event recorded it in the outbox
        await self._queue(
            mailbox,
            interaction,
            event,
            mailbox.display_name or mailbox.address,
            automated=True,
            language=language,
        )

    async def _queue(
        self,
        mailbox: Mailbox,
        interaction: Interaction,
        event: Event,
        sender_name: str,
        *,
        automated: bool,
        language: str | None = None,
    ) -> None:
        assert interaction.id is not None and event.id is not None  # both are stored rows
        last = await self.db.run(latest_customer_mail, interaction.id)
        payload = last.payload if last is not None else {}
        # A conversation the company started (contact_center/outreach.py) has no customer
        # mail yet: the message itself names the address, and the subject is not a "Re:".
        fresh = last is None and bool(event.payload.get("to"))
        to = payload.get("reply_to") or payload.get("from_address") or event.payload.get("to")
        if not to:
            await self.hub.set_delivery(event.id, "failed", _("no customer address to reply to"))
            return
        try:
            files = await reply_files.load(self.ctx, list(event.payload.get("attachments") or []))
        except ContactCenterError as exc:
            # A file the agent attached is gone: fail the reply rather than send it without.
            await self.hub.set_delivery(event.id, "failed", localized(exc))
            return
        msg = compose.build(
            mailbox_address=mailbox.address,
            sender_name=sender_name,
            to=to,
            subject=f"{interaction.subject} [#{interaction.id}]"
            if fresh
            else compose.reply_subject(
                payload.get("subject") or interaction.subject, interaction.id, language
            ),
            text=event.body,
            in_reply_to=payload.get("message_id"),
            references=list(payload.get("references") or []),
            automated=automated,
            language=language,
            attachments=files,
        )
        message_id = str(msg["Message-ID"]).strip("<>")
        row = await self.db.run(
            email_outbox.add_outbox,
            mailbox_id=mailbox.id,
            event_id=event.id,
            interaction_id=interaction.id,
            message_id=message_id,
            recipients=[to],
            raw=msg.as_string(),
            details={"subject": str(msg["Subject"]), "to": to, "automated": automated},
        )
        await self.db.run(
            record_message_id, row.message_id, interaction.customer_id, interaction.id, event.id, "out"
        )
        await self.hub.set_delivery(event.id, "queued")
        await self.attempt(stored_id(row))

    async def attempt(self, outbox_id: int) -> None:
        row = await self.db.run(email_outbox.claim, outbox_id)
        if row is None:
            return
        mailbox: Mailbox = await self.db.run(get_mailbox, row.mailbox_id)
        health = self.health.get(mailbox.id)  # type: ignore[arg-type]
        password = ""
        try:
            password = self.sealer.open(mailbox.smtp_password)
            await smtp.send(mailbox, row.raw.encode("utf-8"), list(row.recipients), password)
        except smtp.PermanentFailure as exc:
            await self._failed(row, mailbox, str(exc), health)
        except Exception as exc:
            error = scrub(f"{type(exc).__name__}: {exc}", password)[:300]
            if health is not None:
                health.smtp_error, health.smtp_error_at = error, utcnow()
            if row.attempts >= MAX_ATTEMPTS:
                await self._failed(row, mailbox, error, health)
                return
            delay = backoff(row.attempts, self.backoff_base)
            log.warning(
                "mailbox %s: outbox %s attempt %s failed (%s); retry in %.0fs",
                mailbox.id,
                row.id,
                row.attempts,
                error,
                delay,
            )
            await self.db.run(email_outbox.finish, stored_id(row), "pending", error, retry_in=delay)
            await self.hub.set_delivery(row.event_id, "queued", _("retrying: %(error)s", error=error))
        else:
            await self.db.run(email_outbox.finish, stored_id(row), "sent")
            if health is not None:
                health.smtp_error = None
            await self.hub.set_delivery(row.event_id, "sent")

    async def _failed(self, row: Any, mailbox: Mailbox, error: str, health: MailboxHealth | None) -> None:
        log.warning("mailbox %s: outbox %s failed for good: %s", mailbox.id, row.id, error)
        await self.db.run(email_outbox.finish, stored_id(row), "failed", error)
        await self.hub.set_delivery(row.event_id, "failed", error)

    async def run(self, stop: asyncio.Event, interval: float = 5.0) -> None:
        """Retry due outbox rows until ``stop``; survives any one failure."""
        while not stop.is_set():
            try:
                for outbox_id in await self.db.run(email_outbox.due):
                    await self.attempt(outbox_id)
            except Exception:
                log.exception("email outbox pass failed; the next pass retries")
            try:
                await wait_event(stop, interval)
            except TimeoutError:
                pass
