"""The search tool's arguments and results: filters in, products with their variants out.

Every front end searches through this: Claude calls ``search_products``, the offline planner
calls the same tool, and both read back the same compact JSON (merchant text under
``merchant_data`` only).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from assistant.domain import ProductGroup, SearchHit, SearchRequest, SearchResult
from assistant.errors import PannierError
from assistant.shopping.catalog import minor_units
from assistant.shopping.ranking import PAGE_SIZE

DESCRIPTION_CHARS: Final = 240
MAX_VARIANTS_LISTED: Final = 12  # more variants than this: the model asks show_product
_AMOUNT = r"^(\d{1,9}(\.\d{1,3})?)?$"


class SearchArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, description="Product words only; prices go below.")
    max_price: str = Field(default="", pattern=_AMOUNT, description="e.g. '30' or '29.99'")
    min_price: str = Field(default="", pattern=_AMOUNT)
    currency: str = Field(default="", pattern=r"^([A-Z]{3})?$", description="if named, e.g. EUR")
    in_stock: bool = False
    order: Literal["relevance", "cheapest", "priciest"] = "relevance"
    page: int = Field(default=1, ge=1, le=5, description=f"{PAGE_SIZE} products a page")

    def request(self) -> SearchRequest:
        currency = self.currency or None
        try:
            low = minor_units(self.min_price, currency) if self.min_price else None
            high = minor_units(self.max_price, currency) if self.max_price else None
        except ValueError as exc:
            raise PannierError(str(exc), title="Bad price") from exc
        return SearchRequest(
            self.query,
            min_price=low,
            max_price=high,
            currency=currency,
            in_stock_only=self.in_stock,
            order=self.order,
        )


class Searcher(Protocol):
    last_search: SearchResult | None

    async def search(self, query: str | SearchRequest) -> SearchResult: ...
    def search_page(self, page: int) -> list[ProductGroup]: ...


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _variant_json(hit: SearchHit) -> dict[str, Any]:
    return {
        "handle": hit.handle,
        "price": hit.price.format(),
        "available": hit.available,
        "merchant_data": {"variant": hit.variant_title},
    }


def product_json(group: ProductGroup) -> dict[str, Any]:
    """One product: its best offer's chosen variant, other stores' offers, and its variants."""
    chosen = group.chosen
    entry: dict[str, Any] = {
        "handle": chosen.handle,
        "store_id": chosen.merchant.domain,
        "price": chosen.price.format(),
        "available": chosen.available,
        "merchant_data": {
            "store_name": chosen.merchant.name,
            "title": chosen.title,
            "variant": chosen.variant_title,
        },
    }
    if chosen.description:
        entry["merchant_data"]["description"] = _clip(chosen.description, DESCRIPTION_CHARS)
    offer_variants = group.offers[0].variants
    if len(offer_variants) > 1:
        entry["variants"] = [_variant_json(h) for h in offer_variants[:MAX_VARIANTS_LISTED]]
    if len(group.offers) > 1:
        entry["also_at"] = [
            {
                "handle": o.chosen.handle,
                "store_id": o.merchant.domain,
                "price": o.chosen.price.format(),
                "available": o.chosen.available,
                "merchant_data": {"store_name": o.merchant.name},
            }
            for o in group.offers[1:]
        ]
    return entry


def page_json(result: SearchResult, groups: Sequence[ProductGroup], page: int) -> dict[str, Any]:
    payload: dict[str, Any] = {"results": [product_json(g) for g in groups]}
    total = len(result.groups)
    if total > PAGE_SIZE:  # one page needs no paging words (tokens are the model's budget)
        payload["page"] = page
        payload["products_found"] = total
    if page * PAGE_SIZE < total:
        payload["more"] = f"search again with page={page + 1} for the next products"
    if result.notes:  # store names and their failures are the stores' words
        payload["unavailable_stores"] = {"merchant_data": result.notes}
    return payload


async def run_search(trip: Searcher, args: SearchArgs) -> dict[str, Any]:
    """The search tool: a fresh search, or a further page of the latest one for the same words."""
    last = trip.last_search
    request = args.request()
    if args.page == 1 or last is None or last.query != request.query:
        result = await trip.search(request)
    else:
        result = last
    groups = trip.search_page(args.page)
    return page_json(trip.last_search or result, groups, args.page)
