"""The basket is written as it changes: a line that moved on at one shop, not the whole basket.

A trip step at one shop changes that shop's lines (in checkout, ordered); rewriting every line
of every shop at each shop's step was quadratic in the shops. Lines added or removed rewrite
the basket whole, and either way the basket reads back exactly as the trip holds it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from assistant.domain import IN_BASKET, IN_CHECKOUT, ORDERED, BasketLine, MerchantRef, Money
from assistant.shopping.state import TripState
from assistant.store import Store
from assistant.store.session_read import read_session

SHOPS = [MerchantRef(f"shop{n}.test", f"Shop {n}", f"http://shop{n}.test") for n in range(3)]
LINES = [
    BasketLine(shop, f"item-{n}", f"Item {n}", 1, Money(amount=100 * (n + 1), currency="USD"))
    for n, shop in enumerate(SHOPS)
]


def _open(db: Path) -> tuple[Store, TripState]:
    store = Store.open(db)
    store.ensure_session("s")
    merchants = {shop.domain: shop for shop in SHOPS}
    return store, TripState(store, "s", merchants, read_session(store, "s"))


async def test_a_line_that_moves_on_at_one_shop_rewrites_that_line_only(tmp_path: Path) -> None:
    store, state = _open(tmp_path / "p.db")
    state.set_lines(LINES)
    await state.flush()
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    state.set_lines([replace(LINES[0], stage=IN_CHECKOUT), *LINES[1:]])
    state.set_lines(
        [replace(LINES[0], stage=IN_CHECKOUT), LINES[1], replace(LINES[2], stage=ORDERED)]
    )
    await state.flush()
    store.db.conn.set_trace_callback(None)
    basket_writes = [s for s in statements if "basket_lines" in s]
    assert len(basket_writes) == 2 and all(s.startswith("UPDATE") for s in basket_writes)
    held = state.lines()
    store.close()

    store, state = _open(tmp_path / "p.db")
    assert state.lines() == held
    assert [line.stage for line in held] == [IN_CHECKOUT, IN_BASKET, ORDERED]
    store.close()


async def test_lines_added_or_removed_rewrite_the_basket_whole(tmp_path: Path) -> None:
    store, state = _open(tmp_path / "p.db")
    state.set_lines(LINES)
    state.set_lines(LINES[1:])
    await state.flush()
    store.close()

    store, state = _open(tmp_path / "p.db")
    assert state.lines() == LINES[1:]
    state.set_lines([*LINES[1:], replace(LINES[0], quantity=3)])
    await state.flush()
    store.close()

    store, state = _open(tmp_path / "p.db")
    assert state.lines() == [*LINES[1:], replace(LINES[0], quantity=3)]
    store.close()
