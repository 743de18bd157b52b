"""What a new shopper sees first and at small sizes: every shop listed, a modal that keeps its
total and buttons on screen, words instead of colours, honest links, a chat that scrolls."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console
from rich.text import Text
from textual.geometry import Region
from textual.widgets._header import HeaderTitle
from tui_records import (
    COFFEE,
    FLOWERS,
    WINE,
    FakeTrip,
    fake_opener,
    flowers_state,
    order,
    summary,
    wine_escalation,
    wine_state,
)
from tui_shopper import say, write_config
from tui_waits import wait_until

from assistant.domain import MerchantRef, Money, Total
from assistant.events import EscalationRaised
from merchants.serve import RunningStore
from tui.app import PannierApp
from tui.launch import open_session
from tui.messages import CoreEventArrived
from tui.screens.confirm import ConfirmPurchase, limits_line
from tui.session import LaunchOptions
from tui.widgets.chat import ChatPane, HistoryInput, hanging
from tui.widgets.orders import OrdersView
from tui.widgets.shops import ShopCard, ShopPanel, badge, render_card

SMALL = (80, 24)
VOLTLINE = MerchantRef("volt.sandbox", "Voltline Electronics", "http://volt.sandbox")


def plain(renderable: object, width: int = 60) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


async def test_every_shop_is_listed_from_the_start_even_without_a_cart() -> None:
    trip = FakeTrip()
    trip.merchants = [FLOWERS, COFFEE, WINE, VOLTLINE]
    app = PannierApp(opener=fake_opener(trip))
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        states = app.query_one(ShopPanel).states
        assert [s.merchant.name for s in states] == [m.name for m in trip.merchants]
        assert badge(states[-1])[0] == "open"
        assert "no cart yet" in plain(render_card(states[-1]))


def card_lines(card: ShopCard) -> list[str]:
    """What the card draws on screen, line by line."""
    strips = card.render_lines(Region(0, 0, card.size.width, card.size.height))
    return [strip.text.strip() for strip in strips]


async def test_at_80x24_a_shop_without_a_cart_shows_its_name_and_no_cart_yet_whole() -> None:
    trip = FakeTrip()
    trip.merchants, trip.states = [FLOWERS, COFFEE, WINE], []
    app = PannierApp(opener=fake_opener(trip))
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        panel = app.query_one(ShopPanel)
        coffee = panel.card(COFFEE.domain)
        await wait_until(pilot, lambda: coffee.size.height > 0)
        assert card_lines(coffee) == ["Ember & Oak Roasters  no cart yet"]
        # Two full cards: the panel scrolls, its scrollbar narrows the idle line below the name.
        panel.show(flowers_state())
        panel.show(wine_state())
        await wait_until(pilot, lambda: panel.max_scroll_y > 0 and coffee.size.height == 2)
        assert card_lines(coffee) == ["Ember & Oak Roasters", "no cart yet"]


async def test_a_shop_that_did_not_answer_is_listed_as_unavailable_with_the_reason() -> None:
    trip = FakeTrip()
    trip.unreachable = [(VOLTLINE, "connection failed (ConnectError)")]  # type: ignore[attr-defined]
    app = PannierApp(opener=fake_opener(trip))
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        (volt,) = [s for s in app.query_one(ShopPanel).states if s.merchant == VOLTLINE]
        assert badge(volt)[0] == "unavailable"
        assert "connection failed" in plain(render_card(volt))


async def test_at_80x24_the_confirmation_keeps_its_total_limits_and_buttons_on_screen() -> None:
    app = PannierApp(opener=fake_opener(FakeTrip()))
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        app.push_screen(ConfirmPurchase(summary()))
        await pilot.pause()
        screen = app.screen
        for selector in ("#confirm-footer", "#pay-selected", "#approve-all", "#decline"):
            region = screen.query_one(selector).region
            assert region.height > 0 and region.bottom <= SMALL[1], selector
        items = screen.query_one("#confirm-merchants")
        assert items.max_scroll_y > 0  # the items scroll instead of pushing the buttons away


async def test_a_ticked_shop_says_so_in_words_not_only_in_colour() -> None:
    app = PannierApp(opener=fake_opener(FakeTrip()))
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        app.push_screen(ConfirmPurchase(summary()))
        await pilot.pause()
        first = app.screen.query_one("#approve-0")
        assert str(first.render()).startswith("▐ ▌ skip  "), str(first.render())
        # The box is empty until ticked: Textual's X in an unticked box read as ticked.
        assert str(first.render()).startswith("▐ ▌"), str(first.render())
        await pilot.press("space")
        row = str(first.render())
        assert row.startswith("▐✓▌ pay  "), row
        assert row.count("✓") == 1, row  # one mark: "▐✓▌ ✓ pay" read as a doubled tick


def test_the_limits_line_reads_like_a_sentence() -> None:
    usd, eur = Money(amount=50000, currency="USD"), Money(amount=50000, currency="EUR")
    limits = {"per_order:USD": usd, "per_order:EUR": eur, "per_session:USD": usd}
    line = limits_line(replace(summary(), limits=limits))
    assert line == f"per order {usd.format()} · {eur.format()}; per session {usd.format()}"
    assert line.count("USD") == 2  # never "per order:USD USD 500.00"


def test_a_wrapped_line_title_keeps_a_space_before_its_price_on_a_narrow_card() -> None:
    # At 80x24 with the shops panel scrolling, a card is ~32 cells: the title wraps and its first
    # line ran into the price ("2 × Cold Brew PitcherUSD 32.00").
    state = flowers_state()
    for width in range(24, 41):
        text = plain(render_card(state), width=width)
        priced = [row for row in text.splitlines() if "USD" in row]
        assert priced and all(re.search(r"\s-?USD \d", row) for row in priced), text


def test_a_listed_result_that_wraps_at_80_columns_continues_under_its_own_words() -> None:
    # The chat pane is ~38 cells at 80x24: a result's price and store wrapped to the left edge,
    # under the numbers, and the list no longer read as a list.
    reply = (
        "Found 2 products (page 1):\n"
        "  1. Monthly Flower Subscription (Petite) — USD 55.00 — Petal & Stem\n"
        "       also: Petite / Glass vase, Classic / No vase, Classic / Glass vase\n"
        "  2. Hydrangea Cloud (Petite) — USD 52.00 — Petal & Stem\n"
        'Say "add 1" or "more" for the next page.'
    )
    rows = [row.rstrip() for row in plain(hanging(Text("pannier "), reply), 38).splitlines()]
    assert rows == [
        "pannier Found 2 products (page 1):",
        "  1. Monthly Flower Subscription",
        "     (Petite) — USD 55.00 — Petal &",
        "     Stem",
        "       also: Petite / Glass vase,",
        "             Classic / No vase,",
        "             Classic / Glass vase",
        "  2. Hydrangea Cloud (Petite) — USD",
        "     52.00 — Petal & Stem",
        'Say "add 1" or "more" for the next',
        "page.",
    ]


def test_a_store_page_link_in_a_wrapped_reply_is_shown_whole() -> None:
    url = "http://127.0.0.1:8713/checkout/chk_5a47c0bc975bcd171de5?utm_source=pannier"
    reply = f"Cellar Door Wines: needs you — 1 item\n    → needs you: {url}"
    rows = plain(hanging(Text("pannier "), reply), 38).splitlines()
    assert "…" not in "".join(rows)
    assert rows[2].strip() == "→ needs you:"
    assert "".join(row.strip() for row in rows[3:]) == url, rows  # folded, never cut


def test_a_zero_tax_line_is_not_shown_but_every_other_line_is() -> None:
    state = flowers_state()
    totals = [*state.totals, Total(type="tax", amount=0, display_text="VAT (included)")]
    text = plain(render_card(replace(state, totals=totals)))
    assert "VAT (included)" not in text and "Sales tax (6%)" in text


async def test_f2_without_a_browser_shows_the_link_instead_of_claiming_it_opened() -> None:
    opened: list[str] = []
    notes: list[tuple[str, str]] = []
    app = PannierApp(opener=None)

    def record_url(url: str, *, new_tab: bool = True) -> None:
        opened.append(url)

    def record_note(message: str, *, title: str = "", **_: object) -> None:
        notes.append((title, message))

    async with app.run_test(size=SMALL) as pilot:
        app.browser_available = lambda: False  # type: ignore[method-assign]
        app.open_url = record_url  # type: ignore[method-assign]
        app.notify = record_note  # type: ignore[method-assign]
        app.post_message(CoreEventArrived(EscalationRaised(wine_escalation())))
        await pilot.pause()
        notes.clear()  # the escalation's own "Action needed" note
        await pilot.press("f2")
    assert opened == []
    ((title, message),) = notes
    assert "yourself" in title and wine_escalation().continue_url in message


async def test_page_up_scrolls_the_chat_while_the_input_keeps_focus() -> None:
    app = PannierApp(opener=fake_opener(FakeTrip()))
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        chat = app.query_one(ChatPane)
        for index in range(40):
            chat.add_line("system", f"line {index}")
        transcript = chat.transcript
        # Layout and the scroll to the newest line settle over a few refreshes: wait for them.
        await wait_until(pilot, lambda: 0 < transcript.max_scroll_y == transcript.scroll_y)
        assert app.focused is not None and app.focused.id == "prompt"
        bottom = transcript.scroll_y
        await pilot.press("pageup")
        await wait_until(pilot, lambda: transcript.scroll_y < bottom)
        assert app.focused.id == "prompt"
        await pilot.press("ctrl+home")
        await wait_until(pilot, lambda: transcript.scroll_y == 0)
        await pilot.press("ctrl+end")
        await wait_until(pilot, lambda: transcript.scroll_y == transcript.max_scroll_y > 0)


async def test_at_80x24_an_orders_id_and_link_are_shown_whole_not_cut_off() -> None:
    trip = FakeTrip()
    placed = order(FLOWERS, "ord_d8e2f2a9977fd0a7eec8", 6193)
    link = f"{placed.permalink_url}?utm_source=pannier&utm_medium=agentic_commerce"
    trip.placed = [replace(placed, permalink_url=link)]
    app = PannierApp(opener=fake_opener(trip))
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        await pilot.press("f5")
        view = app.query_one(OrdersView)
        await wait_until(pilot, lambda: view.display and bool(view.orders))
        await pilot.pause()
        width = view.content_region.width
        assert width < len(link)  # the shops column is narrow at 80 columns: the link must fold
        shown = plain(view.table(), width=width)
        assert "ord_d8e2f2a9977fd0a7eec8" in shown and "…" not in shown, shown
        assert link in "".join(line.strip() for line in shown.splitlines()), shown


async def test_a_mistyped_command_is_answered_in_words_not_with_a_python_error() -> None:
    app = PannierApp(opener=fake_opener(FakeTrip()))
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        lots = await say(pilot, app, "/qty 1 lots")
        assert '"lots" is not a number of items' in lots and "/qty 1 2" in lots, lots
        assert "Error" not in lots and "int()" not in lots, lots
        unknown = await say(pilot, app, "/frobnicate 3")
        assert unknown.startswith("There is no /frobnicate command."), unknown
        bare = await say(pilot, app, "/add")
        assert bare.startswith("Say it as /add REF [QTY]."), bare


async def test_at_80x24_the_header_and_the_prompt_say_what_they_say_whole(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    options = LaunchOptions(
        session="new",
        offline=False,  # no key: the header says why the offline planner drives
        config_path=write_config(tmp_path),
        data_dir=tmp_path / "data",
        merchant_urls=(sandbox_stores["flowers"].url,),
    )
    app = PannierApp(options, opener=open_session)
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: app.session is not None, within_s=30.0)
        assert app.sub_title == "session new · offline planner (no API key)"
        header = app.query_one(HeaderTitle)
        assert header.content_region.width >= len(f"{app.title} — {app.sub_title}")
        prompt = app.query_one(HistoryInput)
        await wait_until(pilot, lambda: not prompt.disabled)
        assert prompt.placeholder == "What are you looking for? (/help)"
        assert len(prompt.placeholder) <= prompt.content_region.width
