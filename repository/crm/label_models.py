"""Tables for labels and typed custom fields on customers and interactions (issue 17).

Labels are admin-defined (a name and a colour) and linked to any number of customers
or interactions. Custom fields are admin-defined too (a key, a name, a type: text,
number, date or list) and each holds one value per record. See docs/labels-and-fields.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from repository.core.models import utcnow

Target = Literal["customer", "interaction"]
TARGETS: tuple[Target, ...] = ("customer", "interaction")
FIELD_TYPES = ("text", "number", "date", "list")


class Label(SQLModel, table=True):
    __tablename__ = "labels"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60, unique=True)
    # "#rrggbb"; the desk draws the chip in it.
    colour: str = Field(default="#64748b", max_length=7)
    description: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class LabelLink(SQLModel, table=True):
    __tablename__ = "label_links"
    __table_args__ = (
        UniqueConstraint("label_id", "target", "target_id", name="uq_label_link"),
        Index("ix_label_links_target", "target", "target_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    label_id: int = Field(foreign_key="labels.id", index=True)
    target: str = Field(max_length=12)
    target_id: int
    created_at: datetime = Field(default_factory=utcnow)


class CustomField(SQLModel, table=True):
    __tablename__ = "custom_fields"
    __table_args__ = (UniqueConstraint("target", "key", name="uq_custom_field_key"),)
    id: int | None = Field(default=None, primary_key=True)
    target: str = Field(max_length=12)
    key: str = Field(max_length=40)
    name: str = Field(max_length=80)
    type: str = Field(max_length=10)
    # The allowed values of a "list" field, in display order.
    options: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class CustomValue(SQLModel, table=True):
    __tablename__ = "custom_values"
    __table_args__ = (UniqueConstraint("field_id", "target_id", name="uq_custom_value"),)
    id: int | None = Field(default=None, primary_key=True)
    field_id: int = Field(foreign_key="custom_fields.id", index=True)
    target_id: int = Field(index=True)
    # {"v": <the typed value>}: one JSON column serves every type.
    value: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)
