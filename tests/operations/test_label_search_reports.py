"""Labels as a search filter (API and desk) and as a report filter and breakdown,
over HTTP on SQLite and PostgreSQL.

A conversation carries a label put on it or on its customer; a customer carries its own.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from repository.core.ingest import InboundItem, ingest
from repository.crm.labels import attach_label, create_label
from tests.factories import unique
from tests.test_search_api import Site, site  # noqa: F401

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def chat(served: Site, name: str, body: str) -> tuple[int, int]:
    """A new conversation from a new customer called ``name``: (interaction id, customer id)."""
    item = InboundItem(
        channel="chat",
        identities=[("email", f"{unique('c')}@example.com")],
        thread_key=unique("visitor-"),
        body=body,
        display_name=name,
        external_id=unique("x"),
    )
    result = await served.db(ingest, item)
    return result.interaction.id, result.interaction.customer_id


async def sign_in(client: httpx.AsyncClient, username: str, password: str) -> None:
    page = await client.get("/login")
    token = _CSRF.search(page.text)
    assert token is not None
    response = await client.post(
        "/login",
        data={"csrf_token": token.group(1), "username": username, "password": password, "next": "/agent"},
    )
    assert response.status_code == 303, response.text


async def labelled_world(served: Site) -> dict[str, Any]:
    """Ann (a VIP customer) asked for a refund; Bob asked for one too; Cy has no label."""
    vip = (await served.db(create_label, "VIP")).id
    refund = (await served.db(create_label, "Refund request")).id
    ann_chat, ann = await chat(served, "Wombat Ann", "my wombat parcel arrived broken")
    bob_chat, bob = await chat(served, "Wombat Bob", "my wombat parcel is late")
    cy_chat, cy = await chat(served, "Wombat Cy", "my wombat parcel is fine, thanks")
    await served.db(attach_label, "customer", ann, label_id=vip)
    await served.db(attach_label, "interaction", ann_chat, label_id=refund)
    await served.db(attach_label, "interaction", bob_chat, label_id=refund)
    return {
        "vip": vip,
        "refund": refund,
        "chats": {"ann": ann_chat, "bob": bob_chat, "cy": cy_chat},
        "customers": {"ann": ann, "bob": bob, "cy": cy},
    }


async def test_search_filters_by_label_in_the_api_and_on_the_desk(site: Site) -> None:  # noqa: F811
    world = await labelled_world(site)
    chats = world["chats"]

    async def conversations(response: httpx.Response) -> set[int]:
        assert response.status_code == 200, response.text
        return {hit["interaction_id"] for hit in response.json()["data"]}

    assert await conversations(await site.search(q="wombat parcel")) == set(chats.values())
    # A customer's label reaches their conversations; a conversation's label only it.
    assert await conversations(await site.search(q="wombat parcel", label_id=str(world["vip"]))) == {
        chats["ann"]
    }
    assert await conversations(await site.search(q="wombat parcel", label_id=str(world["refund"]))) == {
        chats["ann"],
        chats["bob"],
    }
    people = await site.search(q="wombat", type="customers", label_id=str(world["vip"]))
    assert [hit["customer"]["display_name"] for hit in people.json()["data"]] == ["Wombat Ann"]
    # Customers carry their own labels only: Bob's conversation label is not his.
    people = await site.search(q="wombat", type="customers", label_id=str(world["refund"]))
    assert people.json()["data"] == []

    unknown = await site.search(q="wombat", label_id="999999")
    assert unknown.status_code == 404 and "no such label" in unknown.text
    assert unknown.json()["error"]["field"] == "label_id"
    assert (await site.search(q="wombat", label_id="vip")).status_code == 422

    # The desk's search runs the same filter for a signed-in agent.
    await site.login()
    desk = await site.client.get(
        "/agent/search", params={"q": "wombat parcel", "label_id": str(world["refund"])}
    )
    assert await conversations(desk) == {chats["ann"], chats["bob"]}
    catalogue = (await site.client.get("/agent/labels")).json()["labels"]
    assert {label["name"] for label in catalogue} >= {"VIP", "Refund request"}


async def test_reports_filter_and_split_by_label(site: Site) -> None:  # noqa: F811
    world = await labelled_world(site)
    chats = world["chats"]
    await sign_in(site.client, "sam", "sam-demo-pass")  # an admin: reports need a supervisor
    page = await site.client.get("/reports")
    assert page.status_code == 200
    assert 'name="label_id"' in page.text and ">Refund request</option>" in page.text

    async def data(**params: str) -> dict[str, Any]:
        response = await site.client.get("/reports/data", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    assert (await data(label_id=str(world["vip"])))["total"]["volume"] == 1
    assert (await data(label_id=str(world["refund"])))["total"]["volume"] == 2

    everything = (await data())["total"]["volume"]
    split = await data(group="label")
    series = {s["key"]: s for s in split["series"]}
    assert series[str(world["vip"])]["label"] == "VIP"
    assert series[str(world["vip"])]["total"]["volume"] == 1
    assert series[str(world["refund"])]["label"] == "Refund request"
    assert series[str(world["refund"])]["total"]["volume"] == 2
    assert series["0"]["total"]["volume"] == everything - 2  # Cy and every unlabelled contact
    # Ann is in two series but counts once in the totals.
    assert split["total"]["volume"] == everything

    drill = await site.client.get(
        "/reports/interactions", params={"group": "label", "key": str(world["refund"])}
    )
    assert {row["id"] for row in drill.json()["interactions"]} == {chats["ann"], chats["bob"]}
    listed = [
        row["id"]
        for row in (await site.client.get("/reports/interactions", params={"group": "label"})).json()[
            "interactions"
        ]
    ]
    assert len(listed) == len(set(listed)) == everything
    csv = await site.client.get("/reports/export.csv", params={"label_id": str(world["vip"])})
    assert csv.text.count("\n") == 2  # the header and Ann's conversation

    bad = await site.client.get("/reports/data", params={"group": "colour"})
    assert bad.status_code == 422
    assert "label" in bad.json()["error"]["message"]
