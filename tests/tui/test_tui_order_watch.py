"""In the TUI: an order whose store sends no webhook is polled in the background, and its news
shows in the orders view's timeline and as a line in the chat, while the shopper keeps typing."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx2
from rich.console import Console
from tui_shopper import say, trip_of, tulips_at_the_dialog, wait_for_jobs, write_config
from tui_waits import wait_until

from assistant.events import ProtocolCalled
from merchants.serve import RunningStore
from tui.app import PannierApp
from tui.jobs import ORDER_WATCH_GROUP
from tui.launch import open_session
from tui.session import LaunchOptions
from tui.widgets.chat import ChatLine, ChatPane
from tui.widgets.orders import OrdersView

SIZE = (150, 50)
# Polls within a fraction of a second, so the test waits on what it sees, not on a clock.
QUICK_POLLS = "[policy]\norder_poll_first_s = 0.05\norder_poll_longest_s = 0.2\n"


async def _advance_silently(store: RunningStore, order_id: str, step: str) -> dict[str, Any]:
    async with httpx2.AsyncClient() as http:
        answer = await http.post(
            f"{store.url}/sandbox/orders/{order_id}/advance", json={"to": step, "webhook": False}
        )
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _rendered(orders: OrdersView) -> str:
    console = Console(width=140, record=True, file=io.StringIO())
    console.print(orders.table())
    return console.export_text()


def _news(app: PannierApp) -> list[str]:
    lines = app.query_one(ChatPane).transcript.query(ChatLine)
    return [line.text for line in lines if line.speaker == "system" and ": order " in line.text]


async def test_a_shipped_order_the_store_never_sent_a_webhook_for_shows_up_while_shopping(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    flowers = sandbox_stores["flowers"]
    options = LaunchOptions(
        session="watch",
        offline=True,
        config_path=write_config(tmp_path, QUICK_POLLS),
        data_dir=tmp_path / "data",
        merchant_urls=(flowers.url,),
    )
    app = PannierApp(options, opener=open_session)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.session is not None, within_s=30.0)
        assert app.workers_in(ORDER_WATCH_GROUP)  # watching from the start, with nothing to watch
        before = await tulips_at_the_dialog(pilot, app)
        await pilot.press("a")
        await wait_for_jobs(pilot, app, before + 1)
        orders = app.query_one(OrdersView)
        (placed,) = orders.orders
        assert [step.label for step in placed.timeline] in ([], ["placed"])

        answer = await _advance_silently(flowers, placed.order_id, "shipped")
        assert answer["webhook"] == "not sent (asked for none)"
        await wait_until(pilot, lambda: orders.orders[0].status == "shipped")
        shipped = orders.orders[0]
        assert [step.label for step in shipped.timeline] == ["placed", "shipped"]
        assert orders.display
        shown = _rendered(orders)
        assert "shipped" in shown and "Sandbox Post SP" in shown  # the timeline's new step
        (news,) = _news(app)
        assert news.startswith(f"Petal & Stem: order {placed.order_id} shipped — Sandbox Post SP")

        # The shopper is never kept waiting by the watch: a turn runs while it goes on.
        assert app.busy == 0
        assert "tulip" in (await say(pilot, app, "find tulip")).lower()
        assert app.workers_in(ORDER_WATCH_GROUP)

        await _advance_silently(flowers, placed.order_id, "delivered")
        await wait_until(pilot, lambda: orders.orders[0].status == "delivered")
        assert [n.split(" — ")[0] for n in _news(app)] == [
            f"Petal & Stem: order {placed.order_id} shipped",
            f"Petal & Stem: order {placed.order_id} delivered",
        ]
        trip = trip_of(app)
        assert trip.store.orders(trip.session) == orders.orders  # the database saw it too
        polls = sum(
            1
            for event in trip.bus.history
            if isinstance(event, ProtocolCalled) and event.operation == "get_order"
        )
        assert polls >= 2
