"""Validates UCP payloads strictly with ucp-sdk 0.5.0 (UCP 2026-08-25); run as a script.

The suite's own environment holds ucp-sdk 0.4.6 (the 2026-04-08 oracle) under the same import
name, so this runs in a child process whose ``PYTHONPATH`` puts the 0.5.0 install first. Reads
``[[kind, payload], ...]`` as JSON on stdin; prints ``[[index, error], ...]`` for the failures.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import ucp_sdk
from pydantic import ValidationError
from ucp_sdk.models.schemas.common import location_lookup, location_search
from ucp_sdk.models.schemas.common.types.error_response import ErrorResponse
from ucp_sdk.models.schemas.profile import BusinessSchema, PlatformSchema
from ucp_sdk.models.schemas.shopping import (
    buyer_consent,
    catalog_lookup,
    catalog_search,
    discount,
    fulfillment,
    order,
)


class FullCheckout(fulfillment.Checkout, discount.Checkout, buyer_consent.Checkout):
    """Checkout with every extension the sandbox stores negotiate."""


class FullCart(discount.Cart, buyer_consent.Cart):
    """Cart with the extensions that extend it."""


MODELS: dict[str, Any] = {
    "checkout": FullCheckout,
    "cart": FullCart,
    "order": order.Order,
    "search": catalog_search.SearchResponse,
    "lookup": catalog_lookup.LookupResponse,
    "product": catalog_lookup.GetProductResponse,
    "locations_search": location_search.SearchResponse,
    "locations_lookup": location_lookup.LookupResponse,
    "business_profile": BusinessSchema,
    "platform_profile": PlatformSchema,
}


def check(kind: str, payload: dict[str, Any]) -> str | None:
    try:
        if kind not in ("business_profile", "platform_profile") and (
            payload.get("ucp", {}).get("status") == "error"
        ):
            ErrorResponse.model_validate(payload)
        else:
            MODELS[kind].model_validate(payload)
    except ValidationError as exc:
        return str(exc)
    return None


def main() -> int:
    version = getattr(ucp_sdk, "__version__", None)
    items = json.load(sys.stdin)
    failures = [[i, error] for i, (kind, p) in enumerate(items) if (error := check(kind, p))]
    json.dump({"sdk": version, "failures": failures}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
