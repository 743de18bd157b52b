"""A trip step's flush returns once every write staged so far is on disk, its own or not.

Each shop's step stages its writes and flushes; batches are handed to the writer thread as they
are flushed (no step waits for another's commit before handing off its own), so a flush that
finds its writes already taken by another step's batch waits for that batch.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from assistant.domain import MerchantRef, PostalAddress
from assistant.shopping.state import TripState
from assistant.store import Store
from assistant.store.session_read import read_session

SHOPS = [MerchantRef(f"shop{n}.test", f"Shop {n}", f"http://shop{n}.test") for n in range(40)]
CUPERTINO = PostalAddress(
    street_address="1 Infinite Loop", postal_code="95014", address_country="US"
)


def _open(db: Path) -> tuple[Store, TripState]:
    store = Store.open(db)
    store.ensure_session("s")
    merchants = {shop.domain: shop for shop in SHOPS}
    return store, TripState(store, "s", merchants, read_session(store, "s"))


def _on_disk(db: Path) -> list[str]:
    """The shops with a refusal on disk, read through a connection of its own."""
    other = sqlite3.connect(db)
    try:
        rows = other.execute("SELECT merchant FROM refused_addresses ORDER BY merchant")
        return [row[0] for row in rows]
    finally:
        other.close()


async def test_a_flush_whose_writes_another_step_took_returns_once_they_are_on_disk(
    tmp_path: Path,
) -> None:
    store, state = _open(tmp_path / "p.db")
    seen: list[list[str]] = []

    async def step(shop: MerchantRef) -> None:
        state.refuse_address(shop.domain, CUPERTINO, whole_country=True)
        await asyncio.sleep(0)  # another shop's step runs (and flushes) before this one does
        await state.flush()
        seen.append(_on_disk(tmp_path / "p.db"))

    try:
        await asyncio.gather(step(SHOPS[0]), step(SHOPS[1]))
    finally:
        store.close()
    both = sorted(shop.domain for shop in SHOPS[:2])
    assert seen == [both, both]


async def test_the_flushes_of_forty_shops_in_one_turn_ride_one_commit(tmp_path: Path) -> None:
    store, state = _open(tmp_path / "p.db")
    commits: list[str] = []
    store.db.conn.set_trace_callback(
        lambda sql: commits.append(sql) if sql.upper().startswith("COMMIT") else None
    )

    async def step(shop: MerchantRef) -> None:
        state.refuse_address(shop.domain, CUPERTINO, whole_country=True)
        await state.flush()

    try:
        await asyncio.gather(*(step(shop) for shop in SHOPS))
    finally:
        store.db.conn.set_trace_callback(None)
        store.close()
    assert len(commits) == 1
    assert len(_on_disk(tmp_path / "p.db")) == len(SHOPS)
