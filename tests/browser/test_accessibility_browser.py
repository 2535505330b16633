"""axe-core in Chromium on every kind of page, and screenshots at three sizes.

axe-core comes from npm like Prism (scripts/test installs it into .tools/). Each page is
checked after it has drawn its live data: the desk with a chat open, the supervisor's
monitor, the reports with charts, an admin page, the login page, and the widget on the
demo shop at desktop size and at 390×844. No violation of impact "serious" or "critical"
is allowed. Screenshots of the desk, supervisor, reports and widget at 1024×768,
1366×768 and 390×844 go to test-artifacts/ for people to look at.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from repository import Database, upgrade
from repository.directory import create_agent
from tests.browser.test_supervisor_browser import seed
from tests.chromium import ARTIFACTS, settle
from tests.live import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.server]
AXE = Path(__file__).resolve().parents[2] / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"1024x768": (1024, 768), "1366x768": (1366, 768), "390x844": (390, 844)}
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    process = ServerProcess(
        tmp_path / "data", AGENT_DISCONNECT_GRACE_SECONDS="100000", ROUTER_TICK_SECONDS="3600"
    )
    upgrade(process.database_url)
    db = Database(process.database_url)
    seed(db)
    create_agent(db, "ada", "Ada Admin", "ada-password", role="admin")
    db.dispose()
    process.start()
    yield process
    process.stop()
    assert not process.errors_in_log(), process.log_path.read_text()[-4000:]


async def sign_in(page: Any, server: ServerProcess, username: str, password: str, path: str) -> None:
    await page.goto(f"{server.base}/login?next={path}")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")
    await page.goto(server.base + path)


async def axe_violations(page: Any, name: str) -> list[str]:
    """Serious and critical violations, one line each; the full report goes to test-artifacts/."""
    if not AXE.exists():
        pytest.fail("axe-core is not installed: run ./scripts/test, which installs it into .tools/")
    # The pages forbid inline scripts (CSP); the contexts bypass CSP so the audit can be injected.
    await page.add_script_tag(path=str(AXE))
    # Let open/fade transitions end first: mid-fade, text is lighter than it will be and
    # axe reads a contrast the visitor never sees (4.44:1 for the widget's 4.5:1 grey; the
    # widget's own fades run in its shadow root, which document.getAnimations() misses).
    await settle(page)
    result = await page.evaluate(
        "(tags) => axe.run(document, { runOnly: { type: 'tag', values: tags } })", TAGS
    )
    (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(result["violations"], indent=1), encoding="utf-8")
    return [
        f"{name}: {v['id']} ({v['impact']}) ×{len(v['nodes'])}: {v['help']} — e.g. {v['nodes'][0]['target']} {v['nodes'][0].get('failureSummary', '')[:300]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


async def shoot(page: Any, name: str) -> None:
    for size, (width, height) in SIZES.items():
        await page.set_viewport_size({"width": width, "height": height})
        await page.wait_for_timeout(300)
        await page.screenshot(path=str(ARTIFACTS / f"{name}-{size}.png"), animations="disabled")


async def test_every_page_has_no_serious_accessibility_violation_and_is_photographed(
    server: ServerProcess, browser: Any
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    found: list[str] = []
    context = await browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
    page = await context.new_page()

    await page.goto(server.base + "/login")
    found += await axe_violations(page, "login")

    await sign_in(page, server, "a0", "agent-password", "/agent")
    await page.get_by_test_id("conn-status").filter(has_text="Connected").wait_for()
    await page.get_by_test_id("conv-item").first.click()
    await page.get_by_test_id("context").locator(".panel-title").wait_for()
    found += await axe_violations(page, "desk")
    await shoot(page, "desk")
    await page.set_viewport_size({"width": 1024, "height": 768})
    # At 1024 px everything in the top bar is on screen, "Sign out" included.
    box = await page.get_by_test_id("sign-out").bounding_box()
    assert box and box["x"] + box["width"] <= 1024, box
    await context.close()

    context = await browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
    page = await context.new_page()
    await sign_in(page, server, "sam", "sam-password", "/supervisor")
    await page.locator("#queue-rows tr").first.wait_for()
    found += await axe_violations(page, "supervisor")
    await shoot(page, "supervisor")
    await page.set_viewport_size({"width": 1366, "height": 768})
    await page.goto(server.base + "/reports?granularity=day&group=channel")
    await page.locator("svg").first.wait_for()
    await page.wait_for_timeout(500)
    found += await axe_violations(page, "reports")
    # Axis ticks are round numbers a reader can trust (not 0/1/3 for a maximum of 2.5).
    ticks = await page.evaluate(
        "async () => { const { nice } = await import('/static/chart-ticks.js');"
        " return [nice(2.5, {integer: true}).ticks, nice(5, {time: true}).ticks, nice(0, {fixedMax: 100}).ticks]; }"
    )
    assert ticks == [[0, 1, 2, 3], [0, 2, 4, 6], [0, 25, 50, 75, 100]], ticks
    volume_axis = await page.locator("figure[data-metric=volume] svg > text[text-anchor=end]").evaluate_all(
        "(nodes) => nodes.map((n) => n.textContent)"
    )
    assert volume_axis and all(label.isdigit() for label in volume_axis), volume_axis
    await shoot(page, "reports")
    await context.close()

    context = await browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
    page = await context.new_page()
    await sign_in(page, server, "ada", "ada-password", "/admin")
    found += await axe_violations(page, "admin")
    await page.goto(server.base + "/admin/agents")
    found += await axe_violations(page, "admin-agents")
    await context.close()

    for label, viewport in (
        ("widget", {"width": 1366, "height": 768}),
        ("widget-mobile", {"width": 390, "height": 844}),
    ):
        context = await browser.new_context(viewport=viewport, bypass_csp=True)
        page = await context.new_page()
        await page.goto(server.base + "/demo")
        await page.get_by_test_id("cc-launcher").click()
        await page.get_by_test_id("cc-name").wait_for()
        found += await axe_violations(page, f"{label}-prechat")
        await page.get_by_test_id("cc-name").fill("Rita")
        await page.get_by_test_id("cc-start").click()
        await page.get_by_test_id("cc-input").fill("Do you ship to Taipei?")
        await page.get_by_test_id("cc-input").press("Enter")
        await page.get_by_test_id("cc-queue").wait_for()
        found += await axe_violations(page, f"{label}-chat")
        if label == "widget":
            await shoot(page, "widget")
        else:
            # Touch targets in the phone-sized widget are at least 44×44 px.
            small = await page.evaluate(
                """() => {
                    const root = document.querySelector('cc-chat-widget').shadowRoot;
                    return [...root.querySelectorAll('button, textarea, input:not([type=file])')]
                      .filter((b) => b.offsetParent !== null)
                      .map((b) => [b.dataset.testid || b.className, b.getBoundingClientRect()])
                      .filter(([, r]) => r.width < 44 || r.height < 44)
                      .map(([n, r]) => `${n} ${Math.round(r.width)}×${Math.round(r.height)}`);
                }"""
            )
            assert not small, f"touch targets under 44×44 px: {small}"
        await context.close()

    assert not found, "\n".join(found)
