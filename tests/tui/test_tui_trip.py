"""A whole offline trip through the TUI against the real sandbox stores on loopback."""

from __future__ import annotations

from pathlib import Path

from tui_shopper import (
    BAROLO,
    COLOMBIA,
    TULIPS,
    handle_of,
    press_and_wait,
    say,
    submit_continue_page,
    trip_of,
    tulips_at_the_dialog,
    wait_for_jobs,
    write_config,
)
from tui_waits import wait_until

from assistant.events import OrderPlaced, ProtocolCalled
from merchants.serve import RunningStore
from tests.shopping import shopping_helpers
from tui.app import PannierApp
from tui.launch import open_session
from tui.messages import ConfirmRequested, CoreEventArrived
from tui.screens.confirm import ConfirmPurchase
from tui.session import LaunchOptions
from tui.widgets.chat import ChatLine
from tui.widgets.inbox import EscalationInbox
from tui.widgets.orders import OrdersView
from tui.widgets.protocol_log import ProtocolLog
from tui.widgets.shops import ShopPanel, badge

SIZE = (150, 50)


def options(tmp_path: Path, stores: dict[str, RunningStore], *slugs: str) -> LaunchOptions:
    return LaunchOptions(
        session="tui",
        offline=True,
        config_path=write_config(tmp_path),
        data_dir=tmp_path / "data",
        merchant_urls=tuple(stores[slug].url for slug in slugs),
    )


async def test_three_shop_trip_with_an_escalation_ends_in_three_orders(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    seen: list[object] = []
    app = PannierApp(
        options(tmp_path, sandbox_stores, "flowers", "coffee", "wine"), opener=open_session
    )
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await wait_until(pilot, lambda: app.session is not None, within_s=30.0)
        assert app.sub_title == "session tui · offline planner"

        assert "USD" in await say(pilot, app, "find tulip")
        await say(pilot, app, f"add {handle_of(app, TULIPS)}")
        await say(pilot, app, "find colombia")
        await say(pilot, app, f"add {handle_of(app, COLOMBIA)}")
        await say(pilot, app, "find barolo")
        await say(pilot, app, f"add {handle_of(app, BAROLO)}")
        await say(pilot, app, "checkout")

        shops = app.query_one(ShopPanel)
        badges = {s.merchant.name: badge(s)[0] for s in shops.states}
        assert sorted(badges.values()) == ["needs you", "ready", "ready"]
        assert all(s.totals and s.lines for s in shops.states)
        inbox = app.query_one(EscalationInbox)
        assert inbox.display and len(inbox.escalations) == 1
        escalation = inbox.selected
        assert escalation is not None and escalation.continue_url.startswith("http://127.0.0.1")

        # The shopper confirms their age on the merchant's page, then says "I'm back".
        assert await submit_continue_page(escalation.continue_url) == 200
        await press_and_wait(pilot, app, "f4")
        assert not inbox.display
        wine = shops.card(escalation.merchant.domain).state
        assert badge(wine)[0] == "placed"

        # The other two need the shopper's approval in the modal.
        before = app.jobs_done
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmPurchase))
        modal = app.screen
        assert isinstance(modal, ConfirmPurchase)
        assert len(modal.summary.merchants) == 2
        assert all("4242" in m.instrument for m in modal.summary.merchants)
        await pilot.press("a")
        await wait_for_jobs(pilot, app, before + 1)
        assert sorted(badge(s)[0] for s in shops.states) == ["placed"] * 3

        orders = app.query_one(OrdersView)
        assert orders.display  # shown as they were placed; F5 hides them, F5 asks again
        await pilot.press("f5")
        await wait_until(pilot, lambda: not orders.display)
        await press_and_wait(pilot, app, "f5")
        assert orders.display and len(orders.orders) == 3
        log = app.query_one(ProtocolLog)
        assert log.lines_logged > 10

    relayed = [m.event for m in seen if isinstance(m, CoreEventArrived)]
    assert {e.merchant.name for e in relayed if isinstance(e, ProtocolCalled)} == {
        sandbox_stores[slug].name for slug in ("flowers", "coffee", "wine")
    }
    assert len([e for e in relayed if isinstance(e, OrderPlaced)]) == 3
    assert len([m for m in seen if isinstance(m, ConfirmRequested)]) == 1


