"""Store specifications: one JSON file per sandbox store, parsed once into frozen dataclasses."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STORES_DIR = Path(__file__).resolve().parent.parent / "stores"


@dataclass(frozen=True)
class Disclosure:
    """A warning the buyer must see next to a line item (``presentation: "disclosure"``)."""

    code: str
    content: str
    image_url: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class VariantSpec:
    """A purchasable variant; ``stock`` None is unlimited, ``available`` False is sold out."""

    id: str
    sku: str
    title: str
    price: int
    options: tuple[tuple[str, str], ...]
    stock: int | None = None
    available: bool = True
    list_price: int | None = None


@dataclass(frozen=True)
class ProductSpec:
    """A catalog product with its variants and business flags."""

    id: str
    handle: str
    title: str
    description: str
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    image_url: str
    option_names: tuple[str, ...]
    variants: tuple[VariantSpec, ...]
    size_sensitive: bool = False
    age_restricted: bool = False
    disclosure: Disclosure | None = None


@dataclass(frozen=True)
class ShippingOptionSpec:
    """A delivery option; ``free_over`` makes it free at or above that merchandise amount."""

    id: str
    title: str
    description: str
    carrier: str
    price: int
    earliest_hours: int
    latest_hours: int
    free_over: int | None = None


@dataclass(frozen=True)
class PickupSpec:
    """In-store pickup: retail locations plus the single pickup option."""

    locations: tuple[dict[str, Any], ...]
    option: ShippingOptionSpec


@dataclass(frozen=True)
class DiscountSpec:
    """A percent-off code; ``min_subtotal`` in minor units, ``expired`` marks a dead code."""

    code: str
    title: str
    percent: int
    min_subtotal: int = 0
    expired: bool = False


@dataclass(frozen=True)
class StoreSpec:
    """Everything a sandbox store is, as data; adding a store means adding a JSON file."""

    slug: str
    name: str
    currency: str
    default_port: int
    payment_handlers: dict[str, list[dict[str, Any]]]
    capabilities: list[str]
    auth_clients: dict[str, str]
    rate_limits: dict[str, tuple[float, int]]
    tagline: str = ""
    products: tuple[ProductSpec, ...] = ()
    shipping_options: tuple[ShippingOptionSpec, ...] = ()
    ship_to_countries: tuple[str, ...] = ("US",)
    pickup: PickupSpec | None = None
    discounts: tuple[DiscountSpec, ...] = ()
    tax_rate_bp: int = 0
    tax_label: str = "Tax"
    requires_phone_for_shipping: bool = False
    max_quantity: int = 99
    order_prefix: str = "ORD"
    policy_paths: dict[str, str] = field(default_factory=dict)
    checkout_policies: tuple[dict[str, Any], ...] = ()  # 2026-08-25 policies[] (returns…)

    @property
    def handler_ids(self) -> frozenset[str]:
        """Instance ids of the payment handlers this store accepts (``handler_id`` values)."""
        return frozenset(h["id"] for handlers in self.payment_handlers.values() for h in handlers)


def _option(raw: dict[str, Any]) -> ShippingOptionSpec:
    return ShippingOptionSpec(
        id=raw["id"],
        title=raw["title"],
        description=raw["description"],
        carrier=raw.get("carrier", ""),
        price=int(raw["price"]),
        earliest_hours=int(raw["earliest_hours"]),
        latest_hours=int(raw["latest_hours"]),
        free_over=raw.get("free_over"),
    )


def _variant(raw: dict[str, Any]) -> VariantSpec:
    return VariantSpec(
        id=raw["id"],
        sku=raw["sku"],
        title=raw["title"],
        price=int(raw["price"]),
        options=tuple((str(k), str(v)) for k, v in raw.get("options", {}).items()),
        stock=raw.get("stock"),
        available=bool(raw.get("available", True)),
        list_price=raw.get("list_price"),
    )


def _product(raw: dict[str, Any]) -> ProductSpec:
    disclosure = raw.get("disclosure")
    return ProductSpec(
        id=raw["id"],
        handle=raw["handle"],
        title=raw["title"],
        description=raw["description"],
        categories=tuple(raw.get("categories", ())),
        tags=tuple(raw.get("tags", ())),
        image_url=raw["image_url"],
        option_names=tuple(raw.get("option_names", ())),
        variants=tuple(_variant(v) for v in raw["variants"]),
        size_sensitive=bool(raw.get("size_sensitive", False)),
        age_restricted=bool(raw.get("age_restricted", False)),
        disclosure=Disclosure(**disclosure) if disclosure else None,
    )


def parse_store_spec(raw: dict[str, Any]) -> StoreSpec:
    """Build a StoreSpec from a store file's JSON object."""
    pickup = raw.get("pickup")
    tax = raw.get("tax", {})
    return StoreSpec(
        slug=raw["slug"],
        name=raw["name"],
        currency=raw["currency"],
        default_port=int(raw["default_port"]),
        payment_handlers=raw["payment_handlers"],
        capabilities=list(raw["capabilities"]),
        auth_clients=dict(raw["auth_clients"]),
        rate_limits={k: (float(v[0]), int(v[1])) for k, v in raw["rate_limits"].items()},
        tagline=raw.get("tagline", ""),
        products=tuple(_product(p) for p in raw["products"]),
        shipping_options=tuple(_option(o) for o in raw.get("shipping_options", ())),
        ship_to_countries=tuple(raw.get("ship_to_countries", ("US",))),
        pickup=PickupSpec(
            locations=tuple(pickup["locations"]),
            option=_option(pickup["option"]),
        )
        if pickup
        else None,
        discounts=tuple(DiscountSpec(**d) for d in raw.get("discounts", ())),
        tax_rate_bp=int(tax.get("rate_bp", 0)),
        tax_label=tax.get("label", "Tax"),
        requires_phone_for_shipping=bool(raw.get("requires_phone_for_shipping", False)),
        max_quantity=int(raw.get("max_quantity", 99)),
        order_prefix=raw.get("order_prefix", "ORD"),
        policy_paths=dict(raw.get("policies", {})),
        checkout_policies=tuple(raw.get("checkout_policies", ())),
    )


def load_store_specs(
    names: Sequence[str] | None = None, directory: Path = STORES_DIR
) -> list[StoreSpec]:
    """Read ``merchants/stores/*.json`` (all of them, or the named slugs in the given order)."""
    if names is None:
        paths = sorted(directory.glob("*.json"))
    else:
        paths = [directory / f"{name}.json" for name in names]
        missing = [p.stem for p in paths if not p.is_file()]
        if missing:
            raise ValueError(f"unknown store(s): {', '.join(missing)}")
    specs = [parse_store_spec(json.loads(p.read_text(encoding="utf-8"))) for p in paths]
    return sorted(specs, key=lambda s: s.default_port) if names is None else specs
