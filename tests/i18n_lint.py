"""Find user-visible text that skipped the i18n layer (used by tests/test_i18n_catalogues.py).

Templates: Jinja constructs are blanked out, the rest is parsed as HTML, and every
text node or visible attribute (title, placeholder, aria-label, alt) that still
contains a letter is reported. JS: string literals that look like prose (a capital
letter starting a word and a space, or CJK) outside a ``t(``/``tn(`` call and outside
lines that are clearly not UI (console, selectors, frame types) are reported.
"""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VISIBLE_ATTRS = {"title", "placeholder", "aria-label", "alt"}
# Words that are the same in every language we ship (brand marks, key caps).
ALLOWED = {"CC", "Enter", "Shift", "×", "OpenAPI", "REST", "API", "Bearer"}
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


def _has_words(text: str) -> bool:
    if re.fullmatch(r"\s*(?:\w+://|/)\S*\s*|\s*[\w.-]+/[\w/.-]+\s*|\s*[\w.+-]*[@.][\w.-]+\s*", text):
        return False  # a URL, a path, an e-mail address, a host name or Europe/Berlin: not words
    for word in re.split(r"[\s\W_]+", text):
        if not word or word in ALLOWED or (word.isupper() and len(word) <= 5):
            continue  # acronyms (HTTP, PDF, CSV) read the same in every language we ship
        if any(unicodedata.category(c).startswith("L") for c in word):
            return True
    return False


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "code"):
            self._skip += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRS and value and _has_words(value):
                self.found.append((self.getpos()[0], f'{name}="{value}"'))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and _has_words(data):
            self.found.append((self.getpos()[0], data.strip()))


def unwrapped_template_text(path: Path) -> list[tuple[int, str]]:
    source = path.read_text(encoding="utf-8")
    # body_class holds CSS class names, not words (it lands in <body class="…">).
    source = re.sub(r"\{%-?\s*block body_class\s*-?%\}.*?\{%-?\s*endblock\s*-?%\}", "", source, flags=re.S)
    # Keep line numbers: replace each construct by the same number of newlines.
    blanked = _JINJA.sub(lambda m: " " + "\n" * m.group(0).count("\n"), source)
    parser = _Collector()
    parser.feed(blanked)
    parser.close()
    return parser.found


_JS_STRING = re.compile(r"""(?<![\w$])(['"])((?:\\.|(?!\1).)*)\1|`((?:\\.|[^`\\])*)`""")
_NOT_UI = re.compile(
    r"console\.|querySelector|getElementById|addEventListener|classList|dataset|setAttribute\(\s*['\"](?:data-|class|role|id)|"
    r"createElement|\.type\s*===|type:\s*['\"]|import |require\("
)


# Places where even one word is shown to a person: text/label properties, toasts, placeholders.
_UI_SLOT = re.compile(
    r"(?:\btext|\blabel|\btitle|'aria-label'|\bplaceholder|\btextContent|\binnerText)\s*[:=]\s*(?:[^,;(){}]*\?\s*)?$"
    r"|\b(?:toast|alert|confirm)\(\s*$"
)
# A CSS font stack inside a style template: quoted family names, commas and keywords only.
_FONT_LINE = re.compile(
    r"""\s*(?:font-family:\s*)?(?:[\w-]+|"[^"]*"|'[^']*')(?:\s*,\s*(?:[\w-]+|"[^"]*"|'[^']*'))*\s*[,;]?\s*"""
)
_INTERPOLATION = re.compile(r"\$\{(?:[^{}]|\{[^{}]*\})*\}")


def _prose(text: str) -> bool:
    if re.search(r"[\u3400-\u9fff]", text):
        return True
    plain = re.sub(r"\$\{[^}]*\}|\{\w+\}", " ", text)
    # Prose: two words or more with at least one capitalised word, or a sentence ending.
    words = re.findall(r"[A-Za-z][a-z']+", plain)
    return len(words) >= 2 and (
        bool(re.search(r"\b[A-Z][a-z]+\b", plain)) or plain.rstrip().endswith((".", "…", "?"))
    )


def _code_not_text(text: str, template: bool) -> bool:
    if template and ("${" in text or "=>" in text):
        return True  # a nested template literal the regex cannot pair up: code, not prose
    if re.fullmatch(r"X-[\w-]+", text):
        return True  # an HTTP header name
    return bool(re.fullmatch(r"\s*(?:\w+://|/)\S*\s*", text))  # a URL or a path


def unmarked_js_strings(path: Path) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = re.sub(r"\s//\s.*$", "", raw)  # a trailing comment is for developers
        stripped = line.strip()
        if stripped.startswith(("//", "*", "/*")) or _NOT_UI.search(line) or _FONT_LINE.fullmatch(line):
            continue
        for match in _JS_STRING.finditer(line):
            template = not match.group(1)
            text = _INTERPOLATION.sub(" ", match.group(3)) if template else match.group(2)
            if not text or _code_not_text(text, template):
                continue
            if not (_prose(text) or (_UI_SLOT.search(line[: match.start()]) and _has_words(text))):
                continue
            before = line[: match.start()].rstrip()
            if re.search(r"(?<![\w$.])(t|tn)\(\s*$", before) or re.search(
                r"(?<![\w$.])tn\([^()]*,\s*$", before
            ):
                continue
            found.append((lineno, text))
    return found
