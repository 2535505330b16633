"""The voice channel kind: calls come by Twilio (channels/twilio) and by a PBX's CTI events (channels/cti)."""

from __future__ import annotations

from channels.base import ChannelKind
from contact_center.i18n import N_

# One call at a time; nothing is sent back on a call (an agent's note on it stays in the record).
VOICE = ChannelKind("voice", N_("Voice"), capacity=1)
