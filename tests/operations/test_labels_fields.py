"""Labels and typed custom fields through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from config import Settings
from repository.core.ingest import InboundItem, ingest
from tests.test_api import Api, _serve, assert_error, conforms


@pytest.fixture
async def api(make_settings: Callable[..., Settings], database_url: str) -> AsyncIterator[Api]:
    async for served in _serve(make_settings(DATABASE_URL=database_url)):
        yield served


async def test_labels_are_defined_put_on_records_counted_and_filtered(api: Api) -> None:
    c = api.client
    document = (await c.get("/api/v1/openapi.json")).json()
    await c.post("/api/v1/queues", json={"name": "Support", "is_default": True})
    vip = await c.post(
        "/api/v1/labels", json={"name": "VIP", "colour": "#D97706", "description": "big spenders"}
    )
    assert vip.status_code == 201, vip.text
    conforms(document, "Label", vip.json())
    assert vip.json()["colour"] == "#d97706"
    refund = (await c.post("/api/v1/labels", json={"name": "Refund request"})).json()
    assert_error(await c.post("/api/v1/labels", json={"name": "VIP"}), 409, "conflict", "name")
    assert_error(
        await c.post("/api/v1/labels", json={"name": "Red", "colour": "red"}), 422, "invalid_input", "colour"
    )

    ann = (await c.post("/api/v1/customers", json={"display_name": "Ann", "email": "ann@example.com"})).json()
    bob = (await c.post("/api/v1/customers", json={"display_name": "Bob"})).json()
    chat = await api.db(
        ingest,
        InboundItem(
            channel="chat",
            identities=[("email", "ann@example.com")],
            thread_key="v1",
            body="I want my money back",
        ),
    )
    iid = chat.interaction.id

    on_ann = await c.post(f"/api/v1/customers/{ann['id']}/labels", json={"label_id": vip.json()["id"]})
    assert [x["name"] for x in on_ann.json()["labels"]] == ["VIP"]
    again = await c.post(f"/api/v1/customers/{ann['id']}/labels", json={"name": "vip"})
    assert [x["name"] for x in again.json()["labels"]] == ["VIP"], "labelling twice changes nothing"
    await c.post(f"/api/v1/interactions/{iid}/labels", json={"name": "Refund request"})
    assert [x["name"] for x in (await c.get(f"/api/v1/interactions/{iid}/labels")).json()["labels"]] == [
        "Refund request"
    ]

    # Filter: the records carrying a label.
    vips = (await c.get(f"/api/v1/labels/{vip.json()['id']}/customers")).json()["data"]
    assert [x["id"] for x in vips] == [ann["id"]]
    refunds = (await c.get(f"/api/v1/labels/{refund['id']}/interactions")).json()["data"]
    assert [x["id"] for x in refunds] == [iid]
    # Search by name and the report counts.
    listed = (await c.get("/api/v1/labels", params={"q": "refund"})).json()["data"]
    assert [(x["name"], x["customers"], x["interactions"]) for x in listed] == [("Refund request", 0, 1)]
    counts = {
        x["name"]: (x["customers"], x["interactions"]) for x in (await c.get("/api/v1/labels")).json()["data"]
    }
    assert counts == {"VIP": (1, 0), "Refund request": (0, 1)}

    # Take it off; delete a label and it leaves every record.
    off = await c.delete(f"/api/v1/customers/{ann['id']}/labels/{vip.json()['id']}")
    assert off.json()["labels"] == []
    assert (await c.delete(f"/api/v1/labels/{refund['id']}")).status_code == 204
    assert (await c.get(f"/api/v1/interactions/{iid}/labels")).json()["labels"] == []
    assert_error(
        await c.post(f"/api/v1/customers/{bob['id']}/labels", json={"name": "nope"}), 404, "not_found"
    )
    assert_error(await c.post("/api/v1/customers/999/labels", json={"name": "VIP"}), 404, "not_found")
    assert_error(
        await c.post(f"/api/v1/customers/{bob['id']}/labels", json={}), 422, "invalid_input", "label_id"
    )


async def test_typed_custom_fields_check_their_values(api: Api) -> None:
    c = api.client
    document = (await c.get("/api/v1/openapi.json")).json()
    made = []
    for field in (
        {"target": "customer", "key": "birthday", "name": "Birthday", "type": "date"},
        {"target": "customer", "key": "budget", "name": "Budget", "type": "number"},
        {
            "target": "customer",
            "key": "contract",
            "name": "Contract",
            "type": "list",
            "options": ["basic", "pro"],
        },
        {"target": "customer", "key": "notes_ref", "name": "Notes reference", "type": "text"},
        {"target": "interaction", "key": "order_no", "name": "Order number", "type": "text"},
    ):
        response = await c.post("/api/v1/custom-fields", json=field)
        assert response.status_code == 201, response.text
        conforms(document, "CustomField", response.json())
        made.append(response.json())
    assert_error(
        await c.post(
            "/api/v1/custom-fields",
            json={"target": "customer", "key": "birthday", "name": "B", "type": "date"},
        ),
        409,
        "conflict",
        "key",
    )
    assert_error(
        await c.post(
            "/api/v1/custom-fields", json={"target": "customer", "key": "tier2", "name": "T", "type": "list"}
        ),
        422,
        "invalid_input",
        "options",
    )
    customer = (await c.post("/api/v1/customers", json={"display_name": "Ann"})).json()
    url = f"/api/v1/customers/{customer['id']}/fields"
    ok = await c.patch(url, json={"fields": {"birthday": "1990-04-01", "budget": 1200.5, "contract": "pro"}})
    assert ok.status_code == 200, ok.text
    assert ok.json()["fields"] == {"birthday": "1990-04-01", "budget": 1200.5, "contract": "pro"}
    for bad, field in (
        ({"birthday": "April"}, "birthday"),
        ({"budget": "a lot"}, "budget"),
        ({"contract": "gold"}, "contract"),
    ):
        assert_error(
            await c.patch(url, json={"fields": {"contract": "basic", **bad}}), 422, "invalid_input", field
        )
    # A key no customer field has names a record that does not exist: 404, as for any id.
    for missing in ("order_no", "unknown"):  # order_no is an interaction's field, not a customer's
        assert_error(
            await c.patch(url, json={"fields": {"contract": "basic", missing: "x"}}),
            404,
            "not_found",
            missing,
        )
    # All or nothing: the refused batches changed nothing; null clears one value.
    cleared = await c.patch(url, json={"fields": {"budget": None}})
    assert cleared.json()["fields"] == {"birthday": "1990-04-01", "contract": "pro"}
    assert (await c.get(url)).json()["fields"] == {"birthday": "1990-04-01", "contract": "pro"}
    listed = (await c.get("/api/v1/custom-fields", params={"target": "interaction"})).json()["data"]
    assert [f["key"] for f in listed] == ["order_no"]
    assert_error(await c.get("/api/v1/customers/999/fields"), 404, "not_found")
