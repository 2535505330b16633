"""Merging two customer records into one, and undoing a merge (suggestions: merge_suggestions.py).

A merge moves everything the merged customer owns (identities, interactions and their
events, orders, external ids, call records, email threading, labels, custom field
values) to the kept customer in one transaction, records exactly which rows moved and
which duplicates were dropped, writes an audit entry, and deletes the merged record.
Within the undo window the record is recreated with its own id and every recorded
row goes back; what arrived for the kept customer after the merge stays with them.
See docs/merge.md.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select, update
from sqlmodel import Session

from repository.commerce.bulk import refresh_lifetime_values
from repository.commerce.models import CustomerAnalytics, CustomerRef, Order
from repository.compliance.audit_models import AuditEntry
from repository.core.models import Customer, Event, Identity, Interaction, utcnow
from repository.crm.label_models import CustomField, CustomValue, LabelLink
from repository.crm.merge_models import CustomerMerge
from repository.email.models import EmailMessageId
from repository.errors import Conflict, NotFound
from repository.search.index import reindex_customer
from repository.telephony.models import CallRecord

if TYPE_CHECKING:
    from repository.db import Database

UNDO_HOURS = 24
# Tables whose rows simply change owner (no uniqueness involves the customer).
_MOVED = {
    "identities": Identity,
    "interactions": Interaction,
    "events": Event,
    "customer_refs": CustomerRef,
    "orders": Order,
    "call_records": CallRecord,
}
_COLUMNS = ("display_name", "email", "phone", "tier", "lifetime_value", "churn_risk", "attributes")


def _c(model: Any) -> Any:
    """A model's Core columns, loosely typed: a merge moves rows of many tables alike."""
    return model.__table__.c


def _columns(customer: Customer) -> dict[str, Any]:
    return {name: getattr(customer, name) for name in _COLUMNS}


def _rows(session: Session, model: Any, *where: Any) -> list[dict[str, Any]]:
    table = model.__table__
    return [dict(r._mapping) for r in session.execute(select(table).where(*where)).all()]


def _jsonable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()} for r in rows]


def merge_customers(
    db: Database, kept_id: int, merged_id: int, *, actor: str = "", actor_type: str = "api_key"
) -> CustomerMerge:
    """Fold ``merged_id`` into ``kept_id``; the merge record (its id undoes it)."""
    if kept_id == merged_id:
        # Valid input in the wrong state of things (the path names the same customer): a conflict.
        raise Conflict("a customer cannot be merged into itself", field="merge_id")
    with db.write() as session:
        kept, merged = session.get(Customer, kept_id), session.get(Customer, merged_id)
        if kept is None or merged is None:
            raise NotFound("no such customer", customer_id=merged_id if kept else kept_id)
        record: dict[str, Any] = {
            "merged": _columns(merged),
            "kept": _columns(kept),
            "moved": {},
            "dropped": {},
        }
        record["merged"]["created_at"] = merged.created_at.isoformat()
        for name, model in _MOVED.items():
            ids = list(
                session.execute(select(_c(model).id).where(_c(model).customer_id == merged_id)).scalars()
            )
            if ids:
                session.execute(update(model).where(_c(model).id.in_(ids)).values(customer_id=kept_id))
            record["moved"][name] = ids
        # Rows unique per customer: a duplicate of one the kept customer has is dropped (and kept for undo).
        taken = set(
            session.execute(
                select(_c(EmailMessageId).message_id).where(_c(EmailMessageId).customer_id == kept_id)
            ).scalars()
        )
        mails = _rows(session, EmailMessageId, _c(EmailMessageId).customer_id == merged_id)
        dropped_mails = [r for r in mails if r["message_id"] in taken]
        moved_mails = [r["id"] for r in mails if r["message_id"] not in taken]
        if dropped_mails:
            session.execute(
                delete(EmailMessageId).where(_c(EmailMessageId).id.in_([r["id"] for r in dropped_mails]))
            )
        if moved_mails:
            session.execute(
                update(EmailMessageId)
                .where(_c(EmailMessageId).id.in_(moved_mails))
                .values(customer_id=kept_id)
            )
        record["moved"]["email_message_ids"] = moved_mails
        record["dropped"]["email_message_ids"] = _jsonable(dropped_mails)

        kept_labels = set(
            session.execute(
                select(_c(LabelLink).label_id).where(
                    _c(LabelLink).target == "customer", _c(LabelLink).target_id == kept_id
                )
            ).scalars()
        )
        links = _rows(
            session, LabelLink, _c(LabelLink).target == "customer", _c(LabelLink).target_id == merged_id
        )
        record["dropped"]["label_links"] = _jsonable([r for r in links if r["label_id"] in kept_labels])
        record["moved"]["label_links"] = [r["id"] for r in links if r["label_id"] not in kept_labels]
        session.execute(
            delete(LabelLink).where(
                _c(LabelLink).id.in_([r["id"] for r in links if r["label_id"] in kept_labels])
            )
        )
        session.execute(
            update(LabelLink)
            .where(_c(LabelLink).id.in_(record["moved"]["label_links"]))
            .values(target_id=kept_id)
        )

        customer_fields = select(_c(CustomField).id).where(_c(CustomField).target == "customer")
        kept_fields = set(
            session.execute(
                select(_c(CustomValue).field_id).where(
                    _c(CustomValue).target_id == kept_id, _c(CustomValue).field_id.in_(customer_fields)
                )
            ).scalars()
        )
        values = _rows(
            session,
            CustomValue,
            _c(CustomValue).target_id == merged_id,
            _c(CustomValue).field_id.in_(customer_fields),
        )
        record["dropped"]["custom_values"] = _jsonable([r for r in values if r["field_id"] in kept_fields])
        record["moved"]["custom_values"] = [r["id"] for r in values if r["field_id"] not in kept_fields]
        session.execute(
            delete(CustomValue).where(
                _c(CustomValue).id.in_([r["id"] for r in values if r["field_id"] in kept_fields])
            )
        )
        session.execute(
            update(CustomValue)
            .where(_c(CustomValue).id.in_(record["moved"]["custom_values"]))
            .values(target_id=kept_id)
        )

        analytics = _rows(session, CustomerAnalytics, _c(CustomerAnalytics).customer_id == merged_id)
        record["dropped"]["customer_analytics"] = _jsonable(analytics)
        session.execute(delete(CustomerAnalytics).where(_c(CustomerAnalytics).customer_id == merged_id))

        # The kept record takes what it lacked; the value is the orders' sum (or both values).
        kept.email = kept.email or merged.email
        kept.phone = kept.phone or merged.phone
        kept.display_name = kept.display_name or merged.display_name
        kept.attributes = {**merged.attributes, **kept.attributes}
        kept.lifetime_value = kept.lifetime_value + merged.lifetime_value
        kept.updated_at = utcnow()
        session.add(kept)
        session.delete(merged)
        session.flush()
        if (
            record["moved"]["orders"]
            or session.execute(select(_c(Order).id).where(_c(Order).customer_id == kept_id)).first()
        ):
            refresh_lifetime_values(session, {kept_id})
        reindex_customer(session.connection(), kept_id)
        now = utcnow()
        row = CustomerMerge(
            kept_id=kept_id,
            merged_id=merged_id,
            actor=actor[:120],
            record=record,
            created_at=now,
            undo_until=now + timedelta(hours=UNDO_HOURS),
        )
        session.add(row)
        session.flush()
        moved_counts = {k: len(v) for k, v in record["moved"].items()}
        session.add(
            AuditEntry(
                actor_type=actor_type,
                actor_name=actor[:120],
                action="customer.merge",
                target_type="customer",
                target_id=str(kept_id),
                before={"merged_customer_id": merged_id, "merged": _jsonable([record["merged"]])[0]},
                after={"merge_id": row.id, "moved": moved_counts},
            )
        )
        return row


