"""A loopback reverse proxy that lets a third-party checker that cannot log in test a store.

spck-conformance sends no `Authorization` header and names its own platform profile
(`https://spck.dev/agent`), which this offline machine cannot fetch. In front of one store, the
proxy adds the bearer token a real platform would hold, points that one profile URL at a local
platform profile, and rewrites the store's own URL to the proxy's in answers (so the endpoints
the profile advertises lead back through the proxy). Everything else passes through unchanged:
any other profile URL, any Authorization the checker does send, every status and body.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx2

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


@contextmanager
def token_proxy(store_url: str, *, token: str, profile_from: str, profile_to: str) -> Iterator[str]:
    """Serve the proxy on a free loopback port for the block; yields its base URL."""
    client = httpx2.Client(timeout=30.0)
    proxy_url = ""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            body = body.replace(profile_from.encode(), profile_to.encode())
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            for name in [k for k in headers if k.lower() == "ucp-agent"]:
                headers[name] = headers[name].replace(profile_from, profile_to)
            if not any(k.lower() == "authorization" for k in headers):
                headers["Authorization"] = f"Bearer {token}"
            answer = client.request(
                self.command, store_url + self.path, content=body, headers=headers
            )
            content = answer.content.replace(store_url.encode(), proxy_url.encode())
            self.send_response(answer.status_code)
            for name, value in answer.headers.items():
                if name.lower() not in _HOP_BY_HOP:
                    self.send_header(name, value.replace(store_url, proxy_url))
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _forward

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    proxy_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="token-proxy", daemon=True)
    thread.start()
    try:
        yield proxy_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
        client.close()
