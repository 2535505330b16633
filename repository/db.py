"""Database engines: SQLite in WAL mode by default, PostgreSQL for scale.

Writes on SQLite begin with ``BEGIN IMMEDIATE`` so that two writers never both read
and then collide on the upgrade to a write lock: the second simply waits for the
first (``busy_timeout``). That is what makes the router's claim atomic on SQLite,
across threads and across processes. On PostgreSQL the claim takes a row lock.
"""

from __future__ import annotations

import functools
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from anyio import to_thread
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import Session

from repository import json_codec

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

P = ParamSpec("P")
T = TypeVar("T")
SQLITE_BUSY_TIMEOUT_MS = 30_000


# A node that is frozen (SIGSTOP, a paused VM, a stalled disk) in the middle of a
# transaction keeps its row locks, the fence row's share lock and the outbox's position
# lock: every other node's router claim and relay would wait for it for as long as it is
# frozen. PostgreSQL ends such a session once it has sat idle inside a transaction this
# long, so the others go on; the frozen node's transaction is rolled back (its work was
# never acknowledged). No code path here waits on anything but the database inside a
# transaction, so a healthy node never comes near it.
IDLE_IN_TRANSACTION_MS = 3000


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def normalise_url(url: str) -> str:
    # psycopg 3 is the driver we ship; accept the plain scheme users type.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def create_db_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine for ``url`` with the pragmas and pool this product relies on."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_size=pool_size,
            max_overflow=20,
            json_serializer=json_codec.dumps_strict,
            json_deserializer=json_codec.loads,
        )
        _install_sqlite_hooks(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(
            url,
            pool_size=pool_size,
            max_overflow=20,
            pool_pre_ping=True,
            connect_args={"options": f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_MS}"},
            json_serializer=json_codec.dumps_strict,
            json_deserializer=json_codec.loads,
        )
    raise ValueError(
        f"DATABASE_URL scheme {parsed.drivername!r} is not supported (use sqlite:// or postgresql://)"
    )


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """Owns the engine and hands out read and write sessions."""

    def __init__(self, url: str, *, engine: Engine | None = None) -> None:
        self.url = url
        self.engine = engine or create_db_engine(url)
        self._writer = self.engine.execution_options(sqlite_immediate=True)
        # SQLite has one writer at a time. Its busy handler makes a waiting writer *sleep*
        # (backing off to 100 ms) instead of queueing, so under a burst the lock sits free
        # while writers sleep and some starve for seconds. Writers of this process queue
        # here instead, in order; the busy handler still arbitrates between processes.
        self._write_turn = threading.RLock() if is_sqlite(self.engine) else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reads; nothing it does is committed."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on error."""
        turn = self._write_turn
        if turn is not None:
            turn.acquire()
        try:
            with Session(self._writer, expire_on_commit=False) as session:
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        finally:
            if turn is not None:
                turn.release()

    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """:meth:`write` without the ORM: a Core connection in one write transaction.

        The same writer turn and ``BEGIN IMMEDIATE`` as :meth:`write`, minus the
        Session's set-up and unit-of-work commit, which cost more than the statements of
        the transactions that run on every message (the relay's, a group commit's).
        """
        turn = self._write_turn
        if turn is not None:
            turn.acquire()
        try:
            with self._writer.begin() as conn:
                yield conn
        finally:
            if turn is not None:
                turn.release()

    async def run(self, fn: Callable[Concatenate[Database, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(self, *args, **kwargs)`` in a worker thread: repository calls block, the event loop must not."""
        return await to_thread.run_sync(functools.partial(fn, self, *args, **kwargs))

    def dispose(self) -> None:
        self.engine.dispose()
