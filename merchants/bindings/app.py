"""One ASGI application per store: routing, the 1 MiB body limit and the chaos knobs."""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from merchants.bindings.account_api import ACCOUNT_PATH, AccountApi
from merchants.bindings.auth import TokenIssuer
from merchants.bindings.discovery import (
    COMMON_MCP_PATH,
    COMMON_REST_PATH,
    MCP_PATH,
    MCP_PATHS,
    PROFILE_MAX_AGE_SECONDS,
    PROFILE_PATH,
    REST_PATH,
    TOKEN_PATH,
    business_profile,
)
from merchants.bindings.dispatch import Dispatcher
from merchants.bindings.errors import ProtocolFailure, internal_error, unavailable
from merchants.bindings.http import (
    BodyTooLarge,
    Receive,
    Request,
    Response,
    Scope,
    Send,
    dumps,
    json_response,
    read_request,
)
from merchants.bindings.jsonbody import parse_json
from merchants.bindings.mcp import McpEndpoint
from merchants.bindings.negotiation import ProfileCache
from merchants.bindings.oauth_routes import IdentityRoutes, identity_server
from merchants.bindings.operations import COMMON_OPERATIONS
from merchants.bindings.pages import Pages
from merchants.bindings.ratelimit import RateLimiter
from merchants.bindings.rest import RestEndpoint, match_route
from merchants.bindings.signatures import StoreSignatures
from merchants.bindings.versions import RELEASES, handlers_in
from merchants.bindings.webhooks import KNOB_PREFIX, OrderWebhooks
from merchants.business.shop import Shop

logger = logging.getLogger(__name__)

API_PREFIX = "/api/ucp/"
_CHAOS_PREFIXES = (API_PREFIX, "/auth/")


@dataclass(frozen=True)
class Chaos:
    """Fault injection: added latency; a share of API calls fail (503 or a dropped connection)."""

    latency_ms: int = 0
    fail_rate: float = 0.0


def _is_operation(request: Request) -> bool:
    """A request some UCP operation answers (signatures are checked there; else a 404/405 first)."""
    if request.path in MCP_PATHS:
        return request.method == "POST"
    return match_route(request.method, request.path)[0] is not None


class ConnectionDropped(Exception):
    """Raised after the response has started, so uvicorn closes the connection mid-response."""


class _HideDroppedConnections(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))


def install_log_filter() -> None:
    """Keep uvicorn from logging the deliberate connection drops as application errors."""
    target = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _HideDroppedConnections) for f in target.filters):
        target.addFilter(_HideDroppedConnections())


