"""What the shopper's words point at: the latest search's products, the basket, the stores.

The offline planner resolves every reference here ("3", "the first one", "the red tulips",
"it", "both") against the trip's records, page by page as the shopper was shown them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final, Protocol

from assistant.domain import BasketLine, MerchantRef, ProductGroup, SearchHit, SearchResult
from assistant.llm.offline.parse import Ref
from assistant.shopping.ranking import PAGE_SIZE
from assistant.shopping.words import STOPWORDS, query_terms, stems
from assistant.shopping.words import words as said_words
from assistant.views.common import line_ref, said

# "add the cheapest one": a result picked by its price, not a product called "cheapest"
_BY_PRICE: Final = {
    **dict.fromkeys(("cheapest", "the cheapest", "least expensive", "lowest price"), "cheapest"),
    **dict.fromkeys(("priciest", "most expensive", "dearest", "the most expensive"), "priciest"),
}


def by_price(words: str) -> str:
    """ "cheapest" or "priciest" when the words pick by price ("the most expensive"), else ""."""
    return _BY_PRICE.get(" ".join(said_words(words)), "")


class TripView(Protocol):
    """What the planner reads to resolve references (it writes only via tools)."""

    last_search: SearchResult | None
    merchants: list[MerchantRef]

    def basket(self) -> list[BasketLine]: ...


class Resolver:
    """References in the shopper's words, resolved to result handles or variant ids."""

    def __init__(
        self, trip: TripView | None, basket: Callable[[], Sequence[BasketLine]] | None
    ) -> None:
        self.trip = trip
        self._basket = basket
        self.page = 1  # the page of the latest search the shopper was shown
        self.last: list[str] = []  # what "it" means: the latest items added or shown

    def lines(self) -> list[BasketLine]:
        return list(self._basket()) if self._basket is not None else []

    def groups(self) -> list[ProductGroup]:
        search = self.trip.last_search if self.trip is not None else None
        return list(search.groups) if search is not None else []

    def page_groups(self) -> list[ProductGroup]:
        groups = self.groups()
        return groups[(self.page - 1) * PAGE_SIZE : self.page * PAGE_SIZE]

    def hits(self) -> list[SearchHit]:
        search = self.trip.last_search if self.trip is not None else None
        return list(search.hits) if search is not None else []

    def variant_of(self, ref: str) -> str:
        """The item id ``ref`` names: a number of the latest listing, or a basket line's "#7"."""
        for hit in self.hits():
            if ref in (hit.handle, hit.variant_id):
                return hit.variant_id
        for line in self.lines():
            if ref == line_ref(line):
                return line.variant_id
        return ref

    def line(self, ref: str) -> BasketLine | None:
        """The basket line ``ref`` names ("#7", its item id, or a listed number now in it)."""
        lines = self.lines()
        named = next((x for x in lines if ref in (line_ref(x), x.variant_id)), None)
        if named is None:
            variant = self.variant_of(ref)
            named = next((x for x in lines if x.variant_id == variant), None)
        return named

    def title(self, ref: str) -> str:
        for line in self.lines():
            if ref in (line_ref(line), line.variant_id):
                return line.title
        for hit in self.hits():
            if ref in (hit.handle, hit.variant_id):
                return hit.title
        return f"Item {ref}"

    def resolve(self, ref: Ref, scope: str, *, whole: bool = False) -> list[str] | str:
        """Handles (or variant ids) the reference names, or a one-line question back; with
        ``whole``, words name a result only when it carries every one of them ("red wine" is
        not the red tulips on screen)."""
        lines, page = self.lines(), self.page_groups()
        if ref.kind == "id":
            return [ref.value]
        if ref.kind == "number":
            return self._number(ref.value, scope, lines, page)
        if ref.kind == "ordinal":
            pool = [g.chosen.handle or g.chosen.variant_id for g in page]
            if scope == "basket" and lines:
                pool = [line_ref(line) for line in lines]
            position, _, variant = ref.value.partition(" in ")
            index = int(position)
            if not pool:
                return "There is nothing to pick from yet: tell me what to look for first."
            if index > len(pool):
                if len(pool) == 1:
                    return "There is only one on the list."
                return f"There are only {len(pool)} on the list."
            picked = pool[index - 1 if index > 0 else index]
            return self._in_variant(picked, variant) if variant and scope != "basket" else [picked]
        if ref.kind == "it":
            if self.last:
                return self.last[-1:]
            to_buy = [line for line in lines if not line.ordered]
            if scope == "basket" and to_buy:
                # the one added last (a new process has no "last": each `pannier ask` is one)
                return [line_ref(to_buy[-1])]
            if len(page) == 1:
                return [page[0].chosen.handle or page[0].chosen.variant_id]
            return 'Which one? Say its number, e.g. "add 1".'
        if ref.kind in ("both", "all"):
            pool = (
                [line_ref(line) for line in lines]
                if scope == "basket" or not page
                else [g.chosen.handle or g.chosen.variant_id for g in page]
            )
            if ref.kind == "both" and len(pool) != 2:
                return 'Which two? Say their numbers, e.g. "add 1 and 3".'
            return pool or "There is nothing to pick from yet."
        if scope != "basket" and (order := by_price(ref.value)):
            return self._by_price(page, cheapest=order == "cheapest")
        return self.by_words(ref.value, scope, whole=whole)

    def _by_price(self, page: Sequence[ProductGroup], *, cheapest: bool) -> list[str] | str:
        """ "the cheapest one": of the page shown, by the price listed (one currency only: there
        are no exchange rates to compare others with)."""
        if not page:
            return "There is nothing to pick from yet: tell me what to look for first."
        currencies = {g.chosen.price.currency for g in page}
        if len(currencies) > 1:
            named = " and ".join(sorted(currencies))
            return f"Those are priced in {named}, which I cannot compare: say its number."
        pick = (min if cheapest else max)(page, key=lambda g: g.chosen.price.amount)
        return [pick.chosen.handle or pick.chosen.variant_id]

    def _number(
        self, value: str, scope: str, lines: Sequence[BasketLine], page: Sequence[ProductGroup]
    ) -> list[str] | str:
        """A number is the latest listing's; taking something out, it may be a basket line's
        own "#7" typed bare, when the listing's item of that number is not in the basket."""
        listed = {h.handle for h in self.hits()}
        in_basket = {line.variant_id for line in lines}
        held = next((line for line in lines if line.handle == value), None)
        if scope == "basket" and held is not None and self.variant_of(value) not in in_basket:
            return [line_ref(held)]
        if self.trip is not None and value not in listed:
            if held is not None:
                return [line_ref(held)]
            shown = ", ".join(g.chosen.handle for g in page[:PAGE_SIZE])
            hint = f" (on screen: {shown})" if shown else ""
            return f"I don't have a number {value} in your results{hint}."
        return [value]

    def _in_variant(self, picked: str, words: str) -> list[str] | str:
        """The variant of the result ``picked`` that ``words`` name ("the first one in white"),
        or which variants it comes in."""
        group = next(
            (g for g in self.groups() if picked in (g.chosen.handle, g.chosen.variant_id)), None
        )
        if group is None:
            return [picked]
        variants = [hit for offer in group.offers for hit in offer.variants]
        wanted = set(query_terms(words))
        # "32 / 32" is the variant of those words in that order (as a set, 28 / 32 has them too)
        named = [hit for hit in variants if said_words(hit.variant_title) == said_words(words)]
        named = named or [hit for hit in variants if wanted <= stems(hit.variant_title)]
        if named:
            return [named[0].handle or named[0].variant_id]
        *others, last = dict.fromkeys(said(hit.variant_title) for hit in variants)
        kinds = f"{', '.join(others)} or {last}" if others else last
        return f'{said(group.title)} comes in {kinds}, not "{said(words)}": say which.'

    def by_words(self, words: str, scope: str, *, whole: bool = False) -> list[str] | str:
        wanted = set(query_terms(words)) - {"one"}
        if not wanted:
            return "Which one? Say its number."
        if scope == "basket":
            scored = [(len(wanted & stems(line.title)), line_ref(line)) for line in self.lines()]
            best = max((s for s, _ in scored), default=0)
            picks = [ref for s, ref in scored if s == best and s > 0]
            if not picks:  # no title names it; its store may ("remove the wine": Cellar Door Wines)
                picks = [
                    line_ref(line)
                    for line in self.lines()
                    if wanted & self._store_words(line.merchant)
                ]
            if len(picks) == 1:
                return picks
            if not picks:
                return f'Nothing in your basket matches "{words}".'
            return f'More than one thing in your basket matches "{words}": say its number.'
        best_score, best_hits = 0.0, []
        for group in self.groups():
            title = stems(group.title)
            for offer in group.offers:
                for hit in offer.variants:
                    variant = stems(hit.variant_title)
                    if whole and not wanted <= title | variant:
                        continue
                    named = len(wanted & title) * 2 + len(wanted & variant)
                    if named > best_score:
                        best_score, best_hits = named, [hit]
                    elif named == best_score and named:
                        best_hits.append(hit)
        if not best_hits:
            return f'I can\'t see "{words}" in your results: say "find {words}" to look for it.'
        products = {(h.merchant.domain, h.product_id) for h in best_hits}
        if len(products) > 1:
            names = " or ".join(sorted({h.title for h in best_hits})[:3])
            return f"Which one: {names}? Say its number."
        hit = best_hits[0]
        return [hit.handle or hit.variant_id]

    def _store_words(self, merchant: MerchantRef) -> set[str]:
        """What a store answers to: its name's words and its sandbox slug ("wine")."""
        aliases = getattr(self.trip, "merchant_aliases", {}) or {}
        return stems(merchant.name) | stems(aliases.get(merchant.domain, ""))

    def merchant(self, words: str) -> MerchantRef | str:
        merchants = self.trip.merchants if self.trip is not None else []
        key = words.strip().lower()
        wanted = set(query_terms(words)) - STOPWORDS
        exact = [m for m in merchants if key in (m.domain.lower(), m.name.lower())]
        if len(exact) == 1:
            return exact[0]
        scored = [(len(wanted & self._store_words(m)), m) for m in merchants]
        best = max((s for s, _ in scored), default=0)
        found = [m for s, m in scored if s == best and s > 0]
        if len(found) == 1:
            return found[0]
        names = ", ".join(m.name for m in merchants)
        return f'Which store is "{words}"? The stores are {names}.'
