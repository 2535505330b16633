"""Customers: pushed in by ERP and shop systems, read by everyone, with their timeline."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from contact_center.api.endpoint import Call, Endpoint, Param
from contact_center.api.formats import EMAIL, PHONE
from contact_center.api.interactions import INTERACTION
from contact_center.api.pagination import envelope, page_of
from contact_center.api.schema_collections import FreeObject, ListOf
from contact_center.api.schema_objects import Obj, Variant
from contact_center.api.schema_scalars import Int, Num, Str
from repository.core.browse import customer_interactions, list_customers
from repository.core.customers import TIERS, add_identity, create_customer, get_customer, update_customer
from repository.core.identity import IDENTITY_KINDS
from repository.core.serialize import customer_dict, interaction_dict

if TYPE_CHECKING:
    from repository.core.customers import CustomerView

IDENTITY = Obj(
    name="Identity",
    fields={"kind": Str(choices=IDENTITY_KINDS), "value": Str(min_length=1, max_length=320)},
    required=("kind", "value"),
)
# What a client may add: the value's form depends on its kind, as normalise() checks it.
IDENTITY_IN = Obj(
    name="IdentityInput",
    fields=IDENTITY.fields,
    required=IDENTITY.required,
    by="kind",
    variants=(
        Variant(("email",), {"value": EMAIL}),
        Variant(("phone",), {"value": PHONE}),
        Variant(("webchat",), {"value": Str(min_length=1, max_length=64, description="the visitor id")}),
    ),
)
_VALUE_FIELDS = {
    "display_name": Str(max_length=200),
    "tier": Str(choices=TIERS),
    "lifetime_value": Num(minimum=0, description="total spend, in the shop's currency"),
    "churn_risk": Num(minimum=0, maximum=1, description="0 = loyal, 1 = about to leave"),
    "attributes": FreeObject(description="free-form data from other systems; replaced as a whole"),
}
CUSTOMER = Obj(
    name="Customer",
    fields={
        "id": Int(minimum=1),
        **_VALUE_FIELDS,
        "email": Str(max_length=320, nullable=True),
        "phone": Str(max_length=32, nullable=True, description="E.164"),
        "created_at": Str(fmt="date-time", max_length=40),
        "identities": ListOf(item=IDENTITY, max_items=1000),
    },
    required=("id", "display_name", "tier", "lifetime_value", "churn_risk", "attributes"),
)
CUSTOMER_CREATE = Obj(
    name="CustomerCreate",
    fields={
        **_VALUE_FIELDS,
        "email": replace(EMAIL, description="becomes an email identity"),
        "phone": replace(PHONE, description="becomes a phone identity, stored as E.164"),
        "identities": ListOf(item=IDENTITY_IN, max_items=20, description="further identities"),
    },
)
CUSTOMER_PATCH = Obj(name="CustomerPatch", fields=_VALUE_FIELDS)


def _view(view: CustomerView) -> dict[str, Any]:
    customer, identities = view
    return customer_dict(customer, identities)


async def list_customers_(call: Call) -> Any:
    page = await call.db(
        list_customers, email=call.query.get("email"), phone=call.query.get("phone"), **call.page
    )
    return envelope(page, customer_dict)


async def get_customer_(call: Call) -> Any:
    return _view(await call.db(get_customer, call.ids["customer_id"]))


async def create_customer_(call: Call) -> Any:
    body = dict(call.body)
    identities = [(i["kind"], i["value"]) for i in body.pop("identities", [])]
    return _view(await call.db(create_customer, identities=identities, **body))


async def update_customer_(call: Call) -> Any:
    return _view(await call.db(update_customer, call.ids["customer_id"], **call.body))


async def add_identity_(call: Call) -> Any:
    view = await call.db(add_identity, call.ids["customer_id"], call.body["kind"], call.body["value"])
    return _view(view)


async def customer_interactions_(call: Call) -> Any:
    page = await call.db(customer_interactions, call.ids["customer_id"], **call.page)
    return envelope(page, interaction_dict)


ENDPOINTS = [
    Endpoint(
        "GET",
        "/customers",
        list_customers_,
        "List customers, optionally by email or phone",
        "customers",
        response=page_of(CUSTOMER),
        query=(
            # A lookup, not an address being stored: one that is not valid matches no customer.
            Param(
                "email",
                Str(
                    max_length=320,
                    description="any of the customer's email identities; one that is "
                    "not a valid address matches no one",
                ),
            ),
            Param(
                "phone",
                Str(
                    max_length=40,
                    description="any of the customer's phone identities; one that is "
                    "not a valid number matches no one",
                ),
            ),
        ),
        paged=True,
    ),
    Endpoint(
        "POST",
        "/customers",
        create_customer_,
        "Create a customer with identities",
        "customers",
        response=CUSTOMER,
        status=201,
        body=CUSTOMER_CREATE,
        conflicts=True,
    ),
    Endpoint("GET", "/customers/{customer_id}", get_customer_, "A customer", "customers", response=CUSTOMER),
    Endpoint(
        "PATCH",
        "/customers/{customer_id}",
        update_customer_,
        "Change a customer's name, tier, value, churn risk or attributes",
        "customers",
        response=CUSTOMER,
        body=CUSTOMER_PATCH,
    ),
    Endpoint(
        "POST",
        "/customers/{customer_id}/identities",
        add_identity_,
        "Attach an email, phone or chat identity",
        "customers",
        response=CUSTOMER,
        body=IDENTITY_IN,
        conflicts=True,
    ),
    Endpoint(
        "GET",
        "/customers/{customer_id}/interactions",
        customer_interactions_,
        "The customer's interactions on every channel, newest first",
        "customers",
        response=page_of(INTERACTION),
        paged=True,
    ),
]
