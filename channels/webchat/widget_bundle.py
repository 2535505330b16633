"""``/widget.js``: the widget's parts joined into one script, with its catalogues and an ETag.

The widget is written as small files in ``static/widget/`` (one concept each), but an
embedding site loads it with ONE ``<script>`` tag and ONE request. The parts are fragments
of a single function body: they are joined in the fixed order of ``PARTS`` inside one
``(() => { "use strict"; … })();``, so they share that function's scope and nothing leaks
into the host page's globals. The translations are written in (widget_i18n.py), the bytes
are kept per version of the parts and catalogue folders, and their hash is the ETag.
See docs/protocol.md ("The widget script").
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from channels.webchat.widget_i18n import fill_catalogues
from contact_center.i18n.catalogues import locale_dirs

WIDGET_DIR = Path(__file__).parent / "static" / "widget"

# Order matters: each part may use what an earlier one defined while the script first runs
# (function declarations are hoisted across parts, const/let are not). env.js may `return`
# (a second copy on one page) and bootstrap.js mounts the widget, so they stay first and last.
PARTS: tuple[str, ...] = (
    "env.js",  # where it was loaded from, limits
    "i18n.js",  # language, t(), formatting
    "state.js",  # embedding options, storage, state, outbox
    "dom.js",  # h(), icons, display helpers
    "styles.js",  # the stylesheet
    "shell.js",  # host element, shadow root, header, status line
    "prechat.js",  # pre-chat form
    "afterhours.js",  # outside business hours: the hours, a message left for email
    "messages.js",  # the message list, notices
    "queue.js",  # place in the queue, estimated wait
    "typing.js",  # typing indicators
    "csat.js",  # ending, rating, starting over
    "composer.js",  # sending, retrying, uploads
    "emoji.js",  # the emoji picker
    "connection.js",  # websocket, resume, heartbeats
    "frames.js",  # one handler per server frame
    "render.js",  # state → page
    "panel.js",  # panel + launcher, open/close, badge
    "bootstrap.js",  # mount and connect
)

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


def widget_bundle(folder: Path = WIDGET_DIR) -> Bundle:
    """The current /widget.js. Reads only file metadata unless a part or the catalogue folders changed."""
    stamp = tuple((name, *_stat(folder / name)) for name in PARTS)
    return _build(folder, stamp, tuple(locale_dirs()))


def _stat(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_mtime_ns, info.st_size


@lru_cache(maxsize=4)
def _build(
    folder: Path, stamp: tuple[tuple[str, int, int], ...], _catalogue_dirs: tuple[Path, ...]
) -> Bundle:
    pieces = [
        "/* Contact-center web chat widget, assembled by the hub from channels/webchat/static/widget/ */\n",
        _OPEN,
    ]
    for name, *_version in stamp:
        pieces.append(f"\n// ---- widget/{name} ----\n")
        pieces.append((folder / name).read_text(encoding="utf-8"))
    pieces.append(_CLOSE)
    body = fill_catalogues("".join(pieces)).encode("utf-8")
    return Bundle(body=body, etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"')
