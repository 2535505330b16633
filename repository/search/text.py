"""Text analysis for CCR search: fold, cut into terms, and build the matching query.

One analyser serves both stores (see docs/search.md). Text is folded (NFKC, case
folding, Traditional → Simplified Chinese character by character through OpenCC),
then cut into runs:

* a run of CJK characters becomes overlapping bigrams plus its last character
  ("我要退货" → 我要 要退 退货 货), as Lucene's CJKAnalyzer does, so a two-character
  word is one exact term;
* any other run of letters and digits becomes the whole word followed by its
  trigrams ("refunded" → refunded ref efu fun und nde ded), so a query that only
  occurs inside a longer word is a phrase of consecutive trigrams. The whole word
  sits between two words' trigrams, so such a phrase can never straddle two words.

A query is analysed the same way into one *term* per run; every term must match
(AND). A term is an exact token, a phrase of consecutive tokens, or — for one or two
characters — a prefix. Terms are data, never query syntax: the store modules quote
them, so ``"``, ``*``, ``OR``, ``NEAR(`` or ``'`` in a query are only ever text.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

# Han (with extensions and compatibility forms), kana and Hangul: scripts written
# without spaces between words, indexed as bigrams.
_CJK_RANGES = (
    "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    "\U00020000-\U0002ebef\U00030000-\U0003134f"
)
_RUN = re.compile(f"(?P<cjk>[{_CJK_RANGES}]+)|(?P<word>[^\\W_{_CJK_RANGES}]+)")
# The PostgreSQL tsvector refuses lexemes over 2 KB; a longer "word" (a pasted blob)
# is still found through its trigrams, only its whole-word token is cut.
MAX_WORD_TOKEN = 100
MAX_QUERY_CHARS = 200
_PHONE_LIKE = re.compile(r"[\d\s+().\-/]+")


@functools.cache
def _t2s_table() -> dict[int, str]:
    """Every Traditional character OpenCC maps to a different Simplified one."""
    import opencc

    converter = opencc.OpenCC("t2s")
    table: dict[int, str] = {}
    for start, end in ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2EBEF)):
        for code in range(start, end + 1):
            char = chr(code)
            simplified = converter.convert(char)
            if simplified != char:
                table[code] = simplified
    return table


def fold(text: str) -> str:
    """The form both index and query are compared in: NFKC, case-folded, Simplified.

    Characters are converted one by one (not OpenCC's phrase mode) so folding is a
    per-character map: if a query is a substring of a text, its folded form is a
    substring of the text's folded form, which is what substring search needs.
    """
    return unicodedata.normalize("NFKC", text).casefold().translate(_t2s_table())


def fold_char(char: str) -> str:
    """:func:`fold` of one character (used to map highlights back to the original)."""
    return unicodedata.normalize("NFKC", char).casefold().translate(_t2s_table())


def _word_tokens(word: str) -> list[str]:
    if len(word) <= 3:
        return [word]
    return [word[:MAX_WORD_TOKEN], *(word[i : i + 3] for i in range(len(word) - 2))]


def _cjk_tokens(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [*(run[i : i + 2] for i in range(len(run) - 1)), run[-1]]


def tokens(text: str) -> list[str]:
    """The index tokens of ``text``, in order (positions matter for phrases)."""
    out: list[str] = []
    for match in _RUN.finditer(fold(text)):
        cjk = match.group("cjk")
        out.extend(_cjk_tokens(cjk) if cjk else _word_tokens(match.group("word")))
    return out


@dataclass(frozen=True)
class Term:
    """One run of the query: ``tokens`` in a row (a phrase), or a ``prefix`` of one token."""

    text: str  # the folded run, used to find highlights
    tokens: tuple[str, ...]
    prefix: bool = False


def _term(run: str, cjk: bool) -> Term:
    if len(run) <= 2 and not (cjk and len(run) == 2):
        # One CJK character, or one or two letters/digits: too short for a bigram or a
        # trigram, so match any token that starts with it.
        return Term(run, (run,), prefix=True)
    if cjk:
        return Term(run, tuple(run[i : i + 2] for i in range(len(run) - 1)))
    if len(run) == 3:
        return Term(run, (run,))
    return Term(run, tuple(run[i : i + 3] for i in range(len(run) - 2)))


def query_terms(query: str, *, phone: bool = False) -> list[Term]:
    """The terms every hit must contain; empty when the query has no searchable text.

    With ``phone=True`` a query made only of digits and phone punctuation
    ("+1 415-555", "(415) 555") is one run of digits, matched anywhere in a number.
    """
    query = unicodedata.normalize("NFC", query[:MAX_QUERY_CHARS])
    if phone and _PHONE_LIKE.fullmatch(query.strip() or "x"):
        digits = "".join(c for c in query if c.isdigit())
        return [_term(digits, cjk=False)] if digits else []
    terms: list[Term] = []
    for match in _RUN.finditer(fold(query)):
        cjk = match.group("cjk")
        term = _term(cjk, cjk=True) if cjk else _term(match.group("word"), cjk=False)
        if term not in terms:
            terms.append(term)
    return terms


def phone_digits(value: str | None) -> str:
    """A phone number as one run of digits, so "5550" is found in "+1 415-555-0100"."""
    return "".join(c for c in value or "" if c.isdigit())
