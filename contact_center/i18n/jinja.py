"""Jinja2's i18n extension, bound to the current locale (newstyle gettext).

Templates write ``{{ _("Hello %(name)s", name=agent.display_name) }}``; the extension
escapes the variables and fills them in after translating.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from jinja2 import pass_context
from markupsafe import Markup

from contact_center.i18n import formatting
from contact_center.i18n.catalogues import bcp47, client_catalogue, display_name, supported_locales
from contact_center.i18n.translate import current_locale, current_timezone, gettext, ngettext_raw

if TYPE_CHECKING:
    from collections.abc import Callable

    from jinja2 import Environment


def install(env: Environment) -> Environment:
    """Give ``env`` ``_``/``gettext``/``ngettext``, the format filters and the locale globals."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(gettext=gettext, ngettext=ngettext_raw, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        current_locale=current_locale,
        current_timezone=current_timezone,
        html_lang=lambda: bcp47(current_locale()),
        language_choices=lambda: [(code, display_name(code)) for code in supported_locales()],
        i18n_json=client_config,
    )
    env.filters.update(
        datetime=_per_render(formatting.format_datetime),
        date=_per_render(formatting.format_date),
        time=_per_render(formatting.format_time),
        number=_per_render(formatting.format_number),
        percent=_per_render(formatting.format_percent),
        duration=_per_render(formatting.format_duration),
    )
    return env


def _per_render(fn: Callable[..., str]) -> Callable[..., str]:
    # pass_context stops Jinja's optimiser from folding `{{ 130|duration }}` at compile
    # time, which would freeze the output in whatever locale compiled the template.
    @pass_context
    def render(_context: Any, *args: Any, **kwargs: Any) -> str:
        return fn(*args, **kwargs)

    return render


def client_config(timezone: str | None = None) -> Markup:
    """The JSON that agent-i18n.js reads from ``<script type="application/json" id="cc-i18n">``."""
    locale = current_locale()
    data = {
        "locale": locale,
        "lang": bcp47(locale),
        "timezone": timezone,
        "messages": client_catalogue(locale) if locale != "en" else {},
    }
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # Inside <script>, "</" would end the element early; escape what HTML cares about.
    safe = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(safe)  # noqa: S704 - JSON with <, >, & escaped cannot break out of the element
