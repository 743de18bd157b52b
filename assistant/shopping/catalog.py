"""Catalog fan-out: every merchant searched at once, each under its own deadline."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Final

from assistant.domain import (
    MerchantRef,
    Product,
    SearchHit,
    SearchRequest,
    SearchResponse,
    currency_exponent,
)
from assistant.errors import MerchantError
from assistant.shopping.context import MerchantClient
from assistant.shopping.ranking import hit_from_variant
from assistant.shopping.words import wants

__all__ = ["hits_from_product", "minor_units", "search_all", "ucp_filters"]


def ucp_filters(request: SearchRequest) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """UCP ``filters`` and ``context`` for a request (``context.currency`` denominates prices)."""
    bounds: dict[str, int] = {}
    if request.min_price is not None:
        bounds["min"] = request.min_price
    if request.max_price is not None:
        bounds["max"] = request.max_price
    filters = {"price": bounds} if bounds else None
    context = {"currency": request.currency} if bounds and request.currency else None
    return filters, context


async def _search_one(
    client: MerchantClient, request: SearchRequest, limit: int, deadline_s: float
) -> SearchResponse | str:
    """One merchant's answer, or a short note saying why there is none."""
    filters, context = ucp_filters(request)
    try:
        async with asyncio.timeout(deadline_s):
            return await client.search_catalog(
                request.query or None, filters=filters, context=context, limit=limit
            )
    except TimeoutError:
        return f"timed out after {deadline_s:g} s"
    except MerchantError as exc:
        return f"unavailable: {exc.detail}"


SEARCH: Final = "catalog.search"


def no_catalog_note(merchant: MerchantRef, several: bool) -> str:
    """What to say, once, about a merchant without catalog search."""
    example = f"add <item id> at {merchant.name}" if several else "add <item id>"
    return f"has no catalog to search: add its items by the store's own item id ({example})"


async def search_all(
    clients: Sequence[MerchantClient],
    request: SearchRequest,
    *,
    limit: int,
    deadline_s: float,
    tell: Callable[[str], bool] = lambda domain: True,
) -> tuple[list[tuple[MerchantRef, Product]], dict[str, str]]:
    """Each merchant's products in its own order, and a note per merchant that gave none in time,
    keyed by the store's name (the shopper reads it; a host like ``127.0.0.1:8713`` says nothing).

    Merchants without catalog search are not asked; ``tell(domain)`` says whether to note that.
    """
    notes: dict[str, str] = {}
    several = len(clients) > 1
    for client in clients:
        if not client.supports(SEARCH) and tell(client.merchant.domain):
            notes[client.merchant.name] = no_catalog_note(client.merchant, several)
    clients = [client for client in clients if client.supports(SEARCH)]
    # A query listing several things asks each merchant for each: a store that matches every
    # word would find nothing for "flowers and red wine".
    asks = [replace(request, query=part) for part in wants(request.query)]
    async with asyncio.TaskGroup() as group:
        tasks = [
            [group.create_task(_search_one(client, ask, limit, deadline_s)) for ask in asks]
            for client in clients
        ]
    found: list[tuple[MerchantRef, Product]] = []
    for client, answers in zip(clients, tasks, strict=True):
        seen: set[str] = set()
        for task in answers:
            answer = task.result()
            if isinstance(answer, str):
                notes[client.merchant.name] = answer
                continue
            for product in answer.products[:limit]:
                if product.id not in seen:
                    seen.add(product.id)
                    found.append((client.merchant, product))
    return found, notes


def hits_from_product(merchant: MerchantRef, product: Product) -> list[SearchHit]:
    """One hit per variant (a product without variants has nothing to buy)."""
    return [hit_from_variant(merchant, product, variant) for variant in product.variants]


def minor_units(amount: str, currency: str | None) -> int:
    """A decimal amount as typed ("30", "29.99") in minor units of ``currency`` (cents if None).

    Raises ValueError for anything that is not a plain non-negative amount.
    """
    exponent = currency_exponent(currency) if currency else 2
    try:
        value = Decimal(amount.strip().replace(",", ""))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {amount!r}") from exc
    if not value.is_finite() or value < 0:
        raise ValueError(f"not an amount: {amount!r}")
    return int((value * 10**exponent).to_integral_value(ROUND_HALF_UP))
