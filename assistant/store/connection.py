"""The one connection under the ``Store``: every statement and transaction under one lock.

The event loop and the trip's writer thread share the connection; the lock keeps a transaction of
one from taking in a statement of the other.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from assistant.errors import StoreError


class Connection:
    """Plain SQL on a sqlite-utils database: rows as dicts, writes in transactions."""

    def __init__(self, db: Database, path: Path | None = None) -> None:
        self.db = db
        self.path = path
        # One connection, used by the event loop and by the trip's writer thread: a transaction
        # (and every statement) holds the lock, so the two never interleave.
        self._lock = threading.RLock()

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
