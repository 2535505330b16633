"""Verified visitor identity: who a web chat visitor is allowed to be linked to.

An email typed into the widget proves nothing, so it never selects an existing
customer. The company's own server, which knows who is signed in on its site, signs
the customer's email with its widget's secret (``repository.directory.widget_keys``) and puts
the signature on the page; the widget passes it in ``hello``/``profile`` as
``widget`` + ``identity_hash``. Only a matching signature links the visitor to the
customer who owns that email, the way Chatwoot's ``identifier_hash`` and Intercom's
identity verification work. An unsigned or wrongly signed email is kept as a *claim*:
the agent sees "unverified, claimed: …" on the visitor's own record, and nothing of
the other customer's record is read or changed. Design: docs/widget-identity.md.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from repository.core.identity import normalise_email
from repository.directory.widget_keys import widget_secret

if TYPE_CHECKING:
    from sqlmodel import Session

    from contact_center.frames import Frame
    from contact_center.hub import Hub
    from repository.core.ingest import AlsoInTransaction, IngestResult

log = logging.getLogger(__name__)
IdentityState = Literal["none", "unverified", "verified"]
# Where the claimed email is kept on the visitor's own customer record (shown to agents).
CLAIM_ATTRIBUTE = "claimed_email"


def identity_hash(secret: str, email: str) -> str:
    """HMAC-SHA256 of the normalised (trimmed, lower-case) email, hex: what the company's server computes."""
    return hmac.new(secret.encode(), normalise_email(email).encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Claim:
    """The email a visitor gave, and whether their company's server vouched for it."""

    email: str | None = None
    verified: bool = False

    @property
    def state(self) -> IdentityState:
        if self.email is None:
            return "none"
        return "verified" if self.verified else "unverified"

    def identities(self, visitor_id: str) -> list[tuple[str, str]]:
        """What ingest may resolve the customer by: the email only when it is verified."""
        if self.verified and self.email:
            return [("email", self.email), ("webchat", visitor_id)]
        return [("webchat", visitor_id)]

    def record(self) -> AlsoInTransaction | None:
        """For an unverified email: note the claim on the visitor's own record, same transaction."""
        if self.verified or not self.email:
            return None
        claimed = self.email

        def note(session: Session, result: IngestResult) -> None:
            customer = result.customer
            if customer.email == claimed or customer.attributes.get(CLAIM_ATTRIBUTE) == claimed:
                return
            # A new dict: SQLAlchemy does not see in-place changes to a JSON column.
            customer.attributes = {**customer.attributes, CLAIM_ATTRIBUTE: claimed}
            session.add(customer)

        return note


async def check_claim(hub: Hub, frame: Frame, email: str | None, current: Claim | None = None) -> Claim:
    """The claim ``frame`` makes for ``email``: verified only if its signature matches.

    A later ``profile`` that repeats the already verified email unsigned keeps it verified
    (the pre-chat form does not carry the signature); any other email starts unverified.
    """
    if not email:
        return Claim()
    widget = frame.get("widget")
    sent = frame.get("identity_hash")
    if not isinstance(widget, str) or not isinstance(sent, str) or not sent:
        if current is not None and current.verified and current.email == email:
            return current
        return Claim(email)
    secret = await hub.db.run(widget_secret, widget[:64])
    if secret is None:
        log.info("web chat identity for unknown widget %r treated as unverified", widget[:64])
        return Claim(email)
    verified = hmac.compare_digest(sent.strip().lower().encode(), identity_hash(secret, email).encode())
    return Claim(email, verified)
