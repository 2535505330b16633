"""Typed custom fields on customers and interactions: define them, check and set their values.

A field has a key, a type (text, number, date, list) and, for a list, its options;
each record holds at most one value per field, checked against the type on every write,
all or nothing. Labels on the same records are in repository/crm/labels.py; the rules
both share are in repository/crm/record_rules.py. See docs/labels-and-fields.md.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from repository.core.ingest import nfc
from repository.core.models import utcnow
from repository.crm.label_models import FIELD_TYPES, CustomField, CustomValue
from repository.crm.record_rules import check_target, display_name, require_record
from repository.errors import Conflict, InvalidInput, NotFound

if TYPE_CHECKING:
    from repository.db import Database

# Published as is in the OpenAPI document (contact_center/api/custom_fields_api.py).
KEY_PATTERN = "^[a-z][a-z0-9_]{0,39}$"
_KEY = re.compile(KEY_PATTERN)


def field_dict(field: CustomField) -> dict[str, Any]:
    return {
        "id": field.id,
        "target": field.target,
        "key": field.key,
        "name": field.name,
        "type": field.type,
        "options": list(field.options),
    }


def create_field(
    db: Database, target: str, key: str, name: str, type_: str, options: list[str] | None = None
) -> CustomField:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise InvalidInput("a key is lower-case letters, digits and _, starting with a letter", field="key")
    if type_ not in FIELD_TYPES:
        raise InvalidInput(
            "type must be one of %(choices)s", params={"choices": ", ".join(FIELD_TYPES)}, field="type"
        )
    choices = [display_name(o, "options", 80) for o in (options or [])]
    if type_ == "list" and not choices:
        raise InvalidInput("a list field needs distinct options", field="options")
    if type_ == "list" and len(set(choices)) != len(choices):
        # Each option is well formed, but two of them are the same: they collide, as a key
        # already in use does (409).
        raise Conflict("a list field needs distinct options", field="options")
    field = CustomField(
        target=check_target(target),
        key=key,
        name=display_name(name, "name", 80),
        type=type_,
        options=choices if type_ == "list" else [],
    )
    try:
        with db.write() as session:
            session.add(field)
            session.flush()
            return field
    except IntegrityError as exc:
        raise Conflict("a field %(key)r already exists", params={"key": key}, field="key") from exc


def list_fields(db: Database, target: str | None = None) -> list[CustomField]:
    with db.read() as session:
        query = select(CustomField).order_by(col(CustomField.target), col(CustomField.id))
        if target is not None:
            query = query.where(CustomField.target == check_target(target))
        return list(session.exec(query).all())


def check_value(field: CustomField, value: Any) -> Any:
    """The value as stored, or InvalidInput naming the field's key."""
    key = field.key
    if field.type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InvalidInput("%(key)s must be a number", params={"key": key}, field=key)
        return value
    if field.type == "date":
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip()).isoformat()
            except ValueError:
                pass
        raise InvalidInput("%(key)s must be a date such as 2026-03-01", params={"key": key}, field=key)
    if field.type == "list":
        if value not in field.options:
            raise InvalidInput(
                "%(key)s must be one of %(choices)s",
                params={"key": key, "choices": ", ".join(field.options)},
                field=key,
            )
        return value
    if not isinstance(value, str) or len(value) > 2000 or "\x00" in value:
        raise InvalidInput("%(key)s must be text of at most 2000 characters", params={"key": key}, field=key)
    return nfc(value)


def set_values(db: Database, target: str, target_id: int, values: dict[str, Any]) -> dict[str, Any]:
    """Set (or with None, clear) fields by key, all or nothing; the record's values after it."""
    with db.write() as session:
        require_record(session, target, target_id)
        fields = {
            f.key: f for f in session.exec(select(CustomField).where(CustomField.target == target)).all()
        }
        checked: dict[int, Any] = {}
        for key, value in values.items():
            field = fields.get(key)
            if field is None:
                # A record the body names that does not exist: 404, like an unknown label_id.
                raise NotFound("no custom field %(key)r", params={"key": str(key)[:40]}, field=str(key)[:40])
            checked[field.id] = None if value is None else check_value(field, value)  # type: ignore[index]
        for field_id, value in checked.items():
            row = session.exec(
                select(CustomValue).where(
                    CustomValue.field_id == field_id, CustomValue.target_id == target_id
                )
            ).first()
            if value is None:
                if row is not None:
                    session.delete(row)
                continue
            row = row or CustomValue(field_id=field_id, target_id=target_id)
            row.value, row.updated_at = {"v": value}, utcnow()
            session.add(row)
        session.flush()
        return _values_of(session, target, [target_id]).get(target_id, {})


def _values_of(session: Session, target: str, ids: list[int]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    if not ids:
        return out
    rows = session.exec(
        select(CustomValue.target_id, CustomField.key, CustomValue.value)
        .join(CustomField, col(CustomField.id) == col(CustomValue.field_id))
        .where(col(CustomField.target) == target, col(CustomValue.target_id).in_(ids))
    ).all()
    for target_id, key, value in rows:
        out.setdefault(target_id, {})[key] = value.get("v")
    return out


def values_of(db: Database, target: str, ids: list[int]) -> dict[int, dict[str, Any]]:
    with db.read() as session:
        return _values_of(session, check_target(target), ids)
