"""In the TUI: a card declined on the store's page comes back to the inbox with what to do next,
paying again from Pannier works, and `/back` counts only what still needs the shopper."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from tui_shopper import COLOMBIA, handle_of, say, wait_for_jobs, write_config
from tui_waits import wait_until

from merchants.serve import RunningStore
from tests.shopping import shopping_helpers
from tests.shopping.shopping_helpers import CARD_DECLINED, CHALLENGED_CARD, orders_at
from tui.app import PannierApp
from tui.launch import open_session
from tui.screens.confirm import ConfirmPurchase
from tui.session import LaunchOptions
from tui.widgets.inbox import EscalationInbox
from tui.widgets.shops import ShopPanel, badge

SIZE = (150, 50)


async def pay_with_f8(pilot: Pilot[None], app: PannierApp) -> None:
    """F8, then approve all in the confirmation dialog."""
    jobs = app.jobs_done
    await pilot.press("f8")
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmPurchase))
    await pilot.press("a")
    await wait_for_jobs(pilot, app, jobs + 1)


async def test_a_card_declined_on_the_page_is_not_a_dead_end_in_the_tui(
    sandbox_stores: dict[str, RunningStore], sandbox_data_dir: Path, tmp_path: Path
) -> None:
    options = LaunchOptions(
        session="declined",
        offline=True,
        config_path=write_config(tmp_path, CHALLENGED_CARD),
        data_dir=tmp_path / "data",
        merchant_urls=(sandbox_stores["coffee"].url,),
    )
    app = PannierApp(options, opener=open_session)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.session is not None, within_s=30.0)
        await say(pilot, app, "find colombia")
        await say(pilot, app, f"add {handle_of(app, COLOMBIA)}")
        before = orders_at(sandbox_data_dir, "coffee")
        await pay_with_f8(pilot, app)
        inbox = app.query_one(EscalationInbox)
        await wait_until(pilot, lambda: inbox.selected is not None)
        assert inbox.selected is not None
        page_url = inbox.selected.continue_url
        declined = await shopping_helpers.submit_continue_page(page_url, challenge="fail")
        assert "declined" in declined.text

        # F4, "I'm back": the inbox keeps the checkout, says what happened and what to do.
        jobs = app.jobs_done
        await pilot.press("f4")
        await wait_for_jobs(pilot, app, jobs + 1)
        [entry] = inbox.escalations
        [message] = entry.messages
        assert (message.content or "").startswith(CARD_DECLINED)
        assert entry.continue_url == page_url  # F2 opens it: pay on the page
        reply = await say(pilot, app, "/back")
        assert reply.startswith("1 thing needs you:") and CARD_DECLINED in reply

        # F8 tries again with the shopper's card after the dialog; the bank asks once more.
        await pay_with_f8(pilot, app)
        await wait_until(pilot, lambda: inbox.selected is not None)
        assert inbox.selected is not None
        challenge = await shopping_helpers.submit_continue_page(inbox.selected.continue_url)
        assert challenge.status_code == 200

        # Once settled, /back says so (before, it said "1 item(s) still need you").
        reply = await say(pilot, app, "/back")
        assert reply == "Nothing needs you right now."
        await wait_until(pilot, lambda: not inbox.escalations)
        [coffee] = app.query_one(ShopPanel).states
        assert badge(coffee)[0] == "placed"
    assert orders_at(sandbox_data_dir, "coffee") == before + 1
