"""Request builders and ucp-sdk validators shared by the binding tests (not collected by pytest)."""

from __future__ import annotations

import itertools
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx2
from ucp_sdk.models.schemas.shopping import cart as cart_models
from ucp_sdk.models.schemas.shopping import catalog_lookup, catalog_search, discount, fulfillment
from ucp_sdk.models.schemas.shopping import order as order_models
from ucp_sdk.models.schemas.shopping.types.error_response import ErrorResponse

from merchants.serve import RunningStore

ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "street_address": "1 Main St",
    "address_locality": "Springfield",
    "address_region": "IL",
    "postal_code": "62701",
    "address_country": "US",
}


class FullCheckout(fulfillment.Checkout, discount.Checkout):
    """Checkout with every extension the sandbox stores negotiate."""


class FullCart(discount.Cart):
    """Cart with the discount extension."""


def validate(kind: str, payload: dict[str, Any]) -> None:
    """Validate a response strictly against the 2026-04-08 ucp-sdk model for its kind."""
    if payload.get("ucp", {}).get("status") == "error":
        ErrorResponse.model_validate(payload)
        return
    model: Any = {
        "checkout": FullCheckout,
        "cart": FullCart,
        "order": order_models.Order,
        "search": catalog_search.SearchResponse,
        "lookup": catalog_lookup.LookupResponse,
        "product": catalog_lookup.GetProductResponse,
    }[kind]
    model.model_validate(payload)
    assert cart_models  # imported for symmetry with the other resource models


def line_items_of(resource: dict[str, Any]) -> list[dict[str, Any]]:
    """The writable form of a resource's line items (full-replacement updates resend them)."""
    return [
        {"id": line["id"], "item": {"id": line["item"]["id"]}, "quantity": line["quantity"]}
        for line in resource["line_items"]
    ]


def shipping_to(checkout: dict[str, Any], *, phone: bool = False) -> dict[str, Any]:
    """An update body adding the buyer and a shipping destination."""
    buyer: dict[str, Any] = {
        "email": "ada@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
    }
    if phone:
        buyer["phone_number"] = "+15555550100"
    return {
        "line_items": line_items_of(checkout),
        "buyer": buyer,
        "fulfillment": {
            "methods": [
                {
                    "type": "shipping",
                    "line_item_ids": [line["id"] for line in checkout["line_items"]],
                    "destinations": [dict(ADDRESS)],
                }
            ]
        },
    }


def choose_first_option(checkout: dict[str, Any]) -> dict[str, Any]:
    """An update body that keeps everything and selects the first delivery option of each group."""
    methods = []
    for method in checkout["fulfillment"]["methods"]:
        methods.append(
            {
                "id": method["id"],
                "type": method["type"],
                "line_item_ids": method["line_item_ids"],
                "destinations": method.get("destinations", []),
                "selected_destination_id": method.get("selected_destination_id"),
                "groups": [
                    {"id": group["id"], "selected_option_id": group["options"][0]["id"]}
                    for group in method.get("groups", [])
                ],
            }
        )
        if methods[-1]["selected_destination_id"] is None:
            del methods[-1]["selected_destination_id"]
    return {
        "line_items": line_items_of(checkout),
        "buyer": checkout["buyer"],
        "fulfillment": {"methods": methods},
    }


def payment(token: str, handler_id: str = "sandbox_card") -> dict[str, Any]:
    """A complete_checkout body paying with a sandbox token."""
    return {
        "payment": {
            "instruments": [
                {
                    "id": "instr_1",
                    "handler_id": handler_id,
                    "type": "card",
                    "selected": True,
                    "credential": {"type": "token", "token": token},
                    "display": {"brand": "visa", "last_digits": "4242"},
                }
            ]
        }
    }


SANDBOX_CLIENT = {
    "grant_type": "client_credentials",
    "client_id": "pannier-sandbox",
    "client_secret": "sandbox-secret",
}

