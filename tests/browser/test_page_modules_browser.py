"""The desk, the live monitor and the reports page run as ES modules and leave no globals.

Their scripts import what they use (agent_ui/static/ui-core.js and the rest); a script
loaded as a classic <script>, or one that puts a name on `window`, would let the pages'
code start depending on load order and shared globals again. Measured in headless
Chromium against a script-free page of the same origin.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from repository import Database, upgrade
from repository.directory import create_agent, create_queue
from tests.browser.desk_flow import agent_signs_in
from tests.live import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.server]
ROOT = Path(__file__).resolve().parents[2]
OWN_GLOBALS = "() => Object.getOwnPropertyNames(window)"
SCRIPTS = "() => [...document.scripts].map((s) => ({ src: s.getAttribute('src'), type: s.type }))"


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    process = ServerProcess(tmp_path / "data")
    upgrade(process.database_url)
    db = Database(process.database_url)
    create_queue(db, "General", is_default=True)
    create_agent(db, "sam", "Sam Super", "sam-modules-pass", role="supervisor")
    db.dispose()
    process.start()
    yield process
    process.stop()
    assert not process.errors_in_log(), process.log_path.read_text()[-4000:]


def test_every_page_template_loads_its_scripts_as_modules() -> None:
    found = []
    for template in sorted(
        [*ROOT.glob("agent_ui/templates/*.html"), *ROOT.glob("channels/*/templates/*.html")]
    ):
        for tag in re.findall(r"<script\b[^>]*\bsrc=[^>]*>", template.read_text(encoding="utf-8")):
            # /widget.js is the embeddable bundle, a classic script by design (docs/protocol.md).
            if 'type="module"' not in tag and "/widget.js" not in tag:
                found.append(f"{template.name}: {tag}")
    assert not found, f"classic scripts: {found}"


async def test_the_pages_scripts_are_modules_that_define_no_globals(
    server: ServerProcess, browser: Any
) -> None:
    context, page = await agent_signs_in(browser, server, "sam", "sam-modules-pass")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # A same-origin document with no script (a stylesheet shown as text): the browser's own globals.
    blank = await context.new_page()
    await blank.goto(server.base + "/static/app.css")
    baseline = set(await blank.evaluate(OWN_GLOBALS))

    async def check(path: str, ready: str) -> None:
        await page.goto(server.base + path)
        await page.locator(ready).first.wait_for()
        scripts = [s for s in await page.evaluate(SCRIPTS) if s["src"]]
        assert scripts and all(s["type"] == "module" for s in scripts), (path, scripts)
        extra = sorted(set(await page.evaluate(OWN_GLOBALS)) - baseline)
        assert extra == [], f"{path} defines globals: {extra}"

    # The desk is up once its socket says so (ui-core's ReconnectingSocket, agent-socket.js).
    await check("/agent", "[data-testid=conn-status].conn-connected")
    await check("/supervisor", ".sup-conn-ok")
    await check("/reports", "#filters")
    assert errors == []
    await context.close()
