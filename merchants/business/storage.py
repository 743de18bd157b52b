"""SQLite persistence for one store: the connection, its transactions and checkpoints, and the
cart, checkout and order rows. The idempotency records share the connection
(``storage_idempotency``, ``Storage.idempotency``).

One connection per Shop, WAL, ``synchronous=NORMAL``; rows hold JSON blobs (the state we need to
recompute and the body we last answered). ``transaction()`` nests: only the outermost level
begins and commits, so the bindings can wrap an operation and its idempotency record together.
Each answered body is stored once: a row written by a keyed request points at its idempotency
record's body instead of holding a second copy. Rows are updated in place (an upsert, not
``INSERT OR REPLACE``, which deletes and re-inserts the row and each of its index entries: about
60 % more WAL pages, measured). WAL checkpoints run on their own connection in a
worker thread (``checkpoint``), never inside a request.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from merchants.business.jsontext import dumps as _dumps
from merchants.business.schema import open_database
from merchants.business.state import CartState, CheckoutState
from merchants.business.storage_idempotency import IdempotencyRecords, PendingRow


@dataclass(frozen=True)
class Row:
    """A stored resource: its state, its last body and (checkouts) its status.

    Each is decoded only when read: writes need the state alone, reads the body alone.
    """

    state_text: str
    body_text: str
    expires: float
    status: str = ""

    @property
    def cart(self) -> CartState:
        return CartState.from_json(json.loads(self.state_text))

    @property
    def checkout(self) -> CheckoutState:
        return CheckoutState.from_json(json.loads(self.state_text))

    @property
    def body(self) -> dict[str, Any]:
        decoded: dict[str, Any] = json.loads(self.body_text)
        return decoded


class _Transaction:
    """``Storage.transaction()``: BEGIN IMMEDIATE at the outermost level, COMMIT (or ROLLBACK on
    an exception) when it ends; nested levels join it. A plain class rather than
    ``@contextmanager``: a request enters it several times, and a generator per entry showed in
    the stores' CPU profile."""

    __slots__ = ("_storage",)

    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    def __enter__(self) -> None:
        storage = self._storage
        storage._lock.acquire()
        if storage._depth:
            storage._depth += 1
            return
        try:
            storage._db.execute("BEGIN IMMEDIATE")
        except BaseException:
            storage._lock.release()
            raise
        storage._depth = 1

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        storage = self._storage
        try:
            if storage._depth > 1:
                storage._depth -= 1
                return
            try:
                if exc_type is None:
                    try:
                        storage._flush()
                    except BaseException:
                        storage._db.execute("ROLLBACK")
                        raise
                storage._db.execute("ROLLBACK" if exc_type is not None else "COMMIT")
            finally:
                storage._depth = 0
                storage._pending = None
        finally:
            storage._lock.release()


