"""Group commit: the writes that arrive together share one transaction.

On SQLite one commit costs a WAL append plus, with ``synchronous=FULL``, an fsync;
on PostgreSQL a round trip and a WAL flush. A hundred visitors typing at once need
not pay for a hundred of them. ``GroupCommit.run(work)`` queues ``work(conn)``;
one writer task takes everything queued, runs it in one ``db.write_connection()``
transaction (Core, no ORM Session: the work is Core statements) in a worker thread
and commits. What arrives while that commit is under way forms
the next batch, so a batch waits at most one commit (well under 2 ms on SQLite) and
an idle server commits a lone message at once, with no timer. Each caller gets its
own result only after the commit of its batch: persist, then acknowledge.

If the batch fails (one bad item, a unique-key race), it is rolled back and each of
its items runs again alone, in its own transaction, so one failure fails only its
own caller. bench/group_commit.py measures it beside one commit per message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from anyio import to_thread

from contact_center.aio import stop_tasks

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from repository import Database

log = logging.getLogger(__name__)
T = TypeVar("T")
Work = Callable[["Connection"], Any]


class _Outcome(Generic[T]):
    __slots__ = ("value", "error")

    def __init__(self, value: T | None = None, error: BaseException | None = None) -> None:
        self.value = value
        self.error = error


class GroupCommit:
    def __init__(self, db: Database, *, max_batch: int = 256) -> None:
        self.db = db
        self.max_batch = max_batch
        self._queue: list[tuple[Work, asyncio.Future[Any]]] = []
        self._writer: asyncio.Task[None] | None = None
        # Counters for the bench and /metrics: transactions committed, items in them,
        # batches that failed and were retried one item at a time.
        self.commits = 0
        self.items = 0
        self.split_batches = 0

    async def run(self, work: Callable[[Connection], T]) -> T:
        """``work(conn)`` in the next batch's transaction; returns once that commits."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append((work, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._drain(), name="group-commit")
        return await future

    async def stop(self) -> None:
        if self._writer is not None:
            await stop_tasks(self._writer)
            self._writer = None

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
            try:
                outcomes = await to_thread.run_sync(self._commit, [work for work, _ in batch])
            except BaseException as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc if isinstance(exc, Exception) else RuntimeError("stopped"))
                raise
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():  # the caller went away; its write is committed all the same
                    continue
                if outcome.error is not None:
                    future.set_exception(outcome.error)
                else:
                    future.set_result(outcome.value)

    def _commit(self, works: list[Work]) -> list[_Outcome[Any]]:
        """Worker thread: the whole batch in one transaction, else each item alone."""
        try:
            with self.db.write_connection() as conn:
                values = [work(conn) for work in works]
            self.commits += 1
            self.items += len(works)
            return [_Outcome(value) for value in values]
        except Exception as exc:
            if len(works) == 1:
                return [_Outcome(error=exc)]
            self.split_batches += 1
            log.debug("group commit: a batch of %s failed (%s); retrying each alone", len(works), exc)
        outcomes: list[_Outcome[Any]] = []
        for work in works:
            try:
                with self.db.write_connection() as conn:
                    value = work(conn)
                self.commits += 1
                self.items += 1
                outcomes.append(_Outcome(value))
            except Exception as exc:
                outcomes.append(_Outcome(error=exc))
        return outcomes
