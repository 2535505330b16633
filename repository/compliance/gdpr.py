"""GDPR: everything stored about one customer, exported in one document, or erased.

Export: the customer record, identities, every interaction with its events (internal
notes included: the data subject may ask for them), orders, analytics, call records
and the attachments themselves (base64), as one JSON document.

Erase: identities, message text and payloads, attachments (rows and files), orders,
analytics, call numbers and the customer's personal fields go. What stays is the
skeleton statistics need: the customer row (named "Erased customer #id") and its
interactions with channel, queue, agent, times, status and disposition, but no
subject, text, rating comment or numbers. The search index follows the writes. Both
are audited by the caller (repository/compliance/audit.py).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, delete, select

from repository.commerce.models import CustomerAnalytics, CustomerRef, Order, OrderLine
from repository.core.models import Attachment, Customer, Event, Identity, Interaction
from repository.core.serialize import customer_dict, event_dict, interaction_dict, iso
from repository.errors import NotFound
from repository.telephony.models import CallRecord

if TYPE_CHECKING:
    from repository.db import Database

MAX_INLINE_BYTES = 25 * 1024 * 1024  # per attachment in an export; bigger ones are listed only


def _customer(session: Session, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("no such customer", customer_id=customer_id)
    return customer


def _attachments(session: Session, identities: list[Identity], events: list[Event]) -> list[Attachment]:
    """Web chat files are owned by the visitor id; email files are named by id in the events."""
    owners = [i.value for i in identities if i.kind == "webchat"]
    ids = {
        int(a["id"])
        for e in events
        for a in (e.payload or {}).get("attachments", [])
        if isinstance(a, dict) and isinstance(a.get("id"), int)
    }
    rows: dict[int, Attachment] = {}
    if owners:
        for row in session.exec(select(Attachment).where(col(Attachment.owner_key).in_(owners))):
            rows[row.id] = row  # type: ignore[index]
    if ids:
        for row in session.exec(select(Attachment).where(col(Attachment.id).in_(ids))):
            rows[row.id] = row  # type: ignore[index]
    return [rows[k] for k in sorted(rows)]


def _file(row: Attachment) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "filename": row.filename,
        "content_type": row.content_type,
        "size": row.size,
        "sha256": row.sha256,
        "created_at": iso(row.created_at),
    }
    path = Path(row.storage_path)
    if row.size <= MAX_INLINE_BYTES and path.is_file():
        out["content_base64"] = base64.b64encode(path.read_bytes()).decode()
    else:
        out["content_base64"] = None
    return out


def export_customer(db: Database, customer_id: int) -> dict[str, Any]:
    with db.read() as session:
        customer = _customer(session, customer_id)
        identities = list(session.exec(select(Identity).where(Identity.customer_id == customer_id)))
        interactions = list(
            session.exec(
                select(Interaction)
                .where(Interaction.customer_id == customer_id)
                .order_by(col(Interaction.id))
            )
        )
        events = list(
            session.exec(select(Event).where(Event.customer_id == customer_id).order_by(col(Event.id)))
        )
        orders = list(session.exec(select(Order).where(Order.customer_id == customer_id)))
        lines = (
            list(session.exec(select(OrderLine).where(col(OrderLine.order_id).in_([o.id for o in orders]))))
            if orders
            else []
        )
        analytics = session.get(CustomerAnalytics, customer_id)
        calls = list(session.exec(select(CallRecord).where(CallRecord.customer_id == customer_id)))
        files = [_file(row) for row in _attachments(session, identities, events)]
    by_interaction: dict[int, list[dict[str, Any]]] = {}
    for event in events:
        by_interaction.setdefault(event.interaction_id, []).append(event_dict(event))
    return {
        "format": "contact-center GDPR export 1",
        "customer": customer_dict(customer, identities),
        "interactions": [
            {**interaction_dict(i), "events": by_interaction.get(i.id, [])}  # type: ignore[arg-type]
            for i in interactions
        ],
        "orders": [
            {
                **o.model_dump(mode="json"),
                "lines": [ln.model_dump(mode="json") for ln in lines if ln.order_id == o.id],
            }
            for o in orders
        ],
        "analytics": analytics.model_dump(mode="json") if analytics else None,
        "calls": [c.model_dump(mode="json") for c in calls],
        "attachments": files,
    }


def erase_customer(db: Database, customer_id: int) -> dict[str, int]:
    """Erase what identifies the customer; returns what was removed, by kind."""
    removed_files: list[Path] = []
    with db.write() as session:
        customer = _customer(session, customer_id)
        identities = list(session.exec(select(Identity).where(Identity.customer_id == customer_id)))
        events = list(session.exec(select(Event).where(Event.customer_id == customer_id)))
        attachments = _attachments(session, identities, events)
        orders = list(session.exec(select(Order).where(Order.customer_id == customer_id)))
        counts = {
            "identities": len(identities),
            "events": len(events),
            "attachments": len(attachments),
            "orders": len(orders),
        }
        for event in events:
            event.body = ""
            event.payload = {}
            if event.author_type == "customer":
                event.author_name = ""
            session.add(event)
        for interaction in session.exec(select(Interaction).where(Interaction.customer_id == customer_id)):
            interaction.subject = ""
            interaction.csat_comment = None
            interaction.thread_key = f"erased:{interaction.id}"
            session.add(interaction)
        for row in attachments:
            removed_files.append(Path(row.storage_path))
            session.delete(row)
        for identity in identities:
            session.delete(identity)
        if orders:
            session.exec(delete(OrderLine).where(col(OrderLine.order_id).in_([o.id for o in orders])))
            for order in orders:
                session.delete(order)
        analytics = session.get(CustomerAnalytics, customer_id)
        if analytics is not None:
            session.delete(analytics)
        for ref in session.exec(select(CustomerRef).where(CustomerRef.customer_id == customer_id)):
            session.delete(ref)  # the shop's own id for this person
        for call in session.exec(select(CallRecord).where(CallRecord.customer_id == customer_id)):
            call.from_number, call.to_number = "", ""
            session.add(call)
        customer.display_name = f"Erased customer #{customer_id}"
        customer.email = None
        customer.phone = None
        customer.attributes = {"erased": True}
        customer.tier = "standard"
        customer.lifetime_value = 0.0
        customer.churn_risk = 0.0
        session.add(customer)
    for path in removed_files:  # after the commit: a failed transaction keeps its files
        path.unlink(missing_ok=True)
    return counts
