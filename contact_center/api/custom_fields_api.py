"""Custom fields through the API: define typed fields, read and set their values on records.

Kept apart from labels (contact_center/api/labels_api.py): a field has a type, options
and a value per record, validated by type; a label is only present or not. Both are
configured under the same admin tag and share the display-name rule. See
docs/labels-and-fields.md.
"""

from __future__ import annotations

from typing import Any

from contact_center.api.endpoint import Call, Endpoint, Param
from contact_center.api.labels_api import ADMIN, TAG, printable_name
from contact_center.api.schema_collections import FreeObject, ListOf
from contact_center.api.schema_objects import Obj, Variant
from contact_center.api.schema_scalars import Int, Str
from repository.crm import custom_fields
from repository.crm.label_models import FIELD_TYPES, TARGETS

FIELD = Obj(
    name="CustomField",
    fields={
        "id": Int(minimum=1),
        "target": Str(choices=TARGETS),
        "key": Str(
            min_length=1,
            max_length=40,
            pattern=custom_fields.KEY_PATTERN,
            pattern_reason="a key is lower-case letters, digits and _, starting with a letter",
        ),
        "name": printable_name(80),
        "type": Str(choices=FIELD_TYPES),
        "options": ListOf(item=printable_name(80), max_items=100),
    },
    required=("id", "target", "key", "name", "type", "options"),
)
FIELD_IN = Obj(
    name="CustomFieldCreate",
    fields={k: v for k, v in FIELD.fields.items() if k != "id"},
    required=("target", "key", "name", "type"),
    by="type",
    variants=(
        Variant(
            ("list",),
            {"options": ListOf(item=printable_name(80), max_items=100, min_items=1)},
            required=("options",),
        ),
        *(Variant((kind,)) for kind in FIELD_TYPES if kind != "list"),
    ),
)
VALUES = Obj(
    name="CustomValues",
    fields={"fields": FreeObject(description="key → value; null clears a value")},
    required=("fields",),
)


async def list_fields_(call: Call) -> Any:
    rows = await call.db(custom_fields.list_fields, call.query.get("target"))
    return {"data": [custom_fields.field_dict(f) for f in rows], "next_after": None}


async def create_field_(call: Call) -> Any:
    b = call.body
    field = await call.db(
        custom_fields.create_field, b["target"], b["key"], b["name"], b["type"], b.get("options")
    )
    return custom_fields.field_dict(field)


async def customer_fields_(call: Call) -> Any:
    return {
        "fields": await call.db(
            custom_fields.set_values, "customer", call.ids["customer_id"], call.body["fields"]
        )
    }


async def interaction_fields_(call: Call) -> Any:
    return {
        "fields": await call.db(
            custom_fields.set_values, "interaction", call.ids["interaction_id"], call.body["fields"]
        )
    }


async def get_customer_fields_(call: Call) -> Any:
    return {"fields": await call.db(custom_fields.set_values, "customer", call.ids["customer_id"], {})}


async def get_interaction_fields_(call: Call) -> Any:
    return {"fields": await call.db(custom_fields.set_values, "interaction", call.ids["interaction_id"], {})}


_FIELDS_OUT = Obj(name="RecordFields", fields={"fields": FreeObject()}, required=("fields",))
_FIELD_LIST = Obj(
    name="CustomFieldList",
    fields={"data": ListOf(item=FIELD, max_items=10_000), "next_after": Int(nullable=True)},
    required=("data",),
)

ENDPOINTS = [
    Endpoint(
        "GET",
        "/custom-fields",
        list_fields_,
        "The custom fields of customers and interactions",
        TAG,
        response=_FIELD_LIST,
        query=(Param("target", Str(choices=TARGETS)),),
    ),
    Endpoint(
        "POST",
        "/custom-fields",
        create_field_,
        "Define a typed custom field",
        ADMIN,
        response=FIELD,
        status=201,
        body=FIELD_IN,
        conflicts=True,
    ),
    Endpoint(
        "GET",
        "/customers/{customer_id}/fields",
        get_customer_fields_,
        "A customer's custom field values",
        TAG,
        response=_FIELDS_OUT,
    ),
    Endpoint(
        "PATCH",
        "/customers/{customer_id}/fields",
        customer_fields_,
        "Set a customer's custom fields",
        TAG,
        response=_FIELDS_OUT,
        body=VALUES,
    ),
    Endpoint(
        "GET",
        "/interactions/{interaction_id}/fields",
        get_interaction_fields_,
        "An interaction's custom field values",
        TAG,
        response=_FIELDS_OUT,
    ),
    Endpoint(
        "PATCH",
        "/interactions/{interaction_id}/fields",
        interaction_fields_,
        "Set an interaction's custom fields",
        TAG,
        response=_FIELDS_OUT,
        body=VALUES,
    ),
]
