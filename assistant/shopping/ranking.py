"""Merged search results, ranked across merchants and grouped by product.

Each product is scored against the shopper's words: every word scores by the best field it
appears in (a category the words name whole, title, then categories, tags, variant names,
description), products covering more
of the words rank first, in-stock before sold out, then by score. Products scoring under half of
the best are dropped, and so are those missing some of the words unless they score close to the
best: a stray word in a description ("roses" in a Barolo's tasting notes) does not put a wine
among the flowers, and "white wine" does not list a white lily. The variant listed first is the
one the shopper's words name ("large", "red", "size 8"). The same product at two stores (a shared
barcode, or a near-identical title) becomes one group with each store's offer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from itertools import zip_longest
from typing import Final

from assistant.domain import (
    MerchantRef,
    Money,
    Offer,
    Product,
    ProductGroup,
    SearchHit,
    SearchRequest,
    Variant,
)
from assistant.shopping.words import STOPWORDS, fold, query_terms, stems, wants, words

PAGE_SIZE: Final = 8
KEEP_FRACTION: Final = 0.5  # of the best score
STRONG_FRACTION: Final = 0.75  # of the best score, for a product missing some of the words
SAME_TITLE_RATIO: Final = 0.92  # difflib ratio of folded titles that names one product
_ANY: Final = SearchRequest("")  # no filters
_WEIGHTS: Final = {"title": 4.0, "categories": 3.0, "tags": 2.0, "variant": 1.5, "description": 0.5}
# The shopper's words are the whole name of a category the product is filed under ("coffee", "red
# wine", "dried flowers"): they name what kind of thing it is, which beats a title that mentions
# it (a Coffee Gift Card is not what "coffee" asks for).
NAMED_CATEGORY: Final = 4.5
SIZE_NAMES: Final = {
    "xs": "extra small",
    "s": "small",
    "m": "medium",
    "l": "large",
    "xl": "extra large",
    "xxl": "extra extra large",
}
# An occasion says which of the things asked for fit ("birthday flowers"), not what they are: it
# ranks among them, but a product is not dropped for missing it. A celebration never leads to
# what is meant for mourning (a sympathy arrangement is no birthday present).
OCCASIONS: Final = frozenset(
    query_terms(
        "birthday anniversary wedding engagement graduation retirement valentine valentines "
        "christmas housewarming congratulations"
    )
)
MOURNING: Final = frozenset(
    query_terms("sympathy funeral funerals condolence condolences memorial bereavement")
)


@dataclass(frozen=True)
class _Scored:
    merchant: MerchantRef
    product: Product
    variants: list[Variant]  # inside the filters, the chosen one first
    coverage: float  # words matched; a word found only in the description counts half
    score: float

    @property
    def in_stock(self) -> bool:
        return any(v.availability.available for v in self.variants)


def _variant_stems(variant: Variant) -> set[str]:
    labels = " ".join(str(o.get("label", "")) for o in variant.options)
    named = stems(f"{variant.title} {labels}")
    # "a t-shirt in medium": a size letter answers to its name too
    spelled = [SIZE_NAMES[w] for w in words(f"{variant.title} {labels}") if w in SIZE_NAMES]
    return named | stems(" ".join(spelled)) if spelled else named


def _fields(product: Product) -> dict[str, set[str]]:
    return {
        "title": stems(product.title),
        "categories": stems(" ".join(str(c.get("value", "")) for c in product.categories)),
        "tags": stems(" ".join(product.tags)),
        "variant": set().union(*(_variant_stems(v) for v in product.variants)),
        "description": stems(product.description.text()),
    }


def _files_under(product: Product, terms: Sequence[str]) -> bool:
    """Whether one of the product's categories is named by these words: the whole name, or
    its last words ("flowers" names Fresh Flowers and Dried Flowers: what kind, narrowed)."""
    for category in product.categories:
        named = query_terms(str(category.get("value", "")))
        if named[-len(terms) :] == list(terms) or set(named) == set(terms):
            return True
    return False


def _inside(variant: Variant, request: SearchRequest) -> bool:
    price = variant.price
    if request.currency is not None and price.currency != request.currency:
        return False
    if request.min_price is not None and price.amount < request.min_price:
        return False
    if request.max_price is not None and price.amount > request.max_price:
        return False
    return not request.in_stock_only or variant.availability.available


def _choose(variants: list[Variant], terms: Sequence[str]) -> list[Variant]:
    """The variants, the one matching most of the shopper's words (in stock first) leading."""

    def key(indexed: tuple[int, Variant]) -> tuple[int, bool, int]:
        index, variant = indexed
        named = len(_variant_stems(variant).intersection(terms))
        return (-named, not variant.availability.available, index)

    return [v for _, v in sorted(enumerate(variants), key=key)]


