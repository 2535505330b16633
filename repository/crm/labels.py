"""Labels and typed custom fields on customers and interactions: define, attach, read, filter.

Every write checks its input here (names, colours, types, list options), so the API,
the desk and the CLI get the same refusals. See docs/labels-and-fields.md.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from repository.core.ingest import nfc
from repository.core.models import Customer, Interaction, utcnow
from repository.crm.label_models import FIELD_TYPES, TARGETS, CustomField, CustomValue, Label, LabelLink
from repository.errors import Conflict, InvalidInput, NotFound

if TYPE_CHECKING:
    from repository.db import Database

# Published as is in the OpenAPI document (contact_center/api/labels_api.py).
COLOUR_PATTERN = "^#[0-9a-fA-F]{6}$"
KEY_PATTERN = "^[a-z][a-z0-9_]{0,39}$"
# A name: no control character survives _name (tab and line breaks fold into spaces), and
# something is left once spaces are folded.
NAME_PATTERN = (
    "^[^\\u0000-\\u0008\\u000e-\\u001b]*"
    "[^\\u0000-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
    "[^\\u0000-\\u0008\\u000e-\\u001b]*$"
)
_COLOUR = re.compile(COLOUR_PATTERN)
_KEY = re.compile(KEY_PATTERN)
_MODELS = {"customer": Customer, "interaction": Interaction}


def _name(value: Any, field: str, max_length: int) -> str:
    text = " ".join(nfc(str(value)).split()) if isinstance(value, str) else ""
    if not 1 <= len(text) <= max_length or any(ord(c) < 32 for c in text):
        raise InvalidInput(
            "%(field)s is 1 to %(max)s characters", params={"field": field, "max": max_length}, field=field
        )
    return text


def _colour(value: Any) -> str:
    colour = str(value).strip().lower() if isinstance(value, str) else ""
    if not _COLOUR.fullmatch(colour):
        raise InvalidInput("a colour is #rrggbb, such as #2563eb", field="colour")
    return colour


def _target(target: str) -> str:
    if target not in TARGETS:
        raise InvalidInput("labels and fields belong to a customer or an interaction", field="target")
    return target


def label_dict(label: Label) -> dict[str, Any]:
    return {"id": label.id, "name": label.name, "colour": label.colour, "description": label.description}


# -- labels ------------------------------------------------------------------------
def create_label(db: Database, name: str, colour: str = "#64748b", description: str = "") -> Label:
    label = Label(name=_name(name, "name", 60), colour=_colour(colour), description=nfc(description)[:200])
    try:
        with db.write() as session:
            session.add(label)
            session.flush()
            return label
    except IntegrityError as exc:
        raise Conflict("a label %(name)r already exists", params={"name": label.name}, field="name") from exc


def update_label(db: Database, label_id: int, **changes: Any) -> Label:
    try:
        with db.write() as session:
            label = session.get(Label, label_id)
            if label is None:
                raise NotFound("no such label", label_id=label_id)
            if "name" in changes:
                label.name = _name(changes["name"], "name", 60)
            if "colour" in changes:
                label.colour = _colour(changes["colour"])
            if "description" in changes:
                label.description = nfc(str(changes["description"]))[:200]
            session.add(label)
            session.flush()
            return label
    except IntegrityError as exc:
        raise Conflict("a label with that name already exists", field="name") from exc


def delete_label(db: Database, label_id: int) -> None:
    """Remove a label and every link to it."""
    with db.write() as session:
        label = session.get(Label, label_id)
        if label is None:
            raise NotFound("no such label", label_id=label_id)
        session.execute(delete(LabelLink).where(col(LabelLink.label_id) == label_id))
        session.delete(label)


def list_labels(db: Database) -> list[dict[str, Any]]:
    """Every label with how many customers and interactions carry it (the reports' counts)."""
    with db.read() as session:
        labels = session.exec(select(Label).order_by(Label.name)).all()
        counts: dict[tuple[int | None, str], int] = {
            (label_id, target): n
            for label_id, target, n in session.execute(
                select(col(LabelLink.label_id), col(LabelLink.target), func.count()).group_by(
                    col(LabelLink.label_id), col(LabelLink.target)
                )
            ).all()
        }
    return [
        {
            **label_dict(label),
            "customers": counts.get((label.id, "customer"), 0),
            "interactions": counts.get((label.id, "interaction"), 0),
        }
        for label in labels
    ]


def _require(session: Session, target: str, target_id: int) -> None:
    model: Any = _MODELS[_target(target)]
    if session.get(model, target_id) is None:
        raise NotFound("no such %(thing)s", params={"thing": target}, record_id=target_id)


def _label_by(session: Session, label_id: int | None, name: str | None) -> Label:
    if label_id is not None:
        label = session.get(Label, label_id)
    else:
        label = session.exec(
            select(Label).where(func.lower(Label.name) == (name or "").strip().lower())
        ).first()
    if label is None:
        raise NotFound("no such label", field="label")
    return label


def attach_label(
    db: Database, target: str, target_id: int, *, label_id: int | None = None, name: str | None = None
) -> list[dict[str, Any]]:
    """Put a label on a record (idempotent); the record's labels after it."""
    with db.write() as session:
        _require(session, target, target_id)
        label = _label_by(session, label_id, name)
        exists = session.exec(
            select(LabelLink).where(
                LabelLink.label_id == label.id, LabelLink.target == target, LabelLink.target_id == target_id
            )
        ).first()
        if exists is None:
            session.add(LabelLink(label_id=label.id, target=target, target_id=target_id))  # type: ignore[arg-type]
            session.flush()
        return _labels_of(session, target, [target_id]).get(target_id, [])


def detach_label(db: Database, target: str, target_id: int, label_id: int) -> list[dict[str, Any]]:
    with db.write() as session:
        _require(session, target, target_id)
        session.execute(
            delete(LabelLink).where(
                col(LabelLink.label_id) == label_id,
                col(LabelLink.target) == target,
                col(LabelLink.target_id) == target_id,
            )
        )
        return _labels_of(session, target, [target_id]).get(target_id, [])


def _labels_of(session: Session, target: str, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    if not ids:
        return out
    rows = session.exec(
        select(LabelLink.target_id, Label)
        .join(Label, col(Label.id) == col(LabelLink.label_id))
        .where(col(LabelLink.target) == target, col(LabelLink.target_id).in_(ids))
        .order_by(Label.name)
    ).all()
    for target_id, label in rows:
        out.setdefault(target_id, []).append(label_dict(label))
    return out


def labels_of(db: Database, target: str, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    with db.read() as session:
        return _labels_of(session, _target(target), ids)


def labelled_ids(target: str, label_id: int) -> Any:
    """A subquery of the ids of ``target`` records carrying the label, for list filters."""
    return select(LabelLink.target_id).where(LabelLink.target == target, LabelLink.label_id == label_id)


# -- custom fields -----------------------------------------------------------------
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
    choices = [_name(o, "options", 80) for o in (options or [])]
    if type_ == "list" and not choices:
        raise InvalidInput("a list field needs distinct options", field="options")
    if type_ == "list" and len(set(choices)) != len(choices):
        # Each option is well formed, but two of them are the same: they collide, as a key
        # already in use does (409).
        raise Conflict("a list field needs distinct options", field="options")
    field = CustomField(
        target=_target(target),
        key=key,
        name=_name(name, "name", 80),
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
            query = query.where(CustomField.target == _target(target))
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
        _require(session, target, target_id)
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
        return _values_of(session, _target(target), ids)


def page_labelled(
    db: Database, target: str, label_id: int, *, after: int | None = None, limit: int = 50
) -> Any:
    """A keyset page of the customers or interactions carrying a label, oldest first."""
    from repository.core.browse import keyset_page

    model: Any = _MODELS[_target(target)]
    with db.read() as session:
        if session.get(Label, label_id) is None:
            raise NotFound("no such label", label_id=label_id)
        stmt: Any = select(model).where(col(model.id).in_(labelled_ids(target, label_id)))
        return keyset_page(session, stmt, model, after, limit, newest_first=False)
