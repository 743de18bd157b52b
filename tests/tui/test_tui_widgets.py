"""The app renders static trip records: cards, badges, disclosures, inbox, modal, log."""

from __future__ import annotations

import io

from rich.console import Console
from textual.binding import Binding
from tui_records import (
    COFFEE,
    FLOWERS,
    FakeTrip,
    fake_opener,
    flowers_state,
    order,
    summary,
    wine_escalation,
)
from tui_waits import wait_until

from assistant.domain import Approval
from assistant.domain.accounts import PastOrder, StoreAccount
from assistant.errors import ConfigError
from assistant.events import CartUpdated, EscalationRaised, OrderPlaced, ProtocolCalled, TextDelta
from tui.app import PannierApp
from tui.messages import CoreEventArrived, OrdersLoaded
from tui.screens.confirm import ConfirmPurchase
from tui.session import Session
from tui.widgets.chat import ChatPane, HistoryInput
from tui.widgets.inbox import EscalationInbox
from tui.widgets.orders import OrdersView
from tui.widgets.protocol_log import ProtocolLog, log_line
from tui.widgets.shops import ShopPanel, badge

SIZE = (140, 45)


async def test_opening_a_trip_shows_one_card_per_shop_and_the_inbox() -> None:
    trip = FakeTrip()
    app = PannierApp(opener=fake_opener(trip))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        shops = app.query_one(ShopPanel)
        assert [badge(s)[0] for s in shops.states] == ["ready", "ready", "needs you"]
        inbox = app.query_one(EscalationInbox)
        assert inbox.display and inbox.selected == wine_escalation()
        assert app.sub_title == "session demo · offline planner"
        assert not app.query_one(HistoryInput).disabled
    assert trip.closed


async def test_events_update_cards_stream_text_and_log_protocol_calls() -> None:
    app = PannierApp(opener=None)
    async with app.run_test(size=SIZE) as pilot:
        app.post_message(CoreEventArrived(CartUpdated(flowers_state(status=None))))
        app.post_message(CoreEventArrived(TextDelta("Found ")))
        app.post_message(CoreEventArrived(TextDelta("tulips.")))
        app.post_message(
            CoreEventArrived(ProtocolCalled(FLOWERS, "search_catalog", "mcp", 12.5, "ok"))
        )
        app.post_message(CoreEventArrived(EscalationRaised(wine_escalation())))
        app.post_message(CoreEventArrived(OrderPlaced(order(COFFEE, "EO-1001", 3999))))
        await pilot.pause()
        assert badge(app.query_one(ShopPanel).states[0])[0] == "cart"
        assert app.query_one(ChatPane).transcript.children[-1].text == "Found tulips."  # type: ignore[attr-defined]
        assert app.query_one(ProtocolLog).lines_logged == 1
        assert app.query_one(EscalationInbox).selected == wine_escalation()
        assert [o.order_id for o in app.query_one(OrdersView).orders] == ["EO-1001"]
        await pilot.press("f6")
        assert app.query_one(ProtocolLog).display


def test_the_protocol_log_names_a_store_by_its_display_name_not_its_host() -> None:
    line = log_line(ProtocolCalled(COFFEE, "get_checkout", "mcp", 3.0, "ok"))
    assert line is not None and line.plain.startswith("Ember & Oak Roasters   get_checkout")


async def test_open_and_copy_keys_use_the_escalation_url() -> None:
    opened: list[str] = []
    app = PannierApp(opener=None)

    def record_url(url: str, *, new_tab: bool = True) -> None:
        opened.append(url)

    async with app.run_test(size=SIZE) as pilot:
        app.open_url = record_url  # type: ignore[method-assign]
        app.browser_available = lambda: True  # type: ignore[method-assign]
        app.post_message(CoreEventArrived(EscalationRaised(wine_escalation())))
        await pilot.pause()
        await pilot.press("f2", "f3")
        assert opened == [wine_escalation().continue_url]
        assert app.clipboard == wine_escalation().continue_url


async def test_confirmation_modal_approves_one_merchant_at_a_time() -> None:
    app = PannierApp(opener=None)
    answers: list[Approval | None] = []
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ConfirmPurchase(summary()), callback=answers.append)
        await pilot.pause()
        await pilot.press("space", "p")
        await pilot.pause()
    assert answers == [summary().approve({"flowers.sandbox"})]


async def test_escape_in_the_confirmation_modal_declines_everything() -> None:
    app = PannierApp(opener=None)
    answers: list[Approval | None] = []
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ConfirmPurchase(summary()), callback=answers.append)
        await pilot.pause()
        await pilot.press("space", "escape")
        await pilot.pause()
    assert answers == [Approval.declined()]


async def test_declined_modal_places_no_order() -> None:
    trip = FakeTrip()
    app = PannierApp(opener=fake_opener(trip))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmPurchase))
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.busy == 0)
    assert trip.placed == []


async def test_a_failure_to_open_the_trip_is_a_titled_notification_not_a_traceback() -> None:
    async def broken(options: object) -> Session:
        raise ConfigError("/tmp/x.toml: key 'limits.per_order': not a number")

    app = PannierApp(opener=broken)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: bool(app._notifications))
        (note,) = list(app._notifications)
        assert note.title == "Configuration problem" and "limits.per_order" in note.message
        assert app.sub_title == "not connected"
        assert app.query_one(HistoryInput).disabled


async def test_every_action_is_in_the_command_palette() -> None:
    app = PannierApp(opener=None)
    async with app.run_test(size=SIZE):
        titles = {command.title for command in app.get_system_commands(app.screen)}
    bound = {binding.action for binding in PannierApp.BINDINGS if isinstance(binding, Binding)}
    assert len(bound - {"quit"}) == 7
    assert not any("escalation" in title.lower() for title in titles)  # the shopper's words
    assert {
        "Open the store's page",
        "Copy the store page's link",
        "I'm back",
        "Orders",
        "Toggle protocol log",
        "Check out",
        "Pay",
    } <= titles


async def test_the_orders_view_shows_a_linked_accounts_earlier_orders() -> None:
    history = StoreAccount(
        store="Petal & Stem",
        origin="http://127.0.0.1:8710",
        holder="Ada Lovelace",
        orders=[
            PastOrder(
                label="PS-7356",
                placed_on="2026-07-14",
                status="delivered",
                currency="USD",
                total=3900,
            )
        ],
    )
    app = PannierApp(opener=None)
    async with app.run_test(size=SIZE) as pilot:
        app.post_message(OrdersLoaded([], [history]))
        await pilot.pause()
        view = app.query_one(OrdersView)
        assert view.display
        console = Console(width=120, record=True, file=io.StringIO())
        console.print(view.content)
        shown = console.export_text()
        assert "Earlier, at your linked accounts" in shown
        assert "Petal & Stem · PS-7356" in shown and "USD 39.00" in shown
