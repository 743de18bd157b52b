"""What a new shopper trips on in the TUI (a tmux pass at 80x24 and 160x45): keys they cannot
see, a quit hint in markup, a chat that loses its place on resize, a Needs-you panel without
its keys, and a confirmation that hides a second shop at 160x45."""

from __future__ import annotations

from textual.widgets import Footer
from textual.widgets._footer import FooterKey
from tui_records import FLOWERS, FakeTrip, fake_opener, order, summary, wine_escalation
from tui_shopper import say
from tui_waits import wait_until

from assistant.events import EscalationRaised
from tui.app import PannierApp
from tui.messages import CoreEventArrived
from tui.screens.confirm import ConfirmPurchase
from tui.widgets.chat import ChatLine, ChatPane, HistoryInput
from tui.widgets.inbox import EscalationInbox, render_escalation
from tui.widgets.orders import OrdersView

SMALL, LARGE = (80, 24), (160, 45)


def footer_keys(app: PannierApp) -> dict[str, FooterKey]:
    """The footer's keys by what they say ("Pay"), each with its place on screen."""
    return {key.description: key for key in app.screen.query_one(Footer).query(FooterKey)}


async def test_at_80x24_the_footer_shows_pay_and_quit_and_page_keys_only_when_needed() -> None:
    trip = FakeTrip()
    trip.open_escalations = []
    app = PannierApp(opener=fake_opener(trip))
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        # F8 and Ctrl+Q were cut off behind F2-F7 at 80 columns ("f7 Chec▏^p palette").
        await wait_until(pilot, lambda: "Pay" in footer_keys(app))
        keys = footer_keys(app)
        for name in ("Pay", "Checkout", "Orders", "Quit"):
            assert name in keys and keys[name].region.right <= SMALL[0], (name, list(keys))
        assert "Open page" not in keys and "I'm back" not in keys  # nothing needs you yet

        app.post_message(CoreEventArrived(EscalationRaised(wine_escalation())))
        await wait_until(pilot, lambda: "Open page" in footer_keys(app))
        keys = footer_keys(app)
        for name in ("Open page", "I'm back", "Pay", "Quit"):
            assert keys[name].region.right <= SMALL[0], (name, keys[name].region)


async def test_ctrl_c_says_how_to_quit_in_plain_words_not_markup() -> None:
    app = PannierApp(opener=fake_opener(FakeTrip()))
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: bool(app._notifications))
        [toast] = list(app._notifications)
        assert "[b]" not in toast.message and "Ctrl+Q" in toast.message, toast.message


async def test_help_lists_the_keys_after_the_commands() -> None:
    app = PannierApp(opener=fake_opener(FakeTrip()))
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        reply = await say(pilot, app, "/help")
        commands, keys = reply.split("\nKeys:\n")
        assert commands.startswith("Commands: /search QUERY")
        for key in ("F8 pay", "F7 check out", "F2 open", "F3 copy", "F4 I'm back", "F5 show"):
            assert key in keys, key
        assert "Ctrl+Q quit (your basket is kept for next time)" in keys


async def test_after_a_resize_the_chat_still_shows_the_newest_line() -> None:
    app = PannierApp(opener=fake_opener(FakeTrip()))
    async with app.run_test(size=LARGE) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        chat = app.query_one(ChatPane)
        for index in range(30):
            chat.add_line("system", f"line {index}: " + "a reply long enough to wrap " * 3)
        transcript = chat.transcript
        await wait_until(pilot, lambda: 0 < transcript.max_scroll_y == transcript.scroll_y)
        await pilot.resize_terminal(*SMALL)  # rows wrap taller: the end moves further down
        await wait_until(pilot, lambda: transcript.size.width < 60)
        # It stayed where it was, on older lines, when nothing kept it at the end.
        await wait_until(pilot, lambda: transcript.scroll_y == transcript.max_scroll_y > 0)
        await pilot.press("pageup")  # scrolling up still reads back
        await wait_until(pilot, lambda: transcript.scroll_y < transcript.max_scroll_y)


