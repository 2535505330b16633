"""ORM objects for rows written or read with SQLAlchemy Core, as the ORM itself would hand them out.

A batch path (repository/core/ingest_batch.py) writes with ``executemany`` and reads
tuples, but its callers expect the model objects a Session gives: detached, every
column loaded, nothing pending. These helpers build such objects without the ORM's
unit of work or SQLModel's validating constructor (which resolves every default
factory through ``inspect.signature``, most of a constructor's cost).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.orm import attributes, configure_mappers, make_transient_to_detached
from sqlmodel import SQLModel

M = TypeVar("M", bound=SQLModel)


@cache
def _defaults(model: type[SQLModel]) -> tuple[dict[str, Any], dict[str, Callable[[], Any]]]:
    static: dict[str, Any] = {}
    factories: dict[str, Callable[[], Any]] = {}
    numbered = {column.name for column in table_of(model).primary_key}
    for name, info in model.model_fields.items():
        if name in numbered:
            continue  # the store numbers it; an explicit NULL would fail on PostgreSQL
        if info.default_factory is not None:
            factories[name] = info.default_factory  # type: ignore[assignment]
        elif not info.is_required():
            static[name] = info.default
    return static, factories


def new_values(model: type[SQLModel], **values: Any) -> dict[str, Any]:
    """Every column of a new ``model`` row but its id: the model's defaults (factories called once each), then ``values``."""
    static, factories = _defaults(model)
    row = dict(static)
    for name, factory in factories.items():
        if name not in values:
            row[name] = factory()
    row.update(values)
    return row


def table_of(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined]


def new_object(model: type[M], values: Mapping[str, Any]) -> M:
    """A transient ``model`` object holding ``values`` (not validated: they come from the store or its defaults)."""
    mapper = model.__mapper__  # type: ignore[attr-defined]
    if not mapper.configured:
        configure_mappers()  # a Session would have; attribute access needs it
    obj = mapper.class_manager.new_instance()
    obj.__dict__.update(values)
    return obj


def as_stored(obj: SQLModel) -> None:
    """Mark ``obj`` (its primary key set) as a row read from the store: detached, nothing pending."""
    make_transient_to_detached(obj)


def loaded(model: type[M], row: Mapping[str, Any]) -> M:
    """The object a Session would give for ``row`` (a Core row's mapping of every column)."""
    obj = new_object(model, row)
    as_stored(obj)
    return obj


def set_stored(obj: SQLModel, name: str, value: Any) -> None:
    """Change an attribute without history: the batch writes the change itself, no Session should."""
    attributes.set_committed_value(obj, name, value)


def insert_values(obj: SQLModel, table: Table) -> dict[str, Any]:
    """The column values to INSERT for a new object (all but its primary key)."""
    state = obj.__dict__
    return {column.name: state[column.name] for column in table.columns if not column.primary_key}
