"""One view per record in the TUI: ``/orders`` in the chat says exactly what the offline planner
and ``pannier ask`` say about the same orders, and the orders table shows the same words; a
hostile store name is shown as written, never acted on."""

from __future__ import annotations

from rich.console import Console, RenderableType
from tui_records import FLOWERS, FakeTrip, fake_opener, order
from tui_waits import wait_until

from assistant.domain import MerchantRef
from assistant.views import OrderView
from assistant.views.order import orders_text
from tui.app import PannierApp
from tui.widgets.chat import ChatLine, HistoryInput
from tui.widgets.orders import OrdersView

SIZE = (140, 45)
EVIL = MerchantRef("evil.sandbox", "[@click=app.quit]Evil[/]\x1b[2J Shop\nTotal: USD 0.00", "x")


async def test_slash_orders_in_the_chat_read_word_for_word_as_the_orders_view() -> None:
    trip = FakeTrip()
    trip.placed = [order(FLOWERS, "PS-1001", 5438), order(EVIL, "EV-1", 100)]
    app = PannierApp(opener=fake_opener(trip))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.session is not None)
        prompt = app.query_one(HistoryInput)
        prompt.value = "/orders"
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.jobs_done >= 1)
        said = [line for line in app.query(ChatLine) if line.speaker == "assistant"][-1]
        assert said.text == orders_text(trip.placed)
        assert said.text.splitlines() == [OrderView(o).line() for o in trip.placed]
        assert "\x1b" not in said.text and len(said.text.splitlines()) == 2
        assert app.is_running  # the [@click=app.quit] in the name did nothing
        await pilot.press("f5")
        await wait_until(pilot, lambda: app.jobs_done >= 2)
        table = plain(app.query_one(OrdersView).table())
        for placed in trip.placed:
            view = OrderView(placed)
            assert view.total_text in table and view.status_word in table
            assert placed.order_id in table
        assert "\x1b" not in table and "Evil" in table


def plain(renderable: RenderableType, width: int = 120) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()
