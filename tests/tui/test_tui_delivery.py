"""Where a delivery goes, in the TUI at 80×24, against the real flower store: the shop card and the
confirmation dialog say "Deliver to …" before the shopper approves, and a pickup replaces it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from rich.console import Console, RenderableType
from tui_records import coffee_state, wine_state
from tui_shopper import TULIPS, handle_of, say, trip_of, write_config
from tui_waits import wait_until

from assistant.domain import Message, PostalAddress
from merchants.serve import RunningStore
from tui.app import PannierApp
from tui.launch import open_session
from tui.screens.confirm import ConfirmPurchase, render_merchant
from tui.session import LaunchOptions
from tui.widgets.shops import ShopCard, ShopPanel, render_card

SMALL = (80, 24)
CUPERTINO = "Deliver to 1 Infinite Loop, Cupertino, 95014, US"


def plain(renderable: RenderableType, width: int = 200) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def card_text(app: PannierApp) -> str:
    [card] = list(app.query_one(ShopPanel).query(ShopCard))
    return plain(render_card(card.state))


async def test_the_card_and_the_dialog_say_where_the_tulips_go_and_a_pickup_replaces_it(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    options = LaunchOptions(
        session="deliver",
        offline=True,
        config_path=write_config(tmp_path),
        data_dir=tmp_path / "data",
        merchant_urls=(sandbox_stores["flowers"].url,),
    )
    app = PannierApp(options, opener=open_session)
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: app.session is not None, within_s=30.0)
        await say(pilot, app, "find tulip")
        await say(pilot, app, f"add {handle_of(app, TULIPS)}")

        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmPurchase), within_s=30.0)
        dialog = app.screen
        assert isinstance(dialog, ConfirmPurchase)
        [part] = dialog.summary.merchants
        shown = plain(render_merchant(part))
        assert CUPERTINO in shown
        assert "Ada" not in shown and "Lovelace" not in shown  # the place, not the person
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmPurchase))

        await wait_until(pilot, lambda: f"→ {CUPERTINO}" in card_text(app))

        collected = await say(pilot, app, "/pickup rockridge")
        assert "Pickup at Petal & Stem — Rockridge" in collected
        assert "Deliver to" not in collected
        assert "Deliver to" not in card_text(app)
        assert "⌂ Pickup at Petal & Stem — Rockridge" in card_text(app)
        [state] = trip_of(app).state()
        assert state.delivery is None


def test_an_age_check_on_a_needs_you_card_reads_as_the_next_step_not_a_failure() -> None:
    shown = plain(render_card(wine_state()))
    assert "▸ Confirm you are 21 or older on our site." in shown
    assert "✖" not in shown


def test_a_destination_the_store_refuses_is_marked_on_the_card() -> None:
    refused = Message(
        type="error",
        code="address_undeliverable",
        severity="recoverable",
        content="Ember & Oak Roasters ships only to US.",
        path="$.fulfillment.methods[0].destinations[0]",
    )
    paris = PostalAddress(street_address="8 Rue de Rivoli", address_locality="Paris")
    state = replace(coffee_state("incomplete"), messages=[refused], delivery=paris)
    shown = plain(render_card(state))
    assert "✖ Cannot deliver to 8 Rue de Rivoli, Paris" in shown
    assert "→ Deliver to" not in shown


def test_a_long_notice_wraps_under_its_words_so_each_mark_still_starts_an_item() -> None:
    shown = plain(render_card(coffee_state()), width=34).splitlines()
    deliver = next(i for i, row in enumerate(shown) if row.startswith("→ Deliver to"))
    assert shown[deliver + 1].startswith("  ") and "Cupertino" in shown[deliver + 1], shown
    wine = plain(render_card(wine_state()), width=30).splitlines()
    [start] = [i for i, row in enumerate(wine) if row.startswith("▸ Confirm you")]
    assert wine[start + 1].startswith("  ") and wine[start + 1].strip(), wine
