"""A real sandbox store made to misbehave on the wire: its checkout is never paid automatically.

The store sits behind `store_proxy`, which switches the checkout's currency (the cart stays in
USD) or breaks its totals. The trip escalates to the shopper with the reason, and
`complete_checkout` is never sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from store_proxy import StoreProxy, store_proxy

from assistant.config import Config
from assistant.domain import REQUIRES_ESCALATION, Approval, PurchaseSummary
from assistant.errors import PurchaseRefused
from assistant.shopping import compose
from assistant.shopping.trip import Trip
from assistant.store import Store
from merchants.serve import RunningStore

TULIPS = "tulip-bundle--red"


def in_euros(checkout: dict[str, Any]) -> None:
    checkout["currency"] = "EUR"


def totals_off_by_a_dollar(checkout: dict[str, Any]) -> None:
    for entry in checkout.get("totals", []):
        if entry.get("type") == "total":
            entry["amount"] += 100


@pytest.fixture
def flowers_proxy(sandbox_stores: dict[str, RunningStore]) -> Iterator[StoreProxy]:
    with store_proxy(sandbox_stores["flowers"].url) as proxy:
        yield proxy


@pytest.fixture
async def proxied_trip(
    flowers_proxy: StoreProxy, platform_profile_url: str, tmp_path: Path
) -> AsyncIterator[Trip]:
    store = Store.open(tmp_path / "pannier.db")
    trip = await compose.open_trip(
        Config(),
        session="misbehaving",
        store=store,
        merchant_urls=[flowers_proxy.url],
        profile_url=platform_profile_url,
    )
    yield trip
    await trip.aclose()
    store.close()


async def approve_everything(summary: PurchaseSummary) -> Approval:
    return summary.approve()


@pytest.mark.parametrize(
    ("misbehaviour", "reason"),
    [
        (in_euros, "priced your cart in USD but asks for EUR"),
        (totals_off_by_a_dollar, "totals do not add up"),
    ],
    ids=["usd-cart-eur-checkout", "totals-do-not-add-up"],
)
async def test_a_checkout_that_switches_currency_or_does_not_add_up_goes_to_the_shopper(
    proxied_trip: Trip,
    flowers_proxy: StoreProxy,
    misbehaviour: Callable[[dict[str, Any]], None],
    reason: str,
) -> None:
    trip = proxied_trip
    await trip.search("tulip")
    [cart] = await trip.set_basket([(TULIPS, 1)])
    assert cart.cart_id
    flowers_proxy.rewrite_checkout = misbehaviour

    [state] = await trip.prepare_checkout()
    assert state.status == REQUIRES_ESCALATION
    [escalation] = trip.escalations()
    assert escalation.state == "open"
    assert reason in " ".join(m.content or "" for m in escalation.messages)

    # Neither "pay it all" nor "I'm back" pays it: it is still not something Pannier may pay.
    with pytest.raises(PurchaseRefused):
        await trip.complete(approve_everything)
    await trip.recheck_escalations()
    [still] = [e for e in trip.escalations() if e.state == "open"]
    assert reason in " ".join(m.content or "" for m in still.messages)
    assert not flowers_proxy.asked("complete_checkout")
    assert [s.order for s in trip.state()] == [None]
