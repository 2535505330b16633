"""Event bus backends, chosen by ``BUS_URL``: ``memory://`` or ``redis://``."""

from __future__ import annotations

from contact_center.bus.base import Bus, BusEvent, ResumeGap, SubscriberLagged, Subscription, id_key


def create_bus(url: str) -> Bus:
    """The backend for ``url``, imported lazily; an unknown scheme fails at start-up."""
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme == "memory":
        from contact_center.bus.memory import MemoryBus

        return MemoryBus(url)
    if scheme in ("redis", "rediss"):
        from contact_center.bus.redis import RedisBus

        return RedisBus(url)
    raise ValueError(f"BUS_URL scheme {scheme!r} is not supported (use memory:// or redis://)")


__all__ = ["Bus", "BusEvent", "ResumeGap", "Subscription", "SubscriberLagged", "create_bus", "id_key"]
