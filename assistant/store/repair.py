"""Rows of a session that cannot be read back (a damaged file, a crash mid-write by older code).

``SessionRepair`` finds them with the trip's own read (``session_read``), sets them aside in
``quarantined_rows`` (``pannier sessions repair``) or forgets a whole session but its orders
(``pannier sessions reset``); ``open_trip`` stops with ``DamagedSession``, which names the way out.
"""

from __future__ import annotations

import json
import shlex
import time
from typing import Any

from assistant.errors import StoreError
from assistant.store.database import Store
from assistant.store.session_read import SESSION_TABLES, UnreadableRow, read_session

__all__ = ["DamagedSession", "SessionRepair", "UnreadableRow"]


class DamagedSession(StoreError):
    """A session holds rows that cannot be read back; the message names the way out."""

    title = "Damaged session"

    def __init__(self, session: str, rows: list[UnreadableRow]) -> None:
        tables = ", ".join(sorted({row.table for row in rows}))
        name = shlex.quote(session)
        super().__init__(
            f"session '{session}' has {len(rows)} unreadable row{'s' if len(rows) != 1 else ''} "
            f"in the local database ({tables}). Run `pannier sessions repair {name}` to set "
            f"them aside (it lists what is lost), or `pannier sessions reset {name}` to start "
            "the session afresh. Other sessions are not affected."
        )
        self.session = session
        self.rows = rows


class SessionRepair:
    """Finds, quarantines and resets a session's rows; other sessions are never touched.

    Plain SQL on the store's connection: one SELECT per table, nothing asked of sqlite_master.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db

    def _rows(self, sql: str, args: list[Any]) -> list[dict[str, Any]]:
        cursor = self.db.execute(sql, args)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def sessions(self) -> list[str]:
        """Every session name in the database, oldest first."""
        return [str(r["id"]) for r in self._rows("SELECT id FROM sessions ORDER BY created_at", [])]

    def unreadable_rows(self, session: str) -> list[UnreadableRow]:
        """The rows of ``session`` the trip could not read back, each with what it held and why."""
        return read_session(self.store, session).unreadable

    def quarantine(self, session: str, rows: list[UnreadableRow]) -> None:
        """Move ``rows`` out of the session into ``quarantined_rows`` (kept whole, for a person)."""
        with self.store.transaction():
            for unreadable in rows:
                [raw] = self._rows(
                    f"SELECT rowid, * FROM [{unreadable.table}] WHERE rowid = ?", [unreadable.rowid]
                )
                self.db.execute(
                    "INSERT INTO quarantined_rows (session, source_table, row, reason, at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [
                        session,
                        unreadable.table,
                        json.dumps(raw, default=str),
                        unreadable.reason,
                        time.time(),
                    ],
                )
                self.db.execute(
                    f"DELETE FROM [{unreadable.table}] WHERE rowid = ?", [unreadable.rowid]
                )

    def reset(self, session: str) -> dict[str, int]:
        """Forget everything of ``session`` but its orders (money that moved stays on record)."""
        removed: dict[str, int] = {}
        with self.store.transaction():
            for table in SESSION_TABLES:
                if table == "orders":
                    continue
                cursor = self.db.execute(f"DELETE FROM [{table}] WHERE session = ?", [session])
                if cursor.rowcount:
                    removed[table] = cursor.rowcount
        return removed

    def orders_kept(self, session: str) -> int:
        [row] = self._rows("SELECT COUNT(*) AS n FROM orders WHERE session = ?", [session])
        return int(row["n"])
