"""Splitting a reply into what the customer wrote now and the quoted history below it.

The quoted part is kept (the desktop folds it away behind a click), so a wrong
guess here costs a click, never text. The split happens at the first attribution
line ("On … wrote:", "Am … schrieb", "在 … 写道：", Outlook's "-----Original
Message-----" or "From:/Sent:" block) or the first ``>`` line — but only when
something was written above it: a bottom-posted reply is left whole.
"""

from __future__ import annotations

import re

_ATTRIBUTION = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^on\b.{0,300}\bwrote:\s*$",
        r"^am\b.{0,300}\bschrieb.{0,100}:\s*$",
        r"^le\b.{0,300}\ba écrit\s*:\s*$",
        r"^el\b.{0,300}\bescribió:\s*$",
        r"^op\b.{0,300}\bschreef.{0,100}:\s*$",
        r"^.{0,300}(写道|寫道)\s*[:：]?\s*$",
        r"^.{0,200}のメッセージ[:：]?\s*$",
        r"^-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|原始邮件|原始郵件)\s*-{2,}\s*$",
        r"^-{3,}\s*forwarded message\s*-{3,}\s*$",
    )
]
_HEADER_BLOCK = re.compile(r"^(from|von|de|发件人|寄件者)\s*[:：]", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^(sent|date|gesendet|envoyé|发送时间|寄件日期|to|an|à|收件人)\s*[:：]", re.IGNORECASE
)


def _quote_start(lines: list[str]) -> int | None:
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith(">"):
            return i
        joined = stripped + " " + lines[i + 1].strip() if i + 1 < len(lines) else stripped
        if any(p.match(stripped) or p.match(joined) for p in _ATTRIBUTION):
            return i
        if (
            re.fullmatch(r"_{10,}", stripped)
            and i + 1 < len(lines)
            and _HEADER_BLOCK.match(lines[i + 1].strip())
        ):
            return i
        if _HEADER_BLOCK.match(stripped) and any(_HEADER_NEXT.match(n.strip()) for n in lines[i + 1 : i + 4]):
            return i
    return None


def split_quoted(text: str) -> tuple[str, str]:
    """(what was written now, the quoted history); the history may be empty."""
    lines = text.replace("\r\n", "\n").split("\n")
    start = _quote_start(lines)
    if start is None:
        return text.strip("\n"), ""
    fresh = "\n".join(lines[:start]).strip()
    if not fresh:
        return text.strip("\n"), ""
    return fresh, "\n".join(lines[start:]).strip("\n")
