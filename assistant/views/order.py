"""An order a store confirmed: its id, total, status and permalink."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assistant.domain import OrderRecord
from assistant.views.common import money_json, money_text, said, store_data


@dataclass(frozen=True)
class OrderView:
    order: OrderRecord

    def for_model(self) -> dict[str, Any]:
        order = self.order
        return {
            "store_id": order.merchant.domain,
            "order_id": order.order_id,
            "total": money_text(order.total),
            "merchant_data": store_data(
                order.merchant, status=order.status, url=order.permalink_url
            ),
        }

    def for_script(self, placed_this_turn: bool) -> dict[str, Any]:
        order = self.order
        total = order.total
        return {
            "store": order.merchant.name,
            "domain": order.merchant.domain,
            "order_id": order.order_id,
            "checkout_id": order.checkout_id,
            "status": order.status,
            "total": money_json(total.amount, total.currency) if total is not None else None,
            "url": order.permalink_url,
            "placed_this_turn": placed_this_turn,
        }

    @property
    def status_word(self) -> str:
        """The store's status for it, or "placed" while it has said none."""
        return said(self.order.status) or "placed"

    @property
    def total_text(self) -> str:
        return money_text(self.order.total) or ""

    def line(self) -> str:
        """``Petal & Stem: order ord_1 — USD 24.00 — confirmed — https://…``"""
        order = self.order
        parts = [f"{said(order.merchant.name)}: order {said(order.order_id)}"]
        parts += [part for part in (self.total_text, said(order.status)) if part]
        if order.permalink_url:
            parts.append(said(order.permalink_url))
        return " — ".join(parts)

    def news(self) -> str:
        """What the store just said: ``Petal & Stem: order ord_1 shipped — Sandbox Post SP1…``"""
        order = self.order
        text = f"{said(order.merchant.name)}: order {said(order.order_id)} {self.status_word}"
        latest = order.timeline[-1] if order.timeline else None
        if latest is not None and latest.detail:
            text += f" — {said(latest.detail)}"
        return text

    def placed(self) -> str:
        """The order as a shop's paragraph ends: ``order ord_1 placed — USD 24.00``."""
        total = f" — {self.total_text}" if self.total_text else ""
        return f"order {said(self.order.order_id)} placed{total}"


def orders_text(orders: Sequence[OrderRecord]) -> str:
    return "\n".join(OrderView(order).line() for order in orders) or "No orders yet."
