"""GDPR export and erasure, and the audit log, on SQLite and PostgreSQL (issue 14, items 11 and 12)."""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from config import Settings
from contact_center.app import create_app
from repository.commerce.models import CustomerAnalytics, Order
from repository.compliance.audit import list_entries
from repository.core.ingest import InboundItem, ingest
from repository.core.models import Attachment, Customer, Event, Identity, Interaction
from repository.directory import create_agent, create_queue
from repository.directory.api_keys import create_api_key
from repository.search.query import search_customers, search_messages

PASSWORD = "compliance-pass"


class Site:
    def __init__(self, app: Any, client: httpx.AsyncClient, admin_key: str, plain_key: str) -> None:
        self.app, self.client, self.admin_key, self.plain_key = app, client, admin_key, plain_key

    @property
    def db(self) -> Any:
        return self.app.state.ctx.db

    def headers(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.admin_key}"}


@pytest.fixture
async def site(make_settings: Callable[..., Settings], database_url: str) -> AsyncIterator[Site]:
    app = create_app(make_settings(DATABASE_URL=database_url))
    async with app.router.lifespan_context(app):
        db = app.state.ctx.db
        create_queue(db, "General", is_default=True)
        create_agent(db, "sam", "Sam", PASSWORD, role="admin")
        admin_key, _ = create_api_key(db, "dpo", ("read", "write", "admin"))
        plain_key, _ = create_api_key(db, "crm", ("read", "write"))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Site(app, client, admin_key, plain_key)


def make_customer(site: Site, tmp_path: Path) -> int:
    """A customer with two identities, a chat with a file, an order and analytics."""
    db = site.db
    chat = ingest(
        db,
        InboundItem(
            channel="chat",
            identities=[("email", "gina@example.com"), ("webchat", "v_gina")],
            thread_key="v_gina",
            body="My address is 7 Privet Drive",
            display_name="Gina Private",
        ),
    )
    stored = tmp_path / "gina-receipt.pdf"
    stored.write_bytes(b"%PDF-gina")
    with db.write() as session:
        session.add(
            Attachment(
                owner_key="v_gina",
                filename="receipt.pdf",
                content_type="application/pdf",
                size=9,
                sha256="0" * 64,
                storage_path=str(stored),
            )
        )
        session.add(
            Order(
                customer_id=chat.customer.id,  # type: ignore[arg-type]
                external_id="ord-gina-1",
                ordered_at=chat.event.created_at,
                amount=42.0,
            )
        )
        session.add(CustomerAnalytics(customer_id=chat.customer.id, tier="gold"))  # type: ignore[arg-type]
    return int(chat.customer.id)  # type: ignore[arg-type]


async def test_export_holds_everything_about_the_customer_in_one_call(site: Site, tmp_path: Path) -> None:
    customer_id = make_customer(site, tmp_path)
    response = await site.client.get(f"/api/v1/gdpr/customers/{customer_id}/export", headers=site.headers())
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["customer"]["display_name"] == "Gina Private"
    assert {(i["kind"], i["value"]) for i in data["customer"]["identities"]} == {
        ("email", "gina@example.com"),
        ("webchat", "v_gina"),
    }
    bodies = [e["body"] for i in data["interactions"] for e in i["events"]]
    assert "My address is 7 Privet Drive" in bodies
    assert [o["external_id"] for o in data["orders"]] == ["ord-gina-1"]
    assert data["analytics"] is not None
    [file] = data["attachments"]
    assert base64.b64decode(file["content_base64"]) == b"%PDF-gina"
    # Personal data left the building: the audit log says who took it.
    [entry] = list_entries(site.db, action="api.export_customer_data")
    assert entry.actor_type == "api_key" and entry.actor_name == "dpo" and entry.target_id == str(customer_id)


