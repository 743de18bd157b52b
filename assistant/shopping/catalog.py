"""Catalog fan-out: every merchant searched at once, each under its own deadline."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from assistant.domain import MerchantRef, Money, Product, SearchHit, SearchResponse
from assistant.errors import MerchantError
from assistant.shopping.context import MerchantClient


async def _search_one(
    client: MerchantClient, query: str, limit: int, deadline_s: float
) -> SearchResponse | str:
    """One merchant's answer, or a short note saying why there is none."""
    try:
        async with asyncio.timeout(deadline_s):
            return await client.search_catalog(query, limit=limit)
    except TimeoutError:
        return f"timed out after {deadline_s:g} s"
    except MerchantError as exc:
        return f"unavailable: {exc.detail}"


async def search_all(
    clients: Sequence[MerchantClient], query: str, *, limit: int, deadline_s: float
) -> tuple[list[SearchHit], dict[str, str]]:
    """Hits (handles unset) in merchant order, and a note per merchant that gave none in time."""
    async with asyncio.TaskGroup() as group:
        tasks = [
            group.create_task(_search_one(client, query, limit, deadline_s)) for client in clients
        ]
    hits: list[SearchHit] = []
    notes: dict[str, str] = {}
    for client, task in zip(clients, tasks, strict=True):
        answer = task.result()
        if isinstance(answer, str):
            notes[client.merchant.domain] = answer
            continue
        for product in answer.products[:limit]:
            hits.extend(hits_from_product(client.merchant, product))
    return hits, notes


def hits_from_product(merchant: MerchantRef, product: Product) -> list[SearchHit]:
    """One hit per variant (a product without variants has nothing to buy)."""
    seller_merchant = merchant
    return [
        SearchHit(
            handle="",
            merchant=seller_merchant,
            product_id=product.id,
            variant_id=variant.id,
            title=product.title,
            variant_title=variant.title,
            price=Money(amount=variant.price.amount, currency=variant.price.currency),
            available=variant.availability.available,
            description=(variant.description or product.description).text()[:300],
        )
        for variant in product.variants
    ]
