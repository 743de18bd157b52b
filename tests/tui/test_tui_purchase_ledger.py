"""In the TUI: paying some shops and then the rest never charges the first ones again."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tui_shopper import (
    BAROLO,
    COLOMBIA,
    TULIPS,
    handle_of,
    say,
    submit_continue_page,
    wait_for_jobs,
    write_config,
)
from tui_waits import wait_until

from merchants.serve import RunningStore
from tui.app import PannierApp
from tui.launch import open_session
from tui.screens.confirm import ConfirmPurchase
from tui.session import LaunchOptions
from tui.widgets.inbox import EscalationInbox
from tui.widgets.shops import ShopPanel, badge

SIZE = (150, 50)


def options(tmp_path: Path, stores: dict[str, RunningStore], *slugs: str) -> LaunchOptions:
    return LaunchOptions(
        session="ledger",
        offline=True,
        config_path=write_config(tmp_path),
        data_dir=tmp_path / "data",
        merchant_urls=tuple(stores[slug].url for slug in slugs),
    )


def orders_at(sandbox_data_dir: Path, *slugs: str) -> int:
    total = 0
    for slug in slugs:
        with sqlite3.connect(sandbox_data_dir / f"{slug}.sqlite3") as db:
            total += int(db.execute("SELECT COUNT(*) FROM orders").fetchone()[0])
    return total


async def test_paying_one_shop_then_the_other_charges_each_once(
    sandbox_stores: dict[str, RunningStore], sandbox_data_dir: Path, tmp_path: Path
) -> None:
    app = PannierApp(options(tmp_path, sandbox_stores, "flowers", "coffee"), opener=open_session)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.session is not None, within_s=30.0)
        await say(pilot, app, "find tulip")
        await say(pilot, app, f"add {handle_of(app, TULIPS)}")
        await say(pilot, app, "find colombia")
        await say(pilot, app, f"add {handle_of(app, COLOMBIA)}")
        before = orders_at(sandbox_data_dir, "flowers", "coffee")

        # First F8: tick the first shop only and pay it.
        jobs = app.jobs_done
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmPurchase))
        assert isinstance(app.screen, ConfirmPurchase)
        first = app.screen.summary.merchants[0].merchant.name
        assert len(app.screen.summary.merchants) == 2
        await pilot.press("space", "p")
        await wait_for_jobs(pilot, app, jobs + 1)

        # Second F8: only the shop not yet paid is offered; approve all pays it alone.
        jobs = app.jobs_done
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmPurchase))
        modal = app.screen
        assert isinstance(modal, ConfirmPurchase)
        assert [m.merchant.name for m in modal.summary.merchants] != [first]
        assert len(modal.summary.merchants) == 1
        assert [o.merchant.name for o in modal.summary.placed] == [first]
        await pilot.press("a")
        await wait_for_jobs(pilot, app, jobs + 1)

        # A third F8 has nothing left to buy.
        jobs = app.jobs_done
        await pilot.press("f8")
        await wait_for_jobs(pilot, app, jobs + 1)
        assert not isinstance(app.screen, ConfirmPurchase)
        shops = app.query_one(ShopPanel)
        assert sorted(badge(s)[0] for s in shops.states) == ["placed", "placed"]
    assert orders_at(sandbox_data_dir, "flowers", "coffee") == before + 2


async def test_an_order_paid_on_the_store_page_shows_placed_and_is_not_reopened(
    sandbox_stores: dict[str, RunningStore], sandbox_data_dir: Path, tmp_path: Path
) -> None:
    app = PannierApp(options(tmp_path, sandbox_stores, "wine"), opener=open_session)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.session is not None, within_s=30.0)
        await say(pilot, app, "find barolo")
        await say(pilot, app, f"add {handle_of(app, BAROLO)}")
        await say(pilot, app, "checkout")
        inbox = app.query_one(EscalationInbox)
        assert inbox.selected is not None
        before = orders_at(sandbox_data_dir, "wine")
        assert await submit_continue_page(inbox.selected.continue_url) == 200

        # The shopper presses Pay instead of "I'm back".
        jobs = app.jobs_done
        await pilot.press("f8")
        await wait_for_jobs(pilot, app, jobs + 1)
        await wait_until(pilot, lambda: not inbox.escalations)
        assert not isinstance(app.screen, ConfirmPurchase)
        [wine] = app.query_one(ShopPanel).states
        assert badge(wine)[0] == "placed"
        assert [line.stage for line in wine.lines] == ["ordered"]
    assert orders_at(sandbox_data_dir, "wine") == before + 1
