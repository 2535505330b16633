"""The core: app factory, hub, router, presence, event bus and metrics."""
