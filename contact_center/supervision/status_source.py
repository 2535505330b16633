"""Reading status and transfer lines from the CCR, and what the snapshot derives from them.

``StatusSource`` is where a snapshot gets them: this one reads afresh; the live feed
passes its ``status_cache.StatusLineCache``, which gives the same answers from memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from contact_center.supervision.intervals import Hold, StatusLine, holds_from_status_lines
from repository.core.models import Event

if TYPE_CHECKING:
    from repository.db import Database

CHUNK = 500


def chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


STATUS_KINDS = ("status", "transfer")


def status_rows(session: Session, where: Any, *, order_by_id: bool = False) -> list[tuple[int, StatusLine]]:
    """(event id, line) for the status/transfer events ``where`` selects, per interaction in id order."""
    order = (col(Event.id),) if order_by_id else (col(Event.interaction_id), col(Event.id))
    rows = session.exec(
        # sqlmodel types select() for at most four columns; this one needs six.
        select(Event.id, Event.interaction_id, Event.kind, Event.body, Event.payload, Event.created_at)  # type: ignore[call-overload]
        .where(where, col(Event.kind).in_(STATUS_KINDS))
        .order_by(*order)
    ).all()
    return [(r[0], StatusLine(r[1], r[2], r[3], r[4] or {}, r[5])) for r in rows]


def status_lines(session: Session, interaction_ids: list[int]) -> list[StatusLine]:
    lines: list[StatusLine] = []
    for chunk in chunks(sorted(set(interaction_ids))):
        lines.extend(line for _, line in status_rows(session, col(Event.interaction_id).in_(chunk)))
    return lines


class StatusSource:
    """Where a snapshot gets status lines: read afresh from the CCR (this), or a feed's
    cache kept between snapshots (``status_cache.StatusLineCache``), same answers."""

    def begin(self, db: Database, day_start: datetime) -> None:
        """Called once per snapshot, before the reads below."""

    def touched_since(self, session: Session, day_start: datetime) -> set[int]:
        """Interactions with a status or transfer line since ``day_start``."""
        return set(
            session.exec(
                select(Event.interaction_id).where(
                    Event.created_at >= day_start, col(Event.kind).in_(STATUS_KINDS)
                )
            ).all()
        )

    def lines_for(self, session: Session, interaction_ids: Iterable[int]) -> list[StatusLine]:
        """Every line of those interactions, by interaction id then event id."""
        return status_lines(session, list(interaction_ids))

    def summary(
        self, session: Session, interaction_ids: Iterable[int]
    ) -> tuple[dict[int, datetime], list[Hold]]:
        """First accepts and every hold of those interactions (``holds_from_status_lines`` order)."""
        lines = self.lines_for(session, interaction_ids)
        return first_accepts(lines), holds_from_status_lines(lines)


FRESH = StatusSource()


def first_accepts(lines: Iterable[StatusLine]) -> dict[int, datetime]:
    """Each interaction's first ``accepted`` line: when it was answered (transfers do not count)."""
    answered: dict[int, datetime] = {}
    for line in lines:
        if line.kind == "status" and line.body == "accepted" and line.interaction_id not in answered:
            answered[line.interaction_id] = line.at
    return answered
