"""A queue's service-level settings, changed from the live monitor on a real server process.

Over the websocket: the ``service_level`` frame is stored, audited, and the next snapshot
carries the new formula, threshold, target and short-abandon threshold, which is what the
page's formula line is drawn from. Bad values are error frames that change nothing. In
Chromium: the dialog opened from a queue row sends that frame and the row's label changes.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlmodel import select

from repository import Database
from repository.supervision.models import QueueServiceLevel, SupervisorAction
from tests.chromium import ARTIFACTS
from tests.live import ServerProcess, login
from tests.supervision.test_supervisor_live import server, supervisor  # noqa: F401  (fixture)

pytestmark = [pytest.mark.server]


def queue_row(snapshot: dict[str, Any], name: str) -> dict[str, Any]:
    return next(q for q in snapshot["queues"] if q["name"] == name)


def stored(database_url: str) -> tuple[list[QueueServiceLevel], list[SupervisorAction]]:
    db = Database(database_url)
    try:
        with db.read() as session:
            levels = list(session.exec(select(QueueServiceLevel)).all())
            actions = list(session.exec(select(SupervisorAction).order_by(SupervisorAction.id)).all())
    finally:
        db.dispose()
    return levels, actions


async def test_the_service_level_frame_is_stored_audited_and_pushed(server: ServerProcess) -> None:  # noqa: F811
    sup = await supervisor(server, await login(server.base, "sam", "sam-password"))
    before = queue_row(sup.of_type("snapshot")[-1], "Billing")
    assert (before["formula"], before["threshold_seconds"], before["target_percent"]) == ("answered", 20, 80)
    billing = before["id"]

    # Hostile and wrong values: an error frame each, nothing stored, nothing audited.
    good = {"queue_id": billing, "threshold_seconds": 30, "target_percent": 90}
    good |= {"formula": "with_abandons", "short_abandon_seconds": 10}
    bad_frames = {
        "formula": ({**good, "formula": "x' OR '1'='1"}, "invalid_input"),
        "zero": ({**good, "threshold_seconds": 0}, "invalid_input"),
        "day+": ({**good, "threshold_seconds": 86_401}, "invalid_input"),
        "pct": ({**good, "target_percent": 101}, "invalid_input"),
        "short": ({**good, "short_abandon_seconds": -1}, "invalid_input"),
        "text": ({**good, "threshold_seconds": "30"}, "invalid_field"),
        "bool": ({**good, "target_percent": True}, "invalid_field"),
        "float": ({**good, "target_percent": 90.5}, "invalid_field"),
        "long": ({**good, "formula": "x" * 10_000}, "invalid_field"),
        "missing": ({k: v for k, v in good.items() if k != "formula"}, "missing_field"),
        "queue": ({**good, "queue_id": 99_999}, "not_found"),
    }
    for ref, (frame, code) in bad_frames.items():
        await sup.send({"type": "service_level", "ref": ref, **frame})
        error = await sup.wait_for(lambda f, ref=ref: f["type"] == "error" and f.get("ref") == ref)
        assert error["code"] == code, (ref, error)
    assert stored(server.database_url) == ([], [])

    seen = len(sup.frames)
    await sup.send({"type": "service_level", "ref": "ok", **good})
    done = await sup.wait_for(lambda f: f["type"] == "done" and f.get("ref") == "ok")
    assert done == {"type": "done", "action": "service_level", "ref": "ok", "queue_id": billing}
    after = await sup.wait_for(
        lambda f: (
            f["type"] == "snapshot"
            and sup.frames.index(f) >= seen
            and queue_row(f, "Billing")["formula"] == "with_abandons"
        ),
        timeout=5,
    )
    row = queue_row(after, "Billing")
    assert (row["threshold_seconds"], row["target_percent"], row["short_abandon_seconds"]) == (30, 90, 10)
    assert queue_row(after, "General")["formula"] == "answered", "only the chosen queue changes"

    levels, actions = stored(server.database_url)
    assert [
        (x.queue_id, x.threshold_seconds, x.target_percent, x.formula, x.short_abandon_seconds)
        for x in levels
    ] == [(billing, 30, 90.0, "with_abandons", 10)]
    assert [(a.action, a.queue_id, a.detail) for a in actions] == [
        (
            "service_level",
            billing,
            {
                "threshold_seconds": 30,
                "target_percent": 90,
                "formula": "with_abandons",
                "short_abandon_seconds": 10,
            },
        )
    ]
    await sup.send({"type": "audit"})
    audit = await sup.wait_for(lambda f: f["type"] == "audit")
    assert [(e["action"], e["queue_id"], e["supervisor"]) for e in audit["entries"]] == [
        ("service_level", billing, "Sam Super")
    ]
    await sup.close()


async def test_the_monitor_page_serves_the_settings_dialog(server: ServerProcess) -> None:  # noqa: F811
    cookie = await login(server.base, "sam", "sam-password")
    async with httpx.AsyncClient(base_url=server.base, cookies={"cc_session": cookie}) as http:
        page = (await http.get("/supervisor")).text
        script = (await http.get("/static/supervisor.js")).text
    for testid in ("sl-dialog", "sl-threshold", "sl-target", "sl-formula", "sl-short", "sl-save"):
        assert f'data-testid="{testid}"' in page, testid
    assert "type: 'service_level'" in script


@pytest.mark.browser
async def test_the_dialog_changes_a_queue_and_its_formula_label(server: ServerProcess, browser: Any) -> None:  # noqa: F811
    cookie = await login(server.base, "sam", "sam-password")
    context = await browser.new_context(viewport={"width": 1366, "height": 768})
    await context.add_cookies([{"name": "cc_session", "value": cookie, "url": server.base}])
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(server.base + "/supervisor")
    billing = page.locator("#queue-rows tr", has_text="Billing")
    label = billing.get_by_test_id("sl-edit")
    await label.wait_for()
    assert await label.inner_text() == "target 80% · answered within 20 s ÷ answered"

    await label.click()
    dialog = page.get_by_test_id("sl-dialog")
    await dialog.wait_for(state="visible")
    assert await page.get_by_test_id("sl-threshold").input_value() == "20"
    await page.get_by_test_id("sl-threshold").fill("45")
    await page.get_by_test_id("sl-target").fill("70")
    await page.get_by_test_id("sl-short").fill("8")
    await page.get_by_test_id("sl-formula").select_option("offered")
    # The formula names follow the threshold being typed.
    option = await page.locator("#sl-formula option[value=offered]").inner_text()
    assert option == "answered within 45 s ÷ offered, short abandons excluded"
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "supervisor-service-level.png"))
    await page.get_by_test_id("sl-save").click()
    await dialog.wait_for(state="hidden")

    await page.wait_for_function(
        "() => [...document.querySelectorAll('#queue-rows [data-testid=sl-edit]')]"
        ".some((n) => n.textContent === 'target 70% · answered within 45 s ÷ offered, short abandons excluded')",
        timeout=5000,
    )
    general = page.locator("#queue-rows tr", has_text="General").get_by_test_id("sl-edit")
    assert await general.inner_text() == "target 80% · answered within 20 s ÷ answered"
    await page.locator("#audit li", has_text="Billing").wait_for()
    levels, actions = stored(server.database_url)
    assert [(x.threshold_seconds, x.target_percent, x.formula, x.short_abandon_seconds) for x in levels] == [
        (45, 70.0, "offered", 8)
    ]
    assert [a.action for a in actions] == ["service_level"]

    # A value the server refuses is shown in the dialog, which stays open.
    await label.click()
    await dialog.wait_for(state="visible")
    await page.evaluate("document.getElementById('sl-threshold').removeAttribute('max')")
    await page.get_by_test_id("sl-threshold").fill("90000")
    await page.get_by_test_id("sl-save").click()
    await page.locator("#sl-error").filter(has_text="86400").wait_for()
    assert await dialog.is_visible()
    assert errors == []
    await context.close()
