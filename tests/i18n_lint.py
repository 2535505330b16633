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
    for word in re.split(r"[\s\W_]+", text):
        if word and word not in ALLOWED and any(unicodedata.category(c).startswith("L") for c in word):
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
    # Keep line numbers: replace each construct by the same number of newlines.
    blanked = _JINJA.sub(lambda m: " " + "\n" * m.group(0).count("\n"), source)
    parser = _Collector()
    parser.feed(blanked)
    parser.close()
    return parser.found


_JS_STRING = re.compile(r"""(?<![\w$])(['"])((?:\\.|(?!\1).)*)\1|`((?:\\.|[^`\\])*)`""")
_NOT_UI = re.compile(
    r"console\.|querySelector|getElementById|addEventListener|classList|dataset|setAttribute\(\s*['\"](?:data-|class|role|id)|"
    r"createElement|\.type\s*===|type:\s*['\"]|import |require\(|new Error\(|throw "
)


# Places where even one word is shown to a person: text/label properties, toasts, placeholders.
_UI_SLOT = re.compile(
    r"(?:\btext|\blabel|\btitle|'aria-label'|\bplaceholder|\btextContent|\binnerText)\s*[:=]\s*(?:[^,;(){}]*\?\s*)?$|\b(?:toast|alert|confirm)\(\s*$"
)


def _prose(text: str) -> bool:
    if re.search(r"[\u3400-\u9fff]", text):
        return True
    plain = re.sub(r"\$\{[^}]*\}|\{\w+\}", " ", text)
    # Prose: two words or more with at least one capitalised word, or a sentence ending.
    words = re.findall(r"[A-Za-z][a-z']+", plain)
    return len(words) >= 2 and (bool(re.search(r"\b[A-Z][a-z]+\b", plain)) or plain.rstrip().endswith((".", "…", "?")))


def unmarked_js_strings(path: Path) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith(("//", "*", "/*")) or _NOT_UI.search(line):
            continue
        for match in _JS_STRING.finditer(line):
            text = match.group(2) if match.group(1) else re.sub(r"\$\{(?:[^{}]|\{[^{}]*\})*\}", " ", match.group(3))
            if not text or not (_prose(text) or (_UI_SLOT.search(line[: match.start()]) and _has_words(text))):
                continue
            before = line[: match.start()].rstrip()
            if re.search(r"(?<![\w$.])(t|tn)\(\s*$", before) or re.search(r"(?<![\w$.])tn\([^()]*,\s*$", before):
                continue
            found.append((lineno, text))
    return found