# operation → (HTTP method, path template, body argument)
REST_ROUTES: dict[str, tuple[str, str, str | None]] = {
    "create_checkout": ("POST", "/checkout-sessions", "checkout"),
    "get_checkout": ("GET", "/checkout-sessions/{id}", None),
    "update_checkout": ("PUT", "/checkout-sessions/{id}", "checkout"),
    "complete_checkout": ("POST", "/checkout-sessions/{id}/complete", "checkout"),
    "cancel_checkout": ("POST", "/checkout-sessions/{id}/cancel", None),
    "create_cart": ("POST", "/carts", "cart"),
    "get_cart": ("GET", "/carts/{id}", None),
    "update_cart": ("PUT", "/carts/{id}", "cart"),
    "cancel_cart": ("POST", "/carts/{id}/cancel", None),
    "search_catalog": ("POST", "/catalog/search", "catalog"),
    "lookup_catalog": ("POST", "/catalog/lookup", "catalog"),
    "get_product": ("POST", "/catalog/product", "catalog"),
    "get_order": ("GET", "/orders/{id}", None),
}

_ids = itertools.count(1)


@dataclass
class UcpCaller:
    """Performs UCP operations against sandbox stores over one transport."""

    binding: str
    http: httpx2.AsyncClient
    profile_url: str
    stores: dict[str, RunningStore]
    tokens: dict[str, str] = field(default_factory=dict)
    challenge: str | None = None  # the last answer's WWW-Authenticate header, if any

    @property
    def created(self) -> int:
        """The HTTP status of a successful create: REST 201, MCP 200."""
        return 201 if self.binding == "rest" else 200

    async def token(self, slug: str) -> str:
        """A bearer token for the store, fetched once per test."""
        if slug not in self.tokens:
            response = await self.http.post(
                f"{self.stores[slug].url}/auth/access_token", data=SANDBOX_CLIENT
            )
            assert response.status_code == 200, response.text
            self.tokens[slug] = response.json()["access_token"]
        return self.tokens[slug]

    async def call(
        self,
        slug: str,
        operation: str,
        arguments: dict[str, Any],
        *,
        idempotency_key: str | None = None,
        authenticate: bool = True,
        profile_url: str | None = None,
        authorization: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Run `operation` with MCP-style `arguments` (no meta); REST maps them onto path + body.

        Returns (HTTP status, UCP payload) — for MCP the payload is `structuredContent`, or the
        JSON-RPC `error` object when there is one.
        """
        headers: dict[str, str] = {}
        if authorization is not None:
            headers["Authorization"] = authorization
        elif authenticate:
            headers["Authorization"] = f"Bearer {await self.token(slug)}"
        profile = profile_url or self.profile_url
        base = self.stores[slug].url
        if self.binding == "mcp":
            meta: dict[str, Any] = {"ucp-agent": {"profile": profile}}
            if idempotency_key is not None:
                meta["idempotency-key"] = idempotency_key
            message = {
                "jsonrpc": "2.0",
                "id": next(_ids),
                "method": "tools/call",
                "params": {"name": operation, "arguments": {"meta": meta, **arguments}},
            }
            response = await self.http.post(f"{base}/api/ucp/mcp", json=message, headers=headers)
            self.challenge = response.headers.get("www-authenticate")
            envelope = response.json()
            if "error" in envelope:
                return response.status_code, envelope["error"]
            result = envelope["result"]
            assert json.loads(result["content"][0]["text"]) == result["structuredContent"]
            return response.status_code, result["structuredContent"]
        method, template, body_key = REST_ROUTES[operation]
        path = template.format(id=arguments.get("id", ""))
        headers["UCP-Agent"] = f'profile="{profile}"'
        headers["Request-Id"] = str(uuid.uuid4())
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        body = arguments.get(body_key) if body_key else None
        if operation == "create_checkout" and "cart_id" in arguments:
            body = {**(body or {}), "cart_id": arguments["cart_id"]}
        response = await self.http.request(
            method, f"{base}/api/ucp/v1{path}", json=body if body_key else None, headers=headers
        )
        assert response.headers.get("request-id") == headers["Request-Id"]
        self.challenge = response.headers.get("www-authenticate")
        return response.status_code, response.json()
