"""Session-wide fixtures shared by every test folder.

- `sandbox_stores`: dict slug → `merchants.serve.RunningStore` (`.slug`, `.name`, `.url`) for all
  five sandbox stores, started ONCE per session on free loopback ports with a temporary data dir.
  Point a UCP client at `f"{store.url}/.well-known/ucp"` (MCP at `/api/ucp/mcp`, REST at
  `/api/ucp/v1`, token at `/auth/access_token` with `pannier-sandbox` / `sandbox-secret`).
- `sandbox_data_dir`: the stores' data directory (`<slug>.sqlite3`), to count rows store-side.
- `platform_profile_url`: a loopback URL serving a valid UCP 2026-04-08 platform profile that
  advertises every shopping capability and the three sandbox payment handlers. Send it as
  `meta["ucp-agent"]["profile"]` (MCP) or `UCP-Agent: profile="…"` (REST).
- `platform_profile_server`: the base URL of that server; `/<name>.json` serves the variants in
  `PLATFORM_PROFILE_VARIANTS` (old version, malformed, …) for negotiation tests.

Neither fixture sleeps: both servers listen before the fixture returns.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from merchants.serve import RunningStore, StoresInThread

UCP_VERSION = "2026-04-08"
_SPEC = f"https://ucp.dev/{UCP_VERSION}"


def _capability(
    page: str, schema: str, extends: str | list[str] | None = None
) -> list[dict[str, Any]]:
    entry: dict[str, Any] = {
        "version": UCP_VERSION,
        "spec": f"{_SPEC}/specification/{page}",
        "schema": f"{_SPEC}/schemas/shopping/{schema}",
    }
    if extends is not None:
        entry["extends"] = extends
    return [entry]


def platform_profile(
    *,
    version: str = UCP_VERSION,
    drop: tuple[str, ...] = (),
    handlers: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """A valid platform profile advertising everything, minus the capabilities named in `drop`."""
    capabilities = {
        "dev.ucp.shopping.checkout": _capability("checkout", "checkout.json"),
        "dev.ucp.shopping.cart": _capability("cart", "cart.json"),
        "dev.ucp.shopping.catalog.search": _capability("catalog/search", "catalog_search.json"),
        "dev.ucp.shopping.catalog.lookup": _capability("catalog/lookup", "catalog_lookup.json"),
        "dev.ucp.shopping.order": _capability("order", "order.json"),
        "dev.ucp.shopping.fulfillment": _capability(
            "fulfillment", "fulfillment.json", "dev.ucp.shopping.checkout"
        ),
        "dev.ucp.shopping.discount": _capability(
            "discount", "discount.json", ["dev.ucp.shopping.checkout", "dev.ucp.shopping.cart"]
        ),
    }
    all_handlers = {
        "dev.pannier.sandbox_card": [
            {
                "id": "sandbox_card",
                "version": UCP_VERSION,
                "spec": "https://pannier.dev/payment-handlers/sandbox_card",
                "schema": "https://pannier.dev/payment-handlers/sandbox_card.json",
                "available_instruments": [{"type": "card"}],
            }
        ],
        "dev.pannier.sandbox_wallet": [
            {
                "id": "sandbox_wallet",
                "version": UCP_VERSION,
                "spec": "https://pannier.dev/payment-handlers/sandbox_wallet",
                "schema": "https://pannier.dev/payment-handlers/sandbox_wallet.json",
                "available_instruments": [{"type": "wallet"}],
            }
        ],
        "com.google.pay": [
            {
                "id": "gpay",
                "version": UCP_VERSION,
                "spec": "https://pay.google.com/gp/p/ucp/2026-04-08/",
                "schema": "https://pay.google.com/gp/p/ucp/2026-04-08/schemas/config.json",
                "available_instruments": [{"type": "card"}],
            }
        ],
    }
    return {
        "ucp": {
            "version": version,
            "services": {
                "dev.ucp.shopping": [
                    {
                        "version": UCP_VERSION,
                        "spec": f"{_SPEC}/specification/overview",
                        "transport": transport,
                        "schema": f"{_SPEC}/services/shopping/{schema}",
                    }
                    for transport, schema in (
                        ("mcp", "mcp.openrpc.json"),
                        ("rest", "rest.openapi.json"),
                    )
                ]
            },
            "capabilities": {k: v for k, v in capabilities.items() if k not in drop},
            "payment_handlers": {
                k: v for k, v in all_handlers.items() if handlers is None or k in handlers
            },
        }
    }


# name → (HTTP status, body bytes) served at /<name>.json
PLATFORM_PROFILE_VARIANTS: dict[str, tuple[int, bytes]] = {
    "platform": (200, json.dumps(platform_profile()).encode()),
    "old-version": (200, json.dumps(platform_profile(version="2026-01-23")).encode()),
    "not-json": (200, b"<html>not a profile</html>"),
    "no-ucp": (200, json.dumps({"hello": "world"}).encode()),
    "no-checkout": (
        200,
        json.dumps(platform_profile(drop=("dev.ucp.shopping.checkout",))).encode(),
    ),
    "no-fulfillment": (
        200,
        json.dumps(platform_profile(drop=("dev.ucp.shopping.fulfillment",))).encode(),
    ),
    "card-only": (
        200,
        json.dumps(platform_profile(handlers=("dev.pannier.sandbox_card",))).encode(),
    ),
    "gone": (404, b"{}"),
}


class _ProfileHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        name = (
            "platform"
            if self.path == "/.well-known/ucp"
            else self.path.strip("/").removesuffix(".json")
        )
        status, body = PLATFORM_PROFILE_VARIANTS.get(name, (404, b"{}"))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "public, max-age=3600")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def platform_profile_server() -> Iterator[str]:
    """Base URL of the loopback platform-profile server (`/<variant>.json`)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ProfileHandler)
    thread = threading.Thread(target=server.serve_forever, name="platform-profile", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="session")
def platform_profile_url(platform_profile_server: str) -> str:
    """A valid 2026-04-08 platform profile advertising all capabilities and payment handlers."""
    return f"{platform_profile_server}/.well-known/ucp"


@pytest.fixture(scope="session")
def sandbox_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where `sandbox_stores` keep their databases (`<slug>.sqlite3`), for store-side asserts."""
    return tmp_path_factory.mktemp("sandbox-merchants")


@pytest.fixture(scope="session")
def sandbox_stores(sandbox_data_dir: Path) -> Iterator[dict[str, RunningStore]]:
    """All five sandbox stores, once per session, on free ports: slug → RunningStore."""
    with StoresInThread(None, port_base=None, data_dir=sandbox_data_dir) as stores:
        yield {store.slug: store for store in stores}
