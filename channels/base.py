"""The channel contract: what a channel adapter gives the hub, and the registry that holds them.

A channel adapter turns what arrives on its road (a websocket, a mailbox, a Twilio
webhook) into stored contacts, and carries agents' replies back out. The app mounts
each adapter's routes and runs its start/stop with the app's lifespan; the hub asks
the registry which adapter sends a reply, checks it, or places a call; /healthz asks
every adapter for its health. The registry is the one place that knows which
channels exist: routing capacity, the names the pages show and the capacity forms
all read it. How to add one: docs/channels.md.

This module imports nothing from the product, so the core can hold the registry
without depending on any channel's implementation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Sequence

    from starlette.routing import BaseRoute

    from repository.core.models import Agent, Event, Interaction


@dataclass(frozen=True)
class ChannelKind:
    """One kind of contact, as routing, the desk and the reports know it."""

    # Stored as Interaction.channel (at most 10 characters); one of repository.core.models.Channel.
    kind: str
    # Marked with N_(): translated where it is shown, in the viewer's language.
    label: str
    # How many contacts of this kind an agent holds at once unless their own capacity says otherwise.
    capacity: int
    # An agent's reply leaves through the adapter's send(); otherwise it is only stored
    # (a chat visitor gets it over the bus; a call has nothing to send).
    sends: bool = False
    # An agent's reply may carry files.
    files: bool = False


class ChannelAdapter(Protocol):
    """One road into the contact centre. ``kinds`` may be shared: voice comes by Twilio and by CTI."""

    @property
    def name(self) -> str:
        """Unique among adapters; names this adapter's part in /healthz."""
        ...

    @property
    def kinds(self) -> Sequence[ChannelKind]: ...

    @property
    def routes(self) -> Sequence[BaseRoute]: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, interaction: Interaction, event: Event) -> None:
        """Deliver a stored agent reply on a kind with ``sends``; record delivery problems on the event."""
        ...

    async def check(self, interaction: Interaction) -> None:
        """Before a reply is stored: raise a ContactCenterError the agent sees to refuse it (an opted-out number)."""
        ...

    async def health(self) -> dict[str, Any] | None:
        """``{"ok": bool, ...details}`` for /healthz, or None when nothing live can fail. Must not raise."""
        ...


@runtime_checkable
class Dialer(Protocol):
    """An adapter that places an agent's outbound call (click-to-call)."""

    async def dial(self, agent: Agent, customer_id: int) -> dict[str, Any]:
        """Call the customer from the agent's phone; returns what the desk shows."""
        ...


class ChannelRegistry:
    """The adapters of one app, and the channel kinds they bring, in the order they were added."""

    def __init__(self) -> None:
        self.adapters: list[ChannelAdapter] = []
        self._kinds: dict[str, ChannelKind] = {}
        self._senders: dict[str, ChannelAdapter] = {}
        self._dialer: Dialer | None = None
        # Live: the router and the supervisor figures hold this dict, so adapters added
        # after they were built still count (an unknown kind counts as capacity 1).
        self.capacity: dict[str, int] = {}

    def add(self, adapter: ChannelAdapter) -> None:
        """Register an adapter; refuses one that contradicts what is registered already."""
        if any(existing.name == adapter.name for existing in self.adapters):
            raise ValueError(f"a channel adapter named {adapter.name!r} is registered already")
        for kind in adapter.kinds:
            known = self._kinds.get(kind.kind)
            if known is not None and known != kind:
                raise ValueError(f"channel {kind.kind!r} is declared twice, differently: {known} and {kind}")
            if kind.sends and kind.kind in self._senders:
                raise ValueError(f"two adapters send {kind.kind!r} replies")
        dialer = adapter if isinstance(adapter, Dialer) else None
        if dialer is not None and self._dialer is not None:
            raise ValueError("two adapters place outbound calls")
        self.adapters.append(adapter)
        for kind in adapter.kinds:
            self.declare(kind)
            if kind.sends:
                self._senders[kind.kind] = adapter
        if dialer is not None:
            self._dialer = dialer

    def declare(self, kind: ChannelKind) -> None:
        """A kind known without its adapter: a router bench, a node that only routes."""
        known = self._kinds.setdefault(kind.kind, kind)
        if known != kind:
            raise ValueError(f"channel {kind.kind!r} is declared twice, differently: {known} and {kind}")
        self.capacity.setdefault(kind.kind, kind.capacity)

    def kinds(self) -> list[ChannelKind]:
        return list(self._kinds.values())

    def kind(self, name: str) -> ChannelKind | None:
        return self._kinds.get(name)

    def adapter(self, name: str) -> ChannelAdapter:
        for adapter in self.adapters:
            if adapter.name == name:
                return adapter
        raise KeyError(name)

    def sender(self, kind: str) -> ChannelAdapter | None:
        """The adapter an agent's reply on ``kind`` leaves through, if any."""
        return self._senders.get(kind)

    @property
    def dialer(self) -> Dialer | None:
        return self._dialer
