"""Merging customers through the API: merge, undo within the window, suggested merges.

Merge and undo need the ``admin`` scope (the desk lets only supervisors and admins do
them); suggestions are a read.

See docs/merge.md.
"""

from __future__ import annotations

from typing import Any

from contact_center.api.customers import CUSTOMER
from contact_center.api.endpoint import Call, Endpoint, Param
from contact_center.api.schema_collections import FreeObject, ListOf
from contact_center.api.schema_objects import Obj
from contact_center.api.schema_scalars import Int, Str
from repository.core.customers import get_customer
from repository.core.serialize import customer_dict
from repository.crm import merge, merge_suggestions

MERGE = Obj(
    name="CustomerMerge",
    fields={
        "id": Int(minimum=1),
        "kept_id": Int(minimum=1),
        "merged_id": Int(minimum=1),
        "created_at": Str(fmt="date-time", max_length=40),
        "undo_until": Str(fmt="date-time", max_length=40, description="undo works until then"),
        "undone_at": Str(fmt="date-time", max_length=40, nullable=True),
        "moved": FreeObject(description="how many rows of each kind moved"),
    },
    required=("id", "kept_id", "merged_id", "undo_until"),
)
MERGED = Obj(
    name="MergeResult", fields={"customer": CUSTOMER, "merge": MERGE}, required=("customer", "merge")
)
MERGE_IN = Obj(
    name="MergeRequest",
    fields={"merge_id": Int(minimum=1, description="the customer folded into this one, then deleted")},
    required=("merge_id",),
)
SUGGESTION = Obj(
    name="MergeSuggestion",
    fields={
        "customer_ids": ListOf(item=Int(minimum=1), max_items=2),
        "names": ListOf(item=Str(max_length=200), max_items=2),
        "reason": Str(choices=("email", "phone")),
        "values": ListOf(item=Str(max_length=320), max_items=2),
    },
    required=("customer_ids", "reason", "values"),
)
SUGGESTIONS = Obj(
    name="MergeSuggestions", fields={"data": ListOf(item=SUGGESTION, max_items=200)}, required=("data",)
)


def _actor(call: Call) -> str:
    return f"api key {call.key.name}" if call.key else "api"


async def merge_customer_(call: Call) -> Any:
    kept = call.ids["customer_id"]
    row = await call.db(merge.merge_customers, kept, call.body["merge_id"], actor=_actor(call))
    customer, identities = await call.db(get_customer, kept)
    return {"customer": customer_dict(customer, identities), "merge": merge.merge_dict(row)}


async def undo_merge_(call: Call) -> Any:
    return merge.merge_dict(await call.db(merge.undo_merge, call.ids["merge_id"], actor=_actor(call)))


async def merge_suggestions_(call: Call) -> Any:
    return {"data": await call.db(merge_suggestions.suggest_merges, call.query.get("customer_id"))}


ENDPOINTS = [
    Endpoint(
        "POST",
        "/customers/{customer_id}/merge",
        merge_customer_,
        "Merge another customer into this one (identities, timeline, orders, labels, fields)",
        "customers",
        response=MERGED,
        body=MERGE_IN,
        conflicts=True,
        # A merge rewrites two customers' records: keys trusted like a supervisor.
        scope="admin",
    ),
    Endpoint(
        "POST",
        "/customer-merges/{merge_id}/undo",
        undo_merge_,
        "Undo a merge within its undo window",
        "customers",
        response=MERGE,
        conflicts=True,
        scope="admin",
    ),
    Endpoint(
        "GET",
        "/customer-merges/suggestions",
        merge_suggestions_,
        "Pairs of customers who seem to share an email mailbox or a phone line",
        "customers",
        response=SUGGESTIONS,
        query=(Param("customer_id", Int(minimum=1, description="only pairs with this customer")),),
    ),
]
