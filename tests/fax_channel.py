"""A channel that exists only in tests: faxes, registered like any shipped adapter.

Mounted by naming this module among an app's plugins; tests/test_channel_registry.py
checks that everything the registry drives (health, routing capacity, the pages'
channel list) picks it up without any other change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from channels.base import ChannelKind
from repository.core.ingest import InboundItem

if TYPE_CHECKING:
    from starlette.requests import Request

    from contact_center.context import AppContext
    from repository.core.models import Event, Interaction

# The label is hostile on purpose: the pages must carry it as data, not as markup.
FAX = ChannelKind("fax", "Fax </script><!--", capacity=2)


class FaxAdapter:
    name = "fax"
    kinds = (FAX,)

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.started = False
        self.routes = [Route("/channels/fax/inbound", self.inbound, methods=["POST"])]

    async def inbound(self, request: Request) -> Response:
        body = await request.json()
        result = await self.ctx.hub.store(
            InboundItem(
                channel=FAX.kind,
                identities=[("phone", str(body["from"]))],
                thread_key=f"fax:{body['id']}",
                body=f"{body['pages']} pages",
                external_id=f"fax:{body['id']}",
            )
        )
        await self.ctx.hub.announce(result)
        return JSONResponse({"interaction_id": result.interaction.id}, status_code=202)

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.started = False

    async def send(self, interaction: Interaction, event: Event) -> None:
        """Not called: FAX does not set ``sends``."""

    async def check(self, interaction: Interaction) -> None:
        """Any note may go on a fax."""

    async def health(self) -> dict[str, Any] | None:
        return {"ok": self.started, "lines": 1}


def adapter(ctx: AppContext) -> FaxAdapter:
    return FaxAdapter(ctx)
