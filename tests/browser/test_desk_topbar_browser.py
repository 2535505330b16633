"""The desk's top bar at common window widths, in headless Chromium: "Sign out" is always on
screen, nothing overflows the bar, and from 1241 px up the time-zone picker shows its
choice whole ("Time zone of this browser" was cut to "Time zone of t" at 1400 px, later
to "Time zone of this brows", which a measure of the text against the padding alone
missed: the select's arrow takes room too). Screenshot: test-artifacts/desk-topbar-1400.png."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from repository import Database, upgrade
from repository.directory import create_agent, create_queue
from tests.browser.desk_flow import ZONE_PICKER, agent_signs_in
from tests.chromium import ARTIFACTS
from tests.live import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.server]
WIDTHS = (1920, 1600, 1560, 1500, 1440, 1400, 1366, 1280, 1241, 1240, 1181, 1180, 1024)
# The picker gives way below 1181 px and narrows (its open list has the full names) below 1241.
PICKER_WHOLE_FROM = 1241

MEASURE = """() => {
  const bar = document.querySelector('.topbar');
  const out = document.querySelector('[data-testid=sign-out]').getBoundingClientRect();
  return { signOutRight: out.right, barScroll: bar.scrollWidth, barWidth: bar.clientWidth };
}"""


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    process = ServerProcess(tmp_path / "data")
    upgrade(process.database_url)
    db = Database(process.database_url)
    create_queue(db, "General", is_default=True)
    # A supervisor's desk has every top-bar control an agent's has.
    create_agent(db, "alice", "Alice Martin", "alice-topbar-pass", role="supervisor")
    db.dispose()
    process.start()
    yield process
    process.stop()
    assert not process.errors_in_log(), process.log_path.read_text()[-4000:]


async def test_the_top_bar_fits_and_the_time_zone_picker_is_whole(
    server: ServerProcess, browser: Any
) -> None:
    staff, desk = await agent_signs_in(
        browser, server, "alice", "alice-topbar-pass", viewport={"width": 1920, "height": 900}
    )
    problems = []
    for width in WIDTHS:
        await desk.set_viewport_size({"width": width, "height": 900})
        seen = await desk.evaluate(MEASURE)
        zone = await desk.evaluate(ZONE_PICKER)
        if seen["signOutRight"] > width or seen["barScroll"] > seen["barWidth"]:
            problems.append(f"{width} px: the bar overflows, Sign out ends at {seen['signOutRight']:.0f}")
        if width >= PICKER_WHOLE_FROM and not (zone["shown"] and zone["needs"] <= zone["has"] + 0.5):
            problems.append(
                f"{width} px: {zone['text']!r} needs {zone['needs']:.0f} px, the picker has {zone['has']:.0f}"
            )
        if width == 1400:
            ARTIFACTS.mkdir(exist_ok=True)
            await desk.screenshot(
                path=str(ARTIFACTS / "desk-topbar-1400.png"),
                clip={"x": 0, "y": 0, "width": width, "height": 60},
            )
    assert problems == [], problems
    await staff.close()
