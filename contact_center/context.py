"""What every mounted part of the app is given: settings, store, bus and services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from channels.base import ChannelRegistry
    from config import Settings
    from contact_center.bus import Bus
    from contact_center.hub import Hub
    from contact_center.presence import PresenceKeeper
    from contact_center.router import Router
    from repository import Database

Hook = Callable[[], Awaitable[None]]


@dataclass
class AppContext:
    settings: Settings
    db: Database
    bus: Bus
    hub: Hub
    router: Router
    presence: PresenceKeeper

    @property
    def channels(self) -> ChannelRegistry:
        """The channel adapters (channels/base.py); the app adds each one it mounts."""
        return self.hub.channels


@dataclass
class Plugin:
    """A part of the product mounted into the app: its routes and lifecycle hooks."""

    routes: list[BaseRoute] = field(default_factory=list)
    on_startup: list[Hook] = field(default_factory=list)
    on_shutdown: list[Hook] = field(default_factory=list)
