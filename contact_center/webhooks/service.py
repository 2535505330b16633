"""Outbound webhooks: hear the bus, record deliveries, send them signed, retry with backoff.

Two tasks per node. The *recorder* turns bus events into delivery rows (persist
first); the *sender* claims due rows from the store and POSTs them. Because the
claim is atomic in the database, every node may run a sender without double
sends, and a restarted node simply finds its pending rows again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from contextlib import suppress
from typing import TYPE_CHECKING

import httpx

from contact_center.aio import raise_if_cancelled, stop_tasks, wait_event
from contact_center.bus.follow import follow
from contact_center.webhooks.events import webhook_for
from contact_center.webhooks.interest import Interest
from contact_center.webhooks.signing import HEADER, sign
from contact_center.webhooks.targets import GuardedTransport
from repository.webhooks import store

if TYPE_CHECKING:
    from contact_center.context import AppContext

log = logging.getLogger(__name__)
BATCH = 20
TICK_SECONDS = 1.0
ERROR_BODY_CHARS = 200


async def _start_of(response: httpx.Response) -> str:
    kept = b""
    async for chunk in response.aiter_raw():
        kept += chunk
        if len(kept) >= 4 * ERROR_BODY_CHARS:
            break
    return kept.decode("utf-8", "replace")[:ERROR_BODY_CHARS]


def encode(payload: dict[str, object]) -> bytes:
    """The exact bytes that are signed and sent."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


class WebhookService:
    def __init__(self, ctx: AppContext, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.ctx = ctx
        self.hub = ctx.hub
        self.settings = ctx.settings
        self._transport = transport
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._client: httpx.AsyncClient | None = None
        self.interest = Interest(ctx.hub)

    async def start(self) -> None:
        self._client = httpx.AsyncClient(
            timeout=self.settings.webhook_timeout_seconds,
            follow_redirects=False,
            # Every connection goes through the address guard (targets.py): no SSRF, no rebinding.
            transport=self._transport
            or GuardedTransport(allow_private=self.settings.webhook_allow_private_targets),
            # Identity: the error text is read raw, so nothing is decompressed on our side.
            headers={"User-Agent": "contact-center-webhooks/1", "Accept-Encoding": "identity"},
        )
        self._tasks = [
            asyncio.create_task(self._record_forever(), name="webhook-recorder"),
            asyncio.create_task(self._send_forever(), name="webhook-sender"),
        ]

    async def stop(self) -> None:
        await stop_tasks(*self._tasks)
        if self._client is not None:
            await self._client.aclose()

    # -- recorder ---------------------------------------------------------------
    async def _record_forever(self) -> None:
        # follow() resumes from the last recorded position through the outbox when this
        # falls behind; delivery keys make a replayed event record nothing twice.
        await follow(self.hub.dispatcher, "webhook recorder", self._record)

    async def _record(self, event: object) -> None:
        try:
            mapped = webhook_for(event)  # type: ignore[arg-type]
            if mapped is None:
                return
            kind, key, payload = mapped
            # Most events are wanted by no one: decided in memory, no query, no thread.
            if not await self.interest.wants(kind):
                return
            created = await self.hub.db.run(store.record_deliveries, kind, key, payload)
        except Exception:
            # One bad event must not stop the webhooks of every later one.
            log.exception("cannot record webhook deliveries for bus event %s", getattr(event, "id", "?"))
            return
        if created:
            self._wake.set()

    # -- sender -----------------------------------------------------------------
    async def _send_forever(self) -> None:
        while True:
            raise_if_cancelled()
            with suppress(TimeoutError):
                await wait_event(self._wake, TICK_SECONDS)
            self._wake.clear()
            try:
                while await self.send_due() == BATCH:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("webhook send pass failed; the next pass retries")

    async def send_due(self) -> int:
        """Claim and send one batch of due deliveries; returns how many were claimed."""
        # A cheap read first: most passes find nothing, and a claim is a write transaction.
        if not await self.hub.db.run(store.has_due):
            return 0
        claims = await self.hub.db.run(
            store.claim_due, BATCH, max(60.0, 3 * self.settings.webhook_timeout_seconds)
        )
        await asyncio.gather(*(self._send(claim) for claim in claims))
        return len(claims)

    async def _send(self, claim: store.Claimed) -> None:
        assert self._client is not None, "WebhookService used before start(); did you forget to call start()?"
        body = encode(claim.payload)
        headers = {
            "Content-Type": "application/json",
            HEADER: sign(claim.secret, body),
            "X-CC-Event": str(claim.payload.get("type", "")),
            "X-CC-Delivery": str(claim.delivery_id),
        }
        code: int | None = None
        error: str | None = None
        try:
            async with self._client.stream("POST", claim.url, content=body, headers=headers) as response:
                code = response.status_code
                if not 200 <= code < 300:
                    # Only the start of the answer is kept; a receiver must not fill our memory.
                    error = f"HTTP {code}: {await _start_of(response)}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        status = await self.hub.db.run(
            store.finish,
            claim,
            ok=error is None,
            code=code,
            error=error,
            max_attempts=self.settings.webhook_max_attempts,
            backoff_base=self.settings.webhook_backoff_seconds,
        )
        if error is not None:
            log.warning(
                "webhook delivery %s attempt %s failed (%s): %s",
                claim.delivery_id,
                claim.attempts,
                status,
                error,
            )
