"""A queue's tier boosts as admins type them: ``platinum=30, gold=15``."""

from __future__ import annotations

import re

from contact_center.i18n import _
from repository.errors import InvalidInput

_PAIR = re.compile(r"^\s*([a-z][a-z0-9_]{0,19})\s*[=:]\s*(-?\d{1,3})\s*$")
MAX_BOOST = 100


def parse_tier_boosts(text: str) -> dict[str, int]:
    """``"platinum=30, gold=15"`` → {"platinum": 30, "gold": 15}; blank → no boosts."""
    boosts: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.lower().split(","))):
        match = _PAIR.match(part)
        if match is None or not -MAX_BOOST <= int(match.group(2)) <= MAX_BOOST:
            raise InvalidInput(
                _("Tier boosts are tier=points pairs from -100 to 100, such as platinum=30, gold=15."),
                field="tier_boosts",
            )
        boosts[match.group(1)] = int(match.group(2))
    return boosts


def check_tier_boosts(value: object) -> dict[str, int]:
    """A JSON object of tier → points (from the API), checked like the typed form."""
    if not isinstance(value, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value.values()
    ):
        raise InvalidInput(_("Tier boosts are an object of tier to whole points."), field="tier_boosts")
    return parse_tier_boosts(", ".join(f"{k}={v}" for k, v in value.items()))


def format_tier_boosts(boosts: dict[str, int]) -> str:
    return ", ".join(f"{tier}={points}" for tier, points in sorted(boosts.items(), key=lambda kv: -kv[1]))
