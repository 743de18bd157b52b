"""How much a two-shop purchase costs the local database: counted, held to a bound."""

from __future__ import annotations

import re
import threading
from collections import Counter
from pathlib import Path

from shopping_helpers import OpenTrip

from assistant.config import Config
from assistant.domain import Approval, PurchaseSummary
from assistant.events import OrderPlaced
from assistant.shopping import compose
from assistant.store import Store
from assistant.store.session_read import SESSION_TABLES
from merchants.serve import RunningStore

ITEMS = [("tulip-bundle--yellow", 1), ("brazil-cerrado-natural--250-g-whole-bean", 1)]

# Commits for set_basket + prepare_checkout + complete at two shops: 87 when issue 9 was filed,
# 37 once the events table went, 24 now. Per shop, by design: every idempotency key costs a
# commit before its request (create_cart, create_checkout, update_checkout, complete_checkout)
# and the client's forgetting of it another; the access token is saved for the next process; and
# each merchant step (cart, checkout, the completion mark before complete_checkout is sent, its
# answer) writes what it changed as one batch, so that a restart shows the trip exactly as it
# was. The bound leaves ~10% for a write a feature may need and fails a change that multiplies
# them (a commit per record, per event, a write per line inside a loop...).
MAX_COMMITS = 27
MAX_TRANSACTION_BLOCKS = 60
# SELECTs: 441 when issue 9 counted them. Three quarters were sqlite-utils asking sqlite_master
# whether a table exists (twice per table() call), most of the rest the whole session basket
# re-read per merchant per step. With plain SQL and one TripState reading the session once, the
# purchase reads 18 times: the session's records once at open (one read per table), each
# idempotency key looked up before it is minted (a key kept by a crashed run wins), a
# saved access token per shop, and the refs' search-handle lookups. Nothing else may read: a
# read per line, per event or per merchant step fails the bound, which leaves room for a record.
MAX_SELECTS = 21


# Opening a trip reads each of the session's eleven tables once (basket, carts, checkouts,
# escalations, orders, codes, search handles, the last search, the conversation, the shopper's
# choices, each shop's last outcome): one read that both checks the rows can be read back and is
# what the trip starts from. 22 when the damaged-session check read them all before the trip did.
# The merchant profiles are read once per store (the discovery cache), and which addresses each
# store refused once (every session's: a store's reach is not a trip's).
MAX_SELECTS_AT_OPEN = 14


async def approve_all(summary: PurchaseSummary) -> Approval:
    return summary.approve()


async def test_opening_a_trip_again_reads_each_of_the_sessions_tables_once(
    sandbox_stores: dict[str, RunningStore], platform_profile_url: str, tmp_path: Path
) -> None:
    urls = [sandbox_stores["flowers"].url, sandbox_stores["coffee"].url]
    db = tmp_path / "reopened.db"
    for opened in range(2):  # a new session, then the same one resumed with its records
        store = Store.open(db)
        selects: list[str] = []

        def trace(sql: str, selects: list[str] = selects) -> None:
            if sql.split()[0].upper() == "SELECT":
                selects.append(sql)

        store.db.conn.set_trace_callback(trace)
        trip = await compose.open_trip(
            Config(),
            session="again",
            store=store,
            merchant_urls=urls,
            profile_url=platform_profile_url,
        )
        store.db.conn.set_trace_callback(None)
        if not opened:
            await trip.search("tulips")
            await trip.set_basket(ITEMS)
        await trip.aclose()
        store.close()
        tables = Counter(re.findall(r"FROM \[?(\w+)", " ".join(selects)))
        del tables["merchant_profiles"]
        assert tables == dict.fromkeys([*SESSION_TABLES, "refused_addresses"], 1), tables
        assert len(selects) <= MAX_SELECTS_AT_OPEN, selects


async def test_a_two_shop_purchase_reads_and_commits_the_local_database_a_bounded_number_of_times(
    open_trip: OpenTrip, tmp_path: Path
) -> None:
    trip = await open_trip("flowers", "coffee", db=tmp_path / "traffic.db")
    statements: Counter[str] = Counter()
    trip.store.db.conn.set_trace_callback(lambda sql: statements.update([sql.split()[0].upper()]))
    try:
        await trip.set_basket(ITEMS)
        await trip.prepare_checkout()
        await trip.complete(approve_all)
    finally:
        trip.store.db.conn.set_trace_callback(None)
    assert len([e for e in trip.bus.history if isinstance(e, OrderPlaced)]) == 2
    assert 0 < statements["COMMIT"] <= MAX_COMMITS, dict(statements)
    assert statements["SAVEPOINT"] <= MAX_TRANSACTION_BLOCKS, dict(statements)
    assert statements["SELECT"] <= MAX_SELECTS, dict(statements)
    assert not statements["PRAGMA"], dict(statements)  # no schema introspection per statement


# The trip's own records; idempotency keys and access tokens are the UCP client's, written before
# their request on purpose, and the session row is written once when the trip opens.
TRIP_TABLES = (
    "basket_lines",
    "carts",
    "checkouts",
    "orders",
    "escalations",
    "discount_codes",
    "trip_choices",
    "merchant_outcomes",
)


async def test_a_purchase_writes_the_trips_records_off_the_event_loop_a_batch_per_step(
    open_trip: OpenTrip, tmp_path: Path
) -> None:
    trip = await open_trip("flowers", "coffee", db=tmp_path / "writer.db")
    loop_thread = threading.get_ident()
    writes: list[tuple[str, bool]] = []  # (table, written on the event loop's thread)

    def trace(sql: str) -> None:
        words = sql.split()
        table = next((t for t in TRIP_TABLES if t in words), None)
        if words[0].upper() in ("INSERT", "DELETE") and table is not None:
            writes.append((table, threading.get_ident() == loop_thread))

    trip.store.db.conn.set_trace_callback(trace)
    try:
        await trip.set_basket(ITEMS)
        await trip.prepare_checkout()
        await trip.complete(approve_all)
    finally:
        trip.store.db.conn.set_trace_callback(None)
    assert len([e for e in trip.bus.history if isinstance(e, OrderPlaced)]) == 2
    assert {table for table, _ in writes} >= {"basket_lines", "carts", "checkouts", "orders"}
    assert not [table for table, on_loop in writes if on_loop], writes


async def test_the_clients_idempotency_keys_are_written_off_the_event_loop_each_before_its_request(
    open_trip: OpenTrip, tmp_path: Path
) -> None:
    trip = await open_trip("flowers", "coffee", db=tmp_path / "keys.db")
    loop_thread = threading.get_ident()
    writes: list[tuple[str, bool]] = []  # (statement, on the event loop's thread)

    def trace(sql: str) -> None:
        words = sql.split()
        if "idempotency_keys" in words and words[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes.append((words[0].upper(), threading.get_ident() == loop_thread))

    trip.store.db.conn.set_trace_callback(trace)
    try:
        await trip.set_basket(ITEMS)
        await trip.prepare_checkout()
        await trip.complete(approve_all)
    finally:
        trip.store.db.conn.set_trace_callback(None)
    assert len([e for e in trip.bus.history if isinstance(e, OrderPlaced)]) == 2
    # create_cart, create_checkout, update_checkout and complete_checkout at each shop, at least
    assert Counter(statement for statement, _ in writes)["INSERT"] >= 8, writes
    assert not [statement for statement, on_loop in writes if on_loop], writes