def _score(
    merchant: MerchantRef, product: Product, terms: Sequence[str], request: SearchRequest
) -> _Scored | None:
    variants = [v for v in product.variants if _inside(v, request)]
    if not variants:
        return None
    fields = _fields(product)
    weights = [max((_WEIGHTS[f] for f, s in fields.items() if t in s), default=0.0) for t in terms]
    what = [t for t in terms if t not in OCCASIONS] or list(terms)
    if what and _files_under(product, what):
        weights = [
            max(w, NAMED_CATEGORY) if t in what else w for t, w in zip(terms, weights, strict=True)
        ]
    return _Scored(
        merchant,
        product,
        _choose(variants, terms),
        coverage=sum(
            1.0 if w > _WEIGHTS["description"] else 0.5 if w else 0.0
            for t, w in zip(terms, weights, strict=True)
            if t in what
        ),
        score=sum(weights),
    )


def _hits(scored: _Scored) -> list[SearchHit]:
    return [hit_from_variant(scored.merchant, scored.product, v) for v in scored.variants]


def hit_from_variant(merchant: MerchantRef, product: Product, variant: Variant) -> SearchHit:
    """One variant as a search hit (its handle is given when the trip lists it)."""
    return SearchHit(
        handle="",
        merchant=merchant,
        product_id=product.id,
        variant_id=variant.id,
        title=product.title,
        variant_title=variant.title,
        price=Money(amount=variant.price.amount, currency=variant.price.currency),
        available=variant.availability.available,
        description=(variant.description or product.description).text()[:300],
    )


def _barcodes(product: Product) -> set[str]:
    found: set[str] = set()
    for variant in product.variants:
        for barcode in (variant.model_extra or {}).get("barcodes") or []:
            if isinstance(barcode, dict) and barcode.get("value"):
                found.add(str(barcode["value"]))
    return found


def _title_key(title: str) -> str:
    return " ".join(w for w in words(fold(title)) if w not in STOPWORDS)


def _same_product(a: _Scored, b: _Scored) -> bool:
    if a.merchant.domain == b.merchant.domain:
        return False
    if _barcodes(a.product) & _barcodes(b.product):
        return True
    ratio = SequenceMatcher(None, _title_key(a.product.title), _title_key(b.product.title)).ratio()
    return ratio >= SAME_TITLE_RATIO


def _price_key(scored: _Scored) -> tuple[bool, str, int]:
    chosen = scored.variants[0]
    return (not chosen.availability.available, chosen.price.currency, chosen.price.amount)


def rank(
    found: Sequence[tuple[MerchantRef, Product]], request: SearchRequest
) -> list[ProductGroup]:
    """Every merchant's products for ``request``, best first, as groups of offers.

    A query listing several things ("flowers and red wine") ranks each on its own and takes them
    in turn (the best flowers, the best red wine, the next flowers…), unless some product matches
    every word ("black and white shirt" is one thing when a black and white shirt is there).
    """
    terms = query_terms(request.query)
    kept = _kept(found, request, terms)
    parts = wants(request.query)
    if len(parts) > 1 and not (kept and kept[0].coverage >= len(terms)):
        kept = _in_turn([_kept(found, request, query_terms(part)) for part in parts])
    return _grouped(kept)


def priced_elsewhere(
    found: Sequence[tuple[MerchantRef, Product]],
    request: SearchRequest,
    groups: Sequence[ProductGroup],
) -> dict[str, str]:
    """Per store whose products the words match but whose prices are all in another currency
    than ``request``'s: why it shows nothing (there are no exchange rates to compare with)."""
    if request.currency is None:
        return {}
    shown = {offer.merchant.domain for group in groups for offer in group.offers}
    matched = _kept(
        found,
        replace(request, currency=None, min_price=None, max_price=None),
        query_terms(request.query),
    )[:PAGE_SIZE]
    notes: dict[str, str] = {}
    for scored in matched:
        domain, name = scored.merchant.domain, scored.merchant.name
        theirs = {v.price.currency for m, p in found if m.domain == domain for v in p.variants}
        if domain not in shown and name not in notes and request.currency not in theirs:
            named = ", ".join(sorted(theirs))
            notes[name] = (
                f"prices in {named}, not compared with a {request.currency} price (Pannier has "
                f"no exchange rates): give the price in {named} to see them"
            )
    return notes


