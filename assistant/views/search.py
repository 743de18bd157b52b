"""Search hits, the products they group into, a page of results, and one product's details."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from assistant.domain import MerchantRef, Product, ProductGroup, SearchHit, SearchResult
from assistant.views.common import DESCRIPTION_CHARS, clip, money_json, said

MAX_VARIANTS_LISTED: Final = 12  # more variants than this: the model asks show_product
VARIANTS_IN_TEXT: Final = 4  # the shopper reads the first few other variants' names


@dataclass(frozen=True)
class HitView:
    """One variant from a search, with its short handle."""

    hit: SearchHit

    def for_script(self) -> dict[str, Any]:
        hit = self.hit
        return {
            "handle": hit.handle,
            "store": hit.merchant.name,
            "domain": hit.merchant.domain,
            "product": hit.title,
            "variant": hit.variant_title,
            "variant_id": hit.variant_id,
            "price": money_json(hit.price.amount, hit.price.currency),
            "available": hit.available,
        }

    def for_model(self) -> dict[str, Any]:
        """As one of a product's variants."""
        hit = self.hit
        return {
            "handle": hit.handle,
            "price": hit.price.format(),
            "available": hit.available,
            "merchant_data": {"variant": hit.variant_title},
        }

    @property
    def name(self) -> str:
        """``Red Roses (Dozen)``; the variant's name is left out when it only repeats the title."""
        title, variant = said(self.hit.title), said(self.hit.variant_title)
        return f"{title} ({variant})" if variant and variant.lower() != title.lower() else title

    def line(self) -> str:
        """``  1. Red Roses (Dozen) — USD 24.00 — Petal & Stem``"""
        hit = self.hit
        sold_out = "" if hit.available else " (sold out)"
        return (
            f"  {hit.handle}. {self.name} — {hit.price.format()} — {said(hit.merchant.name)}"
            + sold_out
        )


@dataclass(frozen=True)
class ProductGroupView:
    """One product as listed: its best offer's chosen variant, other stores, other variants."""

    group: ProductGroup

    def for_model(self) -> dict[str, Any]:
        group = self.group
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
            entry["merchant_data"]["description"] = clip(chosen.description, DESCRIPTION_CHARS)
        variants = self.variants_listed
        if len(variants) > 1:
            entry["variants"] = [HitView(h).for_model() for h in variants]
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

    @property
    def variants_listed(self) -> list[SearchHit]:
        return self.group.offers[0].variants[:MAX_VARIANTS_LISTED]

    def lines(self) -> list[str]:
        group = self.group
        out = [HitView(group.chosen).line()]
        for offer in group.offers[1:]:
            out.append(
                f"       also {offer.chosen.price.format()} at {said(offer.merchant.name)} "
                f"({offer.chosen.handle})"
            )
        others = self.variants_listed[1:] if len(self.variants_listed) > 1 else []
        if others:
            shown = ", ".join(said(v.variant_title) for v in others[:VARIANTS_IN_TEXT])
            extra = len(others) - VARIANTS_IN_TEXT
            out.append(f"       also: {shown}" + (f" and {extra} more" if extra > 0 else ""))
        return out


@dataclass(frozen=True)
class SearchPageView:
    """One page of the latest search, and the stores that could not answer it."""

    result: SearchResult
    groups: Sequence[ProductGroup]
    page: int
    page_size: int

    @property
    def more(self) -> bool:
        return self.page * self.page_size < len(self.result.groups)

    def for_model(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "results": [ProductGroupView(g).for_model() for g in self.groups]
        }
        total = len(self.result.groups)
        if total > self.page_size:  # one page needs no paging words (tokens are the budget)
            payload["page"] = self.page
            payload["products_found"] = total
        if self.more:
            payload["more"] = f"search again with page={self.page + 1} for the next products"
        if self.result.notes:  # store names and their failures are the stores' words
            payload["unavailable_stores"] = {"merchant_data": self.result.notes}
        return payload

    def notes(self) -> list[str]:
        """One line per store that gave no results, and why (timed out, no catalog…)."""
        return [f"  ({said(store)}: {said(note)})" for store, note in self.result.notes.items()]

    def text(self) -> str:
        if not self.groups:
            query = self.result.query.strip("* ")
            where = f' for "{said(query)}"' if query else ""
            nothing = f"Nothing found{where}. Try fewer or other words, or a higher price limit."
            return "\n".join([nothing, *self.notes()])
        total = len(self.result.groups) if len(self.result.groups) > self.page_size else None
        found = total if total is not None else len(self.groups)
        head = f"Found {found} product{'s' if found != 1 else ''}"
        lines = [head + (f" (page {self.page}):" if found > len(self.groups) else ":")]
        for group in self.groups:
            lines += ProductGroupView(group).lines()
        lines += self.notes()
        first = self.groups[0].chosen.handle  # handles run on across searches: name a real one
        tail = f'Say "add {first}", "add 2 of the first one" or "show {first}" for its options'
        lines.append(tail + (', or "more" for the next page.' if self.more else "."))
        return "\n".join(lines)


@dataclass(frozen=True)
class ProductView:
    """One product's details: every variant, with the handles the latest search gave them."""

    merchant: MerchantRef
    product: Product
    hits: Sequence[SearchHit] = ()

    def _ref(self, variant_id: str) -> str:
        handles = {hit.variant_id: hit.handle for hit in self.hits}
        return handles.get(variant_id, variant_id)

    def for_model(self) -> dict[str, Any]:
        product = self.product
        return {
            "store_id": self.merchant.domain,
            "variants": [
                {
                    "ref": self._ref(variant.id),
                    "price": variant.price.money().format(),
                    "available": variant.availability.available,
                    "merchant_data": {"title": variant.title},
                }
                for variant in product.variants
            ],
            "merchant_data": {
                "store_name": self.merchant.name,
                "title": product.title,
                "description": self.description,
            },
        }

    @property
    def description(self) -> str:
        return clip(self.product.description.text(), DESCRIPTION_CHARS * 2)

    def text(self) -> str:
        lines = [f"{said(self.product.title)} — {said(self.merchant.name)}"]
        if self.description:
            lines.append(f"  {said(self.description)}")
        for variant in self.product.variants:
            sold_out = "" if variant.availability.available else " (sold out)"
            lines.append(
                f"  {self._ref(variant.id)}. {said(variant.title)} — "
                f"{variant.price.money().format()}{sold_out}"
            )
        return "\n".join(lines)
