"""One routing pass's claims: each proposal the state makes is claimed in the store and offered.

A claim is the atomic step (``repository.core.lifecycle.claim``, fenced by the lease's
token); a proposal that loses it (taken by another, or a contact that changed) is given
back to the state, which proposes the next best. One bad contact never stops the ones
queued behind it, and a connection the database dropped ends the pass: nothing was
claimed, and the next pass, on a fresh connection, checks the lease again.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError

from contact_center import metrics
from contact_center.routing_state import PassCursor
from repository.core import lifecycle

if TYPE_CHECKING:
    from datetime import datetime

    from contact_center.hub import Hub
    from contact_center.routing import Selector
    from contact_center.routing_state import RoutingState

log = logging.getLogger("contact_center.router")


async def make_offers(
    hub: Hub, state: RoutingState, selector: Selector, now: datetime, *, fence: int | None
) -> int:
    """Claim and offer until the state has no proposal left; returns how many offers were made."""
    settings = hub.settings
    offers = 0
    cursor = PassCursor()
    try:
        while (proposal := state.next_proposal(now, selector, cursor)) is not None:
            try:
                claimed = await hub.db.run(
                    lifecycle.claim,
                    proposal.interaction_id,
                    proposal.agent_id,
                    reserve_seconds=settings.reservation_timeout_seconds,
                    defaults=hub.channels.capacity,
                    fence=fence,
                )
            except DBAPIError as exc:
                if not exc.connection_invalidated:
                    raise
                # The database ended this node's session (e.g. it sat frozen inside the
                # claim past IDLE_IN_TRANSACTION_MS): nothing was claimed; the pass ends
                # and the next one, on a fresh connection, re-checks the lease.
                log.warning("router: the database dropped the claim's connection: %s", exc.orig)
                state.lost(proposal)
                break
            except Exception:
                # One bad contact must not stop everyone queued behind it.
                log.exception(
                    "router: cannot offer interaction %s; skipping it this pass", proposal.interaction_id
                )
                state.lost(proposal)
                continue
            if claimed is None:
                state.lost(proposal)
                continue
            state.claimed(proposal, now)
            offers += 1
            metrics.OFFERS.labels(queue=str(proposal.queue_id)).inc()
            try:
                await hub.publish_offer(claimed)
            except Exception:
                log.exception("router: offer of interaction %s not published", proposal.interaction_id)
    finally:
        state.end_pass(cursor)
    return offers
