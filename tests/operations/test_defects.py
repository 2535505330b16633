"""Issue 17's defects, each through the product's own surface on SQLite and PostgreSQL.

- orders imported for a customer raise their lifetime value (it stayed 0.0);
- a ``requeued`` status event names the agent who had the contact (it was always null);
- a queue's tier boosts are read and written through the queue API (admin page only before).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from config import Settings
from repository import Database
from repository.commerce.bulk import upsert_orders
from repository.commerce.inputs import CustomerInput, OrderInput
from repository.commerce.models import Order
from repository.core import lifecycle
from repository.core.models import Customer, Event, utcnow
from repository.routing import requeue
from tests.factories import make_agent, make_queue, offered_to
from tests.test_api import Api, _serve, assert_error, conforms


def _value(db: Database, customer_id: int) -> float:
    with db.read() as session:
        customer = session.get(Customer, customer_id)
        assert customer is not None
        return customer.lifetime_value


def test_imported_orders_add_up_to_the_customers_lifetime_value(db: Database) -> None:
    when = datetime(2026, 3, 1, tzinfo=UTC)
    ann = CustomerInput(external_id="erp-ann", email="ann@example.com")
    results = upsert_orders(
        db,
        [
            OrderInput("o-1", when, 120.5, customer=ann),
            OrderInput("o-2", when, 79.5, customer=ann),
        ],
    )
    ann_id = results[0]["customer_id"]
    assert _value(db, ann_id) == pytest.approx(200.0)

    # Resending an order replaces its amount; the value follows, it is not added twice.
    upsert_orders(db, [OrderInput("o-2", when, 19.5, customer=ann)])
    assert _value(db, ann_id) == pytest.approx(140.0)

    # An order moved to another customer leaves the first one's value and joins the second's.
    bob = CustomerInput(external_id="erp-bob", email="bob@example.com")
    moved = upsert_orders(db, [OrderInput("o-1", when, 120.5, customer=bob)])
    bob_id = moved[0]["customer_id"]
    assert _value(db, ann_id) == pytest.approx(19.5)
    assert _value(db, bob_id) == pytest.approx(120.5)
    with db.read() as session:
        assert len(session.exec(select(Order)).all()) == 2


def _requeued(db: Database, interaction_id: int) -> list[Event]:
    with db.read() as session:
        return list(
            session.exec(
                select(Event)
                .where(Event.interaction_id == interaction_id, Event.body == "requeued")
                .order_by(Event.id)  # type: ignore[arg-type]
            ).all()
        )


def test_requeued_events_name_the_agent_who_had_the_contact(db: Database) -> None:
    make_queue(db, "support", is_default=True)
    ada, ben = make_agent(db, "ada"), make_agent(db, "ben")

    rejected = offered_to(db, ada)
    lifecycle.reject(db, rejected.id, ada.id)  # type: ignore[arg-type]
    [event] = _requeued(db, rejected.id)  # type: ignore[arg-type]
    assert event.payload["previous_agent_id"] == ada.id
    assert event.payload["reason"] == "rejected"

    # An offer nobody answered in time goes back the same way, and says whose it was.
    held = offered_to(db, ben)
    expired = requeue.expire_reservations(db, now=utcnow() + timedelta(minutes=5))
    assert [(i.id, agent_id) for i, agent_id in expired] == [(held.id, ben.id)]
    [event] = _requeued(db, held.id)  # type: ignore[arg-type]
    assert event.payload["previous_agent_id"] == ben.id
    assert event.payload["reason"] == "reservation timed out"


@pytest.fixture
async def api(make_settings: Callable[..., Settings], database_url: str) -> AsyncIterator[Api]:
    async for served in _serve(make_settings(DATABASE_URL=database_url)):
        yield served


async def test_tier_boosts_are_set_and_read_through_the_queue_api(api: Api) -> None:
    c = api.client
    document = (await c.get("/api/v1/openapi.json")).json()
    created = await c.post(
        "/api/v1/queues", json={"name": "VIP", "tier_boosts": {"platinum": 30, "gold": 15}}
    )
    assert created.status_code == 201, created.text
    vip = created.json()
    conforms(document, "Queue", vip)
    assert vip["tier_boosts"] == {"platinum": 30, "gold": 15}

    patched = await c.patch(f"/api/v1/queues/{vip['id']}", json={"tier_boosts": {"silver": -5}})
    assert patched.status_code == 200, patched.text
    assert patched.json()["tier_boosts"] == {"silver": -5}
    assert (await c.get(f"/api/v1/queues/{vip['id']}")).json()["tier_boosts"] == {"silver": -5}
    # An empty object clears them; the router then ranks every tier alike in this queue.
    cleared = await c.patch(f"/api/v1/queues/{vip['id']}", json={"tier_boosts": {}})
    assert cleared.json()["tier_boosts"] == {}

    for bad in ({"diamond": 10}, {"gold": 101}, {"gold": "10"}, ["gold"]):
        assert_error(
            await c.patch(f"/api/v1/queues/{vip['id']}", json={"tier_boosts": bad}),
            422,
            "invalid_input",
            "tier_boosts",
        )
