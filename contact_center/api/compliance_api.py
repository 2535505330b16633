"""GDPR export and erasure of a customer, and the audit log, over the API (admin scope).

Export and erasure are audited like every change (the export too: it reads someone's
personal data); the audit log itself is paged newest first (docs/gdpr.md).
"""

from __future__ import annotations

from typing import Any

from contact_center.api.endpoint import Call, Endpoint, Param
from contact_center.api.schema_collections import FreeObject
from contact_center.api.schema_scalars import Str
from repository.compliance.audit import entry_dict, list_entries
from repository.compliance.gdpr import erase_customer, export_customer

EXPORT = FreeObject(
    description="everything stored about the customer, attachments as base64", max_bytes=1 << 30
)
ERASED = FreeObject(description="how many identities, events, attachments and orders were removed")
AUDIT_PAGE = FreeObject(description="{data: [audit entries, newest first], next_after}", max_bytes=1 << 24)


async def export_customer_data(call: Call) -> Any:
    return await call.db(export_customer, call.ids["customer_id"])


async def erase_customer_data(call: Call) -> Any:
    return {"erased": await call.db(erase_customer, call.ids["customer_id"])}


async def list_audit_log(call: Call) -> Any:
    limit = call.page["limit"]
    rows = await call.db(
        list_entries, after=call.query.get("after"), limit=limit, action=call.query.get("action")
    )
    return {"data": [entry_dict(r) for r in rows], "next_after": rows[-1].id if len(rows) == limit else None}


ENDPOINTS = [
    Endpoint(
        "GET",
        "/gdpr/customers/{customer_id}/export",
        export_customer_data,
        "Export everything stored about a customer (GDPR access)",
        "compliance",
        response=EXPORT,
        scope="admin",
        audited=True,
    ),
    Endpoint(
        "POST",
        "/gdpr/customers/{customer_id}/erase",
        erase_customer_data,
        "Erase a customer's personal data (GDPR erasure); statistics keep an anonymous skeleton",
        "compliance",
        response=ERASED,
        scope="admin",
    ),
    Endpoint(
        "GET",
        "/audit-log",
        list_audit_log,
        "Who changed what and when, newest first",
        "compliance",
        response=AUDIT_PAGE,
        query=(Param("action", Str(max_length=80, description="only this action, e.g. api.create_agent")),),
        paged=True,
        scope="admin",
    ),
]
