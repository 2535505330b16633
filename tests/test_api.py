"""The REST API under /api/v1, through its public HTTP surface, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import jsonschema
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from config import Settings
from contact_center.api.openapi import openapi_path
from contact_center.app import create_app
from repository.core.ingest import InboundItem, append_event
from repository.directory import authenticate
from repository.directory.api_keys import create_api_key, revoke_api_key


@dataclass
class Api:
    app: Starlette
    client: httpx.AsyncClient
    token: str

    async def db(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await self.app.state.ctx.hub.db.run(fn, *args, **kwargs)


async def _serve(settings: Settings) -> AsyncIterator[Api]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        token, _ = await app.state.ctx.hub.db.run(create_api_key, "tests")
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers) as c:
            yield Api(app, c, token)


@pytest.fixture
async def api(make_settings: Callable[..., Settings], database_url: str) -> AsyncIterator[Api]:
    """The app on SQLite and on PostgreSQL, with a client that carries a valid key."""
    async for served in _serve(make_settings(DATABASE_URL=database_url)):
        yield served


@pytest.fixture
async def sqlite_api(make_settings: Callable[..., Settings]) -> AsyncIterator[Api]:
    """The app on SQLite only, for behaviour that does not depend on the store."""
    async for served in _serve(make_settings()):
        yield served


def conforms(document: dict[str, Any], schema: str, instance: Any) -> None:
    """``instance`` matches ``components.schemas[schema]`` of the OpenAPI document."""
    jsonschema.validate(
        instance,
        {"$ref": f"#/components/schemas/{schema}", "components": document["components"]},
        cls=jsonschema.Draft202012Validator,
    )


def assert_error(response: httpx.Response, status: int, code: str, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    if field is not None:
        assert error.get("field") == field, error


# -- the OpenAPI document --------------------------------------------------------


async def test_openapi_document_is_public_valid_and_lists_every_route(sqlite_api: Api) -> None:
    from openapi_spec_validator import validate

    response = await sqlite_api.client.get("/api/v1/openapi.json", headers={"Authorization": ""})
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    routes = [r for r in sqlite_api.app.routes if isinstance(r, Route) and r.path.startswith("/api/v1/")]
    assert len(routes) >= 20
    for route in routes:
        path = openapi_path(route.path.removeprefix("/api/v1"))  # {customer_id:int} → {customer_id}
        assert path in document["paths"], path
        for method in route.methods or ():
            if method != "HEAD":
                operation = document["paths"][path][method.lower()]
                assert operation["responses"], (method, path)
                if path != "/openapi.json":
                    assert "401" in operation["responses"]


async def test_documented_parameters_and_bodies_are_enforced(sqlite_api: Api) -> None:
    document = (await sqlite_api.client.get("/api/v1/openapi.json")).json()
    customers = document["paths"]["/customers"]
    names = {p["name"] for p in customers["get"]["parameters"]}
    assert {"email", "phone", "limit", "after"} <= names
    body = customers["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/CustomerCreate"}
    patch = document["components"]["schemas"]["CustomerPatch"]["properties"]
    assert patch["tier"]["enum"] == ["standard", "bronze", "silver", "gold", "platinum"]
    assert patch["churn_risk"]["maximum"] == 1
    assert "password" not in document["components"]["schemas"]["Agent"]["properties"]
    assert "password" in document["components"]["schemas"]["AgentCreate"]["properties"]


# -- authentication --------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer cck_not-a-real-key",
        "Bearer nope",
        "Bearer " + "x" * 5000,
    ],
)
async def test_requests_without_a_valid_key_get_401_with_a_bearer_challenge(
    sqlite_api: Api, header: str | None
) -> None:
    headers = {"Authorization": header} if header is not None else {}
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sqlite_api.app), base_url="http://testserver"
    )
    async with client:
        response = await client.get("/api/v1/customers", headers=headers)
    assert_error(response, 401, "unauthorized")
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_revoked_key_stops_working(sqlite_api: Api) -> None:
    token, row = await sqlite_api.db(create_api_key, "short-lived")
    headers = {"Authorization": f"Bearer {token}"}
    assert (await sqlite_api.client.get("/api/v1/agents", headers=headers)).status_code == 200
    await sqlite_api.db(revoke_api_key, row.id)
    assert_error(await sqlite_api.client.get("/api/v1/agents", headers=headers), 401, "unauthorized")


# -- customers -------------------------------------------------------------------


async def test_customer_create_get_patch_and_find_by_identity(api: Api) -> None:
    c = api.client
    document = (await c.get("/api/v1/openapi.json")).json()
    created = await c.post(
        "/api/v1/customers",
        json={
            "display_name": "Ana Lima",
            "email": " Ana.Lima@Example.COM ",
            "phone": "(415) 555-0100",
            "tier": "gold",
            "lifetime_value": 1250.5,
            "churn_risk": 0.2,
            "attributes": {"erp_id": "C-991", "segments": ["b2b"]},
            "identities": [{"kind": "webchat", "value": "visitor-42"}],
        },
    )
    assert created.status_code == 201, created.text
    customer = created.json()
    conforms(document, "Customer", customer)
    assert customer["email"] == "ana.lima@example.com"
    assert customer["phone"] == "+14155550100"
    assert {(i["kind"], i["value"]) for i in customer["identities"]} == {
        ("email", "ana.lima@example.com"),
        ("phone", "+14155550100"),
        ("webchat", "visitor-42"),
    }
    cid = customer["id"]
    assert (await c.get(f"/api/v1/customers/{cid}")).json() == customer

    patched = await c.patch(
        f"/api/v1/customers/{cid}",
        json={"tier": "platinum", "lifetime_value": 0, "churn_risk": 1, "attributes": {"vip": True}},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["tier"] == "platinum"
    assert patched.json()["churn_risk"] == 1.0
    assert patched.json()["attributes"] == {"vip": True}
    assert patched.json()["display_name"] == "Ana Lima"

    for query in ("email=ANA.LIMA%40example.com", "phone=%2B1%20415%20555%200100"):
        found = await c.get(f"/api/v1/customers?{query}")
        assert [x["id"] for x in found.json()["data"]] == [cid], query
    assert (await c.get("/api/v1/customers?email=nobody%40example.com")).json()["data"] == []

    added = await c.post(
        f"/api/v1/customers/{cid}/identities", json={"kind": "email", "value": "ana@work.example"}
    )
    assert added.status_code == 200
    assert ("email", "ana@work.example") in {(i["kind"], i["value"]) for i in added.json()["identities"]}
    found = await c.get("/api/v1/customers?email=ana%40work.example")
    assert [x["id"] for x in found.json()["data"]] == [cid]


async def test_an_identity_belongs_to_one_customer(api: Api) -> None:
    c = api.client
    first = (await c.post("/api/v1/customers", json={"email": "bo@example.com"})).json()
    duplicate = await c.post(
        "/api/v1/customers", json={"display_name": "Bo again", "email": "BO@example.com"}
    )
    assert_error(duplicate, 409, "conflict", "email")
    other = (await c.post("/api/v1/customers", json={"phone": "+442071838750"})).json()
    stolen = await c.post(
        f"/api/v1/customers/{other['id']}/identities", json={"kind": "email", "value": "bo@example.com"}
    )
    assert_error(stolen, 409, "conflict")
    again = await c.post(
        f"/api/v1/customers/{first['id']}/identities", json={"kind": "email", "value": "bo@example.com"}
    )
    assert again.status_code == 200, "re-adding an own identity is a no-op"
    listed = (await c.get("/api/v1/customers")).json()["data"]
    assert len(listed) == 2, "the refused create left nothing behind"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tier": "diamond"}, "tier"),
        ({"tier": 3}, "tier"),
        ({"lifetime_value": -0.01}, "lifetime_value"),
        ({"lifetime_value": "100"}, "lifetime_value"),
        ({"lifetime_value": True}, "lifetime_value"),
        ({"churn_risk": 1.5}, "churn_risk"),
        ({"churn_risk": -1}, "churn_risk"),
        ({"attributes": ["a"]}, "attributes"),
        ({"attributes": "x"}, "attributes"),
        ({"display_name": "x" * 201}, "display_name"),
        ({"display_name": ["x"]}, "display_name"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "12"}, "phone"),
        ({"identities": [{"kind": "fax", "value": "1"}]}, "kind"),
        ({"identities": "a@example.com"}, "identities"),
        ({"nickname": "Bo"}, "nickname"),
    ],
)
async def test_customer_validation_errors_name_the_field(api: Api, body: dict[str, Any], field: str) -> None:
    assert_error(await api.client.post("/api/v1/customers", json=body), 422, "invalid_input", field)
    assert (await api.client.get("/api/v1/customers")).json()["data"] == []


async def test_customer_patch_refuses_bad_values_and_unknown_customers(api: Api) -> None:
    cid = (await api.client.post("/api/v1/customers", json={"display_name": "Cy"})).json()["id"]
    assert_error(
        await api.client.patch(f"/api/v1/customers/{cid}", json={"churn_risk": 2}), 422, "invalid_input"
    )
    assert_error(
        await api.client.patch(f"/api/v1/customers/{cid}", json={"email": "a@b.example"}),
        422,
        "invalid_input",
    )
    assert_error(await api.client.patch("/api/v1/customers/999999", json={"tier": "gold"}), 404, "not_found")
    assert_error(await api.client.get("/api/v1/customers/999999/interactions"), 404, "not_found")


# -- pagination ------------------------------------------------------------------


async def test_cursor_pagination_walks_every_row_once(api: Api) -> None:
    ids = [
        (await api.client.post("/api/v1/customers", json={"display_name": f"c{n}"})).json()["id"]
        for n in range(7)
    ]
    seen: list[int] = []
    after: int | None = None
    pages = 0
    while True:
        query = f"?limit=3&after={after}" if after else "?limit=3"
        page = (await api.client.get(f"/api/v1/customers{query}")).json()
        seen += [row["id"] for row in page["data"]]
        pages += 1
        after = page["next_after"]
        if after is None:
            break
    assert seen == ids
    assert pages == 3
    default = (await api.client.get("/api/v1/customers")).json()
    assert len(default["data"]) == 7 and default["next_after"] is None


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=201", "limit=abc", "limit=1.5", "after=-1", "after=x", "after=99999999999999"]
)
async def test_bad_page_parameters_are_422(sqlite_api: Api, query: str) -> None:
    response = await sqlite_api.client.get(f"/api/v1/interactions?{query}")
    assert_error(response, 422, "invalid_input", query.split("=")[0])


# -- interactions ----------------------------------------------------------------


async def _seed_interactions(api: Api) -> dict[str, Any]:
    queue = (await api.client.post("/api/v1/queues", json={"name": "General", "is_default": True})).json()
    hub = api.app.state.ctx.hub
    chat = await hub.store(
        InboundItem(
            channel="chat", identities=[("webchat", "v-1")], thread_key="v-1", body="hi", external_id="c1"
        )
    )
    mail = await hub.store(
        InboundItem(
            channel="email",
            identities=[("email", "dee@example.com")],
            thread_key="<m1@example.com>",
            body="invoice?",
            subject="Invoice",
            external_id="<m1@example.com>",
        )
    )
    for n in range(4):
        await api.db(
            append_event,
            mail.interaction.id,
            kind="note",
            author_type="system",
            body=f"note {n}",
            external_id=None,
        )
    return {"queue": queue, "chat": chat, "mail": mail}


async def test_interactions_list_filters_and_detail_with_events(api: Api) -> None:
    seeded = await _seed_interactions(api)
    c = api.client
    document = (await c.get("/api/v1/openapi.json")).json()
    chat_id, mail_id = seeded["chat"].interaction.id, seeded["mail"].interaction.id

    everything = (await c.get("/api/v1/interactions")).json()
    conforms(document, "InteractionPage", everything)
    assert [i["id"] for i in everything["data"]] == [chat_id, mail_id]
    assert [i["id"] for i in (await c.get("/api/v1/interactions?channel=email")).json()["data"]] == [mail_id]
    assert [i["id"] for i in (await c.get("/api/v1/interactions?status=queued")).json()["data"]] == [
        chat_id,
        mail_id,
    ]
    assert (await c.get("/api/v1/interactions?status=closed")).json()["data"] == []
    customer = seeded["mail"].customer.id
    assert [
        i["id"] for i in (await c.get(f"/api/v1/interactions?customer_id={customer}")).json()["data"]
    ] == [mail_id]
    queue_id = seeded["queue"]["id"]
    assert len((await c.get(f"/api/v1/interactions?queue_id={queue_id}")).json()["data"]) == 2
    assert (await c.get("/api/v1/interactions?agent_id=1")).json()["data"] == []
    assert_error(await c.get("/api/v1/interactions?status=lost"), 422, "invalid_input", "status")
    assert_error(await c.get("/api/v1/interactions?channel=fax"), 422, "invalid_input", "channel")

    detail = (await c.get(f"/api/v1/interactions/{mail_id}")).json()
    conforms(document, "InteractionDetail", detail)
    assert detail["subject"] == "Invoice"
    assert [e["body"] for e in detail["events"]] == ["invoice?", "note 0", "note 1", "note 2", "note 3"]
    assert detail["events"][1]["internal"] is True
    assert detail["events_next_after"] is None

    first = (await c.get(f"/api/v1/interactions/{mail_id}/events?limit=2")).json()
    conforms(document, "EventPage", first)
    second = (
        await c.get(f"/api/v1/interactions/{mail_id}/events?limit=2&after={first['next_after']}")
    ).json()
    assert [e["body"] for e in first["data"] + second["data"]] == ["invoice?", "note 0", "note 1", "note 2"]

    timeline = (await c.get(f"/api/v1/customers/{customer}/interactions")).json()
    assert [i["id"] for i in timeline["data"]] == [mail_id]
    assert_error(await c.get("/api/v1/interactions/424242"), 404, "not_found")
    assert_error(await c.get("/api/v1/interactions/424242/events"), 404, "not_found")


async def test_the_customer_timeline_is_newest_first_and_paged(api: Api) -> None:
    await api.client.post("/api/v1/queues", json={"name": "Q", "is_default": True})
    hub = api.app.state.ctx.hub
    ids = []
    for n in range(3):
        result = await hub.store(
            InboundItem(
                channel="sms", identities=[("phone", "+14155550123")], thread_key=f"t{n}", body=str(n)
            )
        )
        ids.append(result.interaction.id)
    customer = result.customer.id
    first = (await api.client.get(f"/api/v1/customers/{customer}/interactions?limit=2")).json()
    rest = (
        await api.client.get(f"/api/v1/customers/{customer}/interactions?after={first['next_after']}")
    ).json()
    assert [i["id"] for i in first["data"] + rest["data"]] == ids[::-1]
    assert rest["next_after"] is None


# -- agents ----------------------------------------------------------------------


async def test_agent_create_patch_and_password_never_returned(api: Api) -> None:
    c = api.client
    document = (await c.get("/api/v1/openapi.json")).json()
    created = await c.post(
        "/api/v1/agents",
        json={
            "username": "Dana",
            "display_name": "Dana Scott",
            "password": "correct horse",
            "role": "supervisor",
            "skills": ["Billing", "general"],
            "capacity": {"chat": 2, "email": 4, "sms": 0, "voice": 1},
        },
    )
    assert created.status_code == 201, created.text
    agent = created.json()
    conforms(document, "Agent", agent)
    assert agent["username"] == "dana"
    assert agent["skills"] == ["billing", "general"]
    assert agent["capacity"] == {"chat": 2, "email": 4, "sms": 0, "voice": 1}
    assert "password" not in created.text and "argon2" not in created.text
    listed = (await c.get("/api/v1/agents")).text
    assert "password" not in listed and "argon2" not in listed

    skills = (await c.get("/api/v1/skills")).json()["data"]
    assert {"billing", "general"} <= {s["name"] for s in skills}

    patched = await c.patch(
        f"/api/v1/agents/{agent['id']}",
        json={"role": "agent", "capacity": {"chat": 5}, "is_active": False, "password": "new password 1"},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["role"] == "agent" and patched.json()["is_active"] is False
    assert patched.json()["capacity"] == {"chat": 5}
    assert "password" not in patched.text
    await c.patch(f"/api/v1/agents/{agent['id']}", json={"is_active": True})
    assert await api.db(authenticate, "dana", "new password 1") is not None
    assert await api.db(authenticate, "dana", "correct horse") is None
    assert (await c.get(f"/api/v1/agents/{agent['id']}")).json()["role"] == "agent"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "eve"}, "password"),
        ({"username": "eve", "password": "short"}, "password"),
        ({"username": "eve", "password": "long enough", "role": "owner"}, "role"),
        ({"username": "eve", "password": "long enough", "capacity": {"fax": 1}}, "capacity"),
        ({"username": "eve", "password": "long enough", "capacity": {"chat": 51}}, "capacity"),
        ({"username": "eve", "password": "long enough", "capacity": {"chat": "3"}}, "capacity"),
        ({"username": "eve", "password": "long enough", "capacity": [1]}, "capacity"),
        ({"username": "eve", "password": "long enough", "skills": "billing"}, "skills"),
        ({"username": "eve", "password": "long enough", "skills": [""]}, "skills"),
        ({"username": "eve", "password": "long enough", "password_hash": "x"}, "password_hash"),
        ({"username": "", "password": "long enough"}, "username"),
    ],
)
async def test_agent_validation_errors(sqlite_api: Api, body: dict[str, Any], field: str) -> None:
    assert_error(await sqlite_api.client.post("/api/v1/agents", json=body), 422, "invalid_input", field)


async def test_duplicate_agents_and_the_last_admin_are_conflicts(api: Api) -> None:
    c = api.client
    boss = (
        await c.post("/api/v1/agents", json={"username": "boss", "password": "long enough", "role": "admin"})
    ).json()
    assert_error(
        await c.post("/api/v1/agents", json={"username": "BOSS", "password": "long enough"}), 409, "conflict"
    )
    assert_error(await c.patch(f"/api/v1/agents/{boss['id']}", json={"role": "agent"}), 409, "conflict")
    assert_error(await c.patch(f"/api/v1/agents/{boss['id']}", json={"is_active": False}), 409, "conflict")
    await c.post("/api/v1/agents", json={"username": "deputy", "password": "long enough", "role": "admin"})
    assert (await c.patch(f"/api/v1/agents/{boss['id']}", json={"role": "agent"})).status_code == 200
    assert_error(await c.get("/api/v1/agents/999"), 404, "not_found")


# -- queues ----------------------------------------------------------------------


async def test_queue_create_patch_and_a_single_default(api: Api) -> None:
    c = api.client
    document = (await c.get("/api/v1/openapi.json")).json()
    first = (await c.post("/api/v1/queues", json={"name": "General", "is_default": True})).json()
    conforms(document, "Queue", first)
    second = await c.post(
        "/api/v1/queues",
        json={
            "name": "VIP",
            "required_skills": ["VIP"],
            "priority": 10,
            "strategy": "least_busy",
            "is_default": True,
        },
    )
    assert second.status_code == 201, second.text
    vip = second.json()
    assert vip["required_skills"] == ["vip"] and vip["is_default"] is True
    assert (await c.get(f"/api/v1/queues/{first['id']}")).json()["is_default"] is False
    patched = await c.patch(f"/api/v1/queues/{first['id']}", json={"strategy": "round_robin", "priority": -5})
    assert patched.json()["strategy"] == "round_robin" and patched.json()["priority"] == -5
    assert_error(
        await c.patch(f"/api/v1/queues/{first['id']}", json={"strategy": "random"}),
        422,
        "invalid_input",
        "strategy",
    )
    assert_error(
        await c.post("/api/v1/queues", json={"name": "X", "priority": 101}), 422, "invalid_input", "priority"
    )
    assert_error(await c.post("/api/v1/queues", json={"name": "VIP"}), 409, "conflict")
    assert_error(await c.patch(f"/api/v1/queues/{first['id']}", json={"name": "VIP"}), 409, "conflict")
    assert_error(await c.post("/api/v1/queues", json={}), 422, "invalid_input", "name")
    assert_error(await c.get("/api/v1/queues/77"), 404, "not_found")
    assert [q["name"] for q in (await c.get("/api/v1/queues")).json()["data"]] == ["General", "VIP"]


async def test_queue_overflow_sla_policies_and_agent_skill_levels_round_trip(api: Api) -> None:
    c = api.client
    document = (await c.get("/api/v1/openapi.json")).json()
    spill = (await c.post("/api/v1/queues", json={"name": "Spill"})).json()
    created = await c.post(
        "/api/v1/queues",
        json={
            "name": "Billing",
            "required_skills": ["billing"],
            "overflow_queue_id": spill["id"],
            "max_wait_seconds": 7200,
            "min_skill_level": 3,
            "sla_policies": [
                {"first_response_seconds": 300, "actions": ["webhook", "notify"]},
                {
                    "tier": "platinum",
                    "first_response_seconds": 60,
                    "resolution_seconds": 3600,
                    "warning_percent": 75,
                    "business_hours_only": True,
                    "actions": ["raise_priority"],
                },
            ],
        },
    )
    assert created.status_code == 201, created.text
    billing = created.json()
    conforms(document, "Queue", billing)
    assert (billing["overflow_queue_id"], billing["max_wait_seconds"], billing["min_skill_level"]) == (
        spill["id"],
        7200,
        3,
    )
    general, platinum = billing["sla_policies"]
    # Actions are kept in the order they run, whatever order they were sent in.
    assert (general["tier"], general["actions"], general["warning_percent"]) == (
        None,
        ["notify", "webhook"],
        80,
    )
    assert (platinum["tier"], platinum["business_hours_only"], platinum["resolution_seconds"]) == (
        "platinum",
        True,
        3600,
    )

    cleared = await c.patch(
        f"/api/v1/queues/{billing['id']}",
        json={"overflow_queue_id": None, "max_wait_seconds": None, "widened_skills": [], "sla_policies": []},
    )
    assert cleared.status_code == 200, cleared.text
    shown = cleared.json()
    assert (
        shown["overflow_queue_id"],
        shown["max_wait_seconds"],
        shown["widened_skills"],
        shown["sla_policies"],
    ) == (None, None, [], [])
    assert (await c.get(f"/api/v1/queues/{billing['id']}")).json()["sla_policies"] == []

    # Malformed values are 422; an id naming nothing is 404; a collision (with the queue
    # itself, or between two items of the request) is 409 (docs/protocol.md).
    for body, status, code, field in (
        ({"overflow_queue_id": billing["id"]}, 409, "conflict", "overflow_queue_id"),
        ({"overflow_queue_id": 9999}, 404, "not_found", "overflow_queue_id"),
        ({"min_skill_level": 6}, 422, "invalid_input", "min_skill_level"),
        ({"sla_policies": [{"actions": ["notify"]}]}, 422, "invalid_input", "first_response_seconds"),
        (
            {"sla_policies": [{"first_response_seconds": None, "resolution_seconds": None}]},
            422,
            "invalid_input",
            "first_response_seconds",
        ),
        (
            {"sla_policies": [{"first_response_seconds": 60, "actions": ["page the ceo"]}]},
            422,
            "invalid_input",
            "actions",
        ),
        (
            {"sla_policies": [{"first_response_seconds": 60}, {"resolution_seconds": 60}]},
            409,
            "conflict",
            "tier",
        ),
    ):
        assert_error(await c.patch(f"/api/v1/queues/{billing['id']}", json=body), status, code, field)

    agent = await c.post(
        "/api/v1/agents",
        json={
            "username": "senior",
            "password": "long enough",
            "skills": ["Billing"],
            "skill_levels": {"Billing": 5},
        },
    )
    assert agent.status_code == 201, agent.text
    conforms(document, "Agent", agent.json())
    assert agent.json()["skill_levels"] == {"billing": 5}
    assert_error(
        await c.patch(f"/api/v1/agents/{agent.json()['id']}", json={"skill_levels": {"billing": 9}}),
        422,
        "invalid_input",
        "skill_levels",
    )


# -- wrap-up codes, canned replies, skills ----------------------------------------


async def test_wrapup_codes_are_retired_not_deleted(api: Api) -> None:
    c = api.client
    created = await c.post("/api/v1/wrapup-codes", json={"code": "Resolved", "label": "Resolved"})
    assert created.status_code == 201
    code = created.json()
    assert code == {"id": code["id"], "code": "resolved", "label": "Resolved", "is_active": True}
    assert_error(await c.post("/api/v1/wrapup-codes", json={"code": "resolved"}), 409, "conflict")
    assert_error(
        await c.post("/api/v1/wrapup-codes", json={"code": "no spaces"}), 422, "invalid_input", "code"
    )
    deleted = await c.delete(f"/api/v1/wrapup-codes/{code['id']}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert (await c.get("/api/v1/wrapup-codes")).json()["data"] == []
    retired = (await c.get("/api/v1/wrapup-codes?include_inactive=true")).json()["data"]
    assert [(r["code"], r["is_active"]) for r in retired] == [("resolved", False)]
    assert_error(await c.delete("/api/v1/wrapup-codes/4040"), 404, "not_found")


async def test_canned_replies_create_list_delete(api: Api) -> None:
    c = api.client
    created = await c.post(
        "/api/v1/canned-replies", json={"shortcut": "/Thanks", "title": "Thanks", "body": "Thank you!"}
    )
    assert created.status_code == 201
    reply = created.json()
    assert reply["shortcut"] == "thanks"
    assert_error(
        await c.post("/api/v1/canned-replies", json={"shortcut": "thanks", "body": "x"}), 409, "conflict"
    )
    assert_error(
        await c.post("/api/v1/canned-replies", json={"shortcut": "x", "body": "  "}),
        422,
        "invalid_input",
        "body",
    )
    assert [r["shortcut"] for r in (await c.get("/api/v1/canned-replies")).json()["data"]] == ["thanks"]
    assert (await c.delete(f"/api/v1/canned-replies/{reply['id']}")).status_code == 204
    assert (await c.get("/api/v1/canned-replies")).json()["data"] == []
    assert_error(await c.delete(f"/api/v1/canned-replies/{reply['id']}"), 404, "not_found")


# -- hostile input ---------------------------------------------------------------

HOSTILE_BODIES: list[bytes] = [
    b"",
    b"[]",
    b"[1, 2, 3]",
    b'"a string"',
    b"null",
    b"42",
    b"{",
    b"{'single': 'quotes'}",
    b"\xff\xfe\x00",
    b'{"display_name": NaN}',
    b'{"lifetime_value": Infinity}',
    b'{"lifetime_value": 1e999}',
    b'{"priority": 99999999999999999999999}',
    b'{"username": "x\\u0000y", "password": "long enough"}',
    b'{"display_name": "\\ud800"}',
    b'{"attributes": {"k\\u0000": "v"}}',
    b'{"attributes": {"n": NaN}}',
    b'{"name": "<script>alert(1)</script>", "username": "<b>x</b>", "password": "<img src=x onerror=alert(1)>"}',
    b'{"display_name": {"$ne": null}}',
    b'{"capacity": {"chat": 1e308}, "skills": [null], "required_skills": [{}]}',
    b'{"attributes": ' + b'{"a": ' * 2000 + b"1" + b"}" * 2001,
    json.dumps({"display_name": "x" * 300_000}).encode(),
    json.dumps({"body": "y" * 100_000, "shortcut": "big", "title": "t"}).encode(),
    json.dumps({"attributes": {"blob": "z" * 40_000}}).encode(),
    json.dumps({"code": "ok", "label": "l" * 5000}).encode(),
]
HOSTILE_TARGETS = [
    ("POST", "/api/v1/customers"),
    ("PATCH", "/api/v1/customers/1"),
    ("POST", "/api/v1/customers/1/identities"),
    ("POST", "/api/v1/agents"),
    ("PATCH", "/api/v1/agents/1"),
    ("POST", "/api/v1/queues"),
    ("PATCH", "/api/v1/queues/1"),
    ("POST", "/api/v1/wrapup-codes"),
    ("POST", "/api/v1/canned-replies"),
]


async def test_hostile_bodies_get_a_clear_4xx_never_a_500(api: Api) -> None:
    c = api.client
    await c.post("/api/v1/customers", json={"display_name": "target"})
    await c.post("/api/v1/agents", json={"username": "target", "password": "long enough"})
    await c.post("/api/v1/queues", json={"name": "target"})
    for method, path in HOSTILE_TARGETS:
        for body in HOSTILE_BODIES:
            response = await c.request(
                method, path, content=body, headers={"content-type": "application/json"}
            )
            label = (method, path, body[:60])
            assert response.status_code < 500, label
            if response.status_code >= 400:
                assert response.json()["error"]["code"], label
            else:
                json.loads(response.text)  # whatever was accepted is returned as valid JSON
    assert (await c.get("/api/v1/customers")).status_code == 200


async def test_html_is_data_to_the_api_and_comes_back_verbatim_as_json(api: Api) -> None:
    name = '<script>alert("x")</script> & <b>'
    created = await api.client.post("/api/v1/customers", json={"display_name": name})
    assert created.headers["content-type"].startswith("application/json")
    assert created.json()["display_name"] == name


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/customers/abc", 404),
        ("GET", "/api/v1/customers/0", 404),
        ("GET", "/api/v1/customers/-1", 404),
        ("GET", "/api/v1/customers/99999999999999999999", 404),
        ("GET", "/api/v1/customers/%C2%B2", 404),
        ("GET", "/api/v1/nothing-here", 404),
        ("DELETE", "/api/v1/customers", 405),
        ("PUT", "/api/v1/agents/1", 405),
    ],
)
async def test_unknown_paths_and_ids_are_json_errors(
    sqlite_api: Api, method: str, path: str, status: int
) -> None:
    response = await sqlite_api.client.request(method, path)
    assert response.status_code == status
    assert response.json()["error"]["code"] in ("not_found", "method_not_allowed")


async def test_malformed_json_is_400_and_oversized_is_413(sqlite_api: Api) -> None:
    c = sqlite_api.client
    assert_error(await c.post("/api/v1/customers", content=b"{nope"), 400, "malformed_json")
    assert_error(await c.post("/api/v1/customers", content=b"[]"), 400, "malformed_json")
    huge = json.dumps({"display_name": "x" * 400_000}).encode()
    assert_error(await c.post("/api/v1/customers", content=huge), 413, "body_too_large")


@pytest.mark.parametrize(
    "query",
    [
        "email=%00",
        "email=a%00b%40example.com",
        "email=" + "a" * 400,
        "phone=%2B1%00",
        "limit=1&colour=red",  # a parameter the operation does not have
    ],
)
async def test_hostile_query_strings_are_422(api: Api, query: str) -> None:
    response = await api.client.get(f"/api/v1/customers?{query}")
    assert_error(response, 422, "invalid_input")


# %ED%A0%80 (a UTF-8 surrogate) reaches the server as replacement characters: text no address has.
@pytest.mark.parametrize("query", ["phone=not-a-phone", "email=%3Cscript%3E", "email=", "email=%ED%A0%80"])
async def test_a_lookup_by_an_address_no_one_can_have_finds_no_one(api: Api, query: str) -> None:
    response = await api.client.get(f"/api/v1/customers?{query}")
    assert response.status_code == 200, response.text
    assert response.json()["data"] == []
