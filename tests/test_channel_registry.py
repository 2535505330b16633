"""The channel registry is the one list of channels: what it holds, and what it drives.

An app's adapters decide which channels exist. These tests check that the shipped
adapters bring exactly the kinds the store knows (so a new channel cannot miss the
``Channel`` literal, or the other way round), that contradictory adapters are refused,
and that an adapter added to an app, a test-only fax channel, shows in /healthz, is
routed with its own capacity and is listed on the desk, supervisor and reports pages
in the viewer's language, without any other change.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from typing import Any, get_args

import httpx
import pytest
from sqlmodel import select
from starlette.applications import Starlette

from channels.base import ChannelKind, ChannelRegistry
from config import Settings
from contact_center.app import DEFAULT_PLUGINS, create_app
from contact_center.demo import seed_demo
from contact_center.i18n import _, use_locale
from repository.core.models import Channel, Interaction, stored_id
from tests.channel_kinds import SHIPPED_KINDS
from tests.factories import make_agent
from tests.fax_channel import FAX

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_CHANNELS = re.compile(r'<script type="application/json" id="cc-channels">(.*?)</script>', re.S)


class Stub:
    """The least an adapter can be; ``kinds`` and ``dial`` vary per test."""

    routes = ()

    def __init__(self, name: str, *kinds: ChannelKind) -> None:
        self.name, self.kinds = name, kinds

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def send(self, interaction: object, event: object) -> None: ...
    async def check(self, interaction: object) -> None: ...
    async def health(self) -> dict[str, Any] | None:
        return None


class StubDialer(Stub):
    async def dial(self, agent: object, customer_id: int) -> dict[str, Any]:
        return {}


def test_the_shipped_adapters_bring_exactly_the_channels_the_store_knows(
    make_settings: Callable[..., Settings],
) -> None:
    registry = create_app(make_settings(), migrate=False).state.ctx.channels
    kinds = registry.kinds()
    assert sorted(k.kind for k in kinds) == sorted(get_args(Channel))
    assert tuple(kinds) == SHIPPED_KINDS  # what tests give a hub built without an app
    width = Interaction.__table__.c.channel.type.length  # type: ignore[attr-defined]
    assert all(len(k.kind) <= width for k in kinds)
    assert {k.kind for k in kinds if k.sends} == {"email", "sms", "whatsapp"}
    assert registry.dialer is registry.adapter("twilio")
    with use_locale("zh_Hans"):
        untranslated = [
            k.label for k in kinds if _(k.label) == k.label and k.label not in ("SMS", "WhatsApp")
        ]
    assert untranslated == []


def test_contradictory_adapters_are_refused() -> None:
    chat = ChannelKind("chat", "Chat", capacity=3)
    registry = ChannelRegistry()
    registry.add(Stub("webchat", chat))
    with pytest.raises(ValueError, match="declared twice"):
        registry.add(Stub("other", ChannelKind("chat", "Chat", capacity=9)))
    with pytest.raises(ValueError, match="registered already"):
        registry.add(Stub("webchat"))
    mail = ChannelKind("email", "Email", capacity=5, sends=True)
    registry.add(Stub("smtp", mail))
    with pytest.raises(ValueError, match="two adapters send"):
        registry.add(Stub("relay", mail))
    registry.add(StubDialer("pbx"))
    with pytest.raises(ValueError, match="two adapters place"):
        registry.add(StubDialer("twilio"))
    # A refused adapter left nothing behind.
    assert [a.name for a in registry.adapters] == ["webchat", "smtp", "pbx"]
    assert registry.capacity == {"chat": 3, "email": 5}


@pytest.fixture
async def fax_site(
    make_settings: Callable[..., Settings],
) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    app = create_app(make_settings(), plugins=(*DEFAULT_PLUGINS, "tests.fax_channel"))
    async with app.router.lifespan_context(app):
        await app.state.ctx.hub.db.run(seed_demo)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as client:
            yield app, client


async def test_an_added_channel_shows_in_healthz_with_details_for_monitoring_only(
    fax_site: tuple[Starlette, httpx.AsyncClient],
) -> None:
    _app, client = fax_site
    health = await client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert health.json()["parts"]["fax"] == {"ok": True}  # started with the app; details hidden


async def test_an_added_channel_is_routed_with_its_own_default_capacity(
    fax_site: tuple[Starlette, httpx.AsyncClient],
) -> None:
    app, client = fax_site
    ctx = app.state.ctx
    agent = make_agent(ctx.db, skills=["general"], capacity={}, presence="away")
    await ctx.hub.set_presence(stored_id(agent), "available")  # the router hears of the agent
    for n in range(3):
        sent = await client.post(
            "/channels/fax/inbound", json={"id": n, "from": f"+4930123456{n}", "pages": 2}
        )
        assert sent.status_code == 202
    await ctx.router.route_once()  # a whole pass, after all three were stored

    def faxes() -> list[Interaction]:
        with ctx.db.read() as session:
            return list(session.exec(select(Interaction).where(Interaction.channel == "fax")))

    held = [i for i in faxes() if i.agent_id == agent.id]
    assert len(held) == FAX.capacity == 2
    assert [i.status for i in faxes() if i.agent_id is None] == ["queued"]


async def _sign_in(client: httpx.AsyncClient, **headers: str) -> None:
    page = await client.get("/login", headers=headers)
    token = _CSRF.search(page.text)
    assert token
    form = {"csrf_token": token.group(1), "username": "sam", "password": "sam-demo-pass", "next": "/agent"}
    response = await client.post("/login", data=form, headers=headers)
    assert response.status_code == 303, response.text


@pytest.mark.parametrize("path", ["/agent", "/supervisor", "/reports"])
async def test_pages_list_every_channel_as_data_in_the_viewers_language(
    fax_site: tuple[Starlette, httpx.AsyncClient], path: str
) -> None:
    app, client = fax_site
    headers = {"Accept-Language": "zh-CN"}
    await _sign_in(client, **headers)
    page = await client.get(path, headers=headers)
    assert page.status_code == 200
    found = _CHANNELS.search(page.text)
    assert found, "the page carries its channel list"
    listed = json.loads(found.group(1))
    kinds = app.state.ctx.channels.kinds()
    assert [c["kind"] for c in listed] == [k.kind for k in kinds]
    with use_locale("zh_Hans"):
        chat = _("Chat")
    assert chat != "Chat"
    assert {"kind": "chat", "label": chat} in listed
    # The hostile label arrives intact as data and never closes the script element.
    assert {"kind": "fax", "label": FAX.label} in listed
    assert "</script><!--" not in page.text
