"""Cursor pagination: ``?limit=`` and ``?after=<id>``; pages are ``{"data", "next_after"}``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from contact_center.api.schema_collections import ListOf
from contact_center.api.schema_objects import Obj
from contact_center.api.schema_scalars import Int

if TYPE_CHECKING:
    from repository.core.browse import Page

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
LIMIT = Int(minimum=1, maximum=MAX_LIMIT, description=f"page size, default {DEFAULT_LIMIT}")
AFTER = Int(minimum=0, description="the next_after of the previous page")


def envelope(page: Page[Any], to_dict: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    return {"data": [to_dict(row) for row in page.rows], "next_after": page.next_after}


def page_of(item: Obj) -> Obj:
    """The shape of one page of ``item``s."""
    return Obj(
        name=f"{item.name}Page",
        fields={
            "data": ListOf(item=item, max_items=MAX_LIMIT),
            "next_after": Int(
                minimum=1, nullable=True, description="pass as ?after= for the next page; null on the last"
            ),
        },
        required=("data", "next_after"),
    )
