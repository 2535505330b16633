"""Admin helpers for the CLI (placeholder until the admin commands land)."""

from __future__ import annotations

from typing import Any


def add_admin_commands(commands: Any) -> None:
    return None
