"""A trip at an MCP merchant whose answers are shaped like Shopify's, off-spec parts included:
the trip goes on, and the protocol log says what was coerced or dropped."""

from __future__ import annotations

from pathlib import Path

from interop_servers import Server

from assistant.config import Config
from assistant.domain import Approval, PurchaseSummary
from assistant.events import AnswerRepaired
from assistant.shopping import compose
from assistant.store import Store


async def test_off_spec_products_and_messages_are_dropped_or_coerced_and_the_purchase_completes(
    tmp_path: Path, shopify_merchant: Server
) -> None:
    store = Store.open(tmp_path / "pannier.db")
    trip = await compose.open_trip(
        Config(), session="shopify", store=store, merchant_urls=[shopify_merchant.url]
    )
    summaries: list[PurchaseSummary] = []

    async def approve(summary: PurchaseSummary) -> Approval:
        summaries.append(summary)
        return summary.approve()

    try:
        found = await trip.search("roses")
        titles = {hit.title for hit in found.hits}
        assert titles == {"Dozen Red Roses", "White Roses"}, found  # the untitled product is gone
        roses = next(hit for hit in found.hits if hit.title == "Dozen Red Roses")
        assert roses.description == "Twelve long-stem red roses, hand-tied."
        await trip.set_basket([(roses.handle, 2)])
        await trip.prepare_checkout()
        [state] = await trip.complete(approve)
    finally:
        await trip.aclose()
        store.close()

    assert state.order is not None and state.order.order_id == "gid://shopify/Order/5001"
    [summary] = summaries
    assert [(t.type, t.amount) for t in summary.merchants[0].totals] == [
        ("subtotal", 9000),
        ("fulfillment", 800),  # the cheapest of two options, chosen though the store never asked
        ("total", 9800),
    ]
    notes = [note for e in trip.bus.history if isinstance(e, AnswerRepaired) for note in e.notes]
    assert "coerced products[0].description: a plain string, read as a plain description" in notes
    assert any(n.startswith("dropped products[1] (id 'gid://shopify/Product/102')") for n in notes)
    assert any(n.startswith("dropped messages[0]") and "type" in n for n in notes)