async def test_declining_the_modal_never_calls_complete_checkout(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    app = PannierApp(options(tmp_path, sandbox_stores, "flowers"), opener=open_session)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.session is not None, within_s=30.0)
        before = await tulips_at_the_dialog(pilot, app)
        await pilot.press("escape")
        await wait_for_jobs(pilot, app, before + 1)
        history = trip_of(app).bus.history
        assert not [e for e in history if isinstance(e, OrderPlaced)]
        assert not [
            e
            for e in history
            if isinstance(e, ProtocolCalled) and e.operation == "complete_checkout"
        ]
        assert app.query_one(OrdersView).orders == []


async def test_reopening_a_session_shows_its_basket_and_the_conversation_so_far(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    first = PannierApp(options(tmp_path, sandbox_stores, "flowers", "coffee"), opener=open_session)
    async with first.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: first.session is not None, within_s=30.0)
        await say(pilot, first, "find tulip")
        await say(pilot, first, f"add {handle_of(first, TULIPS)}")

    again = PannierApp(options(tmp_path, sandbox_stores, "flowers", "coffee"), opener=open_session)
    async with again.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: again.session is not None, within_s=30.0)
        lines = [line for state in again.query_one(ShopPanel).states for line in state.lines]
        assert len(lines) == 1 and lines[0].variant_id.startswith(TULIPS)
        said = [(line.speaker, line.text) for line in again.query(ChatLine)]
        assert ("you", "find tulip") in said
        assert any(speaker == "assistant" and "Tulip" in text for speaker, text in said)


async def test_a_resumed_session_shows_the_buy_that_f8_ran_and_what_it_answered(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    first = PannierApp(options(tmp_path, sandbox_stores, "flowers"), opener=open_session)
    async with first.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: first.session is not None, within_s=30.0)
        before = await tulips_at_the_dialog(pilot, first)
        await pilot.press("a")
        await wait_for_jobs(pilot, first, before + 1)
        then = [(line.speaker, line.text) for line in first.query(ChatLine)]
        bought = then[then.index(("you", "/buy")) + 1]
        assert bought[0] == "assistant" and "placed" in bought[1], then

    again = PannierApp(options(tmp_path, sandbox_stores, "flowers"), opener=open_session)
    async with again.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: again.session is not None, within_s=30.0)
        said = [(line.speaker, line.text) for line in again.query(ChatLine)]
        # As it happened: the search and the add, then F8's /buy and its answer.
        buy = said.index(("you", "/buy"))
        assert said[buy + 1] == bought, said
        assert said.index(("you", "find tulip")) < buy


async def test_f4_after_confirming_my_age_on_the_page_says_f8_pays_for_the_wine(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    notes: list[tuple[str, str]] = []
    app = PannierApp(options(tmp_path, sandbox_stores, "wine"), opener=open_session)

    def record_note(message: str, *, title: str = "", **_: object) -> None:
        notes.append((title, message))

    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.session is not None, within_s=30.0)
        await say(pilot, app, "find barolo")
        await say(pilot, app, f"add {handle_of(app, BAROLO)}")
        await say(pilot, app, "checkout")
        inbox = app.query_one(EscalationInbox)
        await wait_until(pilot, lambda: inbox.selected is not None)
        assert inbox.selected is not None
        # The page's primary action: tick the age box, "Confirm and return to your assistant".
        confirmed = await shopping_helpers.submit_continue_page(inbox.selected.continue_url)
        assert confirmed.status_code == 200
        app.notify = record_note  # type: ignore[method-assign]
        await press_and_wait(pilot, app, "f4")
        assert not inbox.display
        # It used to say only "Nothing needs you any more.", with the wine still to pay for.
        assert notes == [
            ("All clear", "Cellar Door Wines is ready to buy. F8 reviews the totals and pays.")
        ]
        [wine] = app.query_one(ShopPanel).states
        assert badge(wine)[0] == "ready"