async def test_erasure_removes_personal_data_and_keeps_an_anonymous_skeleton(
    site: Site, tmp_path: Path
) -> None:
    customer_id = make_customer(site, tmp_path)
    refused = await site.client.post(
        f"/api/v1/gdpr/customers/{customer_id}/erase", headers=site.headers(site.plain_key)
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "insufficient_scope"
    response = await site.client.post(f"/api/v1/gdpr/customers/{customer_id}/erase", headers=site.headers())
    assert response.status_code == 200, response.text
    assert response.json()["erased"] == {"identities": 2, "events": 1, "attachments": 1, "orders": 1}
    db = site.db
    with db.read() as session:
        customer = session.get(Customer, customer_id)
        assert customer is not None
        assert customer.display_name == f"Erased customer #{customer_id}"
        assert customer.email is None and customer.attributes == {"erased": True}
        assert not session.exec(select(Identity).where(Identity.customer_id == customer_id)).all()
        assert not session.exec(select(Attachment).where(Attachment.owner_key == "v_gina")).all()
        assert not session.exec(select(Order).where(Order.customer_id == customer_id)).all()
        assert session.get(CustomerAnalytics, customer_id) is None
        events = session.exec(select(Event).where(Event.customer_id == customer_id)).all()
        assert [e.body for e in events] == [""]
        [interaction] = session.exec(select(Interaction).where(Interaction.customer_id == customer_id)).all()
        assert interaction.channel == "chat" and interaction.status == "queued"  # the skeleton stays
    assert not (tmp_path / "gina-receipt.pdf").exists()
    # The search index no longer finds the person or what they wrote.
    assert not search_messages(db, "Privet").hits
    assert not search_customers(db, "Gina").hits
    # Erasing again is harmless, and a new chat from the same address is a new person.
    again = await site.client.post(f"/api/v1/gdpr/customers/{customer_id}/erase", headers=site.headers())
    assert again.status_code == 200
    [entry, *_] = list_entries(db, action="api.erase_customer_data")
    assert entry.after["erased"]["identities"] == 0


async def test_every_api_change_is_audited_with_before_and_after_and_secrets_hidden(site: Site) -> None:
    created = await site.client.post(
        "/api/v1/agents",
        json={"username": "nia", "display_name": "Nia", "password": "nia-password-1", "role": "agent"},
        headers=site.headers(),
    )
    assert created.status_code == 201, created.text
    agent_id = created.json()["id"]
    changed = await site.client.patch(
        f"/api/v1/agents/{agent_id}", json={"display_name": "Nia K."}, headers=site.headers()
    )
    assert changed.status_code == 200, changed.text
    await site.client.get("/api/v1/agents", headers=site.headers())  # reads are not logged
    log = await site.client.get("/api/v1/audit-log", headers=site.headers())
    assert log.status_code == 200
    entries = log.json()["data"]
    update, create = entries[0], entries[1]
    assert update["action"] == "api.update_agent" and update["target_id"] == str(agent_id)
    assert update["before"]["display_name"] == "Nia" and update["after"]["display_name"] == "Nia K."
    assert update["actor_type"] == "api_key" and update["actor_name"] == "dpo" and update["at"]
    assert create["action"] == "api.create_agent"
    assert "nia-password-1" not in log.text
    assert not any(e["action"] == "api.list_agents" for e in entries)
    denied = await site.client.get("/api/v1/audit-log", headers=site.headers(site.plain_key))
    assert denied.status_code == 403


async def test_admin_pages_are_audited_and_offer_export_and_erasure(site: Site, tmp_path: Path) -> None:
    customer_id = make_customer(site, tmp_path)
    client = site.client
    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    signed_in = await client.post(
        "/login", data={"csrf_token": token, "username": "sam", "password": PASSWORD}
    )
    assert signed_in.status_code == 303
    admin_page = await client.get("/admin/queues")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', admin_page.text).group(1)  # type: ignore[union-attr]
    await client.post("/admin/queues", data={"csrf_token": csrf, "name": "Billing", "priority": "0"})
    download = await client.get(f"/admin/gdpr/{customer_id}/export")
    assert download.status_code == 200 and download.json()["customer"]["id"] == customer_id
    assert "attachment" in download.headers["content-disposition"]
    wrong = await client.post(f"/admin/gdpr/{customer_id}/erase", data={"csrf_token": csrf, "confirm": "0"})
    assert wrong.status_code == 303
    assert [e.action for e in list_entries(site.db, action="admin.gdpr_erase")] == []  # not confirmed
    erased = await client.post(
        f"/admin/gdpr/{customer_id}/erase", data={"csrf_token": csrf, "confirm": str(customer_id)}
    )
    assert erased.status_code == 303
    audit = await client.get("/admin/audit")
    assert audit.status_code == 200
    actions = [e.action for e in list_entries(site.db)]
    assert "admin.post /admin/queues" in actions
    assert "admin.gdpr_export" in actions and "admin.gdpr_erase" in actions
    assert actions.count("admin.gdpr_erase") == 1  # the unconfirmed attempt erased nothing
    queue_post = next(e for e in list_entries(site.db) if e.action == "admin.post /admin/queues")
    assert (
        queue_post.after["form"]["name"] == "Billing"
        and queue_post.after["form"]["csrf_token"] == "(redacted)"
    )
    assert "gdpr_erase" in audit.text
