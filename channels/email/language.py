"""Which of our languages a customer wrote in, from what their mail itself declares.

Used for the mails the product sends on its own (the acknowledgement of a new thread).
In order:

1. ``Content-Language`` (RFC 3282), e.g. ``zh-TW`` → zh_Hant, ``zh-CN`` → zh_Hans,
   matched like a browser's Accept-Language (contact_center.i18n.negotiate);
2. a charset that only Chinese mail uses: the GB family (GB2312, GBK, GB18030, HZ) →
   zh_Hans, Big5 (and Big5-HKSCS, CP950) → zh_Hant — in a text part or an encoded-word
   of the Subject;
3. nothing: the caller falls back to the mailbox's ``language``.

A UTF-8 mail without Content-Language says nothing about its language; guessing from
the characters would mix up Japanese kanji, Traditional and Simplified text, so we don't.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable

from contact_center.i18n import DEFAULT_LOCALE, negotiate, supported_locales

# Python's canonical codec names (codecs.lookup folds aliases such as cp936, euc-cn,
# eucgb2312_cn or big5_tw into these) plus labels Python does not know.
SIMPLIFIED_CHARSETS = frozenset({"gb2312", "gbk", "gb18030", "hz", "x-gbk", "x-euc-cn", "csgb2312"})
TRADITIONAL_CHARSETS = frozenset({"big5", "big5hkscs", "cp950", "x-big5", "csbig5", "x-x-big5"})


def _canonical(charset: str) -> str:
    name = charset.strip().strip('"').lower()[:40]
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):  # unknown, or junk such as a NUL
        return name


def from_content_language(value: str, supported: list[str]) -> str | None:
    tags = [t.strip() for t in value.split(",") if t.strip()][:10]
    if not tags:
        return None
    found = negotiate(",".join(tags), supported)
    if found == DEFAULT_LOCALE and not any(t.lower().split("-")[0] == DEFAULT_LOCALE for t in tags):
        return None  # a language we have no catalogue for: let the charset or the mailbox decide
    return found


def from_charsets(charsets: Iterable[str], supported: list[str]) -> str | None:
    for raw in charsets:
        name = _canonical(raw)
        if name in SIMPLIFIED_CHARSETS and "zh_Hans" in supported:
            return "zh_Hans"
        if name in TRADITIONAL_CHARSETS and "zh_Hant" in supported:
            return "zh_Hant"
    return None


def customer_language(content_language: str, charsets: Iterable[str], fallback: str) -> str:
    """The locale to write to this customer in; ``fallback`` (the mailbox's) when the mail does not say."""
    supported = supported_locales()
    found = from_content_language(content_language[:200], supported) or from_charsets(charsets, supported)
    if found:
        return found
    return fallback if fallback in supported else DEFAULT_LOCALE
