"""REST API plugin (placeholder until the API lands)."""

from __future__ import annotations

from contact_center.context import AppContext, Plugin


def plugin(ctx: AppContext) -> Plugin:
    return Plugin()
