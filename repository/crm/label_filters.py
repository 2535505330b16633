"""Labels as a filter and a breakdown: which conversations carry a label, for search and reports.

A conversation carries a label when the label is on it **or on its customer**, so
"VIP" (a customer label) finds every conversation of a VIP customer and "Refund
request" (a conversation label) finds those conversations. Customers carry only their
own labels. See docs/labels-and-fields.md ("In search" and "In reports").
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from repository.core.models import Interaction
from repository.crm.label_models import Label, LabelLink
from repository.errors import NotFound

if TYPE_CHECKING:
    from repository.db import Database

# Raw-SQL conditions for the search queries (repository/search/query.py), bound to
# :label_id; ``e`` is the events table and ``c`` the customers table there.
EVENT_CARRIES_LABEL = (
    "EXISTS (SELECT 1 FROM label_links ll WHERE ll.label_id = :label_id AND ("
    "(ll.target = 'interaction' AND ll.target_id = e.interaction_id)"
    " OR (ll.target = 'customer' AND ll.target_id = e.customer_id)))"
)
CUSTOMER_CARRIES_LABEL = (
    "EXISTS (SELECT 1 FROM label_links ll WHERE ll.label_id = :label_id"
    " AND ll.target = 'customer' AND ll.target_id = c.id)"
)
_CHUNK = 500


def require_label(db: Database, label_id: int) -> None:
    """A filter naming a label that does not exist is a mistake worth saying, not an empty page.

    404, as for any other id that names nothing: the filter is well-formed, its target is gone.
    """
    with db.read() as session:
        if session.get(Label, label_id) is None:
            raise NotFound("no such label", field="label_id")


def interaction_carries(label_id: int) -> Any:
    """A WHERE condition on ``Interaction``: the label is on the conversation or its customer."""
    on = select(LabelLink.target_id).where(LabelLink.label_id == label_id)
    return or_(
        col(Interaction.id).in_(on.where(LabelLink.target == "interaction")),
        col(Interaction.customer_id).in_(on.where(LabelLink.target == "customer")),
    )


def labels_by_interaction(session: Session, rows: list[tuple[int, int]]) -> dict[int, list[int]]:
    """For (interaction id, customer id) pairs: each conversation's label ids, its customer's included."""
    interaction_ids = sorted({i for i, _ in rows})
    customer_ids = sorted({c for _, c in rows})
    own = _links(session, "interaction", interaction_ids)
    inherited = _links(session, "customer", customer_ids)
    return {i: sorted(set(own.get(i, [])) | set(inherited.get(c, []))) for i, c in rows}


def _links(session: Session, target: str, ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for target_id, label_id in session.exec(
            select(LabelLink.target_id, LabelLink.label_id).where(
                LabelLink.target == target, col(LabelLink.target_id).in_(chunk)
            )
        ).all():
            found[target_id].append(label_id)
    return found


def label_names(session: Session) -> dict[int, str]:
    return {label_id: name for label_id, name in session.exec(select(Label.id, Label.name)).all() if label_id}
