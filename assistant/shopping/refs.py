"""The one resolver of what the shopper names: an item ("3", a variant id) or a shop ("wine").

A number is the latest listing's ("add 2": its 2nd). What enters the basket keeps the session's
own handle for that item, passed back as "#7", so a basket line is the same item however many
listings come after it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Final

from assistant.domain import MerchantRef, SearchHit
from assistant.errors import MerchantError, PannierError
from assistant.shopping.catalog import hits_from_product
from assistant.shopping.context import MerchantClient, TripContext

LOOKUP: Final = "catalog.lookup"


@dataclass(frozen=True)
class Unlisted:
    """An item a merchant without catalog lookup sells, known only by its item id."""

    merchant: MerchantRef
    item_id: str


class Refs:
    """Turns the shopper's words into the trip's records; an unknown one is a clear error."""

    def __init__(self, ctx: TripContext, listing: Callable[[], Sequence[SearchHit]] = list) -> None:
        self._ctx = ctx
        self._listing = listing  # this turn's listing (else the last one's), as it was shown

    async def items(self, refs: Sequence[str]) -> dict[str, SearchHit | Unlisted]:
        """Each ref as an item: a handle or variant seen in this session, an item id of a shop
        without catalog lookup, else what the shops' catalogs say it is."""
        known: dict[str, SearchHit | Unlisted] = {
            ref: hit for ref in refs if (hit := self._seen(ref)) is not None
        }
        known |= {ref: item for ref in refs if ref not in known and (item := self._unlisted(ref))}
        unknown = [ref for ref in refs if ref not in known]
        if unknown:
            known |= await self._lookup(unknown)
        missing = [ref for ref in refs if ref not in known]
        if missing:
            raise PannierError(
                f"no item '{missing[0]}' at any merchant of this trip", title="Unknown item"
            )
        return known

    async def hit(self, ref: str) -> SearchHit:
        """One item with its catalog details (a shop without a catalog has none to give)."""
        item = (await self.items([ref]))[ref]
        if isinstance(item, Unlisted):
            raise PannierError(
                f"{item.merchant.name} has no catalog: its items are shown once in a checkout",
                title="No product details",
            )
        return item

    def merchant(self, name: str) -> str:
        """The domain of the one merchant ``name`` means (domain, name, URL or a name prefix)."""
        merchants = [client.merchant for client in self._ctx.clients.values()]
        wanted = name.strip().lower()
        for ref in merchants:
            if wanted in (ref.domain.lower(), ref.name.lower(), ref.url.lower()):
                return ref.domain
        matches = [
            ref.domain
            for ref in merchants
            if ref.name.lower().startswith(wanted) or _slug(ref.name).startswith(_slug(wanted))
        ]
        if len(matches) == 1:
            return matches[0]
        raise PannierError(f"no single merchant matches '{name}'", title="Unknown merchant")

    def client(self, domain: str) -> MerchantClient:
        """The connection to the trip's merchant at ``domain``."""
        client = self._ctx.clients.get(domain)
        if client is None:
            raise PannierError(
                f"merchant {domain} is not part of this trip", title="Unknown merchant"
            )
        return client

    def _seen(self, ref: str) -> SearchHit | None:
        """``#7``: the item the session gave handle 7; ``3`` or a variant id: the listing's (with
        the session's handle for it, minted the first time); else one listed before."""
        ctx = self._ctx
        key = ref.strip()
        if key.startswith("#"):
            return ctx.store.hit_by_handle(ctx.session, key.lstrip("#").strip())
        listed = next((h for h in self._listing() if key in (h.handle, h.variant_id)), None)
        if listed is not None:
            return replace(listed, handle=ctx.store.search_handle(ctx.session, listed))
        hit = ctx.store.hit_by_handle(ctx.session, key)  # a number no listing shows ("#7" bare)
        if hit is None:
            found = ctx.store.hits_by_variant(ctx.session, ref)
            hit = found[0] if found else None
        return hit

    def _unlisted(self, ref: str) -> Unlisted | None:
        """An item of a merchant without catalog lookup, named by that merchant's own item id.

        ``<item id> at <store>`` names the store; a bare id works when only one merchant of the
        trip has no lookup, or when the basket already holds that id.
        """
        ctx = self._ctx
        item_id, _, store = ref.partition(" at ")
        item_id, store = item_id.strip(), store.strip()
        if store:
            domain = self.merchant(store)
            if ctx.clients[domain].supports(LOOKUP):
                return None
            return Unlisted(ctx.merchant(domain), item_id)
        basket = ctx.state.lines()
        in_basket = {line.merchant.domain for line in basket if line.variant_id == item_id}
        blind = [d for d, c in ctx.clients.items() if not c.supports(LOOKUP)]
        candidates = [d for d in blind if d in in_basket] or blind
        if len(candidates) == 1 and (in_basket <= set(candidates)):
            return Unlisted(ctx.merchant(candidates[0]), item_id)
        return None

    async def _lookup(self, refs: list[str]) -> dict[str, SearchHit | Unlisted]:
        """Variant ids never seen in a search: one catalog lookup per merchant for all of them."""
        ctx = self._ctx

        async def ask(client: MerchantClient) -> list[SearchHit]:
            try:
                answer = await client.lookup_catalog(refs)
            except MerchantError:
                return []
            return [h for p in answer.products for h in hits_from_product(client.merchant, p)]

        found: dict[str, SearchHit | Unlisted] = {}
        lookups = [c for c in ctx.clients.values() if c.supports(LOOKUP)]
        for hits in await asyncio.gather(*(ask(c) for c in lookups)):
            for hit in hits:
                for ref in refs:
                    if ref in (hit.variant_id, hit.product_id) and ref not in found:
                        handle = ctx.store.search_handle(ctx.session, hit)
                        found[ref] = replace(hit, handle=handle)
        return found


def _slug(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())
