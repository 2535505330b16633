"""Two nodes on one database and one real Dovecot: one polls, the other stands by and takes over."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from repository.core.models import utcnow
from repository.email import leases as email_leases
from tests.email.corpus import simple
from tests.email.test_imap_sync import email_events

pytestmark = pytest.mark.server

LEASE = 3.0  # renewed every second; generous so a loaded CI machine does not lose it


def holder(app: Any) -> Any:
    return next(poller for _, poller in app.channel.pollers.values())


async def test_one_node_polls_a_mailbox_and_the_other_takes_over_after_the_lease_expires(
    email_app: Any, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = contextlib.AsyncExitStack(), contextlib.AsyncExitStack()
    a = await first.enter_async_context(email_app(lease_seconds=LEASE, DATABASE_URL=database_url))
    b = await second.enter_async_context(email_app(lease_seconds=LEASE, DATABASE_URL=database_url))
    try:
        db = a.ctx.db
        nodes = {holder(a).holder: (a, first), holder(b).holder: (b, second)}

        def lease() -> Any:
            return next(iter(email_leases.leases(db).values()), None)

        await a.wait_for(
            lambda: (row := lease()) and row.holder in nodes and row.expires_at > utcnow(), what="a lease"
        )
        polling, polling_stack = nodes[lease().holder]
        standby = b if polling is a else a
        await a.wait_for(lambda: holder(polling).health.connected, what="the holder to connect")
        await a.wait_for(lambda: holder(standby).health.standby, what="the other node to stand by")

        polling.deliver([simple(f"n{i}@customers.test", f"Two nodes {i}", f"body {i}")[1] for i in range(20)])
        await a.wait_for(lambda: len(email_events(db)) == 20, what="20 mails")
        assert holder(polling).health.ingested == 20
        assert holder(standby).health.ingested == 0 and not holder(standby).health.connected
        status = await standby.channel.health_check()
        assert status["ok"] is True and status["mailboxes"][0]["standby"] is True

        # The holder dies without giving the lease back (as a crashed process would).
        monkeypatch.setattr(email_leases, "release", lambda *args, **kwargs: None)
        expires = lease().expires_at
        dead = holder(polling).holder
        await polling_stack.aclose()
        if utcnow() < expires:
            assert lease().holder == dead  # an unexpired lease is not taken, even from a dead node
        polling.deliver(
            [simple(f"late{i}@customers.test", f"After the crash {i}", "late")[1] for i in range(5)]
        )
        await a.wait_for(lambda: len(email_events(db)) == 25, timeout=LEASE * 10 + 20, what="the takeover")
        taken = lease()
        assert taken.holder == holder(standby).holder
        assert taken.updated_at >= expires
        assert holder(standby).health.ingested == 5
        events = email_events(db)
        assert len({e.external_id for e in events}) == 25
    finally:
        await second.aclose()
        await first.aclose()
