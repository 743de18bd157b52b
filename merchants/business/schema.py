"""The store database's tables, and opening it: pragmas, schema, and columns added since.

Databases kept in ``$PANNIER_HOME`` outlive a release, so a column added later is added on open
(``_ADDED_COLUMNS``), never assumed.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS carts (
    id TEXT PRIMARY KEY, state TEXT NOT NULL, body TEXT NOT NULL, expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS checkouts (
    id TEXT PRIMARY KEY, cart_id TEXT, status TEXT NOT NULL,
    state TEXT NOT NULL, body TEXT NOT NULL, expires REAL NOT NULL
);
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
# Columns added after the first release; databases kept in $PANNIER_HOME gain them on open.
_ADDED_COLUMNS = {
    "idempotency": ("ucp TEXT", "owner TEXT"),
    "carts": ("body_scope TEXT", "body_key TEXT"),
    "checkouts": ("body_scope TEXT", "body_key TEXT"),
}
# Indexes an earlier release kept, each costing every commit a page or more: expired idempotency
# records are found by rowid now (they are written oldest first); a checkout's index entry by
# cart no longer changes with its status; and a record names the row pointing at it (``owner``)
# instead of rows being found by what they point at.
_DROPPED_INDEXES = """
DROP INDEX IF EXISTS idempotency_by_created;
DROP INDEX IF EXISTS checkouts_by_cart;
DROP INDEX IF EXISTS carts_by_body;
DROP INDEX IF EXISTS checkouts_by_body;
"""
_INDEXES = """
CREATE INDEX IF NOT EXISTS checkouts_by_cart_id ON checkouts (cart_id) WHERE cart_id IS NOT NULL;
"""
_BODY_INDEXES = ("carts_by_body", "checkouts_by_body")


def open_database(db_path: Path) -> sqlite3.Connection:
    """The request connection: WAL, ``synchronous=NORMAL``, the schema up to date."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA busy_timeout=5000")
    db.execute("PRAGMA temp_store=MEMORY")
    # A checkpoint fsyncs (synchronous=NORMAL defers all syncing to it) and blocks the event
    # loop; checkpoint every ~32 MB of WAL rather than every 4 MB.
    db.execute("PRAGMA wal_autocheckpoint=8000")
    db.executescript(SCHEMA)
    for table, columns in _ADDED_COLUMNS.items():
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        for column in columns:
            if column.split()[0] not in present:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
    _name_owners(db)
    db.executescript(_DROPPED_INDEXES + _INDEXES)
    return db


def _name_owners(db: sqlite3.Connection) -> None:
    """Records an earlier release wrote name the rows pointing at them, found through that
    release's indexes by pointer (which go after this, so it runs until they are gone)."""
    present = {
        row[0]
        for row in db.execute("SELECT name FROM sqlite_schema WHERE type = 'index'")
        if row[0] in _BODY_INDEXES
    }
    for table in ("carts", "checkouts"):
        if f"{table}_by_body" in present:
            db.execute(
                f"UPDATE idempotency SET owner = (SELECT t.id FROM {table} t"
                " WHERE t.body_scope = idempotency.scope AND t.body_key = idempotency.key)"
                " WHERE owner IS NULL AND (scope, key) IN"
                f" (SELECT body_scope, body_key FROM {table} WHERE body_scope IS NOT NULL)"
            )
