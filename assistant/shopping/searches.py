"""A trip's searches: every store at once, ranked across stores, numbered from 1, kept.

Each shopper turn's listing is numbered from 1 in the order it reads (a hit's ``handle`` is its
number); a second search in the same turn numbers on (a model may search twice at once, and
names both's results). The latest search is stored with its numbers and what its turn listed
before it, so "add 3" and "more" work in the next process too. A number names the listing's item
only: what enters the basket gets the session's own stable handle (``Refs``), written "#7"
wherever it is passed back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Final

from assistant.domain import ProductGroup, SearchHit, SearchRequest, SearchResult
from assistant.events import SearchFinished
from assistant.shopping.catalog import SEARCH, search_all
from assistant.shopping.context import TripContext
from assistant.shopping.ranking import PAGE_SIZE, numbered, priced_elsewhere, rank, regroup

PER_MERCHANT: Final = 20  # products asked of each store: enough to rank across stores
MAX_PRODUCTS: Final = 40  # products kept from one search (five pages)


async def search(
    ctx: TripContext,
    query: str | SearchRequest,
    *,
    per_merchant: int = PER_MERCHANT,
    before: Callable[[], Sequence[SearchHit]] = list,
    only: Sequence[str] | None = None,
) -> SearchResult:
    """Every merchant at once (or those ``only`` names), ranked and grouped by product, numbered
    after ``before()`` (what this turn listed already, read once the stores answered: searches
    run at once).

    Each product's chosen variant is numbered first, in rank order (the listing reads 1, 2,
    3…); the other variants (shown by "show 1") after them.
    """
    request = SearchRequest(query) if isinstance(query, str) else query
    clients = [c for domain, c in ctx.clients.items() if only is None or domain in only]
    found, notes = await search_all(
        clients,
        request,
        limit=per_merchant,
        deadline_s=ctx.config.policy.search_deadline_s,
        tell=lambda domain: ctx.tell_once(domain, SEARCH),
    )
    groups = rank(found, request)[:MAX_PRODUCTS]
    notes = priced_elsewhere(found, request, groups) | notes
    earlier = list(before())
    handled = listed(numbered(groups), start=len(earlier) + 1)
    result = SearchResult(hits=handled, notes=notes, groups=regroup(handled), query=request.query)
    ctx.store.save_last_search(ctx.session, request.query, result, listed_before=earlier)
    ctx.emit(SearchFinished(query=request.query, hits=handled, notes=notes))
    return result


def page(
    ctx: TripContext, result: SearchResult, number: int
) -> tuple[SearchResult, list[ProductGroup]]:
    """Page ``number`` (1-based) of ``result``; and the result (numbered whole already)."""
    first, last = (number - 1) * PAGE_SIZE, number * PAGE_SIZE
    return result, result.groups[first:last]


def listed(hits: Sequence[SearchHit], start: int = 1) -> list[SearchHit]:
    """The hits numbered 1, 2, 3… (from ``start``) in the order given (``numbered``'s: the
    order they read)."""
    return [replace(hit, handle=str(number)) for number, hit in enumerate(hits, start=start)]


def listed_results(result: SearchResult) -> list[SearchHit]:
    """What a script is given of a listing: each product's chosen variant (every row and its
    other stores), and every variant of the first page."""
    chosen = {offer.chosen.handle for group in result.groups for offer in group.offers}
    return [hit for hit in result.hits if hit.group < PAGE_SIZE or hit.handle in chosen]


def restored(ctx: TripContext) -> SearchResult | None:
    """The session's latest search as the trip opened with it: hits of merchants still in the
    trip, named as they are now, with the numbers the shopper saw (a search saved before
    listings were numbered from 1 is numbered so now)."""
    last_search = ctx.state.search_at_open
    if last_search is None:
        return None
    hits = _present(ctx, last_search.hits)
    if ctx.state.listed_before_at_open is None:
        hits = listed(hits)
    return replace(last_search, hits=hits, groups=regroup(hits))


def restored_before(ctx: TripContext) -> list[SearchHit]:
    """What the latest search's turn listed before it, as the trip opened with it."""
    return _present(ctx, ctx.state.listed_before_at_open or [])


def _present(ctx: TripContext, hits: Sequence[SearchHit]) -> list[SearchHit]:
    return [
        replace(hit, merchant=ctx.clients[hit.merchant.domain].merchant)
        for hit in hits
        if hit.merchant.domain in ctx.clients
    ]