async def test_the_needs_you_panel_shows_its_keys_and_says_no_jargon() -> None:
    app = PannierApp(opener=fake_opener(FakeTrip()))
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        app.post_message(CoreEventArrived(EscalationRaised(wine_escalation())))
        inbox = app.query_one(EscalationInbox)
        await wait_until(pilot, lambda: inbox.display)
        assert inbox.border_subtitle == "F2 open the page · F4 I'm back"
        first_line = render_escalation(wine_escalation()).renderables[0]
        assert str(first_line) == "Cellar Door Wines"  # it read "Cellar Door Wines  open"


async def test_at_160x45_the_confirmation_shows_every_row_of_both_shops_without_scrolling() -> None:
    two_shops = summary()
    assert len(two_shops.merchants) == 2
    app = PannierApp(opener=fake_opener(FakeTrip()))
    async with app.run_test(size=LARGE) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        app.push_screen(ConfirmPurchase(two_shops))
        await pilot.pause()
        items = app.screen.query_one("#confirm-merchants")
        await wait_until(pilot, lambda: items.virtual_size.height > 0)
        # 45vh held 20 of its rows: the second shop's last rows were below the fold.
        await wait_until(pilot, lambda: items.max_scroll_y == 0)
        for selector in ("#confirm-footer", "#pay-selected", "#decline"):
            assert app.screen.query_one(selector).region.bottom <= LARGE[1], selector


async def test_the_first_line_says_what_to_type_and_where_the_keys_are() -> None:
    app = PannierApp(opener=fake_opener(FakeTrip()))
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await wait_until(pilot, lambda: bool(app.query_one(ChatPane).transcript.query(ChatLine)))
        first = app.query_one(ChatPane).transcript.query(ChatLine).last().text
        assert first.startswith("Shopping at Petal & Stem, Ember & Oak Roasters"), first
        assert '"red roses"' in first and "/help lists the keys" in first, first


async def test_f5_shows_the_orders_and_f5_again_gives_their_rows_back_to_the_shops() -> None:
    trip = FakeTrip()
    trip.placed = [order(FLOWERS, "ord_1", 6193)]
    app = PannierApp(opener=fake_opener(trip))
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        view = app.query_one(OrdersView)
        await pilot.press("f5")
        await wait_until(pilot, lambda: view.display and bool(view.orders))
        await pilot.press("f5")
        await wait_until(pilot, lambda: not view.display)
        await pilot.press("f5")  # and back, asking the stores again
        await wait_until(pilot, lambda: view.display)


async def test_typing_after_tab_moved_the_focus_away_goes_to_the_prompt() -> None:
    app = PannierApp(opener=fake_opener(FakeTrip()))
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await pilot.press("tab")  # to the shops: the letters after it were lost
        assert app.focused is not None and app.focused.id == "shops"
        await pilot.press("h", "i")
        prompt = app.query_one(HistoryInput)
        await wait_until(pilot, lambda: prompt.value == "hi")
        assert app.focused is prompt

        app.push_screen(ConfirmPurchase(summary()))
        await pilot.pause()
        await pilot.press("x")  # the confirmation keeps its keys; nothing leaks to the prompt
        assert prompt.value == "hi" and isinstance(app.screen, ConfirmPurchase)


async def test_the_confirmation_names_its_own_keys_and_keeps_its_buttons_whole_at_80x24() -> None:
    app = PannierApp(opener=fake_opener(FakeTrip()))
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        app.push_screen(ConfirmPurchase(summary()))
        await wait_until(pilot, lambda: "Approve all" in footer_keys(app))
        # The footer below said "f8 Pay", "f7 Checkout"…, keys that do nothing in the dialog.
        keys = footer_keys(app)
        assert set(keys) == {"Cancel (charge nothing)", "Approve all", "Pay selected"}
        assert all(key.region.right <= SMALL[0] for key in keys.values())
        dialog = app.screen.query_one("#confirm-dialog")
        buttons = app.screen.query_one("#confirm-buttons")

        def within_its_border() -> bool:  # not under the dialog's bottom border
            return dialog.region.shrink(dialog.styles.gutter).contains_region(buttons.region)

        await wait_until(pilot, within_its_border)
