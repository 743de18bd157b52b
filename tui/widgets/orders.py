"""The orders the trip has placed, with their merchant permalinks (words: ``OrderView``)."""

from __future__ import annotations

from rich.console import Group, RenderableType
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
        """Each order: store, status and total on one row; its id, permalink and timeline beneath,
        across the whole width (folded, never cut: at 80 columns the link must still be whole)."""
        past = [(account, order) for account in self.history for order in account.orders]
        if not self.orders and not past:
            return Text("No orders yet.", style="dim")
        rows: list[RenderableType] = []
        for order in self.orders:
            view = OrderView(order)
            rows.append(
                _head(
                    Text(plain(order.merchant.name), style="bold"),
                    view.status_word,
                    view.total_text,
                )
            )
            detail = Text(f"  {plain(order.order_id)}", style="dim", overflow="fold")
            if order.permalink_url:
                detail.append(f"  {plain(order.permalink_url)}", style="underline cyan")
            rows.append(detail)
            for step in order.timeline:
                line = Text(
                    f"    {step.at[:16].replace('T', ' ')}  {step.label}",
                    style="dim",
                    overflow="fold",
                )
                if step.detail:
                    line.append(f"  {plain(step.detail)}")
                if step.tracking_url:
                    line.append(f"  {plain(step.tracking_url)}", style="underline cyan")
                rows.append(line)
        if past:
            rows.append(Text("Earlier, at your linked accounts", style="dim italic"))
        for account, earlier in past:
            rows.append(
                _head(
                    Text(plain(f"{account.store} · {earlier.label}")),
                    plain(f"{earlier.status} {earlier.placed_on}"),
                    earlier.total_money().format(),
                )
            )
        return Group(*rows)


def _head(name: Text, status: str, total: str) -> Table:
    """One order's first row: the store (taking what room there is), its status, its total."""
    head = Table.grid(expand=True, padding=(0, 1))
    head.add_column(ratio=1)
    head.add_column()
    head.add_column(justify="right")
    head.add_row(name, Text(status), total)
    return head
