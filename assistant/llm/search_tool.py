"""The search tool's arguments and run: filters in, a page of products (``SearchPageView``) out.

Every front end searches through this: Claude calls ``search_products`` and reads the page's
compact JSON (merchant text under ``merchant_data`` only); the offline planner calls the same
tool and reads the same page as a typed view.
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from assistant.domain import ProductGroup, SearchRequest, SearchResult
from assistant.errors import PannierError
from assistant.shopping.catalog import minor_units
from assistant.shopping.ranking import PAGE_SIZE
from assistant.views import SearchPageView

_AMOUNT = r"^(\d{1,9}(\.\d{1,3})?)?$"


class SearchArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, description="Product words only; prices go below.")
    max_price: str = Field(default="", pattern=_AMOUNT, description="e.g. '30' or '29.99'")
    min_price: str = Field(default="", pattern=_AMOUNT)
    currency: str = Field(default="", pattern=r"^([A-Z]{3})?$", description="if named, e.g. EUR")
    in_stock: bool = False
    order: Literal["relevance", "cheapest", "priciest"] = "relevance"
    store: str = Field(
        default="", description="only this store (store_id), if the shopper names one"
    )
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

    async def search(self, query: str | SearchRequest, *, store: str = "") -> SearchResult: ...
    def search_page(self, page: int) -> list[ProductGroup]: ...


async def run_search(trip: Searcher, args: SearchArgs) -> SearchPageView:
    """The search tool: a fresh search, or a further page of the latest one for the same words."""
    last = trip.last_search
    request = args.request()
    if args.page == 1 or last is None or last.query != request.query:
        result = await trip.search(request, store=args.store)
    else:
        result = last
    groups = trip.search_page(args.page)
    return SearchPageView(trip.last_search or result, groups, args.page, PAGE_SIZE)
