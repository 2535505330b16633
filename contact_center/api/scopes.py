"""API key scopes: what a key may do, decided per operation in one place.

``read`` may call every GET. ``write`` may also change customers, interactions, orders
and messages. ``admin`` may also change how the desk is run: agents (and so who can
sign in, with which role), queues, codes and replies, phone numbers, mailboxes and
webhooks (which send customer data to a URL), merge customers and undo merges (as only
supervisors and admins may on the desk), and use the GDPR and audit endpoints.
A key holds any set of them (``read,write`` is usual for an integration); a call
outside its scopes gets 403 ``insufficient_scope`` naming the scope it needed.
Keys made before scopes existed hold all three (migration 0014).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Protocol

from repository.errors import Forbidden, InvalidInput

if TYPE_CHECKING:
    from repository.core.models import ApiKey

Scope = Literal["read", "write", "admin"]
SCOPES: tuple[Scope, ...] = ("read", "write", "admin")
# Tags whose changes configure the desk rather than serve customers.
ADMIN_TAGS = frozenset({"agents", "queues", "settings", "telephony", "email", "webhooks", "compliance"})


class Operation(Protocol):
    """What the scope of an API operation is decided from (``endpoint.Endpoint`` has it).

    A Protocol, so the endpoint module can import this one without an import circle.
    """

    @property
    def method(self) -> str: ...
    @property
    def tag(self) -> str: ...
    @property
    def scope(self) -> str | None: ...


def required_scope(endpoint: Operation) -> Scope:
    if endpoint.scope is not None:
        return endpoint.scope  # type: ignore[return-value]
    if endpoint.method == "GET":
        return "read"
    return "admin" if endpoint.tag in ADMIN_TAGS else "write"


def parse_scopes(text: str) -> tuple[Scope, ...]:
    """``"read, write"`` → ("read", "write"); an unknown or empty scope is refused."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [n for n in names if n not in SCOPES]
    if unknown or not names:
        raise InvalidInput(
            "scopes are a comma-separated list of %(choices)s",
            params={"choices": ", ".join(SCOPES)},
            field="scopes",
        )
    return tuple(s for s in SCOPES if s in names)


def key_scopes(key: ApiKey) -> set[str]:
    return {part.strip() for part in (key.scopes or "").split(",") if part.strip()}


def require_scope(key: ApiKey, endpoint: Operation) -> None:
    scope = required_scope(endpoint)
    if scope not in key_scopes(key):
        raise Forbidden(
            "this API key lacks the %(scope)s scope",
            params={"scope": scope},
            code="insufficient_scope",
            scope=scope,
        )
