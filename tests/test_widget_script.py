"""GET /widget.js: one script bundled from the ES modules in static/widget/, revalidated by ETag.

The widget is written as small ES modules (channels/webchat/static/widget/, plus the shared
agent_ui/static/ui-core.js) but an embedding site loads ONE script with ONE request. These
tests read the modules from disk and check that each arrives, whole (its import lines and
export keywords aside) and in the order a browser would run it, inside the single wrapping
function; that the catalogues are filled in; that a browser's If-None-Match gets a 304; and
that editing a part changes the bytes and the ETag. module_bundle.py has its own unit tests
(test_module_bundle.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from channels.webchat.module_bundle import sources
from channels.webchat.widget_bundle import ENTRY, STATIC_DIR, WIDGET_DIR, widget_bundle
from config import Settings
from contact_center.app import create_app

_SLOT = "/*cc-i18n*/ {} /*cc-i18n-end*/"
_OPENING = '(() => {\n  "use strict";\n'


@pytest.fixture
async def client(make_settings: Callable[..., Settings]) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings())
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as http:
            yield http


def _modules() -> list[Path]:
    return sources(WIDGET_DIR / ENTRY, STATIC_DIR)


def _as_bundled(source: str) -> str:
    """A module's text as the bundle holds it: no import lines, no export keywords."""
    lines = [line for line in source.split("\n") if not line.startswith("import ")]
    return "\n".join(line.removeprefix("export ") for line in lines)


def test_every_part_on_disk_is_in_the_bundle_order() -> None:
    modules = _modules()
    on_disk = sorted(p.name for p in WIDGET_DIR.glob("*.js"))
    widget = [p.name for p in modules if p.parent == WIDGET_DIR.resolve()]
    assert sorted(widget) == on_disk, "every widget part is imported, directly or not, by bootstrap.js"
    assert widget[0] == "env.js" and widget[-1] == "bootstrap.js"
    assert [p.name for p in modules if p.parent != WIDGET_DIR.resolve()] == ["ui-core.js"]
    for name in widget:
        text = (WIDGET_DIR / name).read_text(encoding="utf-8")
        assert text.startswith("/*\n * Web chat widget"), f"{name} needs a header saying what it is"
        assert text.count("\n") <= 300, f"{name} is over 300 lines: split it"


async def test_widget_js_is_one_script_holding_every_part_in_order(client: httpx.AsyncClient) -> None:
    response = await client.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/javascript; charset=utf-8"
    assert response.headers["access-control-allow-origin"] == "*"
    assert re.fullmatch(r'"[0-9a-f]{32}"', response.headers["etag"])
    body = response.text

    # One wrapping function: everything the parts declare stays inside it.
    assert body.count(_OPENING) == 1 and body.index(_OPENING) < body.index("const SCRIPT =")
    assert body.endswith("\n})();\n")

    positions = []
    for path in _modules():
        name = path.name
        source = _as_bundled(path.read_text(encoding="utf-8"))
        # i18n.js arrives with its catalogue slot filled; every other part arrives verbatim.
        pieces = source.split(_SLOT) if _SLOT in source else [source]
        assert len(pieces) == (2 if name == "i18n.js" else 1), name
        for piece in pieces:
            assert piece in body, f"{name} is missing from /widget.js"
        positions.append(body.index(pieces[0]))
    assert positions == sorted(positions), "parts are out of order"
    # No module syntax is left for the host page's browser to choke on.
    assert not re.search(r"^\s*(?:import|export)\s", body, re.M)

    catalogues = re.search(r"/\*cc-i18n\*/ (\{.*?\}) /\*cc-i18n-end\*/", body, re.S)
    assert catalogues and json.loads(catalogues.group(1))["zh_Hant"]["Start chat"] == "開始對話"
    assert _SLOT not in body


async def test_widget_js_answers_a_matching_if_none_match_with_304(client: httpx.AsyncClient) -> None:
    first = await client.get("/widget.js")
    etag = first.headers["etag"]
    for header in (etag, f"W/{etag}", f'"0000", {etag}', "*"):
        again = await client.get("/widget.js", headers={"If-None-Match": header})
        assert again.status_code == 304, header
        assert again.content == b""
        assert again.headers["etag"] == etag
        assert again.headers["cache-control"] == "public, max-age=300"
    for header in ('"0000"', etag.strip('"'), ""):
        fresh = await client.get("/widget.js", headers={"If-None-Match": header})
        assert fresh.status_code == 200 and fresh.content == first.content, header


def test_editing_a_part_changes_the_script_and_its_etag(tmp_path: Path) -> None:
    folder = tmp_path / "widget"
    shutil.copytree(WIDGET_DIR, folder)
    before = widget_bundle(folder, STATIC_DIR)
    assert widget_bundle(folder, STATIC_DIR) is before  # unchanged parts: the cached bytes

    part = folder / "queue.js"
    part.write_text(part.read_text(encoding="utf-8") + "// edited\n", encoding="utf-8")
    stat = part.stat()
    os.utime(part, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    after = widget_bundle(folder, STATIC_DIR)
    assert after.etag != before.etag
    assert b"// edited\n" in after.body and b"// edited\n" not in before.body


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_assembled_script_parses(tmp_path: Path) -> None:
    script = tmp_path / "widget.js"
    script.write_bytes(widget_bundle().body)
    checked = subprocess.run(["node", "--check", str(script)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr
