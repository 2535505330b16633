"""A back-end system texts a customer through the real twilio client to Prism (Twilio's own spec).

The message starts a conversation, a resend with the same external id sends nothing,
the customer's answer (a signed webhook) comes back into the CCR, the API writes into
that interaction, and after STOP nothing more leaves.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlmodel import select

from repository import Database
from repository.core.models import Event, Interaction
from repository.directory.api_keys import create_api_key
from repository.telephony.config import save_number
from tests.live import ServerProcess
from tests.telephony.conftest import Prism, inbound_sms, sid, twilio_post

pytestmark = pytest.mark.server
CUSTOMER = "+14155550123"
COMPANY = "+14155550100"


def _rows(server: ServerProcess, model: Any) -> list[Any]:
    db = Database(server.database_url)
    try:
        with db.read() as session:
            return list(session.exec(select(model).order_by(model.id)).all())
    finally:
        db.dispose()


def _setup(server: ServerProcess) -> str:
    db = Database(server.database_url)
    try:
        save_number(db, None, {"number": COMPANY, "label": "Main"})
        token, _key = create_api_key(db, "shop")
        return str(token)
    finally:
        db.dispose()


def _sent(prism: Prism, since: int) -> list[str]:
    return [r for r in prism.requests()[since:] if r.endswith("/Messages.json")]


async def test_a_back_end_texts_a_customer_who_answers_then_opts_out(
    phone_server: ServerProcess, prism: Prism
) -> None:
    server = phone_server
    token = _setup(server)
    async with httpx.AsyncClient(base_url=server.base, headers={"Authorization": f"Bearer {token}"}) as api:
        customer = (
            await api.post("/api/v1/customers", json={"display_name": "Ann", "phone": "(415) 555-0123"})
        ).json()
        order_shipped = {
            "customer_id": customer["id"],
            "channel": "sms",
            "body": "Your order 42 has shipped.",
            "external_id": "order-42-shipped",
            "author_name": "Northwind Shop",
        }
        before = len(prism.requests())
        first = await api.post("/api/v1/messages", json=order_shipped)
        assert first.status_code == 201, first.text
        sent = first.json()
        assert sent["created"] is True and sent["duplicate"] is False
        assert sent["interaction"]["channel"] == "sms" and sent["interaction"]["status"] == "closed"
        assert sent["event"]["author_type"] == "system" and sent["event"]["author_name"] == "Northwind Shop"
        assert len(_sent(prism, before)) == 1 and prism.rejections() == []
        [event] = [e for e in _rows(server, Event) if e.id == sent["event"]["id"]]
        assert event.delivery_status in ("queued", "sent"), "Prism answered; the delivery state is recorded"

        # The shop's retry after a timeout: the same answer, nothing sent twice.
        again = await api.post("/api/v1/messages", json=order_shipped)
        assert again.status_code == 201 and again.json()["duplicate"] is True
        assert again.json()["event"]["id"] == sent["event"]["id"]
        assert len(_sent(prism, before)) == 1

        # The customer answers: a signed webhook opens a new conversation on the same thread.
        reply = await twilio_post(server, "/channels/twilio/sms", inbound_sms(sid("SM", 71), "Thanks! When?"))
        assert reply.status_code == 200
        live = [i for i in _rows(server, Interaction) if i.status != "closed"]
        assert len(live) == 1 and live[0].thread_key == f"{CUSTOMER}|{COMPANY}"

        # The back end writes into that interaction.
        into = await api.post(
            f"/api/v1/interactions/{live[0].id}/messages", json={"body": "Tomorrow before noon."}
        )
        assert into.status_code == 201, into.text
        assert into.json()["interaction"]["id"] == live[0].id and into.json()["created"] is False
        assert len(_sent(prism, before)) == 2

        # STOP: every later message is refused with a reason; nothing is stored or sent.
        await twilio_post(server, "/channels/twilio/sms", inbound_sms(sid("SM", 72), "STOP"))
        stored = len(_rows(server, Event))
        refused = await api.post("/api/v1/messages", json={**order_shipped, "external_id": "order-43"})
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "opted_out"
        refused_into = await api.post(f"/api/v1/interactions/{live[0].id}/messages", json={"body": "Hello?"})
        assert refused_into.status_code == 409 and refused_into.json()["error"]["code"] == "opted_out"
        assert len(_rows(server, Event)) == stored and len(_sent(prism, before)) == 2

        # Bad input is a 4xx naming the field, never a 500.
        for bad, field in (
            ({**order_shipped, "channel": "fax"}, "channel"),
            ({**order_shipped, "customer_id": 99999}, None),
            ({"customer_id": customer["id"], "channel": "sms"}, "body"),
            ({**order_shipped, "to": "+14155550999"}, "to"),
        ):
            response = await api.post("/api/v1/messages", json=bad)
            assert 400 <= response.status_code < 500, response.text
            if field:
                assert response.json()["error"].get("field") == field, response.text
    assert prism.rejections() == []
