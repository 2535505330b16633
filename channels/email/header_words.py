"""Decoding header text the way bodies are decoded: leniently, with the charsets real mail uses.

The stdlib reads RFC 2047 encoded-words with the charset they name, so a GBK-only
character in a ``=?gb2312?…?=`` name (镕, common in Chinese names) comes out as ``�F``
or as a lone surrogate, and raw 8-bit bytes in a header (some providers send UTF-8
names unencoded) come out as surrogates, which no database accepts. Here each
encoded-word goes through :func:`channels.email.headers.decode_bytes` (GB2312 read as
GB18030, Big5 as Big5-HKSCS…), and raw 8-bit text is tried as UTF-8, then as the
charset the message declares, then as what charset_normalizer detects.
"""

from __future__ import annotations

import base64
import binascii
import re
from email.message import Message
from email.utils import getaddresses

from channels.email.headers import decode_bytes

_WORD = re.compile(r"=\?([^?\s]{1,60})\?([BbQq])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"(\?=)\s+(=\?)")
_FOLD = re.compile(r"\r?\n(?=[ \t])")


def raw_values(msg: Message, name: str) -> list[str]:
    """A header's values exactly as received (8-bit bytes as surrogates), unfolded."""
    wanted = name.lower()
    try:
        items = msg.raw_items() if hasattr(msg, "raw_items") else msg.items()
    except Exception:
        return []
    return [_FOLD.sub("", str(value)) for key, value in items if key.lower() == wanted]


def decode_text(value: str, fallback: str | None = None) -> str:
    """Header text with encoded-words and raw 8-bit bytes decoded; never raises, never a surrogate."""
    value = _BETWEEN_WORDS.sub(r"\1\2", value)  # whitespace between adjacent words is not text
    out: list[str] = []
    position = 0
    for match in _WORD.finditer(value):
        out.append(_raw_text(value[position : match.start()], fallback))
        out.append(_word(match))
        position = match.end()
    out.append(_raw_text(value[position:], fallback))
    return " ".join("".join(out).split())


def decoded_header(msg: Message, name: str, fallback: str | None = None) -> str:
    values = raw_values(msg, name)
    return decode_text(values[0], fallback) if values else ""


def decoded_addresses(msg: Message, name: str, fallback: str | None = None) -> list[tuple[str, str]]:
    """(display name, address) pairs, names decoded; a comment name, ``a@b (Anne)``, is kept."""
    try:
        pairs = getaddresses(raw_values(msg, name))
    except Exception:
        return []
    return [(decode_text(n, fallback), decode_text(a, fallback)) for n, a in pairs if a]


def _word(match: re.Match[str]) -> str:
    charset, encoding, text = match.group(1).split("*", 1)[0], match.group(2).upper(), match.group(3)
    try:
        if encoding == "B":
            data = base64.b64decode(text + "=" * (-len(text) % 4))
        else:
            data = re.sub(
                rb"=([0-9A-Fa-f]{2})",
                lambda m: bytes([int(m.group(1), 16)]),
                text.replace("_", " ").encode("ascii", "surrogateescape"),
            )
    except (binascii.Error, ValueError, UnicodeError):
        return match.group(0)
    return _clean(decode_bytes(data, charset))


def _raw_text(text: str, fallback: str | None) -> str:
    if text.isascii():
        return text
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeError:
        return _clean(text)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if fallback and fallback.lower() not in ("utf-8", "us-ascii", "ascii"):
        decoded = decode_bytes(data, fallback)
        if "\ufffd" not in decoded:
            return _clean(decoded)
    return _clean(_detected(data))


def _detected(data: bytes) -> str:
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
    except Exception:
        best = None
    if best is not None and best.encoding:
        return decode_bytes(data, best.encoding)
    return decode_bytes(data, "cp1252")


def _clean(text: str) -> str:
    """Text a database accepts: lone surrogates and control characters replaced."""
    return "".join(
        "\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else " " if ord(ch) < 32 or ord(ch) == 127 else ch
        for ch in text
    )
