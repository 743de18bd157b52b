"""A small MCP merchant answering the way Shopify's UCP MCP server does, off-spec bits included.

Run it with ``python shopify_merchant.py PORT``. It declares ``ucp.version`` 2026-01-23 in its
answers (as Shopify's documented responses do), offers catalog search and lookup, checkout and
fulfillment but no cart and no order capability, ids are GIDs, and its payloads vary the way
real ones do: a plain-string ``description``, vendor fields the spec does not have, optional
fields left out, one product without a title, one message without a ``type``, a warning instead
of an error for the missing address, and discounts as positive amounts (2026-01-23).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

VERSION = "2026-01-23"
SPEC = "https://ucp.dev/2026-04-08/specification"
SCHEMA = "https://ucp.dev/2026-04-08/schemas/shopping"

PRODUCTS: list[dict[str, Any]] = [
    {
        "id": "gid://shopify/Product/101",
        "handle": "dozen-red-roses",
        "title": "Dozen Red Roses",
        "description": "Twelve long-stem red roses, hand-tied.",  # a plain string
        "vendor": "Stem & Co",  # not in the spec
        "product_type": "Bouquet",
        "tags": ["roses", "red"],
        "variants": [
            {
                "id": "gid://shopify/ProductVariant/1011",
                "title": "Default Title",
                "price": {"amount": 4500, "currency": "USD"},
                "inventory_quantity": 12,  # not in the spec
                "checkout_url": "https://stem.example/cart/1011:1",
            }
        ],
    },
    {"id": "gid://shopify/Product/102", "handle": "mystery-box", "variants": []},  # no title
    {
        "id": "gid://shopify/Product/103",
        "title": "White Roses",
        "variants": [
            {
                "id": "gid://shopify/ProductVariant/1031",
                "title": "Half dozen",
                "price": {"amount": 2800, "currency": "USD"},
                "description": "Six white roses.",  # a plain string again
            }
        ],
    },
]
PRICES = {"gid://shopify/ProductVariant/1011": 4500, "gid://shopify/ProductVariant/1031": 2800}
TITLES = {
    "gid://shopify/ProductVariant/1011": "Dozen Red Roses",
    "gid://shopify/ProductVariant/1031": "White Roses — Half dozen",
}
SHIPPING = [("standard", "Standard", 800), ("express", "Express", 2000)]

checkouts: dict[str, dict[str, Any]] = {}


def profile(base: str) -> dict[str, Any]:
    def entry(name: str, extends: str | None = None) -> list[dict[str, Any]]:
        item = {
            "version": "2026-04-08",
            "spec": f"{SPEC}/{name}",
            "schema": f"{SCHEMA}/{name}.json",
        }
        return [item | ({"extends": extends} if extends else {})]

    return {
        "ucp": {
            "version": "2026-04-08",
            "services": {
                "dev.ucp.shopping": [
                    {"version": "2026-04-08", "transport": "mcp", "endpoint": f"{base}/api/ucp/mcp"}
                ]
            },
            "capabilities": {
                "dev.ucp.shopping.catalog.search": entry("catalog_search"),
                "dev.ucp.shopping.catalog.lookup": entry("catalog_lookup"),
                "dev.ucp.shopping.checkout": entry("checkout"),
                "dev.ucp.shopping.fulfillment": entry("fulfillment", "dev.ucp.shopping.checkout"),
            },
            "payment_handlers": _handlers(),
        },
        "shop": {"name": "Stem & Co", "myshopify_domain": "stem-co.myshopify.com"},
    }


def _handlers() -> dict[str, Any]:
    return {
        "com.google.pay": [
            {
                "id": "gpay",
                "version": "2026-01-23",
                "spec": "https://pay.google.com/gp/p/ucp/2026-01-23/",
                "schema": "https://pay.google.com/gp/p/ucp/2026-01-23/schemas/config.json",
                "config": {"environment": "TEST"},
            }
        ]
    }


def _ucp() -> dict[str, Any]:
    return {
        "version": VERSION,
        "capabilities": {"dev.ucp.shopping.checkout": [{"version": VERSION}]},
        "payment_handlers": _handlers(),
    }


def _lines(requested: list[dict[str, Any]]) -> list[dict[str, Any]]:
    lines = []
    for n, line in enumerate(requested, start=1):
        item_id = line["item"]["id"]
        amount = PRICES[item_id] * int(line["quantity"])
        lines.append(
            {
                "id": line.get("id") or f"gid://shopify/CartLine/{n}",
                "item": {"id": item_id, "title": TITLES[item_id], "price": PRICES[item_id]},
                "quantity": line["quantity"],
                "totals": [
                    {"type": "subtotal", "amount": amount},
                    {"type": "total", "amount": amount},
                ],
                "merchandise_cost": {"amount": str(amount / 100)},  # extra, and a float string
            }
        )
    return lines


def _render(checkout_id: str, state: dict[str, Any]) -> dict[str, Any]:
    lines = _lines(state["line_items"])
    subtotal = sum(line["totals"][0]["amount"] for line in lines)
    totals = [{"type": "subtotal", "amount": subtotal}]
    messages: list[dict[str, Any]] = [
        {"code": "shop_notice", "content": "Free card message."}  # no type: off-spec
    ]
    method = (state.get("fulfillment") or {}).get("methods", [None])[0]
    fulfillment: dict[str, Any] = {"methods": []}
    ready = False
    if method is None or not method.get("destinations"):
        messages.append(
            {
                "type": "warning",
                "code": "missing_shipping_address",
                "path": "$.fulfillment",
                "content": "Add a shipping address to see delivery options.",
            }
        )
    else:
        selected = method.get("selected_destination_id")
        destinations = [
            {"id": d.get("id") or "gid://shopify/MailingAddress/1", **d}
            for d in method["destinations"]
        ]
        groups = []
        if selected is not None:
            chosen = (method.get("groups") or [{}])[0].get("selected_option_id")
            groups = [
                {
                    "id": "gid://shopify/DeliveryGroup/1",
                    "line_item_ids": [line["id"] for line in lines],
                    "options": [
                        {"id": oid, "title": title, "totals": [{"type": "total", "amount": cost}]}
                        for oid, title, cost in SHIPPING
                    ],
                    "selected_option_id": chosen,
                }
            ]
            costs = {oid: cost for oid, _, cost in SHIPPING}
            if chosen in costs:
                totals.append({"type": "fulfillment", "amount": costs[chosen]})
                ready = True
        fulfillment["methods"] = [
            {
                "id": "gid://shopify/DeliveryMethod/1",
                "type": "shipping",
                "line_item_ids": [line["id"] for line in lines],
                "destinations": destinations,
                "selected_destination_id": selected,
                "groups": groups,
            }
        ]
    total = sum(t["amount"] for t in totals)
    totals.append({"type": "total", "amount": total})
    status = state.get("status") or ("ready_for_complete" if ready else "incomplete")
    body: dict[str, Any] = {
        "ucp": _ucp(),
        "id": checkout_id,
        "status": status,
        "currency": "USD",
        "line_items": lines,
        "totals": totals,
        "messages": messages,
        "links": [{"type": "terms_of_service", "url": "https://stem.example/policies/terms"}],
        "fulfillment": fulfillment,
        "continue_url": f"https://stem.example/cart/c/{checkout_id.rsplit('/', 1)[-1]}?key=k",
        "payment": {"instruments": []},
    }
    if state.get("order"):
        body["order"] = state["order"]
    return body


def call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    if name == "search_catalog":
        return {"ucp": {"version": VERSION}, "products": PRODUCTS}
    if name == "lookup_catalog":
        ids = set(arguments["catalog"]["ids"])
        found = [
            p for p in PRODUCTS if p["id"] in ids or any(v["id"] in ids for v in p["variants"])
        ]
        return {"ucp": {"version": VERSION}, "products": found}
    if name == "create_checkout":
        checkout_id = f"gid://shopify/Checkout/{len(checkouts) + 1}?key=abc"
        checkouts[checkout_id] = dict(arguments["checkout"])
        return _render(checkout_id, checkouts[checkout_id])
    checkout_id = arguments["id"]
    state = checkouts[checkout_id]
    if name == "update_checkout":
        state.update(arguments["checkout"])
    elif name == "complete_checkout":
        instruments = arguments["checkout"]["payment"]["instruments"]
        if instruments and instruments[0]["credential"]["token"] == "tok_sandbox_approved":
            state["status"] = "completed"
            state["order"] = {
                "id": "gid://shopify/Order/5001",
                "permalink_url": "https://stem.example/orders/5001",
            }
    return _render(checkout_id, state)


async def well_known(request: Request) -> Response:
    base = f"http://{request.headers['host']}"
    return JSONResponse(profile(base), headers={"Cache-Control": "public, max-age=60"})


async def mcp(request: Request) -> Response:
    message = json.loads(await request.body())
    if message.get("method") != "tools/call":
        result: dict[str, Any] = {"capabilities": {"tools": {}}, "protocolVersion": "2025-06-18"}
        return JSONResponse({"jsonrpc": "2.0", "id": message.get("id"), "result": result})
    params = message["params"]
    payload = call(params["name"], dict(params["arguments"]))
    result = {
        "structuredContent": payload,
        "content": [{"type": "text", "text": json.dumps(payload)}],
    }
    return JSONResponse({"jsonrpc": "2.0", "id": message["id"], "result": result})


app = Starlette(
    routes=[Route("/.well-known/ucp", well_known), Route("/api/ucp/mcp", mcp, methods=["POST"])]
)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=False)
