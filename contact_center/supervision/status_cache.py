"""Status lines kept in memory between two supervisor snapshots, read forward by event id.

The snapshot needs every status/transfer line of today's contacts (answered time,
handling time, each agent's holds). Reading them all from the CCR on every recompute
cost most of the feed's time at tier C. Events are append-only with increasing ids, so
the feed keeps the lines per interaction and, each round, reads only the rows past the
newest id it has seen, plus a trailing window:

* On PostgreSQL an id is taken before commit: id 8 may become visible after id 9 was
  read. Each round therefore re-reads from the newest id it had seen at least
  ``trail_seconds`` ago (duplicates are dropped by event id), so a line whose
  transaction committed within that long of taking its id is never missed.
* Whatever could still slip past (a transaction held open longer than that, or a line
  rewritten in place, as GDPR erasure does) is caught by a full rebuild every
  ``rebuild_seconds``: no snapshot is wrong for good.

An interaction read for the first time (or seen again in a new line after being
dropped) is read whole, so its lines are complete. Interactions that no snapshot asked
for in a round and that have no line today are dropped. The figures are the same as
from a fresh read (``status_source.StatusSource``); tests/supervision/test_status_cache.py
checks it on both stores.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func
from sqlmodel import Session, col, select

from contact_center.supervision.intervals import Hold, StatusLine, holds_from_status_lines
from contact_center.supervision.status_source import (
    STATUS_KINDS,
    StatusSource,
    chunks,
    first_accepts,
    status_rows,
)
from repository.core.models import Event, utcnow

if TYPE_CHECKING:
    from repository.db import Database

TRAIL_SECONDS = 30.0
REBUILD_SECONDS = 300.0


class StatusLineCache(StatusSource):
    """One feed's status lines per interaction; ``begin`` each round, then read as a StatusSource."""

    def __init__(
        self,
        trail_seconds: float = TRAIL_SECONDS,
        rebuild_seconds: float = REBUILD_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.trail_seconds = trail_seconds
        self.rebuild_seconds = rebuild_seconds
        self._clock = clock
        # interaction id → {event id: line}, in event-id order.
        self._lines: dict[int, dict[int, StatusLine]] = {}
        # interaction id → (first accept, closed holds, open hold), worked out once per change of its lines.
        self._derived: dict[int, tuple[datetime | None, list[Hold], Hold | None]] = {}
        self._top = 0  # the newest event id read
        # (when, newest id read then): a round re-reads from the oldest mark still needed.
        self._marks: deque[tuple[float, int]] = deque()
        self._built_at: float | None = None
        self._day_start: datetime | None = None
        self._asked: set[int] = set()
        self.rebuilds = 0
        self.rows_read = 0  # lines read from the CCR since the feed started (for the bench)

    def begin(self, db: Database, day_start: datetime) -> None:
        """Bring the cache up to what the CCR holds now (one read), dropping what is done."""
        now = self._clock()
        stale = self._built_at is None or now - self._built_at >= self.rebuild_seconds
        try:
            if stale or self._day_start is None or day_start < self._day_start:
                self._rebuild(db, day_start, now)
            else:
                self._drop_finished(day_start)
                self._read_forward(db, now)
        except BaseException:
            self._built_at = None  # half-read: start over next round
            raise
        self._day_start = day_start
        self._asked = set()

    def touched_since(self, session: Session, day_start: datetime) -> set[int]:
        # Every interaction with a line today is held: read whole when first seen, never dropped today.
        return {i for i, lines in self._lines.items() if any(line.at >= day_start for line in lines.values())}

    def lines_for(self, session: Session, interaction_ids: Iterable[int]) -> list[StatusLine]:
        ids = sorted(set(interaction_ids))
        self._asked.update(ids)
        missing = [i for i in ids if i not in self._lines]
        if missing:
            self._load_whole(session, missing)
        out: list[StatusLine] = []
        for i in ids:
            out.extend(self._lines[i].values())
        return out

    def summary(
        self, session: Session, interaction_ids: Iterable[int]
    ) -> tuple[dict[int, datetime], list[Hold]]:
        ids = sorted(set(interaction_ids))
        self.lines_for(session, ids)  # loads any not held yet
        answered: dict[int, datetime] = {}
        closed: list[Hold] = []
        still_open: list[Hold] = []
        for i in ids:
            derived = self._derived.get(i)
            if derived is None:
                lines = list(self._lines[i].values())
                holds = holds_from_status_lines(lines)
                ends_open = holds[-1] if holds and holds[-1].end is None else None
                derived = (first_accepts(lines).get(i), holds[:-1] if ends_open else holds, ends_open)
                self._derived[i] = derived
            first, done, current = derived
            if first is not None:
                answered[i] = first
            closed.extend(done)
            if current is not None:
                still_open.append(current)
        # holds_from_status_lines' order over many interactions: every ended hold, then the open ones.
        return answered, closed + still_open

    def _rebuild(self, db: Database, day_start: datetime, now: float) -> None:
        self._lines = {}
        self._derived = {}
        wall = utcnow()
        with db.read() as session:
            today = session.exec(
                select(Event.id, Event.interaction_id, Event.created_at).where(
                    Event.created_at >= day_start, col(Event.kind).in_(STATUS_KINDS)
                )
            ).all()
            top = session.exec(select(func.max(Event.id)).where(col(Event.kind).in_(STATUS_KINDS))).one()
            self._load_whole(session, sorted({i for _, i, _ in today}))
        self._top = int(top or 0)
        # The first rounds re-read from the newest line older than the trail, as later rounds
        # do from their marks: a line whose id was taken just before this read may commit after.
        cutoff = wall - timedelta(seconds=self.trail_seconds)
        older = [e for e, _, at in today if e is not None and at < cutoff]
        floor = (
            max(older) if older else min((e for e, _, _ in today if e is not None), default=self._top + 1) - 1
        )
        self._marks = deque([(now - self.trail_seconds, floor), (now, self._top)])
        self._built_at = now
        self.rebuilds += 1

    def _read_forward(self, db: Database, now: float) -> None:
        while len(self._marks) >= 2 and self._marks[1][0] <= now - self.trail_seconds:
            self._marks.popleft()
        since = self._marks[0][1]
        with db.read() as session:
            rows = status_rows(session, col(Event.id) > since, order_by_id=True)
            self.rows_read += len(rows)
            unseen: set[int] = set()
            for event_id, line in rows:
                self._top = max(self._top, event_id)
                held = self._lines.get(line.interaction_id)
                if held is None:
                    unseen.add(line.interaction_id)
                elif event_id not in held:
                    _insert(held, event_id, line)
                    self._derived.pop(line.interaction_id, None)
            if unseen:
                self._load_whole(session, sorted(unseen))
        self._marks.append((now, self._top))

    def _load_whole(self, session: Session, interaction_ids: list[int]) -> None:
        """Every line of these interactions; none is held until all are read."""
        loaded: dict[int, dict[int, StatusLine]] = {i: {} for i in interaction_ids}
        for chunk in chunks(interaction_ids):
            rows = status_rows(session, col(Event.interaction_id).in_(chunk))
            self.rows_read += len(rows)
            for event_id, line in rows:
                loaded[line.interaction_id][event_id] = line  # already in event-id order
        self._lines.update(loaded)
        for i in loaded:
            self._derived.pop(i, None)

    def _drop_finished(self, day_start: datetime) -> None:
        """Forget interactions the last round did not ask for and with no line today."""
        for i in [i for i in self._lines if i not in self._asked]:
            if not any(line.at >= day_start for line in self._lines[i].values()):
                del self._lines[i]
                self._derived.pop(i, None)


def _insert(held: dict[int, StatusLine], event_id: int, line: StatusLine) -> None:
    """Add one line keeping event-id order (a late commit may land below the newest)."""
    if not held or event_id > next(reversed(held)):
        held[event_id] = line
        return
    items = sorted([*held.items(), (event_id, line)], key=lambda kv: kv[0])
    held.clear()
    held.update(items)