class Storage:
    """The store's database."""

    def __init__(self, db_path: Path) -> None:
        self._db = open_database(db_path)
        self._db_path = db_path
        self._checkpointer: sqlite3.Connection | None = None
        self._checkpoint_lock = threading.Lock()  # a worker thread may be checkpointing
        self._closed = False
        self._changes_checkpointed = -1  # the connection's total_changes when one last began
        self._lock = threading.RLock()
        self._depth = 0
        self._transaction = _Transaction(self)
        # The cart or checkout row last written in the open transaction, not yet executed: a
        # keyed write's record then says whether it keeps its body or points at the record's,
        # so the row is written once (two writes of it cost ~15 % more WAL pages, measured).
        self._pending: PendingRow | None = None
        self.idempotency = IdempotencyRecords(self._execute, self._transaction, self._take_pending)
        # The JSON text of the bodies written most recently, keyed by object identity (the object
        # is held, so its id cannot be reused): the response is that same text, encoded once.
        self._texts: list[tuple[dict[str, Any], str]] = []

    def close(self) -> None:
        self._db.close()
        with self._checkpoint_lock:
            self._closed = True
            if self._checkpointer is not None:
                self._checkpointer.close()
                self._checkpointer = None

    def use_background_checkpoints(self) -> None:
        """Stop checkpointing on the request connection; the owner calls ``checkpoint()``."""
        self._db.execute("PRAGMA wal_autocheckpoint=0")

    def checkpoint_owed(self) -> bool:
        """Whether rows changed since the last checkpoint began (then one is owed, and it begins:
        call ``checkpoint`` next). Asked on the request thread; an unchanged store is skipped."""
        changes = self._db.total_changes
        if changes == self._changes_checkpointed:
            return False
        self._changes_checkpointed = changes
        return True

    def checkpoint(self) -> None:
        """A PASSIVE WAL checkpoint on a connection of its own (safe from a worker thread)."""
        with self._checkpoint_lock:
            if self._closed:
                return
            if self._checkpointer is None:
                self._checkpointer = sqlite3.connect(self._db_path, check_same_thread=False)
            self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def transaction(self) -> AbstractContextManager[None]:
        """One SQLite transaction; nested calls join the outer one."""
        return self._transaction

    def _execute(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        """A statement on the request connection, after the pending row (if any) is written."""
        self._flush()
        return self._db.execute(sql, params)

    def _flush(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.write(self._db.execute)

    def _take_pending(self) -> PendingRow | None:
        pending, self._pending = self._pending, None
        return pending

    def _put_row(self, sql: str, params: tuple[Any, ...], body: dict[str, Any]) -> None:
        """Upsert a cart or checkout row: now outside a transaction, else held back (see
        ``_pending``) until the transaction's next statement."""
        text = _dumps(body)
        self._texts = [(body, text), *self._texts[:3]]
        self._flush()
        pending = PendingRow(sql, params, text)
        if self._depth:
            self._pending = pending
        else:
            pending.write(self._db.execute)

    def encoded(self, body: dict[str, Any]) -> str:
        """``body`` as compact JSON, reusing the text if this very object was just stored."""
        for stored, text in self._texts:
            if stored is body:
                return text
        return _dumps(body)

    # carts -----------------------------------------------------------------------------------
    def get_cart(self, cart_id: str, with_body: bool = True) -> Row | None:
        """The cart's row; ``with_body`` False leaves its body out (``body_text`` empty): a write
        needs only the state, and the body may sit in an idempotency record."""
        if not with_body:
            found = self._execute(
                "SELECT state, '', expires FROM carts WHERE id = ?", (cart_id,)
            ).fetchone()
        else:
            found = self._execute(
                "SELECT c.state, COALESCE(i.body, c.body), c.expires FROM carts c"
                " LEFT JOIN idempotency i ON i.scope = c.body_scope AND i.key = c.body_key"
                " WHERE c.id = ?",
                (cart_id,),
            ).fetchone()
        return Row(found[0], found[1], found[2]) if found else None

    def put_cart(self, state: CartState, body: dict[str, Any]) -> None:
        self._put_row(
            "INSERT INTO carts (id, state, expires, body, body_scope, body_key)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state,"
            " expires = excluded.expires, body = excluded.body,"
            " body_scope = excluded.body_scope, body_key = excluded.body_key",
            (state.id, _dumps(state.to_json()), state.expires),
            body,
        )

    def delete_cart(self, cart_id: str) -> None:
        self._execute("DELETE FROM carts WHERE id = ?", (cart_id,))

    # checkouts -------------------------------------------------------------------------------
    def get_checkout(self, checkout_id: str, with_body: bool = True) -> Row | None:
        """The checkout's row; ``with_body`` False leaves its body out, as ``get_cart``."""
        if not with_body:
            found = self._execute(
                "SELECT state, '', expires, status FROM checkouts WHERE id = ?", (checkout_id,)
            ).fetchone()
        else:
            found = self._execute(
                "SELECT c.state, COALESCE(i.body, c.body), c.expires, c.status FROM checkouts c"
                " LEFT JOIN idempotency i ON i.scope = c.body_scope AND i.key = c.body_key"
                " WHERE c.id = ?",
                (checkout_id,),
            ).fetchone()
        if not found:
            return None
        return Row(found[0], found[1], found[2], found[3])

    def open_checkout_for_cart(self, cart_id: str) -> str | None:
        """The id of a not-yet-finished checkout made from this cart, if any."""
        found = self._execute(
            "SELECT id FROM checkouts WHERE cart_id = ? AND status NOT IN ('completed', 'canceled')"
            " ORDER BY rowid DESC LIMIT 1",
            (cart_id,),
        ).fetchone()
        return str(found[0]) if found else None

    def put_checkout(self, state: CheckoutState, body: dict[str, Any]) -> None:
        self._put_row(
            "INSERT INTO checkouts (id, cart_id, status, state, expires, body, body_scope,"
            " body_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
            # Not cart_id: a checkout's cart never changes, and a column set (even to its own
            # value) rewrites its index entry, a page per commit.
            " status = excluded.status, state = excluded.state,"
            " expires = excluded.expires, body = excluded.body,"
            " body_scope = excluded.body_scope, body_key = excluded.body_key",
            (state.id, state.cart_id, state.status, _dumps(state.to_json()), state.expires),
            body,
        )

    # orders ----------------------------------------------------------------------------------
    def next_order_number(self) -> int:
        found = self._execute("SELECT COALESCE(MAX(seq), 0) FROM orders").fetchone()
        return int(found[0]) + 1

    def put_order(self, order_id: str, checkout_id: str, body: dict[str, Any]) -> None:
        self._execute(
            "INSERT OR REPLACE INTO orders (id, checkout_id, body) VALUES (?, ?, ?)",
            (order_id, checkout_id, _dumps(body)),
        )

    def get_order(self, order_id: str) -> dict[str, Any] | None:
        found = self._execute("SELECT body FROM orders WHERE id = ?", (order_id,)).fetchone()
        return json.loads(found[0]) if found else None