def _kept(
    found: Sequence[tuple[MerchantRef, Product]], request: SearchRequest, terms: Sequence[str]
) -> list[_Scored]:
    """The products worth showing for ``terms``, in the order asked for."""
    scored = [s for m, p in found if (s := _score(m, p, terms, request)) is not None]
    if terms:
        # The bar is set by every product the words match, the filters aside: a red rose is no
        # answer to "red wine under 80 dollars" because the wines are priced in euros.
        matched = [s for m, p in found if (s := _score(m, p, terms, _ANY)) is not None]
        best = max((s.score for s in matched), default=0.0)
        widest = max((s.coverage for s in matched), default=0.0)
        scored = [
            s
            for s in scored
            if s.score > 0
            and s.score >= best * KEEP_FRACTION
            and (s.coverage == widest or s.score >= best * STRONG_FRACTION)
        ]
    position = {id(s): i for i, s in enumerate(scored)}
    if request.order == "relevance":
        common = _commonness(scored)
        scored.sort(
            key=lambda s: (-s.coverage, not s.in_stock, -s.score, -common[id(s)], position[id(s)])
        )
    else:
        sign = 1 if request.order == "cheapest" else -1
        scored.sort(key=lambda s: (not s.in_stock, sign * s.variants[0].price.amount))
    if OCCASIONS.intersection(terms) and not MOURNING.intersection(terms):
        scored.sort(key=_for_mourning)  # stable: the rest keep their order
    return scored


def _for_mourning(scored: _Scored) -> bool:
    fields = _fields(scored.product)
    return bool(MOURNING & (fields["title"] | fields["categories"] | fields["tags"]))


def _commonness(scored: Sequence[_Scored]) -> dict[int, int]:
    """Per product, how many of ``scored`` share its narrowest category (a product filed under
    no category counts as common as any): on a tie, the usual kind of thing the words found comes
    first, so "coffee" or "coffee beans" leads with a whole-bean coffee, not the one decaf or the
    cold-brew packs, which a shopper who wants them names."""
    sharing: dict[str, int] = {}
    for s in scored:
        for name in _category_names(s.product):
            sharing[name] = sharing.get(name, 0) + 1
    return {
        id(s): min((sharing[n] for n in _category_names(s.product)), default=len(scored))
        for s in scored
    }


def _category_names(product: Product) -> set[str]:
    return {fold(str(c.get("value", ""))) for c in product.categories} - {""}


def _in_turn(rankings: Sequence[list[_Scored]]) -> list[_Scored]:
    """One from each ranking in turn, each product once."""
    seen: set[tuple[str, str]] = set()
    merged: list[_Scored] = []
    for row in zip_longest(*rankings):
        for scored in row:
            if scored is None:
                continue
            key = (scored.merchant.domain, scored.product.id)
            if key not in seen:
                seen.add(key)
                merged.append(scored)
    return merged


def _grouped(scored: Sequence[_Scored]) -> list[ProductGroup]:
    """The same product at several stores as one group, in ``scored``'s order."""
    groups: list[list[_Scored]] = []
    for item in scored:
        twin = next((g for g in groups if any(_same_product(item, o) for o in g)), None)
        if twin is None:
            groups.append([item])
        elif all(o.merchant.domain != item.merchant.domain for o in twin):
            twin.append(item)
        else:
            groups.append([item])
    return [
        ProductGroup(
            [Offer(s.merchant, s.product.id, _hits(s)) for s in sorted(group, key=_price_key)]
        )
        for group in groups
    ]


def numbered(groups: Sequence[ProductGroup]) -> list[SearchHit]:
    """Every hit, each product's chosen variants first (in rank order), then the other variants.

    This is the order handles are given in, so a new session's first page reads 1, 2, 3…
    """
    chosen = [(rank_, offer.chosen) for rank_, group in enumerate(groups) for offer in group.offers]
    others = [
        (rank_, hit)
        for rank_, group in enumerate(groups)
        for offer in group.offers
        for hit in offer.variants[1:]
    ]
    return [replace(hit, group=rank_) for rank_, hit in chosen + others]


def regroup(hits: Sequence[SearchHit]) -> list[ProductGroup]:
    """The groups again from hits as ``numbered`` listed them (a restored search)."""
    by_group: dict[int, dict[tuple[str, str], list[SearchHit]]] = {}
    for hit in hits:
        offers = by_group.setdefault(hit.group, {})
        offers.setdefault((hit.merchant.domain, hit.product_id), []).append(hit)
    return [
        ProductGroup([Offer(v[0].merchant, v[0].product_id, v) for v in by_group[g].values()])
        for g in sorted(by_group)
    ]
