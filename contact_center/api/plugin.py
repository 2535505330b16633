"""The REST API under /api/v1: every operation comes from the one endpoint table below.

Routes and the OpenAPI document are both built from :data:`ENDPOINTS`, so an
operation cannot exist without being documented, nor be documented without existing.
"""

from __future__ import annotations

import functools
from typing import Any

from contact_center.api import (
    agents,
    analytics_api,
    commerce,
    compliance_api,
    custom_fields_api,
    customers,
    email_quarantine,
    interactions,
    labels_api,
    logged_api,
    mailboxes,
    merge_api,
    messages,
    pending_api,
    queues,
    search,
    settings_api,
    telephony,
    webhooks_api,
)
from contact_center.api.endpoint import Call, Endpoint, build_routes
from contact_center.api.openapi import build_document
from contact_center.api.schema_collections import FreeObject
from contact_center.context import AppContext, Plugin


@functools.cache
def openapi_document() -> dict[str, Any]:
    return build_document(ENDPOINTS)


async def openapi_(call: Call) -> Any:
    return openapi_document()


ENDPOINTS: list[Endpoint] = [
    *customers.ENDPOINTS,
    *interactions.ENDPOINTS,
    *messages.ENDPOINTS,
    *logged_api.ENDPOINTS,
    *labels_api.ENDPOINTS,
    *custom_fields_api.ENDPOINTS,
    *merge_api.ENDPOINTS,
    *pending_api.ENDPOINTS,
    *agents.ENDPOINTS,
    *queues.ENDPOINTS,
    *settings_api.ENDPOINTS,
    *search.ENDPOINTS,
    *telephony.ENDPOINTS,
    *mailboxes.ENDPOINTS,
    *email_quarantine.ENDPOINTS,
    *commerce.ENDPOINTS,
    *analytics_api.ENDPOINTS,
    *webhooks_api.ENDPOINTS,
    *compliance_api.ENDPOINTS,
    Endpoint(
        "GET",
        "/openapi.json",
        openapi_,
        "This document",
        "meta",
        response=FreeObject(description="an OpenAPI 3.1 document", max_bytes=1 << 20),
        public=True,
    ),
]


def plugin(ctx: AppContext) -> Plugin:
    return Plugin(routes=[*build_routes(ctx, ENDPOINTS)])
