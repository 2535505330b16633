"""Reading the admin pages' HTML forms into the values the directory expects.

Every reader raises :class:`InvalidInput` naming the field, which the page shows as
a flash message; nothing here trusts what the browser sent.
"""

from __future__ import annotations

import re
from typing import Any

from contact_center.i18n import _
from repository.core.models import CHANNELS
from repository.errors import InvalidInput

_INTEGER = re.compile(r"-?\d{1,6}")


def text(form: dict[str, Any], name: str, max_length: int = 200, *, required: bool = False) -> str:
    value = form.get(name, "")
    if not isinstance(value, str):
        raise InvalidInput(_("%(field)s must be text.", field=name), field=name)
    value = value.strip()
    if "\x00" in value or len(value) > max_length:
        raise InvalidInput(
            _("%(field)s is at most %(max)s characters.", field=name.replace("_", " "), max=max_length),
            field=name,
        )
    if required and not value:
        raise InvalidInput(_("%(field)s is required.", field=name.replace("_", " ")), field=name)
    return value


def checkbox(form: dict[str, Any], name: str) -> bool:
    return name in form and form[name] not in ("", "0", "off")


def integer(form: dict[str, Any], name: str, low: int, high: int, default: int = 0) -> int:
    raw = text(form, name, 10)
    if not raw:
        return default
    if not _INTEGER.fullmatch(raw) or not low <= int(raw) <= high:
        raise InvalidInput(
            _(
                "%(field)s is a whole number from %(low)s to %(high)s.",
                field=name.replace("_", " "),
                low=low,
                high=high,
            ),
            field=name,
        )
    return int(raw)


def skills(form: dict[str, Any], name: str = "skills") -> list[str]:
    """A comma-separated list of skill names."""
    raw = text(form, name, 2000)
    return [part.strip() for part in raw.split(",") if part.strip()]


def capacity(form: dict[str, Any]) -> dict[str, int]:
    """One ``capacity_<channel>`` input per channel; an empty one means "the default"."""
    return {
        channel: integer(form, f"capacity_{channel}", 0, 50)
        for channel in CHANNELS
        if text(form, f"capacity_{channel}", 10)
    }


def choice(form: dict[str, Any], name: str, choices: tuple[str, ...]) -> str:
    value = text(form, name, 40)
    if value not in choices:
        raise InvalidInput(
            _("%(field)s must be one of %(choices)s.", field=name, choices=", ".join(choices)), field=name
        )
    return value


def skill_levels(form: dict[str, Any], name: str = "skill_levels") -> dict[str, int]:
    """``"billing=4, french=2"``: a level from 1 to 5 per skill (docs/sla.md); blank → none."""
    levels: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text(form, name, 2000).split(","))):
        skill, _sep, level = part.partition("=")
        level = level.strip()
        if not skill.strip() or not level.isdigit() or not 1 <= int(level) <= 5:
            raise InvalidInput(
                _("Skill levels are skill=level pairs from 1 to 5, such as billing=4."), field=name
            )
        levels[skill.strip().lower()] = int(level)
    return levels
