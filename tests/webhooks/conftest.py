"""The webhook nodes' fixtures, shared by the webhook tests."""

from tests.webhooks.nodes import hub, memory_bus, receiver, service

__all__ = ["hub", "memory_bus", "receiver", "service"]
