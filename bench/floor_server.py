"""The floor the sandbox stores' CPU is measured against: the same round trips, almost no work.

Run by `bench/merchants.py` (not on its own): `python bench/floor_server.py --responses FILE
--data-dir DIR`. Same stack as the stores (uvicorn with httptools, raw ASGI, one event loop for
two ports), and per request only what any server must do: read and parse the JSON body, write one
SQLite row (WAL, synchronous=NORMAL, one transaction), serialise a realistic answer (recorded from
the real stores by the benchmark, MCP answers carrying the payload twice as the stores do) and
send it. Prints one `{"slug", "url"}` JSON line per port, like `python -m merchants serve --json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import socket
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

SLUGS = ("flowers", "coffee")
REST_OPERATIONS = {
    ("POST", "carts"): "create_cart",
    ("POST", "checkout-sessions"): "create_checkout",
    ("PUT", "checkout-sessions"): "update_checkout",
    ("POST", "complete"): "complete_checkout",
    ("POST", "search"): "search_catalog",
}


def _dumps(payload: Any) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


class FloorApp:
    """One ASGI app: answers every operation with its recorded payload."""

    def __init__(self, responses: dict[str, Any], db_path: Path) -> None:
        self._responses = responses
        self._db = sqlite3.connect(db_path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS requests (id INTEGER PRIMARY KEY, path TEXT, body TEXT)"
        )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        chunks = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        path: str = scope["path"]
        request = json.loads(body) if body and path != "/auth/access_token" else None
        self._db.execute(
            "INSERT INTO requests (path, body) VALUES (?, ?)", (path, body.decode() or None)
        )
        if path == "/auth/access_token":
            out = _dumps(self._responses["token"])
        elif path.endswith("/mcp"):
            assert isinstance(request, dict)
            text = _dumps(self._responses[request["params"]["name"]])
            out = (
                '{"jsonrpc":"2.0","id":'
                + _dumps(request["id"])
                + ',"result":{"structuredContent":'
                + text
                + ',"content":[{"type":"text","text":'
                + _dumps(text)
                + "}]}}"
            )
        else:
            segments = path.rstrip("/").split("/")
            resource = segments[4] if len(segments) > 4 else ""
            last = segments[-1] if segments[-1] in ("complete", "search") else resource
            out = _dumps(self._responses[REST_OPERATIONS[(scope["method"], last)]])
        raw = out.encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(raw)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": raw})


class _Server(uvicorn.Server):
    """Signal handling stays with this script: two servers share the process (as the stores do)."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def _serve(responses: dict[str, Any], data_dir: Path) -> None:
    servers = []
    for slug in SLUGS:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
        sock.listen(1024)
        sock.setblocking(False)
        app = FloorApp(responses, data_dir / f"{slug}-floor.sqlite3")
        config = uvicorn.Config(
            app, http="httptools", lifespan="off", access_log=False, log_level="warning"
        )
        server = _Server(config)
        servers.append((server, sock))
        print(json.dumps({"slug": slug, "url": f"http://127.0.0.1:{sock.getsockname()[1]}"}))
    sys.stdout.flush()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    tasks = [asyncio.create_task(server.serve(sockets=[sock])) for server, sock in servers]
    await stop.wait()
    for server, _ in servers:
        server.should_exit = True
    await asyncio.gather(*tasks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--responses", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args()
    responses = json.loads(args.responses.read_text())
    asyncio.run(_serve(responses, args.data_dir))


if __name__ == "__main__":
    main()
