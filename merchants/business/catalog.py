"""The in-memory catalog: products indexed once, rendered as UCP Product dicts once."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from merchants.business.errors import InvalidRequest, RequestTooLarge
from merchants.business.search_index import SearchIndex
from merchants.business.specs import ProductSpec, StoreSpec, VariantSpec
from merchants.business.validation import expect_dict, expect_int, expect_list, expect_str

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 50
MAX_LOOKUP_IDS = 50


def variant_availability(variant: VariantSpec) -> dict[str, Any]:
    """UCP availability for a variant; low stock is still ``in_stock``."""
    if not variant.available or variant.stock == 0:
        return {"available": False, "status": "out_of_stock"}
    return {"available": True, "status": "in_stock"}


@dataclass(frozen=True)
class Indexed:
    """A product with its pre-rendered wire form and its search text."""

    spec: ProductSpec
    wire: dict[str, Any]
    categories: frozenset[str]


class Catalog:
    """All of a store's products, indexed by product id, variant id, SKU and handle."""

    def __init__(self, spec: StoreSpec) -> None:
        self.currency = spec.currency
        self.products: list[Indexed] = []
        self.by_product_id: dict[str, Indexed] = {}
        self.by_variant_id: dict[str, tuple[Indexed, VariantSpec]] = {}
        self.by_alias: dict[str, tuple[Indexed, VariantSpec | None]] = {}
        for product in spec.products:
            indexed = Indexed(
                spec=product,
                wire=self._render_product(product),
                categories=frozenset(c.lower() for c in product.categories),
            )
            self.products.append(indexed)
            self.by_product_id[product.id] = indexed
            self.by_alias[product.handle] = (indexed, None)
            for variant in product.variants:
                self.by_variant_id[variant.id] = (indexed, variant)
                self.by_alias[variant.sku] = (indexed, variant)
        self.index = SearchIndex(
            [
                (
                    p.title,
                    " ".join(p.categories),
                    " ".join(p.tags),
                    " ".join(v.title for v in p.variants),
                    p.description,
                )
                for p in spec.products
            ]
        )

    def variant(self, variant_id: str) -> tuple[ProductSpec, VariantSpec] | None:
        """The product and variant a checkout ``item.id`` names, or None."""
        found = self.by_variant_id.get(variant_id)
        return (found[0].spec, found[1]) if found else None

    # rendering -------------------------------------------------------------------------------
    def _price(self, amount: int) -> dict[str, Any]:
        return {"amount": amount, "currency": self.currency}

    def _render_variant(self, product: ProductSpec, variant: VariantSpec) -> dict[str, Any]:
        wire: dict[str, Any] = {
            "id": variant.id,
            "sku": variant.sku,
            "title": variant.title if variant.title != "Default" else product.title,
            "description": {"plain": f"{product.title} — {variant.title}"},
            "price": self._price(variant.price),
            "availability": variant_availability(variant),
            "options": [{"name": n, "label": v} for n, v in variant.options],
            "media": [{"type": "image", "url": product.image_url, "alt_text": product.title}],
        }
        if variant.list_price is not None:
            wire["list_price"] = self._price(variant.list_price)
        if variant.stock is not None and variant.stock > 0:
            wire["metadata"] = {"inventory_quantity": variant.stock}
        return wire

    def _render_product(self, product: ProductSpec) -> dict[str, Any]:
        prices = [v.price for v in product.variants]
        wire: dict[str, Any] = {
            "id": product.id,
            "handle": product.handle,
            "title": product.title,
            "description": {"plain": product.description},
            "categories": [{"value": c} for c in product.categories],
            "price_range": {"min": self._price(min(prices)), "max": self._price(max(prices))},
            "media": [{"type": "image", "url": product.image_url, "alt_text": product.title}],
            "variants": [self._render_variant(product, v) for v in product.variants],
            "tags": list(product.tags),
        }
        options = []
        for name in product.option_names:
            labels: list[str] = []
            for v in product.variants:
                label = dict(v.options)[name]
                if label not in labels:
                    labels.append(label)
            options.append({"name": name, "values": [{"label": lbl} for lbl in labels]})
        if options:
            wire["options"] = options
        metadata: dict[str, Any] = {}
        if product.size_sensitive:
            metadata["size_sensitive"] = True
        if product.age_restricted:
            metadata["age_restricted"] = True
            metadata["minimum_age"] = 18
        if metadata:
            wire["metadata"] = metadata
        return wire

    # operations -------------------------------------------------------------------------------
    def search(self, request: dict[str, Any]) -> dict[str, Any]:
        """search_catalog: every query word (stemmed, whole words), then the filters (all AND).

        ``filters.price`` bounds the variants' prices, in minor units of ``context.currency``
        when given (a store that prices in another currency cannot compare, so ignores it);
        products keep only the variants inside the bounds.
        """
        query = expect_str(request.get("query"), "$.catalog.query", optional=True) or ""
        filters = expect_dict(request.get("filters"), "$.catalog.filters", optional=True) or {}
        categories = expect_list(filters.get("categories"), "$.catalog.filters.categories", True)
        wanted = {expect_str(c, "$.catalog.filters.categories").lower() for c in categories or ()}
        price = expect_dict(filters.get("price"), "$.catalog.filters.price", optional=True) or {}
        low = expect_int(price.get("min"), "$.catalog.filters.price.min", optional=True)
        high = expect_int(price.get("max"), "$.catalog.filters.price.max", optional=True)
        context = expect_dict(request.get("context"), "$.catalog.context", optional=True) or {}
        currency = expect_str(context.get("currency"), "$.catalog.context.currency", True)
        if currency is not None and currency.upper() != self.currency:
            low = high = None
        page = expect_dict(request.get("pagination"), "$.catalog.pagination", optional=True) or {}
        limit = expect_int(page.get("limit"), "$.catalog.pagination.limit", optional=True)
        limit = min(max(limit or DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE)
        cursor = expect_str(page.get("cursor"), "$.catalog.pagination.cursor", optional=True)
        offset = 0
        if cursor:
            if not cursor.isdigit():
                raise InvalidRequest("$.catalog.pagination.cursor", "unknown cursor")
            offset = int(cursor)

        def in_bounds(amount: int) -> bool:
            return (low is None or amount >= low) and (high is None or amount <= high)

        def passes(item: Indexed) -> bool:
            if wanted and not (wanted & item.categories):
                return False
            return any(in_bounds(v.price) for v in item.spec.variants)

        positions = self.index.search(query)
        ranked = self.products if positions is None else [self.products[i] for i in positions]
        candidates = [p for p in ranked if passes(p)]
        window = candidates[offset : offset + limit]
        has_next = offset + limit < len(candidates)
        pagination: dict[str, Any] = {"has_next_page": has_next, "total_count": len(candidates)}
        if has_next:
            pagination["cursor"] = str(offset + limit)
        products = [copy.deepcopy(p.wire) for p in window]
        if low is not None or high is not None:
            for product in products:
                _keep_variants(product, in_bounds, self._price)
        return {"products": products, "pagination": pagination}

    def lookup(self, request: dict[str, Any]) -> dict[str, Any]:
        """lookup_catalog: product ids resolve to a featured variant, variant ids/SKUs exactly."""
        ids = expect_list(request.get("ids"), "$.catalog.ids")
        if not ids:
            raise InvalidRequest("$.catalog.ids", "at least one id is required")
        if len(ids) > MAX_LOOKUP_IDS:
            raise RequestTooLarge("$.catalog.ids", f"at most {MAX_LOOKUP_IDS} ids per request")
        wanted_ids = [expect_str(raw, f"$.catalog.ids[{i}]") for i, raw in enumerate(ids)]
        found: dict[str, dict[str, Any]] = {}
        variants_by_product: dict[str, dict[str, dict[str, Any]]] = {}
        messages: list[dict[str, Any]] = []
        for i, wanted_id in enumerate(dict.fromkeys(wanted_ids)):
            match = self._resolve(wanted_id)
            if match is None:
                messages.append(
                    {
                        "type": "info",
                        "code": "not_found",
                        "path": f"$.ids[{i}]",
                        "content": f"No product or variant with id {wanted_id!r}.",
                    }
                )
                continue
            item, variant, how = match
            product = found.setdefault(item.spec.id, copy.deepcopy(item.wire))
            variants = variants_by_product.setdefault(item.spec.id, {})
            wire = variants.get(variant.id)
            if wire is None:
                wire = self._render_variant(item.spec, variant)
                wire["inputs"] = []
                variants[variant.id] = wire
            wire["inputs"].append({"id": wanted_id, "match": how})
            product["variants"] = list(variants.values())
        result: dict[str, Any] = {"products": list(found.values())}
        if messages:
            result["messages"] = messages
        return result

    def _resolve(self, wanted_id: str) -> tuple[Indexed, VariantSpec, str] | None:
        if wanted_id in self.by_variant_id:
            item, variant = self.by_variant_id[wanted_id]
            return item, variant, "exact"
        item_or_alias = self.by_product_id.get(wanted_id)
        alias_variant: VariantSpec | None = None
        if item_or_alias is None and wanted_id in self.by_alias:
            item_or_alias, alias_variant = self.by_alias[wanted_id]
        if item_or_alias is None:
            return None
        if alias_variant is not None:
            return item_or_alias, alias_variant, "exact"
        return item_or_alias, featured_variant(item_or_alias.spec), "featured"

    def get_product(self, request: dict[str, Any]) -> dict[str, Any] | None:
        """get_product: the full product, best-matching variant first, with option availability."""
        wanted_id = expect_str(request.get("id"), "$.catalog.id")
        selected_raw = expect_list(request.get("selected"), "$.catalog.selected", optional=True)
        selected: dict[str, str] = {}
        for i, entry in enumerate(selected_raw or ()):
            entry = expect_dict(entry, f"$.catalog.selected[{i}]")
            name = expect_str(entry.get("name"), f"$.catalog.selected[{i}].name")
            selected[name] = expect_str(entry.get("label"), f"$.catalog.selected[{i}].label")
        preferences = expect_list(request.get("preferences"), "$.catalog.preferences", True)
        order = [expect_str(p, "$.catalog.preferences") for p in preferences or ()]
        match = self._resolve(wanted_id)
        if match is None:
            return None
        item, variant, how = match
        if how == "featured" and selected:
            variant = _best_variant(item.spec, selected, order) or variant
        product = copy.deepcopy(item.wire)
        product["variants"].sort(key=lambda v: v["id"] != variant.id)
        effective = dict(variant.options)
        product["selected"] = [{"name": n, "label": lbl} for n, lbl in variant.options]
        options: list[dict[str, Any]] = []
        for name in item.spec.option_names:
            values = []
            for value in product["options"][len(options)]["values"]:
                label = value["label"]
                others = {**effective, name: label}
                twins = [v for v in item.spec.variants if dict(v.options) == others]
                values.append(
                    {
                        "label": label,
                        "exists": bool(twins),
                        "available": any(variant_availability(v)["available"] for v in twins),
                    }
                )
            options.append({"name": name, "values": values})
        if options:
            product["options"] = options
        return {"product": product}


def _keep_variants(
    product: dict[str, Any],
    in_bounds: Callable[[int], bool],
    price: Callable[[int], dict[str, Any]],
) -> None:
    """Drop the variants a price filter excludes, and narrow the price range to the rest."""
    product["variants"] = [v for v in product["variants"] if in_bounds(v["price"]["amount"])]
    amounts = [v["price"]["amount"] for v in product["variants"]]
    product["price_range"] = {"min": price(min(amounts)), "max": price(max(amounts))}


def featured_variant(product: ProductSpec) -> VariantSpec:
    """The first available variant (or the first variant if none is available)."""
    for variant in product.variants:
        if variant_availability(variant)["available"]:
            return variant
    return product.variants[0]


def _best_variant(
    product: ProductSpec, selected: dict[str, str], preferences: list[str]
) -> VariantSpec | None:
    """Match the selected options, relaxing the least-preferred option names first."""
    wanted = dict(selected)
    relax_order = [n for n in reversed(preferences) if n in wanted]
    relax_order += [n for n in wanted if n not in relax_order]
    while True:
        matches = [
            v
            for v in product.variants
            if all(dict(v.options).get(k) == x for k, x in wanted.items())
        ]
        available = [v for v in matches if variant_availability(v)["available"]]
        if available or (matches and not relax_order):
            return (available or matches)[0]
        if not relax_order:
            return None
        wanted.pop(relax_order.pop(0), None)
