"""The business profile served at `/.well-known/ucp`, built from a store's spec."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

UCP_VERSION = "2026-04-08"  # the business core's release (see merchants.bindings.versions)
PROFILE_PATH = "/.well-known/ucp"
PROFILE_MAX_AGE_SECONDS = 300
SHOPPING = "dev.ucp.shopping"
MCP_PATH = "/api/ucp/mcp"
REST_PATH = "/api/ucp/v1"
# dev.ucp.common (2026-08-25: search_locations / lookup_locations) has endpoints of its own
COMMON_MCP_PATH = "/api/ucp/common/mcp"
COMMON_REST_PATH = "/api/ucp/common/v1"
MCP_PATHS = (MCP_PATH, COMMON_MCP_PATH)

# short name → (spec page, schema file under shopping/, parents it extends)
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
# 2026-08-25's capabilities outside dev.ucp.shopping (#741): name → (spec page, schema path
# under schemas/, parents); a store listing one offers it only on that release.
_COMMON_DOCS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "dev.ucp.common.payment.authentication": (
        "payment-authentication",
        "common/payment_authentication.json",
        ("checkout",),
    ),
}
for _kind in ("search", "lookup"):
    _COMMON_DOCS[f"dev.ucp.common.location.{_kind}"] = (
        f"common/location/{_kind}",
        f"common/location_{_kind}.json",
        (),
    )
COMMON_SINCE = "2026-08-25"
COMMON = "dev.ucp.common"  # the service of the location capabilities (services/common)


def capability_name(short: str) -> str:
    """`checkout` → `dev.ucp.shopping.checkout`; already-qualified names pass through."""
    return short if short.count(".") >= 2 else f"{SHOPPING}.{short}"


def capability_entry(short: str, release: str = UCP_VERSION) -> dict[str, Any]:
    """One business capability entry with version, spec, schema and `extends`."""
    if short in _COMMON_DOCS:
        page, schema, parents = _COMMON_DOCS[short]
    else:
        page, shopping_schema, parents = _CAPABILITY_DOCS.get(short, (short, f"{short}.json", ()))
        schema = f"shopping/{shopping_schema}"
    entry: dict[str, Any] = {
        "version": release,
        "spec": f"https://ucp.dev/{release}/specification/{page}",
        "schema": f"https://ucp.dev/{release}/schemas/{schema}",
    }
    if len(parents) == 1:
        entry["extends"] = capability_name(parents[0])
    elif parents:
        entry["extends"] = [capability_name(p) for p in parents]
    return entry


def business_capabilities(
    shorts: Sequence[str], release: str = UCP_VERSION
) -> dict[str, list[dict[str, Any]]]:
    """The business capability registry at one release: one entry per capability offered."""
    return {
        capability_name(s): [capability_entry(s, release)]
        for s in shorts
        if s not in _COMMON_DOCS or release >= COMMON_SINCE
    }


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
    release: str = UCP_VERSION,
    older: Sequence[str] = (),
    keys: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """The whole `/.well-known/ucp` document for one store at one release.

    `older` are the releases listed under `supported_versions`, each at
    `/.well-known/ucp/<release>` (a complete profile of its own).

    `name` and `dev.pannier.sandbox` are Pannier sandbox extensions (top-level members, which
    the profile schema allows): the store's display name, and where its bearer tokens come from.
    """
    document: dict[str, Any] = {} if name is None else {"name": name}
    if auth_clients is not None:
        document[SANDBOX_EXTENSION] = sandbox_extension(base_url, auth_clients)
    if keys is not None:
        # Response and webhook signing keys: keys[] from 2026-08-25 on (#566), signing_keys before
        document["keys" if release >= "2026-08-25" else "signing_keys"] = keys
    spec_root = f"https://ucp.dev/{release}"
    ucp: dict[str, Any] = {"version": release}
    if older:
        ucp["supported_versions"] = {r: f"{base_url}{PROFILE_PATH}/{r}" for r in older}
    services: dict[str, list[dict[str, Any]]] = {}
    if release >= COMMON_SINCE and any(c.startswith(f"{COMMON}.location.") for c in capabilities):
        services[COMMON] = [
            {
                "version": release,
                "spec": f"{spec_root}/specification/common/location",
                "transport": transport,
                "endpoint": f"{base_url}{path}",
                "schema": f"{spec_root}/services/common/{schema}",
            }
            for transport, path, schema in (
                ("mcp", COMMON_MCP_PATH, "mcp.openrpc.json"),
                ("rest", COMMON_REST_PATH, "rest.openapi.json"),
            )
        ]
    return document | {
        "ucp": ucp
        | {
            "services": services
            | {
                SHOPPING: [
                    {
                        "version": release,
                        "spec": f"{spec_root}/specification/overview",
                        "transport": "mcp",
                        "endpoint": f"{base_url}{MCP_PATH}",
                        "schema": f"{spec_root}/services/shopping/mcp.openrpc.json",
                    },
                    {
                        "version": release,
                        "spec": f"{spec_root}/specification/overview",
                        "transport": "rest",
                        "endpoint": f"{base_url}{REST_PATH}",
                        "schema": f"{spec_root}/services/shopping/rest.openapi.json",
                    },
                ]
            },
            "capabilities": business_capabilities(capabilities, release),
            "payment_handlers": payment_handlers,
        }
    }
