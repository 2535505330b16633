"""Loop and bounce guards: mail the product must never answer automatically.

Auto-replies answering auto-replies is how two helpdesks mail each other forever.
Anything marked automated (RFC 3834 ``Auto-Submitted``, ``Precedence: bulk/junk/
list``, the common vendor headers, list mail), anything from a mailer daemon and
anything with an empty return path is stored but never acknowledged. A per-sender
rate guard caps acknowledgements to any one address whatever it claims to be.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from limits import RateLimitItemPerHour
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

if TYPE_CHECKING:
    from channels.email.mime import ParsedMail

DAEMON_LOCAL_PARTS = {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon", "bounce", "bounces"}
BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}


def automated_reason(mail: ParsedMail) -> str | None:
    """Why this mail must not be auto-answered, or None if a person sent it."""
    headers = mail.headers
    auto = headers.get("auto-submitted", "").strip().lower()
    if auto and not auto.startswith("no"):
        return f"Auto-Submitted: {auto[:40]}"
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    if "x-autoreply" in headers or "x-autorespond" in headers:
        return "vendor auto-reply header"
    if "list-id" in headers:
        return "mailing list"
    local = mail.from_addr.split("@", 1)[0]
    if local in DAEMON_LOCAL_PARTS or local.startswith(("mailer-daemon", "bounce")):
        return "mailer daemon sender"
    if headers.get("return-path", "").strip() == "<>":
        return "empty return path"
    if mail.dsn is not None:
        return "delivery status notification"
    return None


class SenderRateGuard:
    """At most ``per_hour`` automatic mails to one address per mailbox in a moving hour."""

    def __init__(self, per_hour: int = 5) -> None:
        self.item = RateLimitItemPerHour(per_hour)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def allow(self, mailbox_id: int, address: str) -> bool:
        return self.limiter.hit(self.item, str(mailbox_id), address.lower())
