"""The escalation inbox is re-checked on a timer, in a worker, never while another job runs."""

from __future__ import annotations

from pathlib import Path

from tui_records import FakeTrip, fake_opener
from tui_shopper import BAROLO, handle_of, say, submit_continue_page, write_config
from tui_waits import wait_until

from assistant.events import EscalationCleared, OrderPlaced
from merchants.serve import RunningStore
from tui.app import PannierApp
from tui.launch import open_session
from tui.messages import CoreEventArrived, EscalationsChecked
from tui.session import LaunchOptions
from tui.widgets.inbox import EscalationInbox
from tui.widgets.shops import ShopPanel, badge

SIZE = (150, 50)


async def test_an_escalation_settled_on_the_store_page_is_placed_without_pressing_im_back(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    seen: list[object] = []
    options = LaunchOptions(
        session="timer",
        offline=True,
        config_path=write_config(tmp_path, "\n[policy]\nescalation_recheck_s = 0.05\n"),
        data_dir=tmp_path / "data",
        merchant_urls=(sandbox_stores["wine"].url,),
    )
    app = PannierApp(options, opener=open_session)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await wait_until(pilot, lambda: app.session is not None, within_s=30.0)
        await say(pilot, app, "find barolo")
        await say(pilot, app, f"add {handle_of(app, BAROLO)}")
        await say(pilot, app, "checkout")
        inbox = app.query_one(EscalationInbox)
        escalation = inbox.selected
        assert escalation is not None
        # The timer keeps re-checking; nothing has changed at the store yet.
        await wait_until(
            pilot, lambda: any(isinstance(m, EscalationsChecked) and m.by_timer for m in seen)
        )
        assert inbox.escalations == [escalation]
        jobs_before = app.jobs_done

        assert await submit_continue_page(escalation.continue_url) == 200
        shops = app.query_one(ShopPanel)
        await wait_until(
            pilot, lambda: badge(shops.card(escalation.merchant.domain).state)[0] == "placed"
        )
        assert not inbox.display and inbox.escalations == []
        assert app.jobs_done == jobs_before  # no shopper job ran: the timer did it

    relayed = [m.event for m in seen if isinstance(m, CoreEventArrived)]
    assert len([e for e in relayed if isinstance(e, OrderPlaced)]) == 1
    assert [e.escalation.state for e in relayed if isinstance(e, EscalationCleared)] == ["resolved"]


async def test_a_tick_is_skipped_while_another_job_holds_the_trip() -> None:
    trip = FakeTrip()
    app = PannierApp(opener=fake_opener(trip))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        assert app.query_one(EscalationInbox).escalations

        async with app.trip_lock:
            assert app.recheck_if_waiting() is None
        assert trip.rechecks == 0

        worker = app.recheck_if_waiting()
        assert worker is not None
        assert app.recheck_if_waiting() is None  # the last re-check is still unfinished
        await worker.wait()
        assert trip.rechecks == 1


async def test_no_tick_rechecks_an_empty_inbox() -> None:
    trip = FakeTrip()
    trip.open_escalations = []
    app = PannierApp(opener=fake_opener(trip))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        assert app.recheck_if_waiting() is None
    assert trip.rechecks == 0


async def test_the_recheck_timer_stops_when_the_app_closes() -> None:
    trip = FakeTrip()
    app = PannierApp(opener=fake_opener(trip, escalation_recheck_s=0.01))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: trip.rechecks >= 2)  # ticking
        timer = app.recheck_timer
        assert timer is not None
    assert trip.closed
    # Stopped, not merely outlived: Textual clears a timer's task when it is stopped.
    assert timer._task is None