def undo_merge(db: Database, merge_id: int, *, actor: str = "", actor_type: str = "api_key") -> CustomerMerge:
    """Put the merged customer back, with every row the merge moved or dropped."""
    from datetime import datetime

    with db.write() as session:
        row = session.get(CustomerMerge, merge_id)
        if row is None:
            raise NotFound("no such merge", merge_id=merge_id)
        if row.undone_at is not None:
            raise Conflict("this merge was already undone", code="already_undone")
        if utcnow() > row.undo_until:
            raise Conflict("the undo window of this merge has passed", code="undo_expired")
        kept = session.get(Customer, row.kept_id)
        if kept is None or session.get(Customer, row.merged_id) is not None:
            raise Conflict("this merge can no longer be undone", code="undo_impossible")
        record = row.record
        merged = Customer(
            id=row.merged_id,
            **record["merged"] | {"created_at": datetime.fromisoformat(record["merged"]["created_at"])},
        )
        session.add(merged)
        session.flush()
        for name, model in _MOVED.items():
            ids = record["moved"].get(name) or []
            if ids:
                session.execute(update(model).where(_c(model).id.in_(ids)).values(customer_id=row.merged_id))
        for name, model, column in (
            ("email_message_ids", EmailMessageId, "customer_id"),
            ("label_links", LabelLink, "target_id"),
            ("custom_values", CustomValue, "target_id"),
        ):
            ids = record["moved"].get(name) or []
            if ids:
                session.execute(update(model).where(_c(model).id.in_(ids)).values({column: row.merged_id}))
        for name, model in (
            ("email_message_ids", EmailMessageId),
            ("label_links", LabelLink),
            ("custom_values", CustomValue),
            ("customer_analytics", CustomerAnalytics),
        ):
            rows = record["dropped"].get(name) or []
            if rows:
                session.execute(insert(model), [_revive(model, r) for r in rows])
        for name, value in record["kept"].items():
            setattr(kept, name, value)
        kept.updated_at = utcnow()
        session.add(kept)
        session.flush()
        refresh_lifetime_values(session, {row.kept_id, row.merged_id} if _has_orders(session, row) else set())
        reindex_customer(session.connection(), row.kept_id)
        reindex_customer(session.connection(), row.merged_id)
        row.undone_at = utcnow()
        session.add(row)
        session.add(
            AuditEntry(
                actor_type=actor_type,
                actor_name=actor[:120],
                action="customer.merge_undone",
                target_type="customer",
                target_id=str(row.kept_id),
                before={"merge_id": row.id},
                after={"restored_customer_id": row.merged_id},
            )
        )
        return row


def _has_orders(session: Session, row: CustomerMerge) -> bool:
    return bool(row.record["moved"].get("orders"))


def _revive(model: Any, row: dict[str, Any]) -> dict[str, Any]:
    """A dropped row as stored in JSON, with its date-times parsed back."""
    from datetime import datetime

    out = dict(row)
    for column in model.__table__.columns:
        value = out.get(column.name)
        if isinstance(value, str) and "DateTime" in type(column.type).__name__:
            out[column.name] = datetime.fromisoformat(value)
    return out


def merge_dict(row: CustomerMerge) -> dict[str, Any]:
    return {
        "id": row.id,
        "kept_id": row.kept_id,
        "merged_id": row.merged_id,
        "created_at": row.created_at.isoformat(),
        "undo_until": row.undo_until.isoformat(),
        "undone_at": row.undone_at.isoformat() if row.undone_at else None,
        "moved": {k: len(v) for k, v in row.record.get("moved", {}).items()},
    }
