"""Our platform profile: generated from config, served on loopback, exportable for public hosting.

Merchants fetch it from the URL we advertise on every request (``UCP-Agent`` / ``meta``). The
sandbox stores accept ``http`` for loopback hosts, so uvicorn serves it on 127.0.0.1 during a
session; for real merchants, export it and host it at an https URL.

One profile per release we write (exact-version rule, 2026-08-25: every ``dev.ucp.*`` entry
carries the profile's own version): the newest at ``/.well-known/ucp``, each release also at
``/.well-known/ucp/<version>``; a request names the profile of the release negotiated with that
merchant.

About 360 lines: building the profiles and serving them (with the order-webhook endpoint the
profile advertises) belong together, since the served URLs are written into the profile.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self

import uvicorn

from assistant.config import Config, WalletInstrument
from assistant.domain import LATEST_VERSION, PROFILE_VERSIONS, PROTOCOL_VERSION

PROFILE_PATH: Final = "/.well-known/ucp"
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
CACHE_CONTROL: Final = "public, max-age=300"
MAX_WEBHOOK_BYTES: Final = 1024 * 1024
WebhookHandler = Callable[[dict[str, str], bytes, str], Awaitable[tuple[int, bytes]]]

# capability → (spec page, schema file under schemas/, extends)
_CAPABILITIES: Final[dict[str, tuple[str, str, str | list[str] | None]]] = {
    "dev.ucp.shopping.checkout": ("checkout", "shopping/checkout.json", None),
    "dev.ucp.shopping.cart": ("cart", "shopping/cart.json", None),
    "dev.ucp.shopping.catalog.search": ("catalog/search", "shopping/catalog_search.json", None),
    "dev.ucp.shopping.catalog.lookup": ("catalog/lookup", "shopping/catalog_lookup.json", None),
    "dev.ucp.shopping.order": ("order", "shopping/order.json", None),
    "dev.ucp.shopping.fulfillment": (
        "fulfillment",
        "shopping/fulfillment.json",
        "dev.ucp.shopping.checkout",
    ),
    "dev.ucp.shopping.discount": (
        "discount",
        "shopping/discount.json",
        ["dev.ucp.shopping.checkout", "dev.ucp.shopping.cart"],
    ),
    "dev.ucp.shopping.buyer_consent": (
        "buyer-consent",
        "shopping/buyer_consent.json",
        "dev.ucp.shopping.checkout",
    ),
}

# What scope derivation for identity linking may ask for: capabilities both sides can negotiate.
PLATFORM_CAPABILITIES: Final = (*_CAPABILITIES, "dev.ucp.common.identity_linking")
# 2026-08-25 capabilities under ``dev.ucp.common`` (schemas in ``common/``) Pannier takes part
# in: payment authentication (#741; its actions, 3-D Secure challenge and device data collection,
# are read and handed to the shopper on the store's page, never performed) and pickup locations
# (search and lookup, so a shopper can choose a store to collect from).
_COMMON_CAPABILITIES: Final[dict[str, tuple[str, str, str | None]]] = {
    "dev.ucp.common.payment.authentication": (
        "payment-authentication",
        "common/payment_authentication.json",
        "dev.ucp.shopping.checkout",
    ),
    "dev.ucp.common.location.search": (
        "common/location/search",
        "common/location_search.json",
        None,
    ),
    "dev.ucp.common.location.lookup": (
        "common/location/lookup",
        "common/location_lookup.json",
        None,
    ),
}
COMMON_SINCE: Final = "2026-08-25"

# handler registry name → (instance id, spec, schema); others get URLs under their namespace
_KNOWN_HANDLERS: Final[dict[str, tuple[str, str, str]]] = {
    "dev.pannier.sandbox_card": (
        "sandbox_card",
        "https://pannier.dev/payment-handlers/sandbox_card",
        "https://pannier.dev/payment-handlers/sandbox_card.json",
    ),
    "dev.pannier.sandbox_wallet": (
        "sandbox_wallet",
        "https://pannier.dev/payment-handlers/sandbox_wallet",
        "https://pannier.dev/payment-handlers/sandbox_wallet.json",
    ),
    "com.google.pay": (
        "gpay",
        "https://pay.google.com/gp/p/ucp/{version}/",
        "https://pay.google.com/gp/p/ucp/{version}/schemas/config.json",
    ),
}


def profile_version(version: str) -> str:
    """The release whose profile we send to a merchant speaking ``version``."""
    return version if version in PROFILE_VERSIONS else PROTOCOL_VERSION


def _handler_entry(name: str, instruments: list[WalletInstrument], version: str) -> dict[str, Any]:
    labels = name.split(".")
    authority = ".".join(reversed(labels[:2]))
    handler_id, spec, schema = _KNOWN_HANDLERS.get(
        name,
        (
            labels[-1],
            f"https://{authority}/ucp/payment-handlers/{labels[-1]}",
            f"https://{authority}/ucp/payment-handlers/{labels[-1]}.json",
        ),
    )
    available: list[dict[str, Any]] = []
    for instrument_type in dict.fromkeys(i.type for i in instruments):
        brands = sorted({i.brand for i in instruments if i.type == instrument_type and i.brand})
        entry: dict[str, Any] = {"type": instrument_type}
        if brands and version >= "2026-08-25":  # a constraint expression over the instrument
            entry["constraints"] = {"properties": {"brand": {"enum": brands}}}
        elif brands:
            entry["constraints"] = {"brands": brands}
        available.append(entry)
    return {
        "id": handler_id,
        "version": version,
        "spec": spec.format(version=version),
        "schema": schema.format(version=version),
        "available_instruments": available,
    }


def _entry(
    version: str, page: str, schema: str, extends: str | list[str] | None = None
) -> dict[str, Any]:
    """One capability as our profile declares it: its release, spec page and schema file."""
    entry: dict[str, Any] = {
        "version": version,
        "spec": f"https://ucp.dev/{version}/specification/{page}",
        "schema": f"https://ucp.dev/{version}/schemas/{schema}",
    }
    if extends is not None:
        entry["extends"] = extends
    return entry


def platform_profile(
    config: Config, version: str = LATEST_VERSION, *, keys: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """The platform profile document for ``config`` at one release (capabilities + handlers).

    ``keys``: the public JWKs of our signing keys (``KeyRing.published_jwks()``).
    """
    if version not in PROFILE_VERSIONS:
        raise ValueError(f"no platform profile for UCP {version} (we have {PROFILE_VERSIONS})")
    spec_root = f"https://ucp.dev/{version}"
    capabilities = {name: [_entry(version, *row)] for name, row in _CAPABILITIES.items()}
    # We link shoppers' accounts (pannier link): identity linking has no platform config.
    capabilities["dev.ucp.common.identity_linking"] = [
        _entry(version, "identity-linking", "common/identity_linking.json")
    ]
    if version >= COMMON_SINCE:
        capabilities |= {
            name: [_entry(version, *row)] for name, row in _COMMON_CAPABILITIES.items()
        }
    by_handler: dict[str, list[WalletInstrument]] = {}
    for instrument in config.wallet:
        by_handler.setdefault(instrument.handler, []).append(instrument)
    services = [
        {
            "version": version,
            "spec": f"{spec_root}/specification/overview",
            "transport": transport,
            "schema": f"{spec_root}/services/shopping/{schema}",
        }
        for transport, schema in (("mcp", "mcp.openrpc.json"), ("rest", "rest.openapi.json"))
    ]
    document: dict[str, Any] = {
        "ucp": {
            "version": version,
            "services": {"dev.ucp.shopping": services},
            "capabilities": capabilities,
            "payment_handlers": {
                name: [_handler_entry(name, instruments, version)]
                for name, instruments in by_handler.items()
            },
        }
    }
    if version >= "2026-08-25":
        document["keys"] = list(keys or [])  # signing keys live only here (#566)
    elif keys:
        document["signing_keys"] = list(keys)  # where 2026-04-08 verifiers read them
    return document


def profile_json(
    config: Config, version: str = LATEST_VERSION, *, keys: list[dict[str, str]] | None = None
) -> str:
    """The profile as pretty JSON text (for ``pannier profile export``)."""
    document = platform_profile(config, version, keys=keys)
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its signal handlers: the process (the TUI, ``pannier ask``) owns those."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class ProfileServer:
    """Serves profile documents on ``http://127.0.0.1:<free port>``.

    The HTTP is uvicorn's (the ASGI server the sandbox stores run on), so malformed requests get
    uvicorn's 400 and never reach this code; the ASGI app below only routes a parsed request.

    ``profiles`` maps a release to its document: the first is also at ``/.well-known/ucp``,
    each at ``/.well-known/ucp/<release>``. A single document is served at the well-known path.
    """

    def __init__(
        self,
        profiles: dict[str, Any],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        port_file: Path | None = None,
        webhook_path: str | None = None,
    ) -> None:
        """``port_file``: where the port is remembered, to serve from the same URL after a restart
        when it is free (a signed MCP retry resends the body naming that URL)."""
        if "ucp" in profiles:  # one document
            profiles = {str(profiles["ucp"].get("version", "")): profiles}
        self._documents = profiles
        self._webhook_path = webhook_path
        # (headers, body, url) -> (status, body): set by whoever handles order webhooks
        self.on_webhook: WebhookHandler | None = None
        self._encode()
        self._host = host
        self._port = port
        self._port_file = port_file
        self._socket: socket.socket | None = None
        self._server: _EmbeddedServer | None = None
        self._task: asyncio.Task[None] | None = None

    def _encode(self, webhook_url: str | None = None) -> None:
        bodies = {}
        for release, document in self._documents.items():
            if webhook_url is not None:
                document = json.loads(json.dumps(document))
                for entry in document["ucp"]["capabilities"].get("dev.ucp.shopping.order", []):
                    entry["config"] = {"webhook_url": webhook_url}
            bodies[release] = json.dumps(document, separators=(",", ":")).encode()
        self._bodies = bodies
        self._paths = {f"{PROFILE_PATH}/{release}": body for release, body in bodies.items()}
        first = next(iter(bodies.values()))
        self._paths[PROFILE_PATH] = self._paths["/"] = first

    @property
    def url(self) -> str:
        if self._socket is None:
            raise RuntimeError("ProfileServer is not started")
        port = self._socket.getsockname()[1]
        return f"http://{self._host}:{port}{PROFILE_PATH}"

    @property
    def urls(self) -> dict[str, str]:
        """Release → the URL of its own profile (what a request to that merchant names)."""
        return {release: f"{self.url}/{release}" for release in self._bodies}

    async def start(self) -> str:
        # Listening before serve() starts: requests queue in the backlog, no readiness wait.
        remembered = self._remembered_port()
        try:
            sock = self._listen(remembered or self._port)
        except OSError:
            if not remembered:
                raise
            sock = self._listen(self._port)
        if self._port_file is not None:
            with contextlib.suppress(OSError):
                self._port_file.parent.mkdir(parents=True, exist_ok=True)
                self._port_file.write_text(str(sock.getsockname()[1]))
        self._socket = sock
        if self._webhook_path is not None:
            port = sock.getsockname()[1]
            self._encode(f"http://{self._host}:{port}{self._webhook_path}")
        config = uvicorn.Config(
            self._app,
            interface="asgi3",
            lifespan="off",
            proxy_headers=False,
            log_config=None,  # leave the process's logging alone
            log_level=None,
            access_log=False,
        )
        self._server = _EmbeddedServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="profile")
        return self.url

    def _remembered_port(self) -> int:
        if self._port_file is None or self._port:
            return 0
        try:
            text = self._port_file.read_text().strip()
        except OSError:
            return 0
        return int(text) if text.isdigit() and 0 < int(text) < 65536 else 0

    def _listen(self, port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self._host, port))
            sock.listen(128)
        except OSError:
            sock.close()
            raise
        sock.setblocking(False)
        return sock

    async def aclose(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await asyncio.gather(self._task, return_exceptions=True)
        if self._socket is not None:
            self._socket.close()
        self._server, self._task, self._socket = None, None, None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        method, path = scope["method"], scope["path"]
        if method == "POST" and path == self._webhook_path and self.on_webhook is not None:
            status, body = await self._webhook(scope, receive)
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        if method in ("GET", "HEAD") and path in self._paths:
            status, body = 200, self._paths[path]
        elif method in ("GET", "HEAD"):
            status, body = 404, b'{"code":"not_found"}'
        else:
            status, body = 405, b'{"code":"method_not_allowed"}'
        headers = [
            (b"content-type", b"application/json"),
            (b"cache-control", CACHE_CONTROL.encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})

    async def _webhook(self, scope: Scope, receive: Receive) -> tuple[int, bytes]:
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return 400, b'{"code":"invalid_request"}'
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_WEBHOOK_BYTES:
                return 413, b'{"code":"request_too_large"}'
            chunks.append(chunk)
            more = message.get("more_body", False)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        url = f"http://{headers.get('host', self._host)}{scope['path']}"
        assert self.on_webhook is not None
        return await self.on_webhook(headers, b"".join(chunks), url)


async def serve_profile(
    config: Config, *, keys: list[dict[str, str]] | None = None
) -> ProfileServer:
    """Serve ``config``'s platform profiles on loopback; ``await server.aclose()`` stops it."""
    server = ProfileServer({v: platform_profile(config, v, keys=keys) for v in PROFILE_VERSIONS})
    await server.start()
    return server
