"""Which webhook types anyone subscribes to, kept in memory so other events cost nothing.

Every bus event passes the recorder. Reading the subscriptions for each one (a thread
hop and a query) made a message cost more on a node with no webhook at all. The set
of wanted types is read once, then again only when this process changed a
subscription (``webhook_store.local_changes``) or when it is older than ``MAX_AGE``
and an event that could be wanted arrives: a webhook created on another node starts
recording here within a second, and an idle node reads nothing.

The set is only a filter: ``record_deliveries`` still reads the subscriptions inside
its write, so a stale "wanted" records nothing wrong, and delivery keys keep every
delivery single whatever each node's view.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from repository.webhooks import store

if TYPE_CHECKING:
    from contact_center.hub import Hub

MAX_AGE = 1.0


class Interest:
    def __init__(self, hub: Hub, *, max_age: float = MAX_AGE) -> None:
        self.hub = hub
        self.max_age = max_age
        self._types: frozenset[str] = frozenset()
        self._read_at = float("-inf")
        self._seen = -1

    def _stale(self) -> bool:
        return (
            store.local_changes(self.hub.db) != self._seen or time.monotonic() - self._read_at >= self.max_age
        )

    async def wants(self, kind: str) -> bool:
        if self._stale():
            # Noted before the read: a change made during it is read again next time.
            self._seen = store.local_changes(self.hub.db)
            self._read_at = time.monotonic()
            self._types = await self.hub.db.run(store.active_event_types)
        return kind in self._types or "*" in self._types
