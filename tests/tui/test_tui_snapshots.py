"""Snapshots of the key screens at the three sizes people run terminals at (80×24, 100×30,
160×45), from static records (no ports, no clocks)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Input
from tui_records import COFFEE, FLOWERS, FakeTrip, fake_opener, order, summary
from tui_waits import wait_until

from assistant.domain import Message
from assistant.events import MessageAutoResolved, OrderPlaced, ProtocolCalled, ToolStarted
from tui.app import PannierApp
from tui.messages import CoreEventArrived
from tui.screens.confirm import ConfirmPurchase
from tui.widgets.chat import HistoryInput

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((100, 30), id="100x30")]
SIZES.append(pytest.param((160, 45), id="160x45"))
SnapCompare = Callable[..., bool]


async def _opened(pilot: Pilot[None]) -> None:
    """Wait until the session is on screen, then freeze what moves (as posting does)."""
    app = pilot.app
    assert isinstance(app, PannierApp)
    prompt = app.query_one(HistoryInput)
    await wait_until(pilot, lambda: app.session is not None and not prompt.disabled)
    for field in app.query(Input):
        field.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_three_shops_with_one_escalation(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    app = PannierApp(opener=fake_opener(FakeTrip()))
    assert snap_compare(app, terminal_size=size, run_before=_opened)


@pytest.mark.parametrize("size", SIZES)
def test_confirmation_modal_keeps_total_limits_and_buttons_on_screen(
    snap_compare: SnapCompare, size: tuple[int, int]
) -> None:
    app = PannierApp(opener=fake_opener(FakeTrip()))

    async def run_before(pilot: Pilot[None]) -> None:
        await _opened(pilot)
        app.push_screen(ConfirmPurchase(summary()))
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_orders_and_protocol_log(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    app = PannierApp(opener=fake_opener(FakeTrip()))

    async def run_before(pilot: Pilot[None]) -> None:
        await _opened(pilot)
        for event in (
            ToolStarted("search_products", {"query": "tulip"}),
            ProtocolCalled(FLOWERS, "search_catalog", "mcp", 12.3, "ok"),
            MessageAutoResolved(
                FLOWERS, Message(type="error", content="choose delivery"), "picked Standard"
            ),
            ProtocolCalled(COFFEE, "complete_checkout", "rest", 48.0, "ok"),
            OrderPlaced(order(COFFEE, "EO-1001", 3999)),
        ):
            app.post_message(CoreEventArrived(event))
        await pilot.pause()
        await pilot.press("f6")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)
