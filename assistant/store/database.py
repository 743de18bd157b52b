"""The ``Store``: opening and migrating the one SQLite file, and what the UCP client and the agent
keep in it (idempotency keys, merchant profiles, access tokens, sessions, the conversation).

Statements are plain SQL on the sqlite-utils connection: sqlite-utils' ``table()`` helpers ask
``sqlite_master`` whether the table exists (and is not a view) on every call, which was three
quarters of the statements of a purchase. sqlite-utils still opens, migrates and enables WAL.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from assistant import locations
from assistant.errors import StoreError
from assistant.store.connection import one_statement_write
from assistant.store.schema import migrations
from assistant.store.trip_tables import TripTables


class Store(TripTables):
    """Typed reads and transactional writes over the Pannier database."""

    @classmethod
    def open(cls, path: Path | None = None) -> Store:
        """Open (creating and migrating) the database at ``path`` (default: locations)."""
        target = path if path is not None else locations.database_path()
        try:
            if str(target) != ":memory:":
                locations.ensure_dir(target.parent)
            # Shared with the trip's writer thread; every use holds ``self._lock``.
            db = Database(sqlite3.connect(str(target), check_same_thread=False))
            if str(target) != ":memory:":
                db.enable_wal()
            db.execute("PRAGMA synchronous=NORMAL;")
            db.execute("PRAGMA busy_timeout=5000;")
            migrations.apply(db)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the local database {target}: {exc}") from exc
        return cls(db, target)

    @classmethod
    def memory(cls) -> Store:
        """An in-memory store (unit tests of other layers)."""
        db = Database(sqlite3.connect(":memory:", check_same_thread=False))
        migrations.apply(db)
        return cls(db, None)

    def close(self) -> None:
        self.stop_writer()
        self.db.close()

    def applied_migrations(self) -> list[str]:
        return [m.name for m in migrations.applied(self.db)]

    # --- used by the UCP client ----------------------------------------------------------------

    def idempotency_key(self, scope: str) -> str:
        """The key for ``scope``, created and committed to disk before it is returned."""
        return self.claim_idempotency_key(scope, secrets.token_hex(16), None, None)[0]

    @one_statement_write
    def claim_idempotency_key(
        self, scope: str, fresh: str, body: bytes | None, kid: str | None
    ) -> tuple[str, bytes | None, str | None]:
        """The key, bytes and signing key to send under ``scope``, committed before they are
        returned: an earlier attempt's when one is stored (its bytes pinned now if it pinned
        none and ``body`` was made under its key), else ``fresh`` with ``body`` (a signed write's
        bytes; None: nothing to pin), stored now. One commit (on the writer thread, the batch's).

        Called directly, it first lets every key write handed off so far commit (a forget
        queued by ``write_later`` among them).
        """
        self.settle_writes()
        conn = self.db.conn
        with self.one_statement():  # an INSERT or an UPDATE, never both
            inserted = conn.execute(
                "INSERT INTO idempotency_keys (scope, key, created_at, body, kid) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(scope) DO NOTHING",
                (scope, fresh, time.time(), body, kid),
            ).rowcount
            if inserted:  # the common case: one statement
                return fresh, body, kid
            key, pinned, pinned_kid = conn.execute(
                "SELECT key, body, kid FROM idempotency_keys WHERE scope = ?", (scope,)
            ).fetchone()
            key = str(key)
            if pinned is None and body is not None and key == fresh:
                conn.execute(
                    "UPDATE idempotency_keys SET body = ?, kid = ? WHERE scope = ?",
                    (body, kid, scope),
                )
                return key, body, kid
            if pinned is None:
                return key, None, None
            return key, bytes(pinned), pinned_kid

    @one_statement_write
    def forget_idempotency_key(self, scope: str) -> None:
        """Drop the key after a definitive answer, so a new logical attempt gets a new key.

        Committed at once (within a transaction: by its commit; handed off with ``write_later``:
        by the batch of the loop turn that handed it off), never left for a later write: keys
        are shared by every session and process on this database, and a key left over would
        make another's identical request replay this answer.
        """
        self.settle_writes()
        self._write("DELETE FROM idempotency_keys WHERE scope = ?", [scope])

    def cached_profile(self, url: str) -> tuple[dict[str, Any], float] | None:
        rows = self._rows("SELECT profile, expires_at FROM merchant_profiles WHERE url = ?", [url])
        if not rows:
            return None
        return json.loads(rows[0]["profile"]), float(rows[0]["expires_at"])

    def save_profile(self, url: str, profile: dict[str, Any], expires_at: float) -> None:
        self._write(
            "INSERT INTO merchant_profiles (url, profile, expires_at, fetched_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET profile = excluded.profile, "
            "expires_at = excluded.expires_at, fetched_at = excluded.fetched_at",
            [url, json.dumps(profile), expires_at, time.time()],
        )

    def cached_token(self, scope: str) -> tuple[str, float] | None:
        """The access token saved for ``scope`` and when it expires (wall-clock seconds)."""
        rows = self._rows("SELECT token, expires_at FROM access_tokens WHERE scope = ?", [scope])
        return (str(rows[0]["token"]), float(rows[0]["expires_at"])) if rows else None

    def save_token(self, scope: str, token: str, expires_at: float) -> None:
        self._write(
            "INSERT INTO access_tokens (scope, token, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT(scope) DO UPDATE SET token = excluded.token, "
            "expires_at = excluded.expires_at",
            [scope, token, expires_at],
        )

    # --- sessions ------------------------------------------------------------------------------

    def ensure_session(self, session: str) -> None:
        now = time.time()
        self._write(
            "INSERT INTO sessions (id, created_at, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at",
            [session, now, now],
        )

    # --- conversation --------------------------------------------------------------------------

    def append_conversation(self, session: str, role: str, content_json: str) -> None:
        """Append one agent transcript entry (``content_json`` is already JSON text)."""
        self._write(
            "INSERT INTO conversation (session, at, role, content) VALUES (?, ?, ?, ?)",
            [session, time.time(), role, content_json],
        )

    def conversation(self, session: str) -> list[tuple[str, str]]:
        """The session's agent transcript as (role, content_json) pairs, oldest first."""
        rows = self._rows(
            "SELECT role, content FROM conversation WHERE session = ? ORDER BY id", [session]
        )
        return [(r["role"], r["content"]) for r in rows]
