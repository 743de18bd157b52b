"""The 13 UCP shopping operations, and 2026-08-25's two location ones, as data: what each needs
before the business core runs it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from merchants.bindings.versions import CONSTRAINTS_SHOWN
from merchants.business.locations import lookup_locations, search_locations
from merchants.business.shop import Result, Shop

CHECKOUT = "dev.ucp.shopping.checkout"
CART = "dev.ucp.shopping.cart"
ORDER = "dev.ucp.shopping.order"
CATALOG_SEARCH = "dev.ucp.shopping.catalog.search"
CATALOG_LOOKUP = "dev.ucp.shopping.catalog.lookup"
LOCATION_SEARCH = "dev.ucp.common.location.search"
LOCATION_LOOKUP = "dev.ucp.common.location.lookup"

Runner = Callable[[Shop, dict[str, Any]], Result]


@dataclass(frozen=True)
class Operation:
    """One UCP operation; `body_key` names its resource argument (MCP) / request body (REST)."""

    name: str
    capability: str
    body_key: str | None
    takes_id: bool
    needs_auth: bool
    rate_class: str
    writes: bool
    needs_idempotency_key: bool
    run: Runner
    description: str


def _create_checkout(shop: Shop, args: dict[str, Any]) -> Result:
    return shop.create_checkout(args.get("checkout"), args.get("cart_id"))


def _op(
    name: str,
    capability: str,
    run: Runner,
    description: str,
    *,
    body: str | None = None,
    takes_id: bool = False,
    auth: bool = False,
    writes: bool = False,
    key_required: bool = False,
) -> Operation:
    rate_class = {CHECKOUT: "checkout", ORDER: "checkout", CART: "cart"}.get(capability, "catalog")
    return Operation(
        name, capability, body, takes_id, auth, rate_class, writes, key_required, run, description
    )


_CHECKOUT_OPS = (
    _op(
        "create_checkout",
        CHECKOUT,
        _create_checkout,
        "Create a checkout (from line items or a cart_id).",
        body="checkout",
        auth=True,
        writes=True,
    ),
    _op(
        "get_checkout",
        CHECKOUT,
        lambda shop, a: shop.get_checkout(a["id"]),
        "Get a checkout.",
        takes_id=True,
        auth=True,
    ),
    _op(
        "update_checkout",
        CHECKOUT,
        lambda shop, a: shop.update_checkout(a["id"], a["checkout"]),
        "Update a checkout (full replacement).",
        body="checkout",
        takes_id=True,
        auth=True,
        writes=True,
    ),
    _op(
        "complete_checkout",
        CHECKOUT,
        lambda shop, a: shop.complete_checkout(
            a["id"], a["checkout"], hold_request_constraints=bool(a.get(CONSTRAINTS_SHOWN))
        ),
        "Complete a checkout with payment and place the order.",
        body="checkout",
        takes_id=True,
        auth=True,
        writes=True,
        key_required=True,
    ),
    _op(
        "cancel_checkout",
        CHECKOUT,
        lambda shop, a: shop.cancel_checkout(a["id"]),
        "Cancel a checkout.",
        takes_id=True,
        auth=True,
        writes=True,
        key_required=True,
    ),
)
_CART_OPS = (
    _op(
        "create_cart",
        CART,
        lambda shop, a: shop.create_cart(a["cart"]),
        "Create a cart.",
        body="cart",
        writes=True,
    ),
    _op("get_cart", CART, lambda shop, a: shop.get_cart(a["id"]), "Get a cart.", takes_id=True),
    _op(
        "update_cart",
        CART,
        lambda shop, a: shop.update_cart(a["id"], a["cart"]),
        "Update a cart (full replacement).",
        body="cart",
        takes_id=True,
        writes=True,
    ),
    _op(
        "cancel_cart",
        CART,
        lambda shop, a: shop.cancel_cart(a["id"]),
        "Cancel a cart.",
        takes_id=True,
        writes=True,
        key_required=True,
    ),
)
_OTHER_OPS = (
    _op(
        "search_catalog",
        CATALOG_SEARCH,
        lambda shop, a: shop.search_catalog(a["catalog"]),
        "Search the catalog.",
        body="catalog",
    ),
    _op(
        "lookup_catalog",
        CATALOG_LOOKUP,
        lambda shop, a: shop.lookup_catalog(a["catalog"]),
        "Look up products or variants by id.",
        body="catalog",
    ),
    _op(
        "get_product",
        CATALOG_LOOKUP,
        lambda shop, a: shop.get_product(a["catalog"]),
        "Get one product's full detail.",
        body="catalog",
    ),
    _op(
        "get_order",
        ORDER,
        lambda shop, a: shop.get_order(a["id"]),
        "Get an order.",
        takes_id=True,
        auth=True,
    ),
)
_LOCATION_OPS = (  # services/common (2026-08-25): pickup locations of a store that has them
    _op(
        "search_locations",
        LOCATION_SEARCH,
        lambda shop, a: Result(search_locations(shop.spec, a["location"])),
        "Search the store's pickup locations.",
        body="location",
    ),
    _op(
        "lookup_locations",
        LOCATION_LOOKUP,
        lambda shop, a: Result(lookup_locations(shop.spec, a["location"])),
        "Look up pickup locations by id.",
        body="location",
    ),
)
OPERATIONS: dict[str, Operation] = {
    op.name: op for op in (*_CHECKOUT_OPS, *_CART_OPS, *_OTHER_OPS, *_LOCATION_OPS)
}
# Which service (and so which endpoint) answers each operation: the location ones belong to
# dev.ucp.common (services/common), served at its own MCP and REST endpoints.
SHOPPING_OPERATIONS: frozenset[str] = frozenset(
    op.name for op in (*_CHECKOUT_OPS, *_CART_OPS, *_OTHER_OPS)
)
COMMON_OPERATIONS: frozenset[str] = frozenset(op.name for op in _LOCATION_OPS)

_META_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Request metadata.",
    "required": ["ucp-agent"],
    "additionalProperties": True,
    "properties": {
        "ucp-agent": {
            "type": "object",
            "required": ["profile"],
            "properties": {"profile": {"type": "string", "format": "uri"}},
        },
        "idempotency-key": {"type": "string", "format": "uuid"},
    },
}

_BODY_SCHEMA_REFS = {
    "checkout": "https://ucp.dev/2026-04-08/schemas/shopping/checkout.json",
    "cart": "https://ucp.dev/2026-04-08/schemas/shopping/cart.json",
}
_CATALOG_SCHEMA_REFS = {
    "search_catalog": "https://ucp.dev/2026-04-08/schemas/shopping/catalog_search.json#/$defs/search_request",
    "lookup_catalog": "https://ucp.dev/2026-04-08/schemas/shopping/catalog_lookup.json#/$defs/lookup_request",
    "get_product": "https://ucp.dev/2026-04-08/schemas/shopping/catalog_lookup.json#/$defs/get_product_request",
    "search_locations": "https://ucp.dev/2026-08-25/schemas/common/location_search.json#/$defs/search_request",
    "lookup_locations": "https://ucp.dev/2026-08-25/schemas/common/location_lookup.json#/$defs/lookup_request",
}


def input_schema(op: Operation) -> dict[str, Any]:
    """The MCP `inputSchema` for one tool, following mcp.openrpc.json's params."""
    meta = _META_SCHEMA
    if op.needs_idempotency_key:
        meta = {**_META_SCHEMA, "required": ["ucp-agent", "idempotency-key"]}
    properties: dict[str, Any] = {"meta": meta}
    required = ["meta"]
    if op.takes_id:
        properties["id"] = {"type": "string"}
        required.append("id")
    if op.body_key is not None:
        ref = _CATALOG_SCHEMA_REFS.get(op.name) or _BODY_SCHEMA_REFS[op.body_key]
        properties[op.body_key] = {
            "type": "object",
            "description": f"UCP request object; schema {ref}",
        }
        if op.name != "create_checkout":
            required.append(op.body_key)
    if op.name == "create_checkout":
        properties["cart_id"] = {
            "type": "string",
            "description": "Build the checkout from this cart.",
        }
    return {"type": "object", "properties": properties, "required": required}


def tool_listing(served: frozenset[str] = SHOPPING_OPERATIONS) -> list[dict[str, Any]]:
    """The `tools/list` result entries of one service's endpoint."""
    return [
        {
            "name": op.name,
            "description": op.description,
            "inputSchema": input_schema(op),
            "outputSchema": {"type": "object"},
        }
        for op in OPERATIONS.values()
        if op.name in served
    ]
