"""Audit every API call that changes something: the key, the operation, before and after.

``before`` is what the path's own GET answered just before the change (when the path
has one, e.g. ``PATCH /agents/{agent_id}``); ``after`` is the operation's answer, or
the body it was sent. Read-only calls are not logged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from repository.compliance.audit import record

if TYPE_CHECKING:
    from starlette.requests import Request

    from repository.core.models import ApiKey


# Protocols for what the audit needs from ``endpoint.Endpoint`` and ``endpoint.Call``,
# so the endpoint module can import this one without an import circle.
class AuditedOperation(Protocol):
    @property
    def method(self) -> str: ...
    @property
    def audited(self) -> bool: ...
    @property
    def operation_id(self) -> str: ...
    @property
    def tag(self) -> str: ...


class AuditedCall(Protocol):
    request: Request
    key: ApiKey | None
    ids: dict[str, int]
    body: dict[str, Any]

    async def db(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any: ...


async def audit_call(call: AuditedCall, endpoint: AuditedOperation, before: Any, result: Any) -> None:
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
