"""Audit every API call that changes something: the key, the operation, before and after.

``before`` is what the path's own GET answered just before the change (when the path
has one, e.g. ``PATCH /agents/{agent_id}``); ``after`` is the operation's answer, or
the body it was sent. Read-only calls are not logged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from repository.compliance.audit import record

if TYPE_CHECKING:
    from contact_center.api.endpoint import Call, Endpoint


async def audit_call(call: Call, endpoint: Endpoint, before: Any, result: Any) -> None:
    if (endpoint.method == "GET" and not endpoint.audited) or call.key is None:
        return
    after = result if isinstance(result, dict) else call.body or None
    await call.db(
        record,
        actor_type="api_key",
        actor_id=call.key.id,
        actor_name=call.key.name,
        action=f"api.{endpoint.operation_id}",
        target_type=endpoint.tag,
        target_id=",".join(str(v) for v in call.ids.values()),
        before=before,
        after=after,
        address=call.request.client.host if call.request.client else "",
    )
