"""The REST binding: rest.openapi.json's paths under `/api/ucp/v1` (shopping) and
`/api/ucp/common/v1` (the common service's locations), as dispatcher calls."""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

from merchants.bindings.discovery import COMMON_REST_PATH, REST_PATH
from merchants.bindings.dispatch import Call, Dispatcher
from merchants.bindings.errors import ProtocolFailure, internal_error, invalid_params
from merchants.bindings.http import Request, Response, json_response
from merchants.bindings.jsonbody import UnacceptableJson, parse_json
from merchants.bindings.operations import OPERATIONS, Operation

logger = logging.getLogger(__name__)

_PROFILE_PARAM = re.compile(r'(?:^|[;,\s])profile\s*=\s*"([^"]*)"')
_UUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")

# (method, path pattern) → operation; `{id}` matches one path segment.
_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    (method, re.compile("^" + base + path.replace("{id}", "(?P<id>[^/]+)") + "$"), name)
    for base, method, path, name in (
        (REST_PATH, "POST", "/checkout-sessions", "create_checkout"),
        (REST_PATH, "GET", "/checkout-sessions/{id}", "get_checkout"),
        (REST_PATH, "PUT", "/checkout-sessions/{id}", "update_checkout"),
        (REST_PATH, "POST", "/checkout-sessions/{id}/complete", "complete_checkout"),
        (REST_PATH, "POST", "/checkout-sessions/{id}/cancel", "cancel_checkout"),
        (REST_PATH, "POST", "/carts", "create_cart"),
        (REST_PATH, "GET", "/carts/{id}", "get_cart"),
        (REST_PATH, "PUT", "/carts/{id}", "update_cart"),
        (REST_PATH, "POST", "/carts/{id}/cancel", "cancel_cart"),
        (REST_PATH, "POST", "/catalog/search", "search_catalog"),
        (REST_PATH, "POST", "/catalog/lookup", "lookup_catalog"),
        (REST_PATH, "POST", "/catalog/product", "get_product"),
        (REST_PATH, "GET", "/orders/{id}", "get_order"),
        (COMMON_REST_PATH, "POST", "/locations/search", "search_locations"),
        (COMMON_REST_PATH, "POST", "/locations/lookup", "lookup_locations"),
    )
]


def profile_from_header(value: str | None) -> str | None:
    """The `profile` member of an RFC 8941 `UCP-Agent` dictionary header."""
    if not value:
        return None
    match = _PROFILE_PARAM.search(value)
    return match.group(1) if match else None


@functools.lru_cache(maxsize=256)
def match_route(method: str, path: str) -> tuple[Operation | None, str | None, bool]:
    """(operation, path id, path known) for a request line.

    Remembered for the last few request lines: each request is matched twice (is it an operation,
    whose signature is checked; then which one), by up to 15 patterns."""
    path_known = False
    for route_method, pattern, name in _ROUTES:
        found = pattern.match(path)
        if found is None:
            continue
        path_known = True
        if route_method == method:
            return OPERATIONS[name], found.groupdict().get("id"), True
    return None, None, path_known


def allowed_methods(path: str) -> list[str]:
    """The methods some route serves at ``path``."""
    return sorted({method for method, pattern, _ in _ROUTES if pattern.match(path)})


class RestEndpoint:
    """Everything under `/api/ucp/v1` and `/api/ucp/common/v1` for one store."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self._dispatcher = dispatcher

    async def handle(self, request: Request) -> Response:
        """Answer one REST request, echoing Request-Id and Idempotency-Key."""
        echo = {}
        for header, name in (("request-id", "Request-Id"), ("idempotency-key", "Idempotency-Key")):
            value = request.header(header)
            if value is not None:
                echo[name] = value
        request_id = request.header("request-id")
        if request_id is not None and not _UUID.match(request_id):
            failure = invalid_params("Request-Id", "must be a UUID (rest.openapi.json)")
            return json_response(failure.http_status, failure.rest_body())
        op, path_id, path_known = match_route(request.method, request.path)
        if op is None:
            status, code = (405, "method_not_allowed") if path_known else (404, "not_found")
            if path_known:  # RFC 9110 §15.5.6: a 405 lists what the resource allows
                echo["Allow"] = ", ".join(allowed_methods(request.path))
            return json_response(
                status,
                {"code": code, "content": f"No route for {request.method} {request.path}."},
                echo,
            )
        try:
            call = self._call(op, path_id, request)
            outcome = await self._dispatcher.dispatch(call)
        except ProtocolFailure as failure:
            body = failure.rest_body()
            if op.body_key is not None and isinstance(body.get("path"), str):
                body = _rebase_path(body, f"$.{op.body_key}")
            return json_response(failure.http_status, body, {**echo, **failure.headers})
        except Exception:
            logger.exception("REST %s failed", op.name)
            unexpected = internal_error()
            return json_response(unexpected.http_status, unexpected.rest_body(), echo)
        return Response(outcome.status_code, outcome.text.encode(), headers=echo)

    def _call(self, op: Operation, path_id: str | None, request: Request) -> Call:
        arguments: dict[str, Any] = {}
        if path_id is not None:
            arguments["id"] = path_id
        if op.body_key is not None:
            try:
                arguments[op.body_key] = parse_json(request.body) if request.body else None
            except UnacceptableJson as exc:
                raise invalid_params("$", f"the body is refused: {exc}") from exc
            if not isinstance(arguments[op.body_key], dict):
                raise invalid_params("$", "the body must be a JSON object")
        return Call(
            operation=op,
            arguments=arguments,
            profile_url=profile_from_header(request.header("ucp-agent")),
            idempotency_key=request.header("idempotency-key"),
            authorization=request.header("authorization"),
            key_path="Idempotency-Key",
            signed_by=request.signed_by,
        )


def _rebase_path(body: dict[str, Any], prefix: str) -> dict[str, Any]:
    """REST bodies are the bare resource, so `$.checkout.buyer` becomes `$.buyer`."""
    path: str = body["path"]
    if path != prefix and not path.startswith((prefix + ".", prefix + "[")):
        return body
    rebased = "$" + path[len(prefix) :]
    return {**body, "path": rebased, "content": body["content"].replace(path, rebased, 1)}
