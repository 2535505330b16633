"""The gettext catalogues on disk: which languages exist and what they translate to.

Catalogues are plain ``.po`` files under ``locales/<locale>/LC_MESSAGES/<domain>.po``.
They are compiled in memory the first time a locale is used, so a fresh clone (or an
admin who drops in a new ``.po``) needs no ``pybabel compile`` step. Two domains exist:
``messages`` (Python, templates, agent desktop JS) and ``widget`` (the small catalogue
of the web chat widget's strings, shipped inside ``/widget.js``). See docs/i18n.md.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

DEFAULT_LOCALE = "en"
DOMAINS = ("messages", "widget")
BUILTIN_DIR = Path(__file__).parent / "locales"

# Native names for the picker; Babel's generic "中文 (简体)" reads oddly to users who
# expect the usual product labels. Dropped-in languages fall back to Babel's name.
NATIVE_NAMES = {"en": "English", "zh_Hans": "简体中文", "zh_Hant": "繁體中文"}

_lock = threading.Lock()
_cache: dict[tuple[str, str], NullTranslations] = {}
_po_cache: dict[tuple[str, str], dict[str, str | list[str]]] = {}


_extra_dir: Path | None = None


def configure(locales_dir: str | Path | None) -> None:
    """Also read catalogues from ``locales_dir`` (the ``LOCALES_DIR`` setting), ahead of the built-in ones."""
    global _extra_dir
    _extra_dir = Path(locales_dir) if locales_dir else None
    reload()


def locale_dirs() -> list[Path]:
    """Where catalogues are looked up: the admins' folder first, then the built-in one."""
    return [_extra_dir, BUILTIN_DIR] if _extra_dir else [BUILTIN_DIR]


def _po_path(locale: str, domain: str) -> Path | None:
    for base in locale_dirs():
        path = base / locale / "LC_MESSAGES" / f"{domain}.po"
        if path.is_file():
            return path
    return None


def supported_locales() -> list[str]:
    """Every locale with a ``messages.po`` (plus English, the source language), English first."""
    found = {DEFAULT_LOCALE}
    for base in locale_dirs():
        if base.is_dir():
            for child in base.iterdir():
                if (child / "LC_MESSAGES" / "messages.po").is_file() and _valid(child.name):
                    found.add(child.name)
    return [DEFAULT_LOCALE, *sorted(found - {DEFAULT_LOCALE})]


def _valid(name: str) -> bool:
    try:
        Locale.parse(name)
    except (ValueError, UnknownLocaleError):
        return False
    return True


def display_name(locale: str) -> str:
    if locale in NATIVE_NAMES:
        return NATIVE_NAMES[locale]
    try:
        return str(Locale.parse(locale).get_display_name(locale) or locale)
    except (ValueError, UnknownLocaleError):
        return locale


def bcp47(locale: str) -> str:
    """``zh_Hant`` → ``zh-Hant``: the tag browsers, ``<html lang>`` and ``Intl`` expect."""
    return locale.replace("_", "-")


def read_catalogue(locale: str, domain: str):
    path = _po_path(locale, domain)
    if path is None:
        return None
    with path.open("rb") as fh:
        return read_po(fh, locale=locale, domain=domain)


def translations(locale: str, domain: str = "messages") -> NullTranslations:
    """The compiled catalogue for ``locale``; an identity catalogue when none exists."""
    key = (locale, domain)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    with _lock:
        if key not in _cache:
            catalog = read_catalogue(locale, domain)
            if catalog is None:
                _cache[key] = NullTranslations()
            else:
                buf = io.BytesIO()
                # Fuzzy entries are guesses by msgmerge; showing them would be worse than English.
                write_mo(buf, catalog, use_fuzzy=False)
                buf.seek(0)
                _cache[key] = Translations(buf, domain=domain)
    return _cache[key]


def client_catalogue(
    locale: str, domain: str = "messages", suffix: str = ".js"
) -> dict[str, str | list[str]]:
    """msgid → translation (a list for plurals) of messages used in ``suffix`` files, for the browser."""
    key = (locale, f"{domain}{suffix}")
    if key in _po_cache:
        return _po_cache[key]
    out: dict[str, str | list[str]] = {}
    catalog = read_catalogue(locale, domain)
    for message in catalog or ():
        if not message.id or message.fuzzy or not message.string:
            continue
        if message.locations and not any(path.endswith(suffix) for path, _ in message.locations):
            continue
        if isinstance(message.id, tuple | list):
            forms = [str(s) for s in message.string]
            if all(forms):
                out[str(message.id[0])] = forms
        else:
            out[str(message.id)] = str(message.string)
    with _lock:
        _po_cache[key] = out
    return out


def reload() -> None:
    """Forget compiled catalogues, so edited or dropped-in ``.po`` files are read again."""
    with _lock:
        _cache.clear()
        _po_cache.clear()
