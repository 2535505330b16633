"""What every mounted part of the app is given: settings, store, bus and services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from config import Settings
    from contact_center.bus import Bus
    from contact_center.hub import Hub
    from contact_center.presence import PresenceKeeper
    from contact_center.router import Router
    from repository import Database

Hook = Callable[[], Awaitable[None]]
# A part's health for /healthz: {"ok": bool, ...details}. Must not raise.
HealthCheck = Callable[[], Awaitable[dict[str, Any]]]


@dataclass
class AppContext:
    settings: Settings
    db: Database
    bus: Bus
    hub: Hub
    router: Router
    presence: PresenceKeeper
    # Parts with live connections (mailboxes, telephony) add named checks here.
    health_checks: dict[str, HealthCheck] = field(default_factory=dict)


@dataclass
class Plugin:
    """A part of the product mounted into the app: its routes and lifecycle hooks."""

    routes: list[BaseRoute] = field(default_factory=list)
    on_startup: list[Hook] = field(default_factory=list)
    on_shutdown: list[Hook] = field(default_factory=list)
