"""Highlighted snippets of search hits, safe to put in a page.

The match is found on the folded text (so 發票 is highlighted by a query for 发票)
and mapped back to the characters as stored. A snippet comes three ways: plain
``text``, ``ranges`` into it (code points) for a client that builds the marks
itself, and ``html`` in which everything but the ``<mark>`` tags is escaped.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from repository.search.text import Term, fold, fold_char

SNIPPET_CHARS = 160
ELLIPSIS = "…"


@dataclass(frozen=True)
class Snippet:
    text: str
    ranges: list[tuple[int, int]]

    @property
    def html(self) -> str:
        out: list[str] = []
        at = 0
        for start, end in self.ranges:
            out.append(html.escape(self.text[at:start]))
            out.append("<mark>" + html.escape(self.text[start:end]) + "</mark>")
            at = end
        out.append(html.escape(self.text[at:]))
        return "".join(out)

    def as_dict(self) -> dict[str, object]:
        return {"snippet": self.text, "snippet_html": self.html, "highlights": [list(r) for r in self.ranges]}


def _folded_with_owners(text: str) -> tuple[str, list[int]]:
    """The folded text, and for each of its characters the index of the original one."""
    folded = fold(text)
    if len(folded) == len(text):
        # The usual case: folding kept one character per character.
        return folded, list(range(len(text)))
    pieces: list[str] = []
    owners: list[int] = []
    for index, char in enumerate(text):
        piece = fold_char(char)
        pieces.append(piece)
        owners.extend([index] * len(piece))
    return "".join(pieces), owners


def match_ranges(text: str, terms: list[Term]) -> list[tuple[int, int]]:
    """Where any term occurs in ``text`` (original indexes), merged and in order."""
    folded, owners = _folded_with_owners(text)
    found: list[tuple[int, int]] = []
    for term in terms:
        if not term.text:
            continue
        at = folded.find(term.text)
        while at != -1:
            found.append((owners[at], owners[at + len(term.text) - 1] + 1))
            at = folded.find(term.text, at + len(term.text))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def snippet(text: str, terms: list[Term], width: int = SNIPPET_CHARS) -> Snippet:
    """At most ``width`` characters of ``text`` around its first match, matches marked."""
    ranges = match_ranges(text, terms)
    if len(text) <= width:
        return Snippet(text, ranges)
    first = ranges[0][0] if ranges else 0
    start = max(0, min(first - width // 4, len(text) - width))
    end = start + width
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if end < len(text) else ""
    shift = len(prefix) - start
    inside = [(max(s, start) + shift, min(e, end) + shift) for s, e in ranges if s < end and e > start]
    return Snippet(prefix + text[start:end] + suffix, inside)
