"""Our platform profile: generated from config, served on loopback, exportable for public hosting.

Merchants fetch it from the URL we advertise on every request (``UCP-Agent`` / ``meta``). The
sandbox stores accept ``http`` for loopback hosts, so a tiny asyncio server on 127.0.0.1 serves it
during a session; for real merchants, export it and host it at an https URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from types import TracebackType
from typing import Any, Final, Self

from assistant.config import Config, WalletInstrument
from assistant.domain import PROTOCOL_VERSION

PROFILE_PATH: Final = "/.well-known/ucp"
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


class ProfileServer:
    """Serves one profile document at ``http://127.0.0.1:<free port>/.well-known/ucp``."""

    def __init__(self, profile: dict[str, Any], *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._body = json.dumps(profile, separators=(",", ":")).encode()
        self._host = host
        self._port = port
        self._server: asyncio.Server | None = None
        self._connections: dict[asyncio.StreamWriter, asyncio.Task[None] | None] = {}

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("ProfileServer is not started")
        port = self._server.sockets[0].getsockname()[1]
        return f"http://{self._host}:{port}{PROFILE_PATH}"

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._accept, self._host, self._port)
        return self.url

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
            tasks = [task for task in self._connections.values() if task is not None]
            for writer in list(self._connections):
                writer.close()  # the reader then sees EOF and the handler returns
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._server.wait_closed()
            self._server = None

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

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._connections[writer] = asyncio.current_task()
        try:
            while await self._answer(reader, writer):
                pass
        except (
            ConnectionError,
            TimeoutError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
        ):
            pass
        finally:
            self._connections.pop(writer, None)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Answer one request; False when the connection should close."""
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=30)
        lines = head.decode("latin-1").split("\r\n")
        method, _, rest = lines[0].partition(" ")
        path = rest.partition(" ")[0].split("?", 1)[0]
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in lines[1:] if line)
        }
        length = int(headers.get("content-length", "0") or 0)
        if length:
            await reader.readexactly(length)
        if method in ("GET", "HEAD") and path in (PROFILE_PATH, "/"):
            status, body = "200 OK", self._body
        elif method in ("GET", "HEAD"):
            status, body = "404 Not Found", b'{"code":"not_found"}'
        else:
            status, body = "405 Method Not Allowed", b'{"code":"method_not_allowed"}'
        keep_alive = headers.get("connection", "").lower() != "close"
        response = (
            f"HTTP/1.1 {status}\r\n"
            "Content-Type: application/json\r\n"
            f"Cache-Control: {CACHE_CONTROL}\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n"
        ).encode()
        writer.write(response + (b"" if method == "HEAD" else body))
        await writer.drain()
        return keep_alive


async def serve_profile(config: Config) -> ProfileServer:
    """Serve ``config``'s platform profile on loopback; ``await server.aclose()`` stops it."""
    server = ProfileServer(platform_profile(config))
    await server.start()
    return server
