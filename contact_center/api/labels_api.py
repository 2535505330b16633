"""Labels through the API: define them, put them on customers and interactions, list by label.

Custom fields, the typed values on the same records, are in contact_center/api/custom_fields_api.py;
the two share the record routes' shape but not their rules. See docs/labels-and-fields.md.
"""

from __future__ import annotations

from typing import Any

from contact_center.api.customers import CUSTOMER
from contact_center.api.endpoint import Call, Endpoint, Param
from contact_center.api.interactions import INTERACTION
from contact_center.api.pagination import envelope, page_of
from contact_center.api.schema_collections import ListOf
from contact_center.api.schema_objects import Obj
from contact_center.api.schema_scalars import Int, Str
from repository.core.serialize import customer_dict, interaction_dict
from repository.crm import custom_fields, labels, record_rules

TAG = "labels"
# Defining labels and fields configures the desk: the "settings" tag (admin keys, where scopes apply).
ADMIN = "settings"


def printable_name(max_length: int) -> Str:
    """A label's or a custom field's display name (and a list field's options)."""
    return Str(
        min_length=1,
        max_length=max_length,
        pattern=record_rules.NAME_PATTERN,
        pattern_reason="%(name)s: a name of printable characters, not blank",
    )


_COLOUR = Str(
    min_length=7,
    max_length=7,
    pattern=labels.COLOUR_PATTERN,
    pattern_reason="a colour is #rrggbb, such as #2563eb",
    description="#rrggbb",
)
LABEL = Obj(
    name="Label",
    fields={
        "id": Int(minimum=1),
        "name": Str(min_length=1, max_length=60),
        "colour": _COLOUR,
        "description": Str(max_length=200),
        "customers": Int(minimum=0, description="how many customers carry it"),
        "interactions": Int(minimum=0, description="how many interactions carry it"),
    },
    required=("id", "name", "colour"),
)
LABEL_IN = Obj(
    name="LabelCreate",
    fields={"name": printable_name(60), "colour": _COLOUR, "description": Str(max_length=200)},
    required=("name",),
)
LABEL_PATCH = Obj(name="LabelPatch", fields=LABEL_IN.fields)
LABEL_REF = Obj(
    name="LabelRef",
    fields={"label_id": Int(minimum=1), "name": printable_name(60)},
    one_of=("label_id", "name"),
    description="label_id or name",
)
LABELS_OF = Obj(
    name="RecordLabels", fields={"labels": ListOf(item=LABEL, max_items=500)}, required=("labels",)
)


def _label_out(label: Any) -> dict[str, Any]:
    return labels.label_dict(label)


async def list_labels_(call: Call) -> Any:
    rows = await call.db(labels.list_labels)
    q = (call.query.get("q") or "").strip().lower()
    return {"data": [r for r in rows if q in r["name"].lower()], "next_after": None}


async def create_label_(call: Call) -> Any:
    return _label_out(await call.db(labels.create_label, **call.body))


async def update_label_(call: Call) -> Any:
    return _label_out(await call.db(labels.update_label, call.ids["label_id"], **call.body))


async def delete_label_(call: Call) -> Any:
    await call.db(labels.delete_label, call.ids["label_id"])


def _ref(call: Call) -> dict[str, Any]:
    from repository.errors import InvalidInput

    if ("label_id" in call.body) == ("name" in call.body):
        raise InvalidInput("name a label by label_id or by name", field="label_id")
    return dict(call.body)


async def label_customer_(call: Call) -> Any:
    return {"labels": await call.db(labels.attach_label, "customer", call.ids["customer_id"], **_ref(call))}


async def unlabel_customer_(call: Call) -> Any:
    ids = call.ids
    return {"labels": await call.db(labels.detach_label, "customer", ids["customer_id"], ids["label_id"])}


async def label_interaction_(call: Call) -> Any:
    return {
        "labels": await call.db(labels.attach_label, "interaction", call.ids["interaction_id"], **_ref(call))
    }


