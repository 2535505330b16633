"""What ERP and shop systems send: the input records and the checks every batch passes.

Every check raises :class:`InvalidInput` naming the item's index and field, so a sender
can fix the named item and resend the same batch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from repository.core.identity import normalise_email, normalise_phone
from repository.errors import InvalidInput

MAX_BATCH = 500
MAX_LINES = 200
MAX_AMOUNT = 1e12


@dataclass
class CustomerInput:
    external_id: str | None = None
    email: str | None = None
    display_name: str | None = None
    phone: str | None = None
    attributes: dict[str, Any] | None = None


@dataclass
class LineInput:
    product_id: str
    quantity: int = 1
    amount: float = 0.0


@dataclass
class OrderInput:
    external_id: str
    ordered_at: datetime
    amount: float
    cost: float = 0.0
    currency: str = "EUR"
    status: str = "placed"
    customer_id: int | None = None
    customer: CustomerInput | None = None
    lines: list[LineInput] = field(default_factory=list)


def item_error(index: int | None, message: str, name: str) -> InvalidInput:
    prefix = f"item {index}: " if index is not None else ""
    error = InvalidInput(prefix + message, field=name)
    if index is not None:
        error.details["index"] = index
    return error


def check_text(
    value: Any, name: str, max_length: int, index: int | None, *, required: bool = False
) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip() and not required):
        if required:
            raise item_error(index, f"{name} is required", name)
        return None
    if not isinstance(value, str) or "\x00" in value or not value.strip() or len(value) > max_length:
        raise item_error(index, f"{name} must be text of 1 to {max_length} characters", name)
    return value.strip()


def check_amount(value: Any, name: str, index: int | None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise item_error(index, f"{name} must be a number", name)
    if not 0 <= value <= MAX_AMOUNT:
        raise item_error(index, f"{name} must be from 0 to {MAX_AMOUNT:.0f}", name)
    return float(value)


def parse_time(value: Any, name: str, index: int | None) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise item_error(index, f"{name} must be an ISO 8601 date or date-time", name) from exc
    # A date without a zone is the sender's UTC; the CCR keeps every time in UTC.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def check_batch(items: list[Any]) -> None:
    if not items:
        raise InvalidInput("the batch is empty", field="items")
    if len(items) > MAX_BATCH:
        raise InvalidInput(
            "at most %(max)s items per batch", params={"max": MAX_BATCH}, field="items", code="too_large"
        )


def normalised_customer(customer: CustomerInput, index: int | None) -> CustomerInput:
    email = normalise_email(customer.email) if customer.email else None
    phone = normalise_phone(customer.phone) if customer.phone else None
    if customer.external_id is None and email is None:
        raise item_error(index, "a customer needs an external_id or an email", "external_id")
    return CustomerInput(customer.external_id, email, customer.display_name, phone, customer.attributes)
