"""The current locale and time zone, and the functions that translate into them.

The locale travels in a context variable, so it follows a request (or a websocket
session) into every function it calls without being passed around. The web layer sets
it per request (``LocaleMiddleware``); background work uses ``use_locale``.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.core import get_global

from contact_center.i18n.catalogues import DEFAULT_LOCALE, supported_locales, translations

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

DEFAULT_TIMEZONE = "UTC"


@dataclass(frozen=True)
class LocaleState:
    locale: str = DEFAULT_LOCALE
    timezone: str = DEFAULT_TIMEZONE


# LocaleState is frozen, so sharing the default instance is safe.
locale_state: ContextVar[LocaleState] = ContextVar("cc_locale", default=LocaleState())  # noqa: B039


def current_locale() -> str:
    return locale_state.get().locale


def current_timezone() -> str:
    return locale_state.get().timezone


def valid_timezone(name: str | None) -> str | None:
    """``name`` if it is an IANA zone this machine knows, else None."""
    if not name or len(name) > 64:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def set_locale(locale: str | None, timezone: str | None = None) -> None:
    """Switch the current context (this request, this task) to ``locale`` / ``timezone``."""
    locale_state.set(resolve_locale(locale, timezone))


def resolve_locale(locale: str | None, timezone: str | None) -> LocaleState:
    supported = supported_locales()
    chosen = locale if locale in supported else negotiate(locale or "", supported)
    return LocaleState(chosen, valid_timezone(timezone) or current_timezone())


@contextmanager
def use_locale(locale: str | None, timezone: str | None = None) -> Iterator[LocaleState]:
    """Translate into ``locale`` (and format in ``timezone``) inside the block."""
    token = locale_state.set(resolve_locale(locale, timezone))
    try:
        yield locale_state.get()
    finally:
        locale_state.reset(token)


def gettext(message: str) -> str:
    """Translate without interpolation (what Jinja's newstyle gettext wraps)."""
    return translations(current_locale()).gettext(message)


def ngettext_raw(singular: str, plural: str, n: int) -> str:
    return translations(current_locale()).ngettext(singular, plural, n)


def _(message: str, **params: Any) -> str:
    """``message`` in the current locale, with ``%(name)s`` placeholders filled from ``params``."""
    text = gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
    """Plural-aware ``_``; ``%(num)s`` is filled with ``n`` unless given."""
    text = ngettext_raw(singular, plural, n)
    params.setdefault("num", n)
    return text % params


def N_(message: str) -> str:
    """Mark a module-level string for extraction; translate it later with ``_(VALUE)``."""
    return message


_TAG = re.compile(r"^[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*$")


def _parse_accept(header: str) -> list[str]:
    entries: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:32]):
        tag, _sep, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*" or not _TAG.match(tag):
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _eq, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            entries.append((-quality, index, tag))
    return [tag for _q, _i, tag in sorted(entries)]


def _match(tag: str, supported: Iterable[str]) -> str | None:
    by_key = {s.lower().replace("-", "_"): s for s in supported}
    key = tag.lower().replace("-", "_")
    if key in by_key:
        return by_key[key]
    parts = key.split("_")
    # An explicit script subtag (zh-Hant-CN) outranks what the region would suggest.
    scripts = [p for p in parts[1:] if len(p) == 4 and p.isalpha()]
    if scripts and f"{parts[0]}_{scripts[0]}" in by_key:
        return by_key[f"{parts[0]}_{scripts[0]}"]
    try:
        # Babel fills in the likely script: zh-TW → zh_Hant_TW, zh-CN → zh_Hans_CN.
        parsed = Locale.parse(tag.replace("-", "_"))
    except (ValueError, UnknownLocaleError, TypeError):
        return None
    script = parsed.script
    if script is None:
        likely = str(get_global("likely_subtags").get(parsed.language, ""))
        parts = likely.split("_")
        script = parts[1] if len(parts) > 2 else None
    candidates = [f"{parsed.language}_{script}"] if script else []
    candidates.append(parsed.language)
    for candidate in candidates:
        if candidate.lower() in by_key:
            return by_key[candidate.lower()]
    # Any catalogue of the same language beats the default (e.g. zh-Hant-SG with only zh_Hans).
    for low, original in by_key.items():
        if low.split("_")[0] == parsed.language.lower():
            return original
    return None


def negotiate(accept_language: str | None, supported: Iterable[str] | None = None) -> str:
    """The best of ``supported`` for an ``Accept-Language`` header (or one tag); English if none fits."""
    options = list(supported) if supported is not None else supported_locales()
    for tag in _parse_accept(accept_language or ""):
        found = _match(tag, options)
        if found:
            return found
    return DEFAULT_LOCALE if DEFAULT_LOCALE in options or not options else options[0]
