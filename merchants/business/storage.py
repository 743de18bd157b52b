"""SQLite persistence for one store: carts, checkouts, orders and idempotency records.

One connection per Shop, WAL, ``synchronous=NORMAL``; rows hold JSON blobs (the state we need to
recompute and the body we last answered). ``transaction()`` nests: only the outermost level
begins and commits, so the bindings can wrap an operation and its idempotency record together.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS carts (
    id TEXT PRIMARY KEY, state TEXT NOT NULL, body TEXT NOT NULL, expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS checkouts (
    id TEXT PRIMARY KEY, cart_id TEXT, status TEXT NOT NULL,
    state TEXT NOT NULL, body TEXT NOT NULL, expires REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS checkouts_by_cart ON checkouts (cart_id, status);
CREATE TABLE IF NOT EXISTS orders (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
    checkout_id TEXT NOT NULL, body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency (
    scope TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL,
    status_code INTEGER NOT NULL, body TEXT NOT NULL, created REAL NOT NULL,
    PRIMARY KEY (scope, key)
);
"""

IDEMPOTENCY_TTL_SECONDS = 48 * 3600
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@dataclass(frozen=True)
class StoredResponse:
    """A remembered answer to an idempotent request; ``text`` is the JSON that was sent."""

    request_hash: str
    status_code: int
    text: str

    @property
    def body(self) -> dict[str, Any]:
        decoded: dict[str, Any] = json.loads(self.text)
        return decoded


@dataclass(frozen=True)
class Row:
    """A stored resource: its state, its last body and (checkouts) its status and cart."""

    state: dict[str, Any]
    body: dict[str, Any]
    expires: float
    status: str = ""


class Storage:
    """The store's database."""

    def __init__(self, db_path: Path) -> None:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.execute("PRAGMA temp_store=MEMORY")
        # A checkpoint fsyncs (synchronous=NORMAL defers all syncing to it) and blocks the event
        # loop; checkpoint every ~32 MB of WAL rather than every 4 MB.
        self._db.execute("PRAGMA wal_autocheckpoint=8000")
        self._db.executescript(SCHEMA)
        self._lock = threading.RLock()
        self._depth = 0
        self._puts = 0
        # The JSON text of the bodies written most recently, keyed by object identity (the object
        # is held, so its id cannot be reused): the response is that same text, encoded once.
        self._texts: list[tuple[dict[str, Any], str]] = []

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One SQLite transaction; nested calls join the outer one."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")
            finally:
                self._depth = 0

    def _body_text(self, body: dict[str, Any]) -> str:
        text = _dumps(body)
        self._texts = [(body, text), *self._texts[:3]]
        return text

    def encoded(self, body: dict[str, Any]) -> str:
        """``body`` as compact JSON, reusing the text if this very object was just stored."""
        for stored, text in self._texts:
            if stored is body:
                return text
        return _dumps(body)

    # carts -----------------------------------------------------------------------------------
    def get_cart(self, cart_id: str) -> Row | None:
        found = self._db.execute(
            "SELECT state, body, expires FROM carts WHERE id = ?", (cart_id,)
        ).fetchone()
        return Row(json.loads(found[0]), json.loads(found[1]), found[2]) if found else None

    def put_cart(
        self, cart_id: str, state: dict[str, Any], body: dict[str, Any], expires: float
    ) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO carts (id, state, body, expires) VALUES (?, ?, ?, ?)",
            (cart_id, _dumps(state), self._body_text(body), expires),
        )

    def delete_cart(self, cart_id: str) -> None:
        self._db.execute("DELETE FROM carts WHERE id = ?", (cart_id,))

    # checkouts -------------------------------------------------------------------------------
    def get_checkout(self, checkout_id: str) -> Row | None:
        found = self._db.execute(
            "SELECT state, body, expires, status FROM checkouts WHERE id = ?", (checkout_id,)
        ).fetchone()
        if not found:
            return None
        return Row(json.loads(found[0]), json.loads(found[1]), found[2], found[3])

    def open_checkout_for_cart(self, cart_id: str) -> str | None:
        """The id of a not-yet-finished checkout made from this cart, if any."""
        found = self._db.execute(
            "SELECT id FROM checkouts WHERE cart_id = ? AND status NOT IN ('completed', 'canceled')"
            " ORDER BY rowid DESC LIMIT 1",
            (cart_id,),
        ).fetchone()
        return str(found[0]) if found else None

    def put_checkout(
        self,
        checkout_id: str,
        cart_id: str | None,
        status: str,
        state: dict[str, Any],
        body: dict[str, Any],
        expires: float,
    ) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO checkouts (id, cart_id, status, state, body, expires)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (checkout_id, cart_id, status, _dumps(state), self._body_text(body), expires),
        )

    # orders ----------------------------------------------------------------------------------
    def next_order_number(self) -> int:
        found = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM orders").fetchone()
        return int(found[0]) + 1

    def put_order(self, order_id: str, checkout_id: str, body: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO orders (id, checkout_id, body) VALUES (?, ?, ?)",
            (order_id, checkout_id, _dumps(body)),
        )

    def get_order(self, order_id: str) -> dict[str, Any] | None:
        found = self._db.execute("SELECT body FROM orders WHERE id = ?", (order_id,)).fetchone()
        return json.loads(found[0]) if found else None

    # idempotency -----------------------------------------------------------------------------
    def idempotency_get(self, scope: str, key: str, now: float) -> StoredResponse | None:
        found = self._db.execute(
            "SELECT request_hash, status_code, body, created FROM idempotency"
            " WHERE scope = ? AND key = ?",
            (scope, key),
        ).fetchone()
        if not found or found[3] < now - IDEMPOTENCY_TTL_SECONDS:
            return None
        return StoredResponse(found[0], int(found[1]), found[2])

    def idempotency_put(
        self,
        scope: str,
        key: str,
        request_hash: str,
        status_code: int,
        body: str,
        now: float,
    ) -> None:
        with self.transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO idempotency"
                " (scope, key, request_hash, status_code, body, created) VALUES (?, ?, ?, ?, ?, ?)",
                (scope, key, request_hash, status_code, body, now),
            )
            self._puts += 1
            if self._puts % 1000 == 0:
                self._db.execute(
                    "DELETE FROM idempotency WHERE created < ?", (now - IDEMPOTENCY_TTL_SECONDS,)
                )
