"""The local cache: one SQLite file (sqlite-utils, WAL) holding everything a trip must survive.

Sessions, carts, checkouts, idempotency keys, access tokens, cached merchant profiles, escalations,
orders, basket lines, search handles, the shopper's choices, each merchant's last outcome and the
agent's conversation. Every write is one transaction, so a crash
between two writes leaves a state the next run resumes from. This package is the only code in
Pannier that writes SQLite: ``schema`` holds the migrations, ``connection`` the locked connection,
``trip_tables`` the trip's records, ``session_read`` a session read back at once (each table
once, unreadable rows listed), ``repair`` what sets those aside, and ``database`` the ``Store``
that opens it all.
"""

from assistant.store.database import Store
from assistant.store.trip_tables import CartRow, CheckoutRow

__all__ = ["CartRow", "CheckoutRow", "Store"]
