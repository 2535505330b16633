"""Labels on customers and interactions: define them, attach and detach, read and filter by them.

Every write checks its input here (names, colours), so the API, the desk and the CLI
get the same refusals. Typed custom fields on the same records are in
repository/crm/custom_fields.py; the rules both share are in repository/crm/record_rules.py.
See docs/labels-and-fields.md.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from repository.core.ingest import nfc
from repository.crm.label_models import Label, LabelLink
from repository.crm.record_rules import RECORD_MODELS, check_target, display_name, require_record
from repository.errors import Conflict, InvalidInput, NotFound

if TYPE_CHECKING:
    from repository.db import Database

# Published as is in the OpenAPI document (contact_center/api/labels_api.py).
COLOUR_PATTERN = "^#[0-9a-fA-F]{6}$"
_COLOUR = re.compile(COLOUR_PATTERN)


def _colour(value: Any) -> str:
    colour = str(value).strip().lower() if isinstance(value, str) else ""
    if not _COLOUR.fullmatch(colour):
        raise InvalidInput("a colour is #rrggbb, such as #2563eb", field="colour")
    return colour


def label_dict(label: Label) -> dict[str, Any]:
    return {"id": label.id, "name": label.name, "colour": label.colour, "description": label.description}


# -- labels ------------------------------------------------------------------------
def create_label(db: Database, name: str, colour: str = "#64748b", description: str = "") -> Label:
    label = Label(
        name=display_name(name, "name", 60), colour=_colour(colour), description=nfc(description)[:200]
    )
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
                label.name = display_name(changes["name"], "name", 60)
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
        require_record(session, target, target_id)
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
        require_record(session, target, target_id)
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
        return _labels_of(session, check_target(target), ids)


def labelled_ids(target: str, label_id: int) -> Any:
    """A subquery of the ids of ``target`` records carrying the label, for list filters."""
    return select(LabelLink.target_id).where(LabelLink.target == target, LabelLink.label_id == label_id)


def page_labelled(
    db: Database, target: str, label_id: int, *, after: int | None = None, limit: int = 50
) -> Any:
    """A keyset page of the customers or interactions carrying a label, oldest first."""
    from repository.core.browse import keyset_page

    model: Any = RECORD_MODELS[check_target(target)]
    with db.read() as session:
        if session.get(Label, label_id) is None:
            raise NotFound("no such label", label_id=label_id)
        stmt: Any = select(model).where(col(model.id).in_(labelled_ids(target, label_id)))
        return keyset_page(session, stmt, model, after, limit, newest_first=False)
