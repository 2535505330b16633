"""The record of each customer merge: what moved where, so it can be undone (issue 17).

See docs/merge.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from repository.core.models import utcnow


class CustomerMerge(SQLModel, table=True):
    __tablename__ = "customer_merges"
    id: int | None = Field(default=None, primary_key=True)
    kept_id: int = Field(index=True)
    merged_id: int = Field(index=True)
    actor: str = Field(default="", max_length=120)
    # {"merged": {columns of the merged customer}, "kept": {columns of the kept one before},
    #  "moved": {table: [row ids]}, "dropped": {table: [rows deleted as duplicates]}}
    record: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    undo_until: datetime
    undone_at: datetime | None = None
