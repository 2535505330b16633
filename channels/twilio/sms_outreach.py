"""Starting an SMS conversation: which company number writes, and the thread it opens.

The thread key is the one inbound SMS uses (``customer|company``), so the customer's
answer lands in the same conversation. See docs/outbound.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from channels.twilio.sms import thread_key
from repository.core.identity import normalise_phone
from repository.errors import Conflict
from repository.telephony.config import get_number, list_numbers

if TYPE_CHECKING:
    from contact_center.context import AppContext


class SmsStarter:
    def __init__(self, ctx: AppContext) -> None:
        self.hub = ctx.hub

    async def thread(self, customer: str, via: str | None) -> str:
        """``via`` names one of the company's numbers; else the first one configured writes."""
        if via:
            number = await self.hub.db.run(get_number, normalise_phone(via))
            if number is None:
                raise Conflict(
                    "%(number)s is not one of the company's numbers", params={"number": via}, field="via"
                )
            return thread_key(customer, number.number)
        numbers = await self.hub.db.run(list_numbers)
        if not numbers:
            raise Conflict(
                "no company phone number is configured to send SMS from",
                field="via",
                code="channel_unavailable",
            )
        return thread_key(customer, numbers[0].number)
