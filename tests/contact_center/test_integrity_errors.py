"""A store refusal the repository did not translate still gets an honest 4xx reason."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert
from sqlalchemy.exc import IntegrityError

from contact_center.api.endpoint import _is_missing_value


def _refusal(row: dict[str, object]) -> IntegrityError:
    engine = create_engine("sqlite://")
    table = Table(
        "t",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("name", String, nullable=False, unique=True),
    )
    table.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(table).values(id=1, name="taken"))
    with pytest.raises(IntegrityError) as refused, engine.begin() as conn:
        conn.execute(insert(table).values(**row))
    engine.dispose()
    return refused.value


def test_a_missing_required_value_is_told_apart_from_a_duplicate() -> None:
    assert _is_missing_value(_refusal({"id": 2, "name": None}))
    assert not _is_missing_value(_refusal({"id": 2, "name": "taken"}))
