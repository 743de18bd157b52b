"""Our platform profile: generated from config, served on loopback, exportable for public hosting.

Merchants fetch it from the URL we advertise on every request (``UCP-Agent`` / ``meta``). The
sandbox stores accept ``http`` for loopback hosts, so uvicorn serves it on 127.0.0.1 during a
session; for real merchants, export it and host it at an https URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from types import TracebackType
from typing import Any, Final, Self

import uvicorn

from assistant.config import Config, WalletInstrument
from assistant.domain import PROTOCOL_VERSION

PROFILE_PATH: Final = "/.well-known/ucp"
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
CACHE_CONTROL: Final = "public, max-age=300"
_SPEC: Final = f"https://ucp.dev/{PROTOCOL_VERSION}"

# capability → (spec page, schema file, extends)
_CAPABILITIES: Final[dict[str, tuple[str, str, str | list[str] | None]]] = {
    "dev.ucp.shopping.checkout": ("checkout", "checkout.json", None),
    "dev.ucp.shopping.cart": ("cart", "cart.json", None),
    "dev.ucp.shopping.catalog.search": ("catalog/search", "catalog_search.json", None),
    "dev.ucp.shopping.catalog.lookup": ("catalog/lookup", "catalog_lookup.json", None),
    "dev.ucp.shopping.order": ("order", "order.json", None),
    "dev.ucp.shopping.fulfillment": (
        "fulfillment",
        "fulfillment.json",
        "dev.ucp.shopping.checkout",
    ),
    "dev.ucp.shopping.discount": (
        "discount",
        "discount.json",
        ["dev.ucp.shopping.checkout", "dev.ucp.shopping.cart"],
    ),
}

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
        f"https://pay.google.com/gp/p/ucp/{PROTOCOL_VERSION}/",
        f"https://pay.google.com/gp/p/ucp/{PROTOCOL_VERSION}/schemas/config.json",
    ),
}


def _handler_entry(name: str, instruments: list[WalletInstrument]) -> dict[str, Any]:
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
        if brands:
            entry["constraints"] = {"brands": brands}
        available.append(entry)
    return {
        "id": handler_id,
        "version": PROTOCOL_VERSION,
        "spec": spec,
        "schema": schema,
        "available_instruments": available,
    }


def platform_profile(config: Config) -> dict[str, Any]:
    """The platform profile document for ``config`` (capabilities + the wallet's handlers)."""
    capabilities: dict[str, list[dict[str, Any]]] = {}
    for name, (page, schema, extends) in _CAPABILITIES.items():
        entry: dict[str, Any] = {
            "version": PROTOCOL_VERSION,
            "spec": f"{_SPEC}/specification/{page}",
            "schema": f"{_SPEC}/schemas/shopping/{schema}",
        }
        if extends is not None:
            entry["extends"] = extends
        capabilities[name] = [entry]
    by_handler: dict[str, list[WalletInstrument]] = {}
    for instrument in config.wallet:
        by_handler.setdefault(instrument.handler, []).append(instrument)
    services = [
        {
            "version": PROTOCOL_VERSION,
            "spec": f"{_SPEC}/specification/overview",
            "transport": transport,
            "schema": f"{_SPEC}/services/shopping/{schema}",
        }
        for transport, schema in (("mcp", "mcp.openrpc.json"), ("rest", "rest.openapi.json"))
    ]
    return {
        "ucp": {
            "version": PROTOCOL_VERSION,
            "services": {"dev.ucp.shopping": services},
            "capabilities": capabilities,
            "payment_handlers": {
                name: [_handler_entry(name, instruments)]
                for name, instruments in by_handler.items()
            },
        }
    }


def profile_json(config: Config) -> str:
    """The profile as pretty JSON text (for ``pannier profile export``)."""
    return json.dumps(platform_profile(config), indent=2, sort_keys=False) + "\n"


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its signal handlers: the process (the TUI, ``pannier ask``) owns those."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class ProfileServer:
    """Serves one profile document at ``http://127.0.0.1:<free port>/.well-known/ucp``.

    The HTTP is uvicorn's (the ASGI server the sandbox stores run on), so malformed requests get
    uvicorn's 400 and never reach this code; the ASGI app below only routes a parsed request.
    """

    def __init__(self, profile: dict[str, Any], *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._body = json.dumps(profile, separators=(",", ":")).encode()
        self._host = host
        self._port = port
        self._socket: socket.socket | None = None
        self._server: _EmbeddedServer | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        if self._socket is None:
            raise RuntimeError("ProfileServer is not started")
        port = self._socket.getsockname()[1]
        return f"http://{self._host}:{port}{PROFILE_PATH}"

    async def start(self) -> str:
        # Listening before serve() starts: requests queue in the backlog, no readiness wait.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.bind((self._host, self._port))
            sock.listen(128)
        except OSError:
            sock.close()
            raise
        sock.setblocking(False)
        self._socket = sock
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
        if method in ("GET", "HEAD") and path in (PROFILE_PATH, "/"):
            status, body = 200, self._body
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


async def serve_profile(config: Config) -> ProfileServer:
    """Serve ``config``'s platform profile on loopback; ``await server.aclose()`` stops it."""
    server = ProfileServer(platform_profile(config))
    await server.start()
    return server
