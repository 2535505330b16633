"""The widget's small catalogue, built into ``/widget.js`` as it is served.

The widget is embedded on other sites, so it gets its translations without another
request (and without CORS): the hub replaces the empty ``CATALOGUES`` literal of
``static/widget/i18n.js`` with every locale's entries from the gettext ``widget`` domain
when it assembles the script (widget_bundle.py).
"""

from __future__ import annotations

import json
import re

from contact_center.i18n import DEFAULT_LOCALE, client_catalogue, supported_locales

_SLOT = re.compile(r"/\*cc-i18n\*/ \{\} /\*cc-i18n-end\*/")


def catalogues() -> dict[str, dict[str, str | list[str]]]:
    """locale → {English msgid: translation} for every language with a widget catalogue."""
    out: dict[str, dict[str, str | list[str]]] = {}
    for locale in supported_locales():
        if locale == DEFAULT_LOCALE:
            continue
        entries = client_catalogue(locale, "widget")
        if entries:
            out[locale] = entries
    return out


def fill_catalogues(source: str) -> str:
    """The widget's source with the catalogues written into its one empty slot."""
    data = json.dumps(catalogues(), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    # "</script" cannot appear in the JSON's strings once "<" is escaped.
    data = data.replace("<", "\\u003c")
    filled, count = _SLOT.subn(lambda _m: f"/*cc-i18n*/ {data} /*cc-i18n-end*/", source, count=1)
    if count != 1:
        raise RuntimeError("the widget lost its /*cc-i18n*/ {} /*cc-i18n-end*/ slot (static/widget/i18n.js)")
    return filled