async def unlabel_interaction_(call: Call) -> Any:
    ids = call.ids
    return {
        "labels": await call.db(labels.detach_label, "interaction", ids["interaction_id"], ids["label_id"])
    }


async def customer_labels_(call: Call) -> Any:
    cid = call.ids["customer_id"]
    await call.db(custom_fields.set_values, "customer", cid, {})  # 404 for an unknown customer
    return {"labels": (await call.db(labels.labels_of, "customer", [cid])).get(cid, [])}


async def interaction_labels_(call: Call) -> Any:
    iid = call.ids["interaction_id"]
    await call.db(custom_fields.set_values, "interaction", iid, {})
    return {"labels": (await call.db(labels.labels_of, "interaction", [iid])).get(iid, [])}


async def labelled_customers_(call: Call) -> Any:
    page = await call.db(labels.page_labelled, "customer", call.ids["label_id"], **call.page)
    return envelope(page, customer_dict)


async def labelled_interactions_(call: Call) -> Any:
    page = await call.db(labels.page_labelled, "interaction", call.ids["label_id"], **call.page)
    return envelope(page, interaction_dict)


_LIST = Obj(
    name="LabelList",
    fields={"data": ListOf(item=LABEL, max_items=10_000), "next_after": Int(nullable=True)},
    required=("data",),
)

ENDPOINTS = [
    Endpoint(
        "GET",
        "/labels",
        list_labels_,
        "Every label with how many customers and interactions carry it",
        TAG,
        response=_LIST,
        query=(Param("q", Str(max_length=60, description="part of the name")),),
    ),
    Endpoint(
        "POST",
        "/labels",
        create_label_,
        "Define a label",
        ADMIN,
        response=LABEL,
        status=201,
        body=LABEL_IN,
        conflicts=True,
    ),
    Endpoint(
        "PATCH",
        "/labels/{label_id}",
        update_label_,
        "Rename or recolour a label",
        ADMIN,
        response=LABEL,
        body=LABEL_PATCH,
        conflicts=True,
    ),
    Endpoint(
        "DELETE", "/labels/{label_id}", delete_label_, "Delete a label and take it off every record", ADMIN
    ),
    Endpoint(
        "GET",
        "/labels/{label_id}/customers",
        labelled_customers_,
        "Customers carrying a label",
        TAG,
        response=page_of(CUSTOMER),
        paged=True,
    ),
    Endpoint(
        "GET",
        "/labels/{label_id}/interactions",
        labelled_interactions_,
        "Interactions carrying a label",
        TAG,
        response=page_of(INTERACTION),
        paged=True,
    ),
    Endpoint(
        "GET",
        "/customers/{customer_id}/labels",
        customer_labels_,
        "A customer's labels",
        TAG,
        response=LABELS_OF,
    ),
    Endpoint(
        "POST",
        "/customers/{customer_id}/labels",
        label_customer_,
        "Put a label on a customer",
        TAG,
        response=LABELS_OF,
        body=LABEL_REF,
    ),
    Endpoint(
        "DELETE",
        "/customers/{customer_id}/labels/{label_id}",
        unlabel_customer_,
        "Take a label off a customer",
        TAG,
        response=LABELS_OF,
    ),
    Endpoint(
        "GET",
        "/interactions/{interaction_id}/labels",
        interaction_labels_,
        "An interaction's labels",
        TAG,
        response=LABELS_OF,
    ),
    Endpoint(
        "POST",
        "/interactions/{interaction_id}/labels",
        label_interaction_,
        "Put a label on an interaction",
        TAG,
        response=LABELS_OF,
        body=LABEL_REF,
    ),
    Endpoint(
        "DELETE",
        "/interactions/{interaction_id}/labels/{label_id}",
        unlabel_interaction_,
        "Take a label off an interaction",
        TAG,
        response=LABELS_OF,
    ),
]
