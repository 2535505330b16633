"""In headless Chromium: the desktop in 繁體中文 once the agent picks it, the widget in 简体中文 for a zh-CN browser.

Screenshots go to test-artifacts/ (i18n-*.png). Characters must render as glyphs, not
boxes: scripts/test installs Debian's fonts-noto-cjk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from repository import Database, upgrade
from repository.directory import create_agent, create_queue, create_wrapup_code, list_agents
from tests.chromium import ARTIFACTS, OtherOriginSite
from tests.live import ServerProcess, client_id, visitor

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """A customer's site on its own origin that embeds the widget with one tag, no data-lang."""
    site = OtherOriginSite(tmp_path / "shop")

    def publish(app_base: str) -> None:
        site.publish(
            "<!doctype html><html><head><meta charset=utf-8><title>商店</title></head>"
            "<body style='font-family:sans-serif'><h1>北风户外</h1>"
            f'<script src="{app_base}/widget.js" async></script></body></html>'
        )

    yield site.origin, publish
    site.close()


@pytest.fixture
async def server(tmp_path: Path, shop: tuple[str, Any]) -> AsyncIterator[ServerProcess]:
    origin, publish = shop
    process = ServerProcess(tmp_path / "data", WIDGET_ALLOWED_ORIGINS=origin)
    upgrade(process.database_url)
    db = Database(process.database_url)
    create_queue(db, "General", is_default=True)
    # One chat at a time, so a second customer waits with a position and an estimate.
    create_agent(db, "mei", "Mei Lin", "mei-i18n-pass", capacity={"chat": 1})
    create_wrapup_code(db, "resolved", "Resolved")
    db.dispose()
    process.start()
    publish(process.base)
    yield process
    process.stop()
    assert not process.errors_in_log(), process.log_path.read_text()[-4000:]


