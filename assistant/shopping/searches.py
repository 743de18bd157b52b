"""A trip's searches: every store at once, ranked across stores, numbered with handles, kept.

The latest search is stored with its handles, so "add 3" and "more" work in the next process too.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from assistant.domain import ProductGroup, SearchRequest, SearchResult
from assistant.events import SearchFinished
from assistant.shopping.catalog import SEARCH, search_all
from assistant.shopping.context import TripContext
from assistant.shopping.ranking import PAGE_SIZE, numbered, priced_elsewhere, rank, regroup

PER_MERCHANT: Final = 20  # products asked of each store: enough to rank across stores
MAX_PRODUCTS: Final = 40  # products kept from one search (five pages)


async def search(
    ctx: TripContext, query: str | SearchRequest, *, per_merchant: int = PER_MERCHANT
) -> SearchResult:
    """Every merchant at once, ranked and grouped by product; the first page gets handles.

    Each product's chosen variant is numbered first, in rank order (a new session's results
    read 1, 2, 3…); the other variants are numbered when their page is shown.
    """
    request = SearchRequest(query) if isinstance(query, str) else query
    found, notes = await search_all(
        list(ctx.clients.values()),
        request,
        limit=per_merchant,
        deadline_s=ctx.config.policy.search_deadline_s,
        tell=lambda domain: ctx.tell_once(domain, SEARCH),
    )
    groups = rank(found, request)[:MAX_PRODUCTS]
    notes = priced_elsewhere(found, request, groups) | notes
    chosen = {(o.merchant.domain, o.chosen.variant_id) for g in groups for o in g.offers}
    with ctx.store.transaction():
        handled = [
            replace(hit, handle=ctx.store.search_handle(ctx.session, hit))
            if hit.group < PAGE_SIZE or (hit.merchant.domain, hit.variant_id) in chosen
            else hit
            for hit in numbered(groups)
        ]
        result = SearchResult(
            hits=handled, notes=notes, groups=regroup(handled), query=request.query
        )
        ctx.store.save_last_search(ctx.session, request.query, result)
    ctx.emit(SearchFinished(query=request.query, hits=handled, notes=notes))
    return result


def page(
    ctx: TripContext, result: SearchResult, number: int
) -> tuple[SearchResult, list[ProductGroup]]:
    """Page ``number`` (1-based) of ``result``, every variant on it with a handle; and the result
    with those handles (saved as the latest search)."""
    first, last = (number - 1) * PAGE_SIZE, number * PAGE_SIZE
    if all(h.handle for h in result.hits if first <= h.group < last):
        return result, result.groups[first:last]
    with ctx.store.transaction():
        handled = [
            replace(hit, handle=ctx.store.search_handle(ctx.session, hit))
            if not hit.handle and first <= hit.group < last
            else hit
            for hit in result.hits
        ]
        result = replace(result, hits=handled, groups=regroup(handled))
        ctx.store.save_last_search(ctx.session, result.query, result)
    return result, result.groups[first:last]


def restored(ctx: TripContext) -> SearchResult | None:
    """The session's latest search as the trip opened with it: hits of merchants still in the
    trip, named as they are now."""
    last_search = ctx.state.search_at_open
    if last_search is None:
        return None
    hits = [
        replace(hit, merchant=ctx.clients[hit.merchant.domain].merchant)
        for hit in last_search.hits
        if hit.merchant.domain in ctx.clients
    ]
    return replace(last_search, hits=hits, groups=regroup(hits))
