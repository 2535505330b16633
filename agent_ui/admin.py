"""Admin pages (placeholder until the admin UI lands)."""

from __future__ import annotations

from typing import Any


def admin_routes(ctx: Any, templates: Any) -> list[Any]:
    return []
