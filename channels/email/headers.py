"""Reading charsets and headers of real-world mail without tripping over them.

Body text is decoded here rather than by ``get_content()`` so that mislabelled
charsets still come out readable: GB2312 mail is nearly always GBK/GB18030 in
practice, Big5 is often Big5-HKSCS, and ISO-2022-JP mail carries extensions.
Header readers never raise: a header the modern policy cannot represent reads as
empty. Address lists and free text are decoded in ``header_words.py``.
"""

from __future__ import annotations

import re
from email import policy
from email.headerregistry import Address
from email.message import Message
from functools import lru_cache
from typing import Any

_MSGID = re.compile(r"<([^<>\s]{1,250})>")
_ENCODED_WORD = re.compile(rb"=\?([A-Za-z0-9_.:-]{1,40})(?:\*[A-Za-z-]+)?\?[BbQq]\?")
CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "iso-2022-jp": "iso2022_jp_2",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "unicode-1-1-utf-7": "utf-7",
}


class _ParsedOncePolicy(policy.EmailPolicy):
    """``policy.default``, except that a header value is parsed once, not on every read.

    The modern policy parses a header each time it is read, and reading a part's
    type, charset, disposition and filename reads its Content-Type and
    Content-Disposition again and again: two thirds of a plain mail's parse. The
    parsed header objects are immutable, so equal (name, value) pairs share one.
    """

    def header_fetch_parse(self, name: str, value: Any) -> Any:
        if hasattr(value, "name"):
            return value
        if len(value) > _CACHED_VALUE_CHARS:  # a hostile 1 MB header is not kept around
            return policy.default.header_fetch_parse(name, value)
        return _parsed_header(name, value)


_CACHED_VALUE_CHARS = 2000


@lru_cache(maxsize=4096)
def _parsed_header(name: str, value: str) -> Any:
    return policy.default.header_fetch_parse(name, value)


# What inbound mail is parsed with (channels/email/mime.py).
PARSE_POLICY = _ParsedOncePolicy()


def decode_bytes(data: bytes, charset: str | None) -> str:
    name = (charset or "utf-8").strip().strip('"').lower()
    name = CHARSET_ALIASES.get(name, name)
    if name == "utf-8":
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            # Undeclared 8-bit text: Windows-1252 is what such mail almost always is.
            return data.decode("cp1252", errors="replace")
    try:
        return data.decode(name, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def encoded_word_charsets(head: bytes) -> list[str]:
    """The charsets named by RFC 2047 encoded-words in raw header bytes (at most 10)."""
    return [c.decode("ascii").lower() for c in _ENCODED_WORD.findall(head)[:10]]


def message_ids(value: str | None) -> list[str]:
    """The Message-IDs in a header value, in order, without angle brackets."""
    return _MSGID.findall(value or "")


# What a plain Message-ID looks like: <dot-atom@dot-atom>. Parsing one through the modern
# policy (the slowest header parser it has, and each mail's ids are new, so nothing is
# cached) gives back exactly this text; anything else still goes through the parser.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = rf"{_ATEXT}(?:\.{_ATEXT})*"
_PLAIN_MESSAGE_ID = re.compile(rf"\s*<{_DOT_ATOM}@{_DOT_ATOM}>\s*")
# Headers the modern policy reads as unstructured text: for ASCII without encoded-words
# its parse returns the text as it is.
_UNSTRUCTURED = frozenset({"in-reply-to", "references", "content-id"})


def header_text(msg: Message, name: str) -> str:
    """A header's decoded value on one line, or "" when absent or unreadable."""
    plain = _plain_value(msg, name)
    if plain is not None:
        return " ".join(plain.split())
    try:
        value = msg.get(name)
    except Exception:  # a header the modern policy cannot even represent
        value = None
    if value is None:
        return ""
    return " ".join(str(value).split())


def _plain_value(msg: Message, name: str) -> str | None:
    """The raw value when parsing it could not change it (see above), else None."""
    key = name.lower()
    if key != "message-id" and key not in _UNSTRUCTURED:
        return None
    raw = next((str(v) for k, v in msg.raw_items() if k.lower() == key), None)
    if raw is None or not raw.isascii():
        return None
    if key == "message-id":
        return raw if _PLAIN_MESSAGE_ID.fullmatch(raw) else None
    return raw if "=?" not in raw else None


def valid_address(addr: str) -> bool:
    local, at, domain = addr.partition("@")
    return bool(
        at and local and domain and "." in domain.strip(".") and not re.search(r"[\s<>()\[\],;\"]", addr)
    )


def format_address(name: str, addr: str) -> str:
    return str(Address(display_name=name, addr_spec=addr)) if name else addr