async def test_agent_picks_traditional_chinese_and_it_sticks(server: ServerProcess, browser: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    # An English browser: the desk starts in English, then the agent picks 繁體中文.
    staff = await browser.new_context(locale="en-US", viewport={"width": 1400, "height": 900})
    desk = await staff.new_page()
    await desk.goto(server.base + "/login")
    await desk.get_by_text("Sign in to your desk").wait_for()
    await desk.fill("input[name=username]", "mei")
    await desk.fill("input[name=password]", "mei-i18n-pass")
    await desk.click("form[action='/login'] button[type=submit]")
    await desk.get_by_test_id("conn-status").filter(has_text="Connected").wait_for()
    assert await desk.get_attribute("html", "lang") == "en"

    async with desk.expect_navigation():
        await desk.get_by_test_id("language").select_option("zh_Hant")
    await desk.get_by_test_id("conn-status").filter(has_text="已連線").wait_for()
    assert await desk.get_attribute("html", "lang") == "zh-Hant"
    async with desk.expect_navigation():
        await desk.get_by_test_id("timezone").select_option("Asia/Taipei")
    for text in ("我的對話", "尚未選擇對話", "團隊", "登出"):
        await desk.get_by_text(text).first.wait_for()
    await desk.get_by_test_id("presence").select_option("available")

    # A customer writes; the offer card and the conversation speak Traditional Chinese too.
    customer = await visitor(server, name="王小美")
    await customer.send({"type": "message", "client_id": client_id(), "body": "請問發票什麼時候寄出？"})
    offer = desk.get_by_test_id("offer")
    await offer.wait_for(timeout=15_000)
    await offer.get_by_text("新進線").wait_for()
    assert (await desk.get_by_test_id("offer-accept").inner_text()).strip() == "接聽"
    await desk.screenshot(path=str(ARTIFACTS / "i18n-agent-zh-Hant-offer.png"), animations="disabled")
    await desk.get_by_test_id("offer-accept").click()
    messages = desk.get_by_test_id("messages")
    await messages.get_by_text("請問發票什麼時候寄出？").wait_for()
    await messages.get_by_text("Mei Lin 已接起對話").wait_for()
    assert await desk.get_by_test_id("composer").get_attribute("placeholder") == "輸入回覆…"
    await desk.screenshot(path=str(ARTIFACTS / "i18n-agent-zh-Hant.png"), animations="disabled")

    # Remembered: a reload, and a brand-new browser session, both come back in 繁體中文.
    await desk.reload()
    await desk.get_by_test_id("conn-status").filter(has_text="已連線").wait_for()
    assert await desk.get_attribute("html", "lang") == "zh-Hant"
    await desk.get_by_text("我的對話").first.wait_for()
    fresh = await browser.new_context(locale="en-US")
    page = await fresh.new_page()
    await page.goto(server.base + "/login")
    await page.fill("input[name=username]", "mei")
    await page.fill("input[name=password]", "mei-i18n-pass")
    await page.click("form[action='/login'] button[type=submit]")
    await page.get_by_test_id("conn-status").filter(has_text="已連線").wait_for()
    assert await page.get_attribute("html", "lang") == "zh-Hant"

    db = Database(server.database_url)
    mei = next(a for a in list_agents(db) if a.username == "mei")
    db.dispose()
    assert (mei.locale, mei.timezone) == ("zh_Hant", "Asia/Taipei")
    await customer.close()
    await fresh.close()
    await staff.close()


async def test_widget_greets_a_zh_cn_browser_in_simplified_chinese(
    server: ServerProcess, shop: tuple[str, Any], browser: Any
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    # The only agent is online and busy with another chat, so the visitor waits with an estimate.
    staff = await browser.new_context(locale="en-US")
    desk = await staff.new_page()
    await desk.goto(server.base + "/login")
    await desk.fill("input[name=username]", "mei")
    await desk.fill("input[name=password]", "mei-i18n-pass")
    await desk.click("form[action='/login'] button[type=submit]")
    await desk.get_by_test_id("conn-status").filter(has_text="Connected").wait_for()
    await desk.get_by_test_id("presence").select_option("available")
    first = await visitor(server, name="First")
    await first.send({"type": "message", "client_id": client_id(), "body": "Hello"})
    await desk.get_by_test_id("offer-accept").click(timeout=15_000)
    await desk.get_by_test_id("messages").get_by_text("Hello", exact=True).wait_for()

    shop_origin, _ = shop
    customer = await browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1000, "height": 760}
    )
    page = await customer.new_page()
    assert await page.evaluate("navigator.languages[0]") == "zh-CN"
    await page.goto(shop_origin + "/index.html")
    launcher = page.get_by_test_id("cc-launcher")
    assert await launcher.get_attribute("aria-label") == "打开聊天"
    await launcher.click()
    prechat = page.get_by_test_id("cc-prechat")
    await prechat.get_by_text("开始之前").wait_for()
    await prechat.get_by_text("两项均为选填", exact=False).wait_for()
    assert (await page.get_by_test_id("cc-start").inner_text()).strip() == "开始对话"
    assert await page.get_by_test_id("cc-name").get_attribute("placeholder") == "张小明"
    await page.screenshot(path=str(ARTIFACTS / "i18n-widget-zh-Hans-prechat.png"), animations="disabled")

    await page.get_by_test_id("cc-name").fill("李雷")
    await page.get_by_test_id("cc-start").click()
    assert await page.get_by_test_id("cc-input").get_attribute("placeholder") == "输入消息…"
    await page.get_by_test_id("cc-input").fill("我想退货")
    await page.get_by_test_id("cc-input").press("Enter")
    queue = page.get_by_test_id("cc-queue")
    await queue.filter(has_text="您目前排在第 1 位").wait_for(timeout=15_000)
    text = await queue.inner_text()
    assert "预计等待约" in text and "分钟" in text, text
    assert (await page.get_by_test_id("cc-subtitle").inner_text()).strip() == "正在等待客服"
    await page.screenshot(path=str(ARTIFACTS / "i18n-widget-zh-Hans.png"), animations="disabled")

    await first.close()
    await customer.close()
    await staff.close()
