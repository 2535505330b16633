"""Starting an email conversation: which mailbox writes, and the thread it opens.

The thread key has the mailbox in front (``<mailbox id>:outbound-<token>``) like
every email thread, so the outbox knows who sends. The customer's answer threads by
its In-Reply-To, which names the Message-ID the outbox recorded. See docs/outbound.md.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from repository.email.mailboxes import get_mailbox, list_mailboxes
from repository.errors import Conflict

if TYPE_CHECKING:
    from contact_center.context import AppContext


class EmailStarter:
    def __init__(self, ctx: AppContext) -> None:
        self.hub = ctx.hub

    async def thread(self, customer: str, via: str | None) -> str:
        """``via`` is a mailbox id; else the first active mailbox writes."""
        if via:
            if not via.isdigit() or len(via) > 9:
                raise Conflict("no such mailbox", field="via")
            mailbox = await self.hub.db.run(get_mailbox, int(via))
        else:
            mailboxes = await self.hub.db.run(list_mailboxes, active_only=True)
            if not mailboxes:
                raise Conflict(
                    "no mailbox is configured to send email from", field="via", code="channel_unavailable"
                )
            mailbox = mailboxes[0]
        return f"{mailbox.id}:outbound-{secrets.token_hex(12)}"
