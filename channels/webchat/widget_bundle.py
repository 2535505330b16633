"""``/widget.js``: the widget's ES modules bundled into one script, with its catalogues and an ETag.

The widget is written as small ES modules in ``static/widget/`` (one concept each), and
shares ``agent_ui/static/ui-core.js`` (element builder, clock) with the desk. An embedding
site loads it with ONE ``<script>`` tag and ONE request, so module_bundle.py puts the
modules reachable from ``bootstrap.js`` (which imports the parts in the order the widget is
built) into one ``(() => { "use strict"; … })();``: nothing leaks into the host page's
globals. The translations are written in (widget_i18n.py), the bytes are kept per version
of the modules and catalogue folders, and their hash is the ETag.
See docs/protocol.md ("The widget script").
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from channels.webchat.module_bundle import bundle
from channels.webchat.widget_i18n import fill_catalogues
from contact_center.i18n.catalogues import locale_dirs

WIDGET_DIR = Path(__file__).parent / "static" / "widget"

ENTRY = "bootstrap.js"
# ui-core.js and the rest of the desk's modules (imported as /static/name.js).
STATIC_DIR = Path(__file__).resolve().parents[2] / "agent_ui" / "static"

_OPEN = '(() => {\n  "use strict";\n'
_CLOSE = "})();\n"


@dataclass(frozen=True)
class Bundle:
    body: bytes
    etag: str  # a strong validator, quoted as HTTP wants it

    def matches(self, if_none_match: str | None) -> bool:
        """True when the client's If-None-Match names this version (or is ``*``)."""
        if not if_none_match:
            return False
        for candidate in if_none_match.split(","):
            tag = candidate.strip()
            if tag == "*" or tag.removeprefix("W/") == self.etag:  # weak comparison (RFC 9110 13.1.2)
                return True
        return False


def widget_bundle(folder: Path = WIDGET_DIR, static_dir: Path = STATIC_DIR) -> Bundle:
    """The current /widget.js. Reads only file metadata unless a module or the catalogue folders changed."""
    files = sorted([*folder.glob("*.js"), *static_dir.glob("*.js")])
    stamp = tuple((str(path), *_stat(path)) for path in files)
    return _build(folder, static_dir, stamp, tuple(locale_dirs()))


def _stat(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_mtime_ns, info.st_size


@lru_cache(maxsize=4)
def _build(
    folder: Path,
    static_dir: Path,
    _stamp: tuple[tuple[str, int, int], ...],
    _catalogue_dirs: tuple[Path, ...],
) -> Bundle:
    pieces = [
        "/* Contact-center web chat widget, bundled by the hub from channels/webchat/static/widget/ */\n",
        _OPEN,
        bundle(folder / ENTRY, static_dir, label="widget"),
        _CLOSE,
    ]
    body = fill_catalogues("".join(pieces)).encode("utf-8")
    return Bundle(body=body, etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"')
