"""Translations: complete catalogues, no forgotten strings, negotiation, formatting, per-user choice.

Extraction uses the same maps and keywords as ``scripts/i18n-update`` (see
contact_center/i18n/check.py), so a string marked a minute ago counts here at once.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import websockets
from jinja2 import Environment
from starlette.applications import Starlette

from config import Settings
from contact_center.api.pagination import MAX_LIMIT
from contact_center.app import create_app
from contact_center.demo import seed_demo
from contact_center.i18n import (
    _,
    client_catalogue,
    configure,
    format_datetime,
    format_duration,
    format_number,
    negotiate,
    ngettext,
    supported_locales,
    translations,
    use_locale,
)
from contact_center.i18n.catalogues import read_catalogue
from contact_center.i18n.check import extract, missing
from contact_center.i18n.jinja import install
from repository import Database
from repository.core.models import Agent
from repository.directory import list_agents
from repository.directory.api_keys import create_api_key
from tests.i18n_lint import ROOT, unmarked_js_strings, unwrapped_template_text
from tests.live import ServerProcess

CHINESE = ("zh_Hans", "zh_Hant")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


# -- catalogue completeness -----------------------------------------------------------


@pytest.mark.parametrize("domain", ["messages", "widget"])
@pytest.mark.parametrize("locale", CHINESE)
def test_every_marked_string_has_a_translation(locale: str, domain: str) -> None:
    extracted = extract(domain)
    assert len(extracted) > (300 if domain == "messages" else 50), "extraction found too little"
    gaps = missing(locale, domain, extracted)
    listing = "\n".join(f"  {msgid!r} ({where[0]})" for msgid, where in sorted(gaps.items()))
    assert not gaps, f"{len(gaps)} strings lack a {locale} translation; run scripts/i18n-update:\n{listing}"


_PY_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]")
_JS_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@pytest.mark.parametrize("domain", ["messages", "widget"])
@pytest.mark.parametrize("locale", CHINESE)
def test_translations_keep_every_placeholder_and_tag(locale: str, domain: str) -> None:
    catalog = read_catalogue(locale, domain)
    assert catalog is not None
    broken = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        source = message.id[0] if isinstance(message.id, tuple | list) else message.id
        strings = message.string if isinstance(message.string, tuple | list) else [message.string]
        for text in strings:
            for pattern in (_PY_PLACEHOLDER, _JS_PLACEHOLDER, re.compile(r"</?(\w+)")):
                if sorted(set(pattern.findall(source))) != sorted(set(pattern.findall(text))):
                    broken.append((source, text))
    assert not broken, broken


def test_chinese_catalogues_are_really_chinese_and_differ_in_script() -> None:
    hans = translations("zh_Hans")
    hant = translations("zh_Hant")
    # Contact-center terms, Simplified vs Traditional (Taiwan) usage.
    assert hans.gettext("Sign out") == "退出登录"
    assert hant.gettext("Sign out") == "登出"
    assert hans.gettext("Queues") == "队列"
    assert hant.gettext("Queues") == "佇列"
    assert hant.gettext("Transfer") == "轉接"


# -- nothing shown to a person skips the i18n layer ---------------------------------


PACKAGES = ("agent_ui", "channels", "contact_center", "repository", "config")


def _templates() -> list[Path]:
    # The product's own packages only: a virtualenv inside the checkout (CI makes
    # .venv-ci) holds other projects' templates.
    return sorted(p for package in PACKAGES for p in (ROOT / package).glob("**/templates/*.*"))


def _scripts() -> list[Path]:
    return sorted(
        p
        for pattern in ("agent_ui/static/*.js", "channels/*/static/**/*.js")
        for p in ROOT.glob(pattern)
        if p.name != "agent-i18n.js"
    )


def test_templates_wrap_every_visible_text() -> None:
    templates = _templates()
    assert len(templates) >= 10
    found = {str(p.relative_to(ROOT)): hits for p in templates if (hits := unwrapped_template_text(p))}
    assert not found, f"text outside {{{{ _() }}}} in templates: {found}"


def test_scripts_mark_every_ui_string() -> None:
    scripts = _scripts()
    widget = {p.name for p in scripts if p.parent.name == "widget"}
    assert {"i18n.js", "composer.js", "frames.js"} <= widget and any(p.name == "agent.js" for p in scripts)
    found = {str(p.relative_to(ROOT)): hits for p in scripts if (hits := unmarked_js_strings(p))}
    assert not found, f"UI strings outside t() in JS: {found}"


def test_the_checks_catch_a_forgotten_string(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        '{% extends "base.html" %}{% block body_class %}x-page{% endblock %}\n'
        '<h1>{{ _("Fine") }}</h1>\n<p title="Forgot this">Forgot that too</p>\n<span>{{ name }} · 3</span>'
    )
    assert [text for _line, text in unwrapped_template_text(page)] == [
        'title="Forgot this"',
        "Forgot that too",
    ]
    script = tmp_path / "x.js"
    script.write_text(
        "el('button', { text: t('Send') });\n"
        "el('button', { text: 'Send' });\n"
        "toast(`Could not send ${name}.`);\n"
        "node.classList.add('is-open');\n"
        "const n = tn('{num} chat', '{num} chats', count);\n"
    )
    assert [line for line, _text in unmarked_js_strings(script)] == [2, 3]


# -- the API ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh_Hans"),
        ("zh-TW", "zh_Hant"),
        ("zh-HK,en;q=0.5", "zh_Hant"),
        ("zh-MO", "zh_Hant"),
        ("zh-SG", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("zh-Hant-CN", "zh_Hant"),
        ("en-US,en;q=0.9,zh-TW;q=0.5", "en"),
        ("fr-FR, zh-TW;q=0.4", "zh_Hant"),
        ("fr-FR, de", "en"),
        ("en;q=0.1, zh-CN;q=0.9", "zh_Hans"),
        ("", "en"),
        ("*", "en"),
        ("zh-CN;q=0, en", "en"),
        ("zh-CN;q=abc, zh-TW", "zh_Hant"),
        ("<script>, ;;;, zh_Hant", "zh_Hant"),
        ("x" * 5000, "en"),
    ],
)
def test_negotiation_follows_accept_language(header: str, expected: str) -> None:
    assert negotiate(header, ["en", "zh_Hans", "zh_Hant"]) == expected


def test_shipped_languages_are_found_on_disk() -> None:
    assert supported_locales()[:1] == ["en"]
    assert set(CHINESE) <= set(supported_locales())


def test_translate_interpolate_and_fall_back() -> None:
    assert _("Queue %(name)s saved.", name="VIP") == "Queue VIP saved."
    with use_locale("zh_Hant"):
        assert _("Queue %(name)s saved.", name="VIP") == "佇列 VIP 已儲存。"
        assert _("A sentence nobody translated") == "A sentence nobody translated"
        assert ngettext("%(num)s file", "%(num)s files", 3) == "3 files"  # not in the catalogue
    with use_locale("zh-CN"):
        assert _("Sign in") == "登录"
    assert _("Sign in") == "Sign in"  # the block ended: back to English


def test_dates_numbers_and_durations_follow_locale_and_time_zone() -> None:
    moment = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    with use_locale("en", "America/New_York"):
        assert format_datetime(moment, "short") == "3/1/26, 6:30\u202fPM"
        assert format_duration(130, approximate=True) == "about 2 minutes"
        assert format_number(1234567.5) == "1,234,567.5"
    with use_locale("zh_Hans", "Asia/Shanghai"):
        assert format_datetime(moment, "short") == "2026/3/2 07:30"  # the next day in Shanghai
        assert format_duration(130, approximate=True) == "约 2分钟"
    with use_locale("zh_Hant", "Asia/Taipei"):
        assert format_duration(130, approximate=True) == "約 2 分鐘"
        assert format_datetime(moment, "short").startswith("2026/3/2")


def test_jinja_newstyle_gettext_escapes_variables_and_follows_the_locale() -> None:
    env = install(Environment(autoescape=True))
    template = env.from_string(
        '{{ _("Agent %(name)s saved.", name=who) }} {{ 130|duration(approximate=True) }}'
    )
    assert template.render(who="<b>x</b>") == "Agent &lt;b&gt;x&lt;/b&gt; saved. about 2 minutes"
    with use_locale("zh_Hans"):
        assert template.render(who="<b>x</b>") == "客服 &lt;b&gt;x&lt;/b&gt; 已保存。 约 2分钟"


def test_browser_catalogue_holds_only_js_strings() -> None:
    desk = client_catalogue("zh_Hant")
    assert desk["Accept"] == "接聽"
    assert "Wrong username or password." not in desk  # a Python-only string stays on the server


# -- through the web: first default, picking, remembering --------------------------------


@pytest.fixture
async def site(make_settings: Callable[..., Settings]) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    app = create_app(make_settings())
    async with app.router.lifespan_context(app):
        await app.state.ctx.hub.db.run(seed_demo)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as client:
            yield app, client


async def _sign_in(client: httpx.AsyncClient, username: str, password: str, **headers: str) -> None:
    page = await client.get("/login", headers=headers)
    token = _CSRF.search(page.text)
    assert token
    response = await client.post(
        "/login",
        data={"csrf_token": token.group(1), "username": username, "password": password, "next": "/agent"},
        headers=headers,
    )
    assert response.status_code == 303, response.text


def _agent_named(db: Database, username: str) -> Agent:
    return next(a for a in list_agents(db) if a.username == username)


def _i18n_config(html: str) -> dict[str, object]:
    match = re.search(r'<script type="application/json" id="cc-i18n">(.*?)</script>', html)
    assert match, "the page has no catalogue for agent-i18n.js"
    return dict(json.loads(match.group(1)))


async def test_login_page_speaks_the_browser_language_before_anyone_signs_in(
    site: tuple[Starlette, httpx.AsyncClient],
) -> None:
    _app, client = site
    hant = await client.get("/login", headers={"Accept-Language": "zh-TW,zh;q=0.9"})
    assert '<html lang="zh-Hant">' in hant.text and "登入您的工作台" in hant.text
    hans = await client.get("/login", headers={"Accept-Language": "zh-CN"})
    assert '<html lang="zh-Hans">' in hans.text and "登录您的工作台" in hans.text
    english = await client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.text and "Sign in to your desk" in english.text
    wrong = await client.post(
        "/login",
        data={"csrf_token": _CSRF.search(hant.text).group(1), "username": "alice", "password": "nope"},  # type: ignore[union-attr]
        headers={"Accept-Language": "zh-TW"},
    )
    assert wrong.status_code == 401 and "使用者名稱或密碼錯誤。" in wrong.text


async def test_picked_language_and_time_zone_are_remembered_per_user(
    site: tuple[Starlette, httpx.AsyncClient],
) -> None:
    app, client = site
    await _sign_in(client, "alice", "alice-demo-pass", **{"Accept-Language": "zh-CN"})
    desk = await client.get("/agent", headers={"Accept-Language": "zh-CN"})
    assert _i18n_config(desk.text)["locale"] == "zh_Hans"  # first default: the browser's
    token = _CSRF.search(desk.text).group(1)  # type: ignore[union-attr]
    picked = await client.post(
        "/preferences",
        data={"csrf_token": token, "locale": "zh_Hant", "timezone": "Asia/Taipei", "next": "/agent"},
    )
    assert picked.status_code == 303 and picked.headers["location"] == "/agent"

    agent = await app.state.ctx.hub.db.run(_agent_named, "alice")
    assert (agent.locale, agent.timezone) == ("zh_Hant", "Asia/Taipei")

    # Another device, another browser language: the stored choice wins.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as other:
        await _sign_in(other, "alice", "alice-demo-pass", **{"Accept-Language": "en-US"})
        page = await other.get("/agent", headers={"Accept-Language": "en-US"})
    config = _i18n_config(page.text)
    assert (config["locale"], config["lang"], config["timezone"]) == ("zh_Hant", "zh-Hant", "Asia/Taipei")
    messages = config["messages"]
    assert isinstance(messages, dict) and messages["Connected"] == "已連線"
    assert '<html lang="zh-Hant">' in page.text and "我的對話" in page.text
    assert 'value="Asia/Taipei" selected' in page.text


async def test_preferences_refuse_bad_input(site: tuple[Starlette, httpx.AsyncClient]) -> None:
    app, client = site
    await _sign_in(client, "alice", "alice-demo-pass")
    token = _CSRF.search((await client.get("/agent")).text).group(1)  # type: ignore[union-attr]
    for data in (
        {"locale": "xx_YY"},
        {"locale": "../../etc/passwd"},
        {"timezone": "Mars/Olympus"},
        {"timezone": "../../../etc/localtime"},
        {"locale": "zh_Hant" * 50},
    ):
        response = await client.post("/preferences", data={"csrf_token": token, **data})
        assert response.status_code == 422, (data, response.text)
        assert response.json()["error"]["code"] == "invalid_input"
    forged = await client.post("/preferences", data={"csrf_token": "forged", "locale": "zh_Hant"})
    assert forged.status_code == 403
    escape = await client.post(
        "/preferences", data={"csrf_token": token, "locale": "en", "next": "//evil.example"}
    )
    assert escape.headers["location"] == "/agent"
    agent = await app.state.ctx.hub.db.run(_agent_named, "alice")
    assert agent.locale == "en" and agent.timezone is None


async def test_json_errors_fill_their_numbers_into_the_translated_sentence(
    site: tuple[Starlette, httpx.AsyncClient],
) -> None:
    app, client = site
    token, _key = await app.state.ctx.hub.db.run(create_api_key, "i18n")
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/customers?limit={MAX_LIMIT + 1}"
    hant = await client.get(url, headers={**headers, "Accept-Language": "zh-TW"})
    assert hant.status_code == 422, hant.text
    assert hant.json()["error"] == {
        "code": "invalid_input",
        "message": f"limit 必須介於 1 到 {MAX_LIMIT} 之間",
        "field": "limit",
    }
    english = (await client.get(url, headers=headers)).json()["error"]
    assert english["message"] == f"limit must be from 1 to {MAX_LIMIT}"
    # A 413 keeps its figure too.
    huge = await client.post(
        "/api/v1/customers",
        content=b"{" + b" " * 300_000 + b"}",
        headers={**headers, "Accept-Language": "zh-CN", "Content-Type": "application/json"},
    )
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "body_too_large"
    assert re.fullmatch(r"请求体超过 \d+ 字节", huge.json()["error"]["message"]), huge.text


async def test_widget_ships_its_small_catalogue_and_demo_shop_is_translated(
    site: tuple[Starlette, httpx.AsyncClient],
) -> None:
    _app, client = site
    script = (await client.get("/widget.js")).text
    match = re.search(r"/\*cc-i18n\*/ (\{.*?\}) /\*cc-i18n-end\*/", script, re.S)
    assert match
    catalogues = json.loads(match.group(1))
    assert set(catalogues) == set(CHINESE)
    assert catalogues["zh_Hans"]["Start chat"] == "开始对话"
    assert catalogues["zh_Hant"]["Start chat"] == "開始對話"
    assert "Wrong username or password." not in catalogues["zh_Hans"]  # the widget gets only its own
    shop = await client.get("/demo", headers={"Accept-Language": "zh-TW"})
    assert '<html lang="zh-Hant">' in shop.text and "北風戶外" in shop.text


@pytest.mark.server
async def test_error_frames_speak_the_widget_language(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data").start()
    try:
        async with websockets.connect(server.ws_base + "/channels/webchat/ws") as ws:
            await ws.send(json.dumps({"type": "hello", "lang": "zh-TW"}))
            assert (await _next(ws, "welcome"))["type"] == "welcome"
            await ws.send(json.dumps({"type": "message", "client_id": "c1", "body": ""}))
            error = await _next(ws, "error")
            assert error["code"] == "empty_message" and error["message"] == "訊息需要文字或附件"
            await ws.send(json.dumps({"type": "message", "client_id": 5, "body": "hi"}))
            error = await _next(ws, "error")
            assert error["code"] == "invalid_field" and error["message"] == "'client_id' 必須是 str 型別"
            # A limit with its number: the sentence is translated, the figure filled in, the code kept.
            await ws.send(json.dumps({"type": "message", "client_id": "c3", "body": "長" * 30_000}))
            error = await _next(ws, "error")
            assert error == {"type": "error", "code": "frame_too_large", "message": "訊框超過 65536 位元組"}
        # Without a lang in hello, the browser's Accept-Language decides; English stays the default.
        async with websockets.connect(
            server.ws_base + "/channels/webchat/ws", additional_headers={"Accept-Language": "zh-CN"}
        ) as ws:
            await ws.send(json.dumps({"type": "hello"}))
            await _next(ws, "welcome")
            await ws.send(json.dumps({"type": "message", "client_id": "c1", "body": ""}))
            assert (await _next(ws, "error"))["message"] == "消息需要文字或附件"
        async with websockets.connect(server.ws_base + "/channels/webchat/ws") as ws:
            await ws.send(json.dumps({"type": "hello"}))
            await _next(ws, "welcome")
            await ws.send(json.dumps({"type": "message", "client_id": "c1", "body": ""}))
            assert (await _next(ws, "error"))["message"] == "a message needs text or an attachment"
    finally:
        server.stop()
    assert not server.errors_in_log()


async def _next(ws: websockets.ClientConnection, kind: str) -> dict[str, object]:
    async def scan() -> dict[str, object]:
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == kind:
                return dict(frame)

    return await asyncio.wait_for(scan(), 10)


async def test_an_admin_adds_a_language_by_dropping_in_a_catalogue(
    tmp_path: Path, make_settings: Callable[..., Settings]
) -> None:
    folder = tmp_path / "locales" / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: fr\\n"\n\n'
        'msgid "Sign in to your desk"\nmsgstr "Connectez-vous à votre poste"\n',
        encoding="utf-8",
    )
    app = create_app(make_settings(LOCALES_DIR=str(tmp_path / "locales")))
    try:
        assert supported_locales() == ["en", "fr", "zh_Hans", "zh_Hant"]
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as client:
            page = await client.get("/login", headers={"Accept-Language": "fr-CA,fr;q=0.9"})
        assert '<html lang="fr">' in page.text
        assert "Connectez-vous à votre poste" in page.text
        assert 'value="fr" lang="fr" selected>français</option>' in page.text
        assert "Password" in page.text  # not in the new catalogue yet: English, never an error
    finally:
        configure(None)
    assert "fr" not in supported_locales()


async def test_a_visitor_to_the_login_page_can_pick_a_language_before_signing_in(
    site: tuple[Starlette, httpx.AsyncClient],
) -> None:
    _app, client = site
    page = await client.get("/login", headers={"Accept-Language": "en-US"})
    token = _CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    picked = await client.post(
        "/preferences", data={"csrf_token": token, "locale": "zh_Hans", "next": "/login"}
    )
    assert picked.status_code == 303 and picked.headers["location"] == "/login"
    assert "cc_lang=zh_Hans" in picked.headers["set-cookie"]
    again = await client.get("/login", headers={"Accept-Language": "en-US"})
    assert "登录您的工作台" in again.text  # the cookie beats the browser header
    # A tampered cookie is ignored, never an error.
    client.cookies.set("cc_lang", '"><script>')
    tampered = await client.get("/login", headers={"Accept-Language": "zh-TW"})
    assert tampered.status_code == 200 and "<script>" not in tampered.text
