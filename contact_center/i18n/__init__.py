"""Translations for the whole product: gettext catalogues (Babel), the current locale, formatting.

    from contact_center.i18n import _, N_, ngettext, use_locale
    _("Hello %(name)s", name=agent.display_name)

Catalogues: ``contact_center/i18n/locales/<locale>/LC_MESSAGES/{messages,widget}.po``.
How to extract, translate and add a language: docs/i18n.md, ``scripts/i18n-update``.
"""

from __future__ import annotations

from contact_center.i18n.catalogues import (
    DEFAULT_LOCALE,
    bcp47,
    client_catalogue,
    configure,
    display_name,
    reload,
    supported_locales,
    translations,
)
from contact_center.i18n.formatting import (
    format_date,
    format_datetime,
    format_duration,
    format_number,
    format_percent,
    format_relative,
    format_time,
)
from contact_center.i18n.middleware import LANG_COOKIE, LocaleMiddleware
from contact_center.i18n.translate import (
    DEFAULT_TIMEZONE,
    N_,
    LocaleState,
    _,
    current_locale,
    current_timezone,
    gettext,
    negotiate,
    ngettext,
    set_locale,
    use_locale,
    valid_timezone,
)

__all__ = [
    "DEFAULT_LOCALE",
    "DEFAULT_TIMEZONE",
    "LANG_COOKIE",
    "LocaleMiddleware",
    "LocaleState",
    "N_",
    "_",
    "bcp47",
    "client_catalogue",
    "configure",
    "current_locale",
    "current_timezone",
    "display_name",
    "format_date",
    "format_datetime",
    "format_duration",
    "format_number",
    "format_percent",
    "format_relative",
    "format_time",
    "gettext",
    "negotiate",
    "ngettext",
    "reload",
    "set_locale",
    "supported_locales",
    "translations",
    "use_locale",
    "valid_timezone",
]
