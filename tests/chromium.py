"""Headless Chromium for the browser tests, and a customer's site on its own origin.

The `browser` fixture (tests/conftest.py) launches Debian's Chromium through
Playwright; screenshots go to ``ARTIFACTS``. ``OtherOriginSite`` serves one page from a
second loopback origin, the way a company's shop embeds the widget.
"""

from __future__ import annotations

import http.server
import threading
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.services import free_port

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
)


@asynccontextmanager
async def launch() -> AsyncIterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run ./scripts/test, which installs it")
    from playwright.async_api import async_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(executable_path=CHROMIUM, args=list(_FLAGS))
        try:
            yield instance
        finally:
            await instance.close()


class OtherOriginSite:
    """A static site on its own port; ``publish`` writes its index page."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        directory = str(root)

        class Quiet(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, directory=directory, **kwargs)

            def log_message(self, *args: Any) -> None:
                pass

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Quiet)
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        self.origin = f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def publish(self, html: str) -> None:
        (self.root / "index.html").write_text(html, encoding="utf-8")

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


# Where the page comes to rest: two frames (so a transition just triggered has started),
# then every finite animation and transition ends, in the document and in open shadow
# roots (the widget lives in one). Infinite ones (a typing pulse) never end: not waited for.
_SETTLE = """async () => {
  const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const finite = () => {
    const all = [...document.getAnimations()];
    for (const el of document.querySelectorAll("*")) if (el.shadowRoot) all.push(...el.shadowRoot.getAnimations());
    return all.filter((a) => a.effect && a.effect.getTiming().iterations !== Infinity && a.playState !== "finished");
  };
  for (let round = 0; round < 20; round++) {
    await frame();
    const moving = finite();
    if (!moving.length) return;
    await Promise.all(moving.map((a) => a.finished.catch(() => null)));
  }
}"""


async def settle(page: Any) -> None:
    """Wait until nothing on ``page`` is mid-animation (fades, slide-ins, open/close transitions)."""
    await page.evaluate(_SETTLE)
