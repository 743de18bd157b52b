"""The one connection under the ``Store``: every statement and transaction under one lock.

The event loop and the trip's writer thread share the connection; the lock keeps a transaction of
one from taking in a statement of the other.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

from assistant.errors import StoreError

_T = TypeVar("_T")


class Connection:
    """Plain SQL on a sqlite-utils database: rows as dicts, writes in transactions."""

    def __init__(self, db: Database, path: Path | None = None) -> None:
        self.db = db
        self.path = path
        # One connection, used by the event loop and by the trip's writer thread: a transaction
        # (and every statement) holds the lock, so the two never interleave.
        self._lock = threading.RLock()
        # The one thread the event loop hands its writes to (the trip's batches, the UCP
        # client's keys): they serialise on the lock anyway, and one thread is one malloc
        # arena and one wake-up, where asyncio's default pool grows to six under 40 shops.
        self._writer: ThreadPoolExecutor | None = None

    async def off_loop(self, fn: Callable[..., _T], *args: Any) -> _T:
        """``fn(*args)`` on the store's writer thread, awaited from the event loop."""
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pannier-store")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, functools.partial(fn, *args))

    def stop_writer(self) -> None:
        """Finish what the writer thread was given and end it (closing the store)."""
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group several writes into one commit (nested use becomes a savepoint)."""
        with self._lock:
            try:
                with self.db.atomic():
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
        with self.transaction():
            return self.db.execute(sql, list(args))
