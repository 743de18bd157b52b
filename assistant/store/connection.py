"""The one connection under the ``Store``: every statement and transaction under one lock.

The event loop and the process's writer thread (``writer``) share the connection; the lock keeps
a transaction of one from taking in a statement of the other.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

from assistant.errors import StoreError
from assistant.store.writer import Batches, Outcome, Write

_T = TypeVar("_T")
_F = TypeVar("_F", bound=Callable[..., Any])
# Marks a function that writes at most one statement (``one_statement_write``): in a batch it
# runs without a savepoint of its own.
ONE_STATEMENT = "writes_one_statement"


def one_statement_write(fn: _F) -> _F:
    """Mark ``fn`` as writing at most one statement, whatever it reads."""
    setattr(fn, ONE_STATEMENT, True)
    return fn


class Connection:
    """Plain SQL on a sqlite-utils database: rows as dicts, writes in transactions."""

    def __init__(self, db: Database, path: Path | None = None) -> None:
        self.db = db
        self.path = path
        # One connection, used by the event loop and by the writer thread: a transaction (and
        # every statement) holds the lock, so the two never interleave.
        self._lock = threading.RLock()
        # What the event loop hands the writer thread (the trip's batches, the UCP client's
        # keys), a batch per turn of the loop, one transaction each.
        self._batches = Batches(self._run_batch)

    def off_loop(self, fn: Callable[..., _T], *args: Any) -> asyncio.Future[_T]:
        """``fn(*args)`` on the writer thread, with whatever else this turn of the event loop
        hands off (one transaction, one wake-up); await the result (committed by then)."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[_T] = loop.create_future()
        self._batches.add(loop, Write(fn, args, waiter))
        return waiter

    def write_later(self, fn: Callable[..., object], *args: Any) -> None:
        """``fn(*args)`` on the writer thread with this turn's batch, nobody waiting for it; any
        later write handed off by any store in the process runs after it. Without a running
        event loop it runs at once, here."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            fn(*args)
            return
        self._batches.add(loop, Write(fn, args))

    def settle_writes(self) -> None:
        """Block until every write handed off so far is committed (nothing waits when none is)."""
        if not self._batches.idle:
            self._batches.settle()

    def stop_writer(self) -> None:
        """Commit what was handed off (closing the store); the writer thread is the process's."""
        self.settle_writes()

    def _run_batch(self, batch: list[Write]) -> list[Outcome]:
        """On the writer thread: the batch in one transaction, each write in a savepoint."""
        if len(batch) == 1:
            return [self._attempt(batch[0])]
        try:
            with self.transaction():
                outcomes = [self._attempt(write, savepoint=True) for write in batch]
        except Exception as exc:  # the commit failed: none of the batch is written
            return [(write, None, exc) for write in batch]
        return outcomes

    def _attempt(self, write: Write, *, savepoint: bool = False) -> Outcome:
        try:
            # A write of one statement fails alone without a savepoint: SQLite undoes the
            # statement that failed and keeps the transaction.
            if savepoint and not getattr(write.fn, ONE_STATEMENT, False):
                with self.transaction():
                    return write, write.fn(*write.args), None
            return write, write.fn(*write.args), None
        except Exception as exc:
            return write, None, exc

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group several writes into one commit (nested use becomes a savepoint)."""
        with self._lock:
            try:
                with _atomic(self.db.conn):
                    yield
            except sqlite3.Error as exc:
                raise StoreError(f"local database write failed: {exc}") from exc

    def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            try:
                cursor = self.db.execute(sql, list(args))
            except sqlite3.Error as exc:
                raise StoreError(f"local database read failed: {exc}") from exc
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _write(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Cursor:
        """One statement in its own transaction (or the caller's)."""
        with self.one_statement():
            return self.db.conn.execute(sql, args)

    @contextmanager
    def one_statement(self) -> Iterator[None]:
        """Around a write of at most one statement: its own transaction, or within the caller's
        none at all (one statement is atomic on its own, so a savepoint would only cost two)."""
        with self._lock:  # first: an open transaction is then this thread's own
            if not self.db.conn.in_transaction:
                with self.transaction():
                    yield
                return
            try:
                yield
            except sqlite3.Error as exc:
                raise StoreError(f"local database write failed: {exc}") from exc


@contextmanager
def _atomic(conn: sqlite3.Connection) -> Iterator[None]:
    """sqlite-utils' ``Database.atomic`` with one savepoint name: it names each savepoint with
    16 fresh random bytes (a ``getrandom`` call), and each such statement is new to the
    connection's statement cache, so it is compiled afresh and evicts a cached one. Nested
    savepoints may share a name: ``RELEASE``/``ROLLBACK TO`` act on the innermost."""
    if conn.in_transaction:
        conn.execute("SAVEPOINT pannier")
        try:
            yield
        except BaseException:
            # An error may have ended the whole transaction, savepoints included.
            if conn.in_transaction:
                conn.execute("ROLLBACK TO SAVEPOINT pannier")
                conn.execute("RELEASE SAVEPOINT pannier")
            raise
        conn.execute("RELEASE SAVEPOINT pannier")
        return
    conn.execute("BEGIN")
    try:
        yield
    except BaseException:
        conn.rollback()
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:
        conn.rollback()
        raise
