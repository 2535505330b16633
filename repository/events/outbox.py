"""The transactional outbox: bus events written in the same transaction as their state.

``emit(session, message)`` adds a row that commits or rolls back with the change it
describes. A relay (contact_center/bus/relay.py) later gives committed rows a
*position*: dense (1, 2, 3, … with no gap) and in the order the relay saw them
committed, assigned under one lock (PostgreSQL: an advisory transaction lock;
SQLite: its single writer). Row ids cannot serve: on PostgreSQL an id is taken
before commit, so id 8 may commit after id 9 and a reader that moved past 9 would
skip it. Positions are what clients resume from, so a resume point survives a
restart of Redis or of any node. docs/events.md describes the whole pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, BigInteger, Column, Index, bindparam, delete, func, text, update
from sqlalchemy import select as core_select
from sqlmodel import Field, Session, SQLModel, col, select

from repository.core.models import utcnow

if TYPE_CHECKING:
    from repository.db import Database
    from repository.events.bus import BusMessage

# pg_advisory_xact_lock key: "cc" outbox positions (any constant shared by all nodes).
POSITION_LOCK = 0x63630012


class OutboxRow(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (
        Index(
            "ix_outbox_unassigned",
            "id",
            postgresql_where=text("position IS NULL"),
            sqlite_where=text("position IS NULL"),
        ),
        Index(
            "ix_outbox_unpublished",
            "position",
            postgresql_where=text("position IS NOT NULL AND published_at IS NULL"),
            sqlite_where=text("position IS NOT NULL AND published_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    position: int | None = Field(default=None, sa_column=Column(BigInteger, unique=True, nullable=True))
    type: str = Field(max_length=60)
    topics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True)
    published_at: datetime | None = Field(default=None)


@dataclass(frozen=True)
class Positioned:
    """A committed event with its place in the stream, as the bus carries it."""

    row_id: int
    position: int
    type: str
    topics: list[str]
    payload: dict[str, Any]

    def as_bus(self) -> dict[str, Any]:
        return {**self.payload, "type": self.type, "pos": self.position, "topics": self.topics}


def emit(session: Session, message: BusMessage) -> None:
    """Record ``message`` in the caller's transaction; it is published after the commit."""
    data = message.as_dict()
    session.add(OutboxRow(type=data.pop("type"), topics=message.topics(), payload=data))


def emit_dict(session: Session, data: dict[str, Any], topics: list[str]) -> None:
    body = dict(data)
    session.add(OutboxRow(type=str(body.pop("type")), topics=topics, payload=body))


def append(db: Database, data: dict[str, Any], topics: list[str]) -> None:
    """An event with no state change of its own (sign-out notice, tier change): its own transaction."""
    with db.write() as session:
        emit_dict(session, data, topics)


def _positioned(row: OutboxRow) -> Positioned:
    return Positioned(row.id, row.position, row.type, list(row.topics), dict(row.payload))  # type: ignore[arg-type]


_outbox = OutboxRow.__table__  # type: ignore[attr-defined]
_COLUMNS = (_outbox.c.id, _outbox.c.position, _outbox.c.type, _outbox.c.topics, _outbox.c.payload)
# The relay runs these on every commit burst: Core statements built once (their compiled
# form is cached), rows read as tuples, no ORM identity map or unit of work.
_UNASSIGNED = select(_outbox.c.id).where(_outbox.c.position.is_(None)).limit(1)
# Core selects of five columns: sqlmodel's select() is typed for at most four.
_STALE = (
    core_select(*_COLUMNS)
    .where(
        _outbox.c.position.is_not(None),
        _outbox.c.published_at.is_(None),
        _outbox.c.created_at < bindparam("cutoff"),
    )
    .order_by(_outbox.c.position)
)
_TOP = select(func.max(_outbox.c.position))
_FRESH = core_select(*_COLUMNS).where(_outbox.c.position.is_(None)).order_by(_outbox.c.id)
_SET_POSITION = update(_outbox).where(_outbox.c.id == bindparam("row_id")).values(position=bindparam("pos"))
_MARK_PUBLISHED = (
    update(_outbox)
    .where(_outbox.c.id.in_(bindparam("row_ids", expanding=True)))
    .values(published_at=bindparam("now"))
)
_POSITION_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def _from_row(row: Any, position: int | None = None) -> Positioned:
    return Positioned(
        row.id, position if position is not None else row.position, row.type, row.topics, row.payload
    )


