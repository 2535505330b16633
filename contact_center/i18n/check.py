"""Is every marked string translated? ``python -m contact_center.i18n.check`` (also run by the tests).

Extraction uses the same maps and keywords as ``scripts/i18n-update``, straight from the
source tree, so a string marked a minute ago counts even before anyone re-ran the script.
"""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from contact_center.i18n.catalogues import BUILTIN_DIR, DEFAULT_LOCALE, read_catalogue, supported_locales

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent
MAPS = {"messages": HERE / "babel.cfg", "widget": HERE / "babel-widget.cfg"}
# Keep in step with KEYS in scripts/i18n-update.
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "_": None,
    "N_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "t": None,
    "tn": (1, 2),
    **dict.fromkeys(
        (
            "ContactCenterError",
            "InvalidInput",
            "NotFound",
            "Conflict",
            "Forbidden",
            "InvalidSignature",
            "FrameError",
        )
    ),
    "HTTPException": (2,),
    "HTTPError": (2,),
}


def extract(domain: str) -> dict[str, list[str]]:
    """msgid → ["path:line", …] for every string marked in the sources of ``domain``."""
    with MAPS[domain].open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found: dict[str, list[str]] = {}
    # Babel warns on stderr about every f-string passed to a keyword; scripts/i18n-update
    # shows those warnings, the check and the tests only need the messages.
    with contextlib.redirect_stderr(io.StringIO()):
        for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def missing(locale: str, domain: str, extracted: dict[str, list[str]]) -> dict[str, list[str]]:
    catalog = read_catalogue(locale, domain)
    done: set[str] = set()
    for message in catalog or ():
        if message.id and not message.fuzzy:
            strings = message.string if isinstance(message.string, tuple | list) else [message.string]
            if all(strings):
                done.add(message.id[0] if isinstance(message.id, tuple | list) else message.id)
    return {msgid: where for msgid, where in extracted.items() if msgid not in done}


def main() -> int:
    bad = 0
    locales = [loc for loc in supported_locales() if loc != DEFAULT_LOCALE]
    for domain in MAPS:
        extracted = extract(domain)
        for locale in locales:
            gaps = missing(locale, domain, extracted)
            print(f"{locale:10} {domain:9} {len(extracted) - len(gaps):5}/{len(extracted)} translated")
            for msgid, where in sorted(gaps.items()):
                print(f"    untranslated: {msgid!r}  ({where[0]})")
            bad += len(gaps)
    print(f"catalogues: {BUILTIN_DIR}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
