"""A store's idempotency records: the answers remembered per key, and their paced pruning.

A record holds the answer's resource body (and the ``ucp`` block beside it, spliced back on
replay). When that body is the very text of the cart or checkout row written in the same
transaction, the row points at the record (``body_scope``/``body_key``) instead of keeping a
second copy, and the record names that row (``owner``); a record still pointed at hands its body
back to the row before it goes. The row is
written once: ``Storage`` holds it back (a ``PendingRow``) until the record says which it is, or
until any other statement or the commit needs it.

Expired records are pruned in small batches by ``prune`` (the oldest first by rowid), from a
maintenance task off the request path, paced by ``quota``: as many as were written since the last
prune (records expire at the rate they were written), plus a slow drain of any backlog.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

Execute = Callable[..., sqlite3.Cursor]

IDEMPOTENCY_TTL_SECONDS = 48 * 3600
PRUNE_BATCH = 200  # the most one prune deletes
# Beyond keeping pace with writes, how many expired records one paced prune drains from a
# backlog (a store that was down, or a benchmark's prefilled table): a few per tick keeps the
# cost of a backlog spread thin instead of charging it to the requests of the next minutes.
PRUNE_DRAIN = 20
# How long the remembered age of the oldest record is trusted before it is read again.
OLDEST_RECHECK_SECONDS = 60.0
_RESOURCE_TABLES = ("carts", "checkouts")
_COLUMNS = "(scope, key, request_hash, status_code, body, created, ucp, owner)"


def splice_ucp(ucp: str, body: str) -> str:
    """``{"ucp": <ucp>, **body}`` as JSON text, from the two texts (nothing re-encoded)."""
    return '{"ucp":' + ucp + ("," + body[1:] if body != "{}" else "}")


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
class PendingRow:
    """A cart or checkout row written in this transaction and not yet sent to SQLite."""

    sql: str  # its upsert; the last three parameters are body, body_scope, body_key
    params: tuple[Any, ...]
    text: str  # its body's JSON text

    def write(self, execute: Execute, points_at: tuple[str, str] | None = None) -> None:
        """The row with its own body, or (``points_at``) pointing at that record's."""
        if points_at is None:
            execute(self.sql, (*self.params, self.text, None, None))
        else:
            execute(self.sql, (*self.params, "", *points_at))


