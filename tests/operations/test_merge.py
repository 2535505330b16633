"""Merging customers through the API on SQLite and PostgreSQL: everything moves, an audit
entry is written, undo puts every row back, and suggestions find shared mailboxes and lines."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
from sqlmodel import select

from config import Settings
from repository.compliance.audit_models import AuditEntry
from repository.core.ingest import InboundItem, ingest
from repository.core.models import Customer, utcnow
from repository.crm.custom_fields import create_field, set_values
from repository.crm.labels import attach_label, create_label
from repository.crm.merge_models import CustomerMerge
from tests.test_api import Api, _serve, assert_error, conforms


@pytest.fixture
async def api(make_settings: Callable[..., Settings], database_url: str) -> AsyncIterator[Api]:
    async for served in _serve(make_settings(DATABASE_URL=database_url)):
        yield served


async def _customer(api: Api, **body: object) -> int:
    response = await api.client.post("/api/v1/customers", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def test_merge_moves_everything_is_audited_and_undo_restores_it(api: Api) -> None:
    c = api.client
    document = (await c.get("/api/v1/openapi.json")).json()
    await c.post("/api/v1/queues", json={"name": "Support", "is_default": True})
    ann = await _customer(api, display_name="Ann Smith", email="ann.smith@gmail.com")
    dup = await _customer(api, display_name="", email="annsmith+shop@gmail.com", phone="+14155550123")
    chat = await api.db(
        ingest,
        InboundItem(
            channel="sms", identities=[("phone", "+14155550123")], thread_key="t1", body="Is it shipped?"
        ),
    )
    assert chat.customer.id == dup
    order = {"external_id": "o-9", "customer_id": dup, "ordered_at": "2026-03-01T10:00:00Z", "amount": 80.0}
    assert (await c.post("/api/v1/orders", json=order)).status_code in (200, 201)
    vip = await api.db(create_label, "VIP")
    await api.db(attach_label, "customer", dup, label_id=vip.id)
    await api.db(attach_label, "customer", ann, label_id=vip.id)  # both carry it: one link survives
    await api.db(create_field, "customer", "contract", "Contract", "text")
    await api.db(set_values, "customer", dup, {"contract": "pro"})

    suggested = (await c.get("/api/v1/customer-merges/suggestions")).json()["data"]
    conforms(document, "MergeSuggestions", {"data": suggested})
    assert [(s["customer_ids"], s["reason"]) for s in suggested] == [([ann, dup], "email")]

    merged = await c.post(f"/api/v1/customers/{ann}/merge", json={"merge_id": dup})
    assert merged.status_code == 200, merged.text
    conforms(document, "MergeResult", merged.json())
    result = merged.json()
    assert {i["value"] for i in result["customer"]["identities"]} == {
        "ann.smith@gmail.com",
        "annsmith+shop@gmail.com",
        "+14155550123",
    }
    assert result["customer"]["phone"] == "+14155550123" and result["customer"]["lifetime_value"] == 80.0
    assert result["merge"]["moved"]["interactions"] == 1 and result["merge"]["moved"]["orders"] == 1
    assert_error(await c.get(f"/api/v1/customers/{dup}"), 404, "not_found")
    timeline = (await c.get(f"/api/v1/customers/{ann}/interactions")).json()["data"]
    assert [i["id"] for i in timeline] == [chat.interaction.id]
    assert [x["name"] for x in (await c.get(f"/api/v1/customers/{ann}/labels")).json()["labels"]] == ["VIP"]
    assert (await c.get(f"/api/v1/customers/{ann}/fields")).json()["fields"] == {"contract": "pro"}
    # The customer's next SMS lands on the kept record.
    later = await api.db(
        ingest,
        InboundItem(
            channel="sms", identities=[("phone", "+14155550123")], thread_key="t1", body="Hello again"
        ),
    )
    assert later.customer.id == ann
    db = api.app.state.ctx.db
    with db.read() as session:
        [audit] = session.exec(select(AuditEntry).where(AuditEntry.action == "customer.merge")).all()
    assert audit.target_id == str(ann) and audit.before["merged_customer_id"] == dup
    assert (await c.get("/api/v1/customer-merges/suggestions")).json()["data"] == []

    # Undo: the merged customer is back with its own id and everything it had.
    undone = await c.post(f"/api/v1/customer-merges/{result['merge']['id']}/undo")
    assert undone.status_code == 200, undone.text
    assert undone.json()["undone_at"] is not None
    back = (await c.get(f"/api/v1/customers/{dup}")).json()
    assert {i["value"] for i in back["identities"]} == {"annsmith+shop@gmail.com", "+14155550123"}
    assert back["lifetime_value"] == 80.0
    kept = (await c.get(f"/api/v1/customers/{ann}")).json()
    assert [i["value"] for i in kept["identities"]] == ["ann.smith@gmail.com"] and kept["phone"] is None
    assert kept["lifetime_value"] == 0.0
    assert [i["id"] for i in (await c.get(f"/api/v1/customers/{dup}/interactions")).json()["data"]] == [
        chat.interaction.id
    ]
    assert [x["name"] for x in (await c.get(f"/api/v1/customers/{dup}/labels")).json()["labels"]] == ["VIP"]
    assert [x["name"] for x in (await c.get(f"/api/v1/customers/{ann}/labels")).json()["labels"]] == ["VIP"]
    assert (await c.get(f"/api/v1/customers/{dup}/fields")).json()["fields"] == {"contract": "pro"}
    assert (await c.get(f"/api/v1/customers/{ann}/fields")).json()["fields"] == {}
    assert_error(await c.post(f"/api/v1/customer-merges/{result['merge']['id']}/undo"), 409, "already_undone")


async def test_merge_refusals_and_the_undo_window(api: Api) -> None:
    c = api.client
    a = await _customer(api, display_name="A", email="a@example.com")
    b = await _customer(api, display_name="B", email="b@example.com")
    # A valid id, but merging a customer into itself conflicts with what the record is.
    assert_error(
        await c.post(f"/api/v1/customers/{a}/merge", json={"merge_id": a}), 409, "conflict", "merge_id"
    )
    assert_error(await c.post(f"/api/v1/customers/{a}/merge", json={"merge_id": 999}), 404, "not_found")
    assert_error(await c.post("/api/v1/customer-merges/999/undo"), 404, "not_found")
    merged = (await c.post(f"/api/v1/customers/{a}/merge", json={"merge_id": b})).json()
    db = api.app.state.ctx.db
    with db.write() as session:
        row = session.get(CustomerMerge, merged["merge"]["id"])
        assert row is not None
        row.undo_until = utcnow() - timedelta(seconds=1)
        session.add(row)
    assert_error(await c.post(f"/api/v1/customer-merges/{row.id}/undo"), 409, "undo_expired")
    with db.read() as session:
        assert session.get(Customer, b) is None
