"""The orders the trip has placed, with their merchant permalinks (words: ``OrderView``)."""

from __future__ import annotations

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from assistant.domain import OrderRecord
from assistant.domain.accounts import StoreAccount
from assistant.views import OrderView
from tui.safe import plain


class OrdersView(Static):
    """A table of orders; hidden until there is one (or the shopper asks)."""

    def __init__(self) -> None:
        super().__init__(id="orders")
        self.border_title = "Orders"
        self.orders: list[OrderRecord] = []
        self.history: list[StoreAccount] = []

    def on_mount(self) -> None:
        self.display = False
        self._render_orders()

    def show(self, orders: list[OrderRecord], history: list[StoreAccount] | None = None) -> None:
        self.orders = list(orders)
        if history is not None:
            self.history = list(history)
        self._render_orders()
        self.display = True

    def add(self, order: OrderRecord) -> bool:
        """Show ``order`` (new, or newer); True when its timeline has a step past "placed" that
        was not shown before (being placed was said when it was)."""
        same = (order.merchant.domain, order.order_id)
        shown = next((o for o in self.orders if (o.merchant.domain, o.order_id) == same), None)
        kept = [o for o in self.orders if o is not shown]
        self.show([*kept, order])
        new_steps = order.timeline[len(shown.timeline) if shown is not None else 0 :]
        return any(step.label != "placed" for step in new_steps)

    def _render_orders(self) -> None:
        self.update(self.table())

    def table(self) -> RenderableType:
        """The orders as a table: store, status and total, then the id and the permalink."""
        past = [(account, order) for account in self.history for order in account.orders]
        if not self.orders and not past:
            return Text("No orders yet.", style="dim")
        table = Table.grid(expand=True, padding=(0, 1))
        table.add_column(ratio=1)
        table.add_column()
        table.add_column(justify="right")
        for order in self.orders:
            view = OrderView(order)
            table.add_row(
                Text(plain(order.merchant.name), style="bold"),
                Text(view.status_word),
                view.total_text,
            )
            detail = Text(f"  {plain(order.order_id)}", style="dim")
            if order.permalink_url:
                detail.append(f"  {plain(order.permalink_url)}", style="underline cyan")
            table.add_row(detail, "", "")
            for step in order.timeline:
                line = Text(f"    {step.at[:16].replace('T', ' ')}  {step.label}", style="dim")
                if step.detail:
                    line.append(f"  {plain(step.detail)}")
                if step.tracking_url:
                    line.append(f"  {plain(step.tracking_url)}", style="underline cyan")
                table.add_row(line, "", "")
        if past:
            table.add_row(Text("Earlier, at your linked accounts", style="dim italic"), "", "")
        for account, earlier in past:
            table.add_row(
                Text(plain(f"{account.store} · {earlier.label}")),
                Text(plain(f"{earlier.status} {earlier.placed_on}")),
                earlier.total_money().format(),
            )
        return table