class IdempotencyRecords:
    """The ``idempotency`` table of one store's database, on the store's request connection.

    ``execute`` runs a statement after writing any pending row; ``take_pending`` hands that row
    over instead (a record about to be put decides how it is written).
    """

    def __init__(
        self,
        execute: Execute,
        transaction: AbstractContextManager[None],
        take_pending: Callable[[], PendingRow | None],
    ) -> None:
        self._execute = execute
        self._transaction = transaction
        self._take_pending = take_pending
        self._owed = 0  # records written and not yet matched by a pruned one
        # (``created`` of the oldest record or None for none, when that was read): a tick with
        # nothing expired then costs a comparison, not a query (40 stores share one process).
        self._oldest: tuple[float | None, float] | None = None

    def get(self, scope: str, key: str, now: float) -> StoredResponse | None:
        found = self._execute(
            "SELECT request_hash, status_code, body, created, ucp FROM idempotency"
            " WHERE scope = ? AND key = ?",
            (scope, key),
        ).fetchone()
        if not found or found[3] < now - IDEMPOTENCY_TTL_SECONDS:
            return None
        text = found[2] if found[4] is None else splice_ucp(found[4], found[2])
        return StoredResponse(found[0], int(found[1]), text)

    def put(
        self,
        scope: str,
        key: str,
        request_hash: str,
        status_code: int,
        body: str,
        now: float,
        ucp: str | None = None,
    ) -> None:
        """Remember an answer: ``ucp`` + ``body`` spliced, or ``body`` alone (``ucp`` None).

        When ``body`` is the very text of the cart or checkout row pending in this transaction,
        that row is written pointing here rather than with its own copy.
        """
        self._owed += 1
        oldest = self._oldest
        if oldest is not None and (oldest[0] is None or now < oldest[0]):
            self._oldest = (now, oldest[1])
        with self._transaction:
            pending = self._take_pending()
            points = pending is not None and ucp is not None and pending.text is body
            # The row pointing here (its id: the first parameter of its upsert), so that a prune
            # finds it by its primary key, not through an index every commit would write to.
            owner = pending.params[0] if pending is not None and points else None
            row = (scope, key, request_hash, status_code, body, now, ucp, owner)
            try:
                self._execute(
                    f"INSERT INTO idempotency {_COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row
                )
            except sqlite3.IntegrityError:
                # A key reused after its record expired: a row still pointing at the old record
                # keeps its body before the record is replaced.
                self._oldest = None  # it may have been the oldest
                self._release(scope, key)
                self._execute(
                    f"INSERT OR REPLACE INTO idempotency {_COLUMNS}"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
            if pending is not None:
                pending.write(self._execute, (scope, key) if points else None)

    def _release(self, scope: str, key: str) -> None:
        for table in _RESOURCE_TABLES:
            self._execute(
                f"UPDATE {table} SET body = (SELECT body FROM idempotency WHERE scope = ?1"
                " AND key = ?2), body_scope = NULL, body_key = NULL"
                " WHERE id = (SELECT owner FROM idempotency WHERE scope = ?1 AND key = ?2)"
                " AND body_scope = ?1 AND body_key = ?2",
                (scope, key),
            )

    def quota(self) -> int:
        """How many records the next paced prune may delete: one per record written since,
        plus ``PRUNE_DRAIN``, at most ``PRUNE_BATCH``."""
        return min(PRUNE_BATCH, self._owed + PRUNE_DRAIN)

    def prune(self, now: float, batch: int = PRUNE_BATCH) -> int:
        """Delete the expired among the ``batch`` oldest records; how many went.

        Records are written oldest first, so the oldest are the first by rowid: the batch is read
        from the start of the table itself, with no index on ``created`` (one would cost every
        commit a page). A record a clock set back wrote out of order is still found when it is
        among the first ``batch``; at worst a later one waits until the one before it expires,
        and a record past its TTL is never answered from meanwhile (``get``). A record that a
        cart or checkout row still points at first gives its body back to the row. Bounded, so
        one call costs a few milliseconds whatever the size of the table.
        """
        cutoff = now - IDEMPOTENCY_TTL_SECONDS
        known = self._oldest
        if known is None or not 0 <= now - known[1] < OLDEST_RECHECK_SECONDS:
            first = self._execute("SELECT created FROM idempotency ORDER BY rowid LIMIT 1")
            found = first.fetchone()
            known = (found[0] if found else None, now)
            self._oldest = known
        if known[0] is None or known[0] >= cutoff:  # nothing expired: no write transaction
            self._owed = 0
            return 0
        self._oldest = None  # read again next time: the oldest goes now
        # The expired among the first ``batch`` records by rowid.
        window = "(SELECT rowid AS record, scope, key, created, owner FROM idempotency"
        window += " ORDER BY rowid LIMIT ?1) WHERE created < ?2"
        with self._transaction:
            for table in _RESOURCE_TABLES:  # rows still pointing at one: by their primary key
                self._execute(
                    f"UPDATE {table} SET body = (SELECT i.body FROM idempotency i"
                    f" WHERE i.scope = {table}.body_scope AND i.key = {table}.body_key),"
                    " body_scope = NULL, body_key = NULL"
                    f" WHERE id IN (SELECT owner FROM {window} AND owner IS NOT NULL)"
                    f" AND (body_scope, body_key) IN (SELECT scope, key FROM {window})",
                    (batch, cutoff),
                )
            deleted = self._execute(
                f"DELETE FROM idempotency WHERE rowid IN (SELECT record FROM {window})",
                (batch, cutoff),
            ).rowcount
        # Nothing left to prune settles the debt; else it shrinks by what went.
        self._owed = 0 if deleted < batch else max(0, self._owed - deleted)
        return int(deleted)
