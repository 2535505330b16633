"""Translated names for the values the UI shows: roles, presence, channels, statuses, strategies.

The stored values stay English identifiers; only their display goes through gettext.
Templates call ``label("role", agent.role)``; JS gets the same table as ``t()`` keys.
Channel names are the app's channel registry's (channels/base.py); pages also get
them as data, ``page_channels()``, for their scripts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jinja2 import pass_context

from contact_center.i18n import N_, _

if TYPE_CHECKING:
    from jinja2.runtime import Context

    from channels.base import ChannelRegistry

LABELS: dict[str, dict[str, str]] = {
    "role": {"agent": N_("Agent"), "supervisor": N_("Supervisor"), "admin": N_("Administrator")},
    "presence": {"available": N_("Available"), "away": N_("Away"), "offline": N_("Offline")},
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


def _registry(context: Context) -> ChannelRegistry:
    registry: ChannelRegistry = context["request"].app.state.ctx.channels
    return registry


@pass_context
def label(context: Context, kind: str, value: str | None) -> str:
    """The translated display name of ``value``; unknown values are shown as they are."""
    if value is None:
        return ""
    if kind == "channel":
        channel = _registry(context).kind(value)
        return _(channel.label) if channel else value
    text = LABELS.get(kind, {}).get(value)
    return _(text) if text else value


@pass_context
def page_channels(context: Context) -> list[dict[str, Any]]:
    """Every channel of the app, named in the viewer's language: ``<script id="cc-channels">`` data."""
    return [{"kind": k.kind, "label": _(k.label)} for k in _registry(context).kinds()]
