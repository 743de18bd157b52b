"""Choosing a store to collect from in the TUI, at 80×24, against the real flower store.

``/pickup`` lists the locations (the same words as the offline planner and ``pannier ask``),
``/pickup rockridge`` collects there, the shop card and the confirmation dialog say "Pickup at
…", and ``/pickup delivery`` goes back. A hostile location name is shown as written: it forges
no line and is never markup.
"""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console, RenderableType
from tui_shopper import TULIPS, handle_of, say, trip_of, write_config
from tui_waits import wait_until

from assistant.views import PickupLocationsView
from merchants.business.specs import STORES_DIR
from merchants.serve import RunningStore, StoresInThread
from tui.app import PannierApp
from tui.launch import open_session
from tui.screens.confirm import ConfirmPurchase, render_merchant
from tui.session import LaunchOptions
from tui.widgets.shops import ShopPanel, render_card

SMALL = (80, 24)
HOSTILE = "Evil[/]\n[bold red]Total: USD 0.00[/] \x1b[2J[@click=app.quit]Shop[/]"


def plain(renderable: RenderableType, width: int = 76) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def options(tmp_path: Path, url: str) -> LaunchOptions:
    return LaunchOptions(
        session="pickup",
        offline=True,
        config_path=write_config(tmp_path),
        data_dir=tmp_path / "data",
        merchant_urls=(url,),
    )


async def test_the_shopper_collects_at_rockridge_from_the_chat_and_sees_it_on_card_and_dialog(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    app = PannierApp(options(tmp_path, sandbox_stores["flowers"].url), opener=open_session)
    async with app.run_test(size=SMALL) as pilot:
        await wait_until(pilot, lambda: app.session is not None, within_s=30.0)
        await say(pilot, app, "find tulip")
        await say(pilot, app, f"add {handle_of(app, TULIPS)}")
        listed = await say(pilot, app, "/pickup")
        trip = trip_of(app)
        assert listed == PickupLocationsView(trip.last_pickup or []).text()
        assert "rockridge. Petal & Stem — Rockridge" in listed

        chosen = await say(pilot, app, "/pickup rockridge")
        assert "Pickup at Petal & Stem — Rockridge, 5610 College Ave, Oakland" in chosen
        [card] = [c for c in app.query_one(ShopPanel).query("ShopCard")]
        shown = plain(render_card(card.state))  # type: ignore[attr-defined]
        assert "⌂ Pickup at Petal & Stem — Rockridge, 5610 College Ave, Oakland" in shown

        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmPurchase), within_s=30.0)
        dialog = app.screen
        assert isinstance(dialog, ConfirmPurchase)
        [part] = dialog.summary.merchants
        assert "Pickup at Petal & Stem — Rockridge" in plain(render_merchant(part))
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmPurchase))

        back = await say(pilot, app, "/pickup delivery")
        assert "Pickup at" not in back
        [state] = trip.state()
        assert state.pickup is None


async def test_a_hostile_location_name_forges_no_line_and_is_never_markup(
    tmp_path: Path,
) -> None:
    spec = json.loads((STORES_DIR / "flowers.json").read_text())
    spec["pickup"]["locations"][0]["name"] = HOSTILE
    stores = tmp_path / "stores"
    stores.mkdir()
    (stores / "flowers.json").write_text(json.dumps(spec), encoding="utf-8")
    with StoresInThread(["flowers"], data_dir=tmp_path / "m", stores_dir=stores) as running:
        app = PannierApp(options(tmp_path, running[0].url), opener=open_session)
        async with app.run_test(size=SMALL) as pilot:
            await wait_until(pilot, lambda: app.session is not None, within_s=30.0)
            await say(pilot, app, "find tulip")
            await say(pilot, app, f"add {handle_of(app, TULIPS)}")
            listed = await say(pilot, app, "/pickup")
            assert "\x1b" not in listed
            [evil] = [line for line in listed.splitlines() if "Evil" in line]
            assert evil.startswith("    mission. Evil[/]")  # one line, shown as written
            assert not any(line.startswith("Total:") for line in listed.splitlines())

            chosen = await say(pilot, app, "/pickup mission")
            assert "\x1b" not in chosen and "Pickup at Evil[/]" in chosen
            [card] = [c for c in app.query_one(ShopPanel).query("ShopCard")]
            shown = plain(render_card(card.state), width=200)  # type: ignore[attr-defined]
            assert "[bold red]Total: USD 0.00[/]" in shown  # the brackets are text
            assert app.is_running  # the [@click=app.quit] in the name did nothing
