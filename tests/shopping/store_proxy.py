"""A loopback proxy in front of one real sandbox store, to make that store misbehave in a test.

Everything passes through to the store, with the store's own URL rewritten to the proxy's in
answers (so the profile's endpoints, token URL and continue_urls lead back through the proxy).
Two knobs, settable while a trip runs:

- ``rewrite_checkout``: called on every checkout object in an answer (REST body, or MCP
  ``structuredContent`` and its text twin), to switch its currency or break its totals;
- ``down``: the proxy drops every connection without answering, as an unreachable shop does;
- ``down_after``: an operation the store is sent and acts on, after which the proxy drops the
  answer and goes ``down`` (a completion interrupted between the store's "yes" and ours).

``operations`` lists what was asked of the store (MCP tool names, REST ``METHOD path``), so a test
can assert that ``complete_checkout`` was never sent.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx2

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}
_CHECKOUT_STATUSES = {
    "incomplete",
    "requires_escalation",
    "ready_for_complete",
    "complete_in_progress",
    "completed",
    "canceled",
}

RewriteCheckout = Callable[[dict[str, Any]], None]


@dataclass
class StoreProxy:
    """The proxy's base URL and its knobs (see the module docstring)."""

    url: str
    store_url: str
    down: bool = False
    down_after: str | None = None
    rewrite_checkout: RewriteCheckout | None = None
    operations: list[str] = field(default_factory=list)

    def asked(self, operation: str) -> bool:
        """Whether the store was sent ``operation`` (an MCP tool name or a REST path part)."""
        return any(operation in seen for seen in self.operations)


def _is_checkout(value: dict[str, Any]) -> bool:
    return value.get("status") in _CHECKOUT_STATUSES and "line_items" in value


def _rewrite(value: Any, rewrite: RewriteCheckout) -> Any:
    if isinstance(value, dict):
        if _is_checkout(value):
            rewrite(value)
        for key, inner in list(value.items()):
            if key == "text" and isinstance(inner, str) and inner.startswith("{"):
                value[key] = json.dumps(_rewrite(json.loads(inner), rewrite))
            else:
                value[key] = _rewrite(inner, rewrite)
    elif isinstance(value, list):
        return [_rewrite(inner, rewrite) for inner in value]
    return value


def _operation(method: str, path: str, body: bytes) -> str:
    try:
        request = json.loads(body) if body else None
    except ValueError:
        request = None
    if isinstance(request, dict) and request.get("method") == "tools/call":
        return str((request.get("params") or {}).get("name"))
    return f"{method} {path}"


def _without_keys(profile: bytes) -> bytes:
    """The store's profile without its signing keys: a request signature covers @authority, the
    address the client dialed (this proxy), which the store cannot verify against its own, so
    the client is to treat the proxy as a store without keys[] and ask for a bearer token."""
    document = json.loads(profile)
    for name in ("keys", "signing_keys"):
        document.pop(name, None)
    return json.dumps(document).encode()


@contextmanager
def store_proxy(store_url: str) -> Iterator[StoreProxy]:
    """Serve a proxy for ``store_url`` on a free loopback port for the block."""
    client = httpx2.Client(timeout=30.0)
    proxy = StoreProxy(url="", store_url=store_url)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if proxy.down:
                self._drop()
                return
            operation = _operation(self.command, self.path, body)
            proxy.operations.append(operation)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            answer = client.request(
                self.command, store_url + self.path, content=body, headers=headers
            )
            if proxy.down_after is not None and proxy.down_after in operation:
                proxy.down = True
                self._drop()
                return
            content = answer.content.replace(store_url.encode(), proxy.url.encode())
            if self.path.startswith("/.well-known/ucp") and answer.is_success:
                content = _without_keys(content)
            rewrite = proxy.rewrite_checkout
            if rewrite is not None and "json" in answer.headers.get("content-type", ""):
                content = json.dumps(_rewrite(json.loads(content), rewrite)).encode()
            self.send_response(answer.status_code)
            for name, value in answer.headers.items():
                if name.lower() not in _HOP_BY_HOP:
                    self.send_header(name, value.replace(store_url, proxy.url))
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def _drop(self) -> None:
            # No answer at all, as an unreachable shop: the client sees the connection drop.
            self.connection.shutdown(socket.SHUT_RDWR)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    proxy.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="store-proxy", daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
        client.close()
