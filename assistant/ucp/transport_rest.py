"""UCP over REST: the OpenAPI paths under the merchant's endpoint, UCP headers on every request."""

from __future__ import annotations

import json
import uuid
from typing import Any, Final
from urllib.parse import quote

from assistant.errors import ProtocolError
from assistant.ucp.http import MalformedResponse, ParsedUrls, RawResponse, send
from assistant.ucp.shapes import shape_for
from assistant.ucp.transport import NO_OPTIONS, CallOptions, Endpoint, http_failure

# operation → (method, path, argument holding the body)
ROUTES: Final[dict[str, tuple[str, str, str | None]]] = {
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
    "search_locations": ("POST", "/locations/search", "location"),
    "lookup_locations": ("POST", "/locations/lookup", "location"),
}


class RestTransport:
    """One merchant's REST endpoint."""

    name = "rest"

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._verbs: dict[str, str] = {}  # operation → the verb this server implements instead
        self._urls = ParsedUrls()

    async def call(
        self, operation: str, arguments: dict[str, Any], options: CallOptions = NO_OPTIONS
    ) -> dict[str, Any]:
        merchant = self.endpoint.merchant
        route = ROUTES.get(operation)
        if route is None:
            raise ProtocolError(
                "no REST route for this operation", merchant=merchant, operation=operation
            )
        method, path, body_key = route
        method = self._verbs.get(operation, method)
        if "{id}" in path:
            path = path.replace("{id}", quote(str(arguments["id"]), safe=""))
        headers = {
            "Accept": "application/json",
            "UCP-Agent": f'profile="{self.endpoint.profile_url}"',
            "Request-Id": str(uuid.uuid4()),
        }
        if shape_for(self.endpoint.version).request_signature_header:
            # 2026-01-11/01-23 servers require this header (a detached JWS then); the samples only
            # check its presence, and request signing is not implemented here.
            headers["Request-Signature"] = "unsigned"
        if options.token:
            headers["Authorization"] = f"Bearer {options.token}"
        content: bytes | None = None
        if method != "GET":
            body: Any = arguments.get(body_key, {}) if body_key else {}
            if operation == "create_checkout" and "cart_id" in arguments:
                body = {**body, "cart_id": arguments["cart_id"]}
            headers["Content-Type"] = "application/json"
            content = json.dumps(body, separators=(",", ":")).encode()
        # The key (the first attempt's, on a retry) is on disk before the request leaves.
        key, pinned, kid = await self.endpoint.claimed(content, options)
        content = pinned if pinned is not None else content
        if key is not None:
            headers["Idempotency-Key"] = key
        response = await self._send(method, path, operation, headers, content, kid)
        allowed = {v.strip().upper() for v in response.headers.get("allow", "").split(",")}
        if response.status_code == 405 and method == "PUT" and "PATCH" in allowed:
            # Every release's OpenAPI says PUT; some servers (FastUCP) implement PATCH instead.
            self._verbs[operation] = "PATCH"
            response = await self._send("PATCH", path, operation, headers, content, kid)
        if response.status_code not in (200, 201):
            raise http_failure(
                response.status_code,
                response.headers,
                response.body,
                merchant=merchant,
                operation=operation,
            )
        payload = response.json(merchant=merchant, operation=operation)
        if not isinstance(payload, dict):
            raise MalformedResponse(
                "answer is not a JSON object", merchant=merchant, operation=operation
            )
        return payload

    async def _send(
        self,
        method: str,
        path: str,
        operation: str,
        headers: dict[str, str],
        content: bytes | None,
        kid: str | None,
    ) -> RawResponse:
        return await send(
            self.endpoint.http,
            method,
            self._urls(self.endpoint.url + path),
            merchant=self.endpoint.merchant,
            operation=operation,
            headers=headers,
            content=content,
            timeout_s=self.endpoint.timeout_s,
            max_bytes=self.endpoint.max_bytes,
            signing=self.endpoint.signing,
            signing_kid=kid,
        )
