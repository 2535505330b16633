"""Search over HTTP: GET /api/v1/search (API keys) and GET /agent/search (signed-in agents)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import jsonschema
import pytest
from starlette.applications import Starlette

from config import Settings
from contact_center.app import create_app
from contact_center.demo import seed_demo
from repository.core.customers import create_customer
from repository.core.ingest import InboundItem, append_event, ingest
from repository.directory.api_keys import create_api_key
from tests.factories import unique

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
AGENT = ("alice", "alice-demo-pass")


@dataclass
class Site:
    app: Starlette
    client: httpx.AsyncClient
    key: str

    async def db(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await self.app.state.ctx.hub.db.run(fn, *args, **kwargs)

    async def say(self, body: str, *, channel: str = "chat", visitor: str | None = None) -> Any:
        visitor = visitor or unique("visitor-")
        item = InboundItem(
            channel=channel,
            identities=[("webchat", visitor)],
            thread_key=visitor,
            body=body,
            external_id=unique("x"),
        )
        return (await self.db(ingest, item)).event

    async def search(self, **params: str) -> httpx.Response:
        return await self.client.get(
            "/api/v1/search", params=params, headers={"Authorization": f"Bearer {self.key}"}
        )

    async def login(self) -> None:
        page = await self.client.get("/login")
        token = _CSRF.search(page.text)
        assert token is not None
        response = await self.client.post(
            "/login",
            data={"csrf_token": token.group(1), "username": AGENT[0], "password": AGENT[1], "next": "/agent"},
        )
        assert response.status_code == 303, response.text


@pytest.fixture
async def site(make_settings: Callable[..., Settings], database_url: str) -> AsyncIterator[Site]:
    """The app with its demo data on SQLite and on PostgreSQL, and an API key."""
    app = create_app(make_settings(DATABASE_URL=database_url))
    async with app.router.lifespan_context(app):
        await app.state.ctx.hub.db.run(seed_demo)
        key, _ = await app.state.ctx.hub.db.run(create_api_key, "search tests")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Site(app, client, key)


async def schema_of(site: Site, name: str) -> dict[str, Any]:
    document = (await site.client.get("/api/v1/openapi.json")).json()
    return {"$ref": f"#/components/schemas/{name}", "components": document["components"]}


async def test_search_finds_chinese_in_either_script_with_safe_highlights_and_a_documented_shape(
    site: Site,
) -> None:
    event = await site.say("<b>我要退貨</b>，发票呢？")
    await site.say("an unrelated message")

    response = await site.search(q="退货")

    assert response.status_code == 200, response.text
    page = response.json()
    jsonschema.validate(page, await schema_of(site, "SearchPage"), cls=jsonschema.Draft202012Validator)
    [hit] = page["data"]
    assert hit["event_id"] == event.id and hit["interaction_id"] == event.interaction_id
    assert hit["snippet_html"] == "&lt;b&gt;我要<mark>退貨</mark>&lt;/b&gt;，发票呢？"
    assert hit["channel"] == "chat" and hit["kind"] == "message" and hit["internal"] is False
    assert page["next_cursor"] is None
    assert [h["event_id"] for h in (await site.search(q="發票")).json()["data"]] == [event.id]


async def test_customers_by_phone_fragment_name_and_email(site: Site) -> None:
    customer, _ = await site.db(
        create_customer, display_name="陳大文", email="tai.man@example.hk", phone="+852 9123 5550"
    )

    for query in ("5550", "9123 55", "陈大文", "tai.man", "example.hk"):
        response = await site.search(q=query, type="customers")
        assert response.status_code == 200, response.text
        assert [h["customer"]["id"] for h in response.json()["data"]] == [customer.id], query


@pytest.mark.parametrize(
    "query", ['"', "*", "OR", "'", "NEAR(", "--", "%", "_", '退货" OR "*', "' OR 1=1 --"]
)
async def test_query_syntax_is_text_never_an_error(site: Site, query: str) -> None:
    await site.say("退货 OR 'this' -- 100%")

    for kind in ("messages", "customers"):
        response = await site.search(q=query, type=kind)
        assert response.status_code == 200, response.text
        assert isinstance(response.json()["data"], list)


async def test_filters_and_paging_over_http(site: Site) -> None:
    for n in range(5):
        await site.say(f"refund {n}", channel="chat")
    sms = await site.say("refund by text", channel="sms")

    assert [h["event_id"] for h in (await site.search(q="refund", channel="sms")).json()["data"]] == [sms.id]
    assert (await site.search(q="refund", status="closed")).json()["data"] == []
    assert (await site.search(q="refund", to="2000-01-01")).json()["data"] == []
    assert len((await site.search(q="refund", **{"from": "2000-01-01T00:00:00Z"})).json()["data"]) == 6

    seen: list[int] = []
    cursor: str | None = ""
    while cursor is not None:
        page = (await site.search(q="refund", limit="4", **({"cursor": cursor} if cursor else {}))).json()
        seen.extend(h["event_id"] for h in page["data"])
        cursor = page["next_cursor"]
    assert len(seen) == 6 == len(set(seen))


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": "x", "type": "orders"}, "type"),
        ({"q": "x", "from": "last tuesday"}, "from"),
        ({"q": "x", "cursor": "-1"}, "cursor"),
        ({"q": "x", "cursor": "99999999"}, "cursor"),
        ({"q": "x", "limit": "0"}, "limit"),
        ({"q": "x" * 201}, "q"),
        ({"q": "x", "queue_id": "one"}, "queue_id"),
        ({"q": "x\x00"}, "q"),
    ],
)
async def test_bad_parameters_are_422_with_the_field_named(
    site: Site, params: dict[str, str], field: str
) -> None:
    response = await site.search(**params)

    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field


async def test_api_keys_see_notes_flagged_internal_and_need_a_key(site: Site) -> None:
    event = await site.say("where is my invoice")
    await site.db(
        append_event, event.interaction_id, kind="note", author_type="agent", body="invoice was sent twice"
    )

    hits = (await site.search(q="invoice")).json()["data"]
    assert sorted((h["kind"], h["internal"]) for h in hits) == [("message", False), ("note", True)]
    assert (await site.client.get("/api/v1/search", params={"q": "invoice"})).status_code == 401


async def test_the_desktop_search_and_transcript_need_a_signed_in_agent(site: Site) -> None:
    event = await site.say("我的快递还没到")
    await site.db(
        append_event, event.interaction_id, kind="note", author_type="agent", body="快递 lost, resend"
    )

    assert (await site.client.get("/agent/search", params={"q": "快递"})).status_code == 401
    path = f"/agent/interactions/{event.interaction_id}/transcript"
    assert (await site.client.get(path)).status_code == 401

    await site.login()
    hits = (await site.client.get("/agent/search", params={"q": "快遞"})).json()["data"]
    assert sorted(h["kind"] for h in hits) == ["message", "note"]
    transcript = (await site.client.get(path)).json()
    assert [e["body"] for e in transcript["events"]] == ["我的快递还没到", "快递 lost, resend"]
    assert transcript["customer"]["id"] == event.customer_id
    assert (await site.client.get("/agent/interactions/999999/transcript")).status_code == 404
    assert (await site.client.get("/agent/interactions/abc/transcript")).status_code == 404
    bad = await site.client.get("/agent/search", params={"q": "x", "limit": "1000"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "limit"
