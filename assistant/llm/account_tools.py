"""Linked accounts as the model reads them: every store-given string inside ``merchant_data``.

The store's order history joins ``order_status``; the addresses saved at stores join
``saved_addresses`` with ids ``s1``, ``s2``… that ``ship_to`` takes. No token is ever here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.domain.accounts import StoreAccount
from assistant.views import AddressView

LINK_HINT = "The shopper can link an account at a store with `pannier link STORE`."


@dataclass(frozen=True)
class StoreAddressView(AddressView):
    """An address saved in a linked account at ``store``: the store's text, so merchant_data."""

    store: str = ""

    def for_model(self) -> dict[str, Any]:
        return {
            "address_id": self.address_id,
            "saved_at": {"merchant_data": {"store_name": self.store}},
            "merchant_data": self.address.model_dump(exclude_none=True),
        }

    @property
    def words(self) -> str:
        return " ".join(str(v) for v in self.address.model_dump(exclude_none=True).values())


def history_json(accounts: list[StoreAccount], failures: dict[str, str]) -> dict[str, Any]:
    """The ``store_history`` part of ``order_status``: past orders at each linked store."""
    stores = [
        {
            "merchant_data": {"store_name": account.store, "account_holder": account.holder},
            "orders": [
                {
                    "placed_on": order.placed_on,
                    "total": order.total_money().format(),
                    "merchant_data": {
                        "label": order.label,
                        "status": order.status,
                        "lines": [f"{line.quantity} × {line.title}" for line in order.line_items],
                    },
                }
                for order in account.orders
            ],
        }
        for account in accounts
    ]
    payload: dict[str, Any] = {"stores": stores}
    if failures:
        payload["unreadable"] = {"merchant_data": failures}
    return payload


def history_text(accounts: list[StoreAccount]) -> str:
    """Past orders at the linked stores, for the offline planner's reply."""
    lines = [
        f"{account.store}: {order.label} of {order.placed_on} — "
        f"{order.total_money().format()} — {order.status}"
        for account in accounts
        for order in account.orders
    ]
    return "\nEarlier orders at your linked accounts:\n" + "\n".join(lines) if lines else ""