class StoreApp:
    """The ASGI app serving one store's discovery, MCP, REST, token and continue_url endpoints."""

    def __init__(
        self,
        shop: Shop,
        *,
        base_url: str,
        profiles: ProfileCache,
        token_secret: bytes,
        signatures: StoreSignatures | None = None,
        order_webhooks: OrderWebhooks | None = None,
        chaos: Chaos | None = None,
        rate_limit_scale: float = 1.0,
        releases: tuple[str, ...] = RELEASES,
        accounts_db: Path | None = None,
    ) -> None:
        spec = shop.spec
        self.shop = shop
        self.base_url = base_url
        self._chaos = chaos or Chaos()
        self._random = random.Random()
        self.issuer = TokenIssuer(issuer=base_url, clients=spec.auth_clients, secret=token_secret)
        self.dispatcher = Dispatcher(
            shop,
            profiles=profiles,
            issuer=self.issuer,
            limiter=RateLimiter(spec.rate_limits, scale=rate_limit_scale),
            home_url=base_url + "/",
            releases=releases,
        )
        self._mcp = McpEndpoint(self.dispatcher, server_name=spec.name)
        self._common_mcp = McpEndpoint(
            self.dispatcher, server_name=spec.name, served=COMMON_OPERATIONS
        )
        self._rest = RestEndpoint(self.dispatcher)
        self._pages = Pages(shop, base_url=base_url)
        self.signatures = signatures
        self._order_webhooks = order_webhooks
        if order_webhooks is not None:
            self.dispatcher.on_order = order_webhooks.remember
        # The newest release served leads at /.well-known/ucp, listing the others as
        # supported_versions leaves; every release is also at /.well-known/ucp/<release>.
        self.identity = identity_server(spec, base_url, token_secret, accounts_db)
        self.issuer.users = self.identity  # linked shoppers' tokens on UCP calls
        self._identity_routes = IdentityRoutes(self.identity)
        self._account_api = AccountApi(self.identity)
        documents = {
            release: self._identity_routes.advertise(
                release,
                business_profile(
                    base_url=base_url,
                    capabilities=spec.capabilities,
                    payment_handlers=handlers_in(release, spec.payment_handlers),
                    name=spec.name,
                    auth_clients=spec.auth_clients,
                    release=release,
                    older=releases[1:] if release == releases[0] else (),
                    keys=[signatures.jwk] if signatures is not None else None,
                ),
            )
            for release in releases
        }
        headers = {"Cache-Control": f"public, max-age={PROFILE_MAX_AGE_SECONDS}"}
        self._profile_responses = {
            f"{PROFILE_PATH}/{release}": json_response(200, document, headers)
            for release, document in documents.items()
        }
        self._profile_responses[PROFILE_PATH] = json_response(200, documents[releases[0]], headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if self._chaos.latency_ms:
            await asyncio.sleep(self._chaos.latency_ms / 1000)
        try:
            request = await read_request(scope, receive)
        except BodyTooLarge:
            await json_response(
                413, {"code": "request_too_large", "content": "Bodies are limited to 1 MiB."}
            ).send(send)
            return
        drop_after_commit = False
        chaotic = self._chaos.fail_rate and request.path.startswith(_CHAOS_PREFIXES)
        if chaotic and self._random.random() < self._chaos.fail_rate:
            if request.method in ("POST", "PUT") and self._random.random() < 0.5:
                drop_after_commit = True
            else:
                await self._unavailable(request).send(send)
                return
        try:
            if self.signatures is not None and _is_operation(request):
                signer = await self.signatures.verify(request)
                if signer is not None:
                    request = replace(request, signed_by=signer)
            response = await self._route(request)
        except ProtocolFailure as failure:
            response = self._failure(request, failure)
        except Exception:
            logger.exception("Unhandled error for %s %s", request.method, request.path)
            response = json_response(500, internal_error().rest_body())
        if self.signatures is not None and request.signed_by is not None:
            self.signatures.sign(response)
        if drop_after_commit:
            await send({"type": "http.response.start", "status": response.status, "headers": []})
            raise ConnectionDropped
        await response.send(send)

    async def _route(self, request: Request) -> Response:
        path = request.path
        if path == MCP_PATH:
            return await self._mcp.handle(request)
        if path == COMMON_MCP_PATH:
            return await self._common_mcp.handle(request)
        if path.startswith((REST_PATH + "/", COMMON_REST_PATH + "/")):
            return await self._rest.handle(request)
        profile = self._profile_responses.get(path)
        if profile is not None:
            return profile if request.method == "GET" else Response(405, headers={"Allow": "GET"})
        if path.startswith(KNOB_PREFIX) and self._order_webhooks is not None:
            return await self._order_webhooks.handle(request)
        if path.startswith(ACCOUNT_PATH + "/"):
            return self._account_api.handle(request)
        identity = self._identity_routes.handle(request)
        if identity is not None:
            return identity
        if path == TOKEN_PATH:
            if request.method != "POST":
                return Response(405, headers={"Allow": "POST"})
            return self.issuer.handle_token_request(request)
        return self._pages.handle(request)

    def _unavailable(self, request: Request) -> Response:
        return self._failure(request, unavailable(1))

    def _failure(self, request: Request, failure: ProtocolFailure) -> Response:
        """A failure met before routing, in the shape of the binding the request was for."""
        if request.path not in MCP_PATHS:
            return json_response(failure.http_status, failure.rest_body(), failure.headers)
        request_id: Any = None
        try:
            message = parse_json(request.body)
            if isinstance(message, dict):
                request_id = message.get("id")
        except ValueError:
            pass
        payload = {"jsonrpc": "2.0", "id": request_id, "error": failure.jsonrpc_error()}
        return Response(failure.http_status, dumps(payload).encode(), headers=failure.headers)