def has_work(db: Database, republish_after: float) -> bool:
    """Cheap read: anything to assign, or assigned long ago and still unpublished?"""
    cutoff = utcnow() - timedelta(seconds=republish_after)
    with db.engine.connect() as conn:
        if conn.execute(_UNASSIGNED).first() is not None:
            return True
        return conn.execute(_STALE.limit(1), {"cutoff": cutoff}).first() is not None


ASSIGN_LIMIT = 500  # rows positioned per relay pass
_STALE_PASS = _STALE.limit(ASSIGN_LIMIT)
_FRESH_PASS = _FRESH.limit(ASSIGN_LIMIT)


def assign(
    db: Database,
    *,
    published: list[int],
    limit: int = ASSIGN_LIMIT,
    republish_after: float = 5.0,
    look_for_stale: bool = True,
) -> list[Positioned]:
    """Mark ``published`` rows, then give the next committed rows dense positions.

    Returns what to publish, in position order: the newly positioned rows, preceded
    (if ``look_for_stale``) by rows positioned over ``republish_after`` seconds ago and
    never marked published (their relay died or the bus was down). Readers drop what
    they already have.
    """
    # Runs once per commit burst: a Core transaction and statements built once (a
    # Session and a fresh UPDATE … IN per pass were most of its cost, bench/README.md).
    stale_query, fresh_query = (
        (_STALE_PASS, _FRESH_PASS) if limit == ASSIGN_LIMIT else (_STALE.limit(limit), _FRESH.limit(limit))
    )
    with db.write_connection() as conn:
        if db.dialect == "postgresql":
            conn.execute(_POSITION_LOCK, {"key": POSITION_LOCK})
        if published:
            conn.execute(_MARK_PUBLISHED, {"row_ids": published, "now": utcnow()})
        cutoff = utcnow() - timedelta(seconds=republish_after)
        stale = (
            [_from_row(r) for r in conn.execute(stale_query, {"cutoff": cutoff})] if look_for_stale else []
        )
        top = conn.execute(_TOP).scalar() or 0
        fresh = [_from_row(r, top + n) for n, r in enumerate(conn.execute(fresh_query).all(), start=1)]
        if fresh:
            conn.execute(_SET_POSITION, [{"row_id": p.row_id, "pos": p.position} for p in fresh])
        return stale + fresh


def mark_published(db: Database, row_ids: list[int]) -> None:
    if not row_ids:
        return
    with db.write() as session:
        session.execute(update(OutboxRow).where(col(OutboxRow.id).in_(row_ids)).values(published_at=utcnow()))


def head(db: Database) -> int:
    """The newest assigned position (0 when none)."""
    with db.read() as session:
        return int(session.exec(select(func.max(OutboxRow.position))).one() or 0)


def start_point(db: Database, limit: int = 5000) -> int:
    """Where a starting node's reader begins: before the first positioned row never
    marked published (its relay may have died before publishing it), at most ``limit``
    back; else the head. Loops that follow the bus then see those events too."""
    with db.read() as session:
        top = int(session.exec(select(func.max(OutboxRow.position))).one() or 0)
        first = session.exec(
            select(func.min(OutboxRow.position)).where(
                col(OutboxRow.position).is_not(None), col(OutboxRow.published_at).is_(None)
            )
        ).one()
    if first is None:
        return top
    return max(int(first) - 1, top - limit)


def oldest(db: Database) -> int | None:
    with db.read() as session:
        value = session.exec(select(func.min(OutboxRow.position))).one()
        return None if value is None else int(value)


def after(db: Database, position: int, limit: int = 1000, upto: int | None = None) -> list[Positioned]:
    """Positioned rows after ``position`` (up to ``upto``), in order."""
    with db.read() as session:
        query = select(OutboxRow).where(col(OutboxRow.position) > position)
        if upto is not None:
            query = query.where(col(OutboxRow.position) <= upto)
        rows = session.exec(query.order_by(col(OutboxRow.position)).limit(limit)).all()
        return [_positioned(r) for r in rows]


def prune(db: Database, keep_seconds: float) -> int:
    """Forget published rows older than ``keep_seconds``; a resume point before them gets resync."""
    cutoff = utcnow() - timedelta(seconds=keep_seconds)
    with db.write() as session:
        result = session.execute(
            delete(OutboxRow).where(
                col(OutboxRow.published_at).is_not(None), col(OutboxRow.created_at) < cutoff
            )
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
