"""The channel kinds the shipped adapters bring, for a hub that tests build without an app.

tests/test_channel_registry.py checks this is what an app with the default plugins registers.
"""

from __future__ import annotations

from channels.base import ChannelRegistry
from channels.email.plugin import EMAIL
from channels.twilio.plugin import SMS, WHATSAPP
from channels.voice import VOICE
from channels.webchat.plugin import CHAT

SHIPPED_KINDS = (CHAT, EMAIL, SMS, WHATSAPP, VOICE)


def shipped_channels() -> ChannelRegistry:
    registry = ChannelRegistry()
    for kind in SHIPPED_KINDS:
        registry.declare(kind)
    return registry
