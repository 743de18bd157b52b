"""The business profile served at `/.well-known/ucp`, built from a store's spec."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

UCP_VERSION = "2026-04-08"
PROFILE_MAX_AGE_SECONDS = 300
SHOPPING = "dev.ucp.shopping"
MCP_PATH = "/api/ucp/mcp"
REST_PATH = "/api/ucp/v1"

_SPEC_ROOT = f"https://ucp.dev/{UCP_VERSION}"

# short name → (spec page, schema file, parents it extends)
_CAPABILITY_DOCS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "checkout": ("checkout", "checkout.json", ()),
    "cart": ("cart", "cart.json", ()),
    "catalog.search": ("catalog/search", "catalog_search.json", ()),
    "catalog.lookup": ("catalog/lookup", "catalog_lookup.json", ()),
    "order": ("order", "order.json", ()),
    "fulfillment": ("fulfillment", "fulfillment.json", ("checkout",)),
    "discount": ("discount", "discount.json", ("checkout", "cart")),
    "buyer_consent": ("buyer_consent", "buyer_consent.json", ("checkout",)),
}


def capability_name(short: str) -> str:
    """`checkout` → `dev.ucp.shopping.checkout`; already-qualified names pass through."""
    return short if short.count(".") >= 2 else f"{SHOPPING}.{short}"


def capability_entry(short: str) -> dict[str, Any]:
    """One business capability entry with version, spec, schema and `extends`."""
    page, schema, parents = _CAPABILITY_DOCS.get(short, (short, f"{short}.json", ()))
    entry: dict[str, Any] = {
        "version": UCP_VERSION,
        "spec": f"{_SPEC_ROOT}/specification/{page}",
        "schema": f"{_SPEC_ROOT}/schemas/shopping/{schema}",
    }
    if len(parents) == 1:
        entry["extends"] = capability_name(parents[0])
    elif parents:
        entry["extends"] = [capability_name(p) for p in parents]
    return entry


def business_capabilities(shorts: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The business capability registry: one entry per capability the store offers."""
    return {capability_name(s): [capability_entry(s)] for s in shorts}


SANDBOX_EXTENSION = "dev.pannier.sandbox"
TOKEN_PATH = "/auth/access_token"


def sandbox_extension(base_url: str, auth_clients: dict[str, str]) -> dict[str, Any]:
    """Where a client gets a bearer token, and the public sandbox credentials to ask with.

    Checkout and order operations need a token; UCP 2026-04-08 has no field saying where one
    comes from, so the profile says it in this reverse-domain extension member. The client
    credentials are the sandbox's published demo ones, not secrets.
    """
    return {
        "token_endpoint": f"{base_url}{TOKEN_PATH}",
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "clients": [{"client_id": cid, "client_secret": sec} for cid, sec in auth_clients.items()],
    }


def business_profile(
    *,
    base_url: str,
    capabilities: Sequence[str],
    payment_handlers: dict[str, list[dict[str, Any]]],
    name: str | None = None,
    auth_clients: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The whole `/.well-known/ucp` document for one store.

    `name` and `dev.pannier.sandbox` are Pannier sandbox extensions (top-level members, which
    the profile schema allows): the store's display name, and where its bearer tokens come from.
    """
    document: dict[str, Any] = {} if name is None else {"name": name}
    if auth_clients is not None:
        document[SANDBOX_EXTENSION] = sandbox_extension(base_url, auth_clients)
    return document | {
        "ucp": {
            "version": UCP_VERSION,
            "services": {
                SHOPPING: [
                    {
                        "version": UCP_VERSION,
                        "spec": f"{_SPEC_ROOT}/specification/overview",
                        "transport": "mcp",
                        "endpoint": f"{base_url}{MCP_PATH}",
                        "schema": f"{_SPEC_ROOT}/services/shopping/mcp.openrpc.json",
                    },
                    {
                        "version": UCP_VERSION,
                        "spec": f"{_SPEC_ROOT}/specification/overview",
                        "transport": "rest",
                        "endpoint": f"{base_url}{REST_PATH}",
                        "schema": f"{_SPEC_ROOT}/services/shopping/rest.openapi.json",
                    },
                ]
            },
            "capabilities": business_capabilities(capabilities),
            "payment_handlers": payment_handlers,
        }
    }
