"""Logging a phone call, visit or letter through POST /api/v1/interactions, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from config import Settings
from tests.test_api import Api, _serve, assert_error, conforms


@pytest.fixture
async def api(make_settings: Callable[..., Settings], database_url: str) -> AsyncIterator[Api]:
    async for served in _serve(make_settings(DATABASE_URL=database_url)):
        yield served


async def test_a_visit_is_logged_with_category_and_note_and_shows_on_the_timeline(api: Api) -> None:
    c = api.client
    document = (await c.get("/api/v1/openapi.json")).json()
    customer = (
        await c.post("/api/v1/customers", json={"display_name": "Grace", "email": "g@example.com"})
    ).json()
    agent = (
        await c.post(
            "/api/v1/agents",
            json={"username": "ada", "display_name": "Ada", "password": "a-long-enough-password"},
        )
    ).json()
    response = await c.post(
        "/api/v1/interactions",
        json={
            "customer_id": customer["id"],
            "channel": "visit",
            "category": "  Complaint ",
            "note": "Came to the shop with a broken kettle; exchanged it.",
            "occurred_at": "2026-03-02T10:15:00+01:00",
            "duration_seconds": 600,
            "agent_id": agent["id"],
        },
    )
    assert response.status_code == 201, response.text
    logged = response.json()
    conforms(document, "LoggedContactResult", logged)
    visit = logged["interaction"]
    assert (visit["channel"], visit["status"], visit["category"]) == ("visit", "closed", "complaint")
    assert visit["agent_id"] == agent["id"] and visit["created_at"].startswith("2026-03-02T09:15:00")
    assert logged["note"]["internal"] is True and logged["note"]["author_name"] == "Ada"
    assert logged["note"]["payload"] == {
        "logged": True,
        "direction": "inbound",
        "category": "complaint",
        "duration_seconds": 600,
    }

    # A letter from a back-office system: no agent; the key's name is the author.
    letter = await c.post(
        "/api/v1/interactions",
        json={
            "customer_id": customer["id"],
            "channel": "letter",
            "category": "Warranty",
            "note": "Claim form",
        },
    )
    assert letter.status_code == 201 and letter.json()["note"]["author_name"] == "tests"

    timeline = (await c.get(f"/api/v1/customers/{customer['id']}/interactions")).json()["data"]
    assert [i["channel"] for i in timeline] == ["letter", "visit"]
    visits = (await c.get("/api/v1/interactions", params={"channel": "visit"})).json()["data"]
    assert [i["id"] for i in visits] == [visit["id"]]
    detail = (await c.get(f"/api/v1/interactions/{visit['id']}")).json()
    conforms(document, "InteractionDetail", detail)
    assert [e["body"] for e in detail["events"]] == ["Came to the shop with a broken kettle; exchanged it."]


async def test_bad_logged_contacts_are_refused_with_the_field(api: Api) -> None:
    c = api.client
    customer = (await c.post("/api/v1/customers", json={"display_name": "Grace"})).json()
    good = {
        "customer_id": customer["id"],
        "channel": "phone",
        "category": "billing",
        "note": "Called about a bill",
    }
    for change, status, field in (
        ({"channel": "chat"}, 422, "channel"),
        ({"category": ""}, 422, "category"),
        ({"note": "   "}, 422, "note"),
        ({"occurred_at": "2999-01-01T00:00:00Z"}, 422, "occurred_at"),
        ({"occurred_at": "yesterday"}, 422, "occurred_at"),
        ({"direction": "sideways"}, 422, "direction"),
        ({"agent_id": 999}, 404, None),
        ({"customer_id": 999}, 404, None),
    ):
        response = await c.post("/api/v1/interactions", json={**good, **change})
        assert_error(response, status, "invalid_input" if status == 422 else "not_found", field)
    assert (await c.get("/api/v1/interactions")).json()["data"] == []
