"""Translated names for the fixed values the UI shows: roles, presence, channels, statuses, strategies.

The stored values stay English identifiers; only their display goes through gettext.
Templates call ``label("role", agent.role)``; JS gets the same table as ``t()`` keys.
"""

from __future__ import annotations

from contact_center.i18n import N_, _

LABELS: dict[str, dict[str, str]] = {
    "role": {"agent": N_("Agent"), "supervisor": N_("Supervisor"), "admin": N_("Administrator")},
    "presence": {"available": N_("Available"), "away": N_("Away"), "offline": N_("Offline")},
    "channel": {"chat": N_("Chat"), "email": N_("Email"), "sms": N_("SMS"), "voice": N_("Voice")},
    "strategy": {
        "longest_idle": N_("longest idle"),
        "round_robin": N_("round robin"),
        "least_busy": N_("least busy"),
    },
    "status": {
        "queued": N_("Queued"),
        "offered": N_("Offered"),
        "active": N_("active"),
        "wrapup": N_("Wrap-up"),
        "closed": N_("Closed"),
        "revoked": N_("revoked"),
        "retired": N_("retired"),
    },
}


def label(kind: str, value: str | None) -> str:
    """The translated display name of ``value``; unknown values are shown as they are."""
    if value is None:
        return ""
    text = LABELS.get(kind, {}).get(value)
    return _(text) if text else value
