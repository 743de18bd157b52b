"""Benchmark the sandbox stores: full checkout flows over loopback, sequential and concurrent.

Run: `.venv/bin/python bench/merchants.py [--flows 400] [--clients 8] [--binding rest|mcp]`.
Starts `python -m merchants serve --port-base 0 --json` in a subprocess, serves a platform
profile from this process, then prints flows/s, p50/p95 per operation and the server's peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx2

STORES = ("flowers", "coffee")
ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "street_address": "1 Main St",
    "address_locality": "Springfield",
    "address_region": "IL",
    "postal_code": "62701",
    "address_country": "US",
}
CREDENTIALS = {
    "grant_type": "client_credentials",
    "client_id": "pannier-sandbox",
    "client_secret": "sandbox-secret",
}
REST = {
    "search_catalog": ("POST", "/catalog/search", "catalog"),
    "create_cart": ("POST", "/carts", "cart"),
    "create_checkout": ("POST", "/checkout-sessions", "checkout"),
    "update_checkout": ("PUT", "/checkout-sessions/{id}", "checkout"),
    "complete_checkout": ("POST", "/checkout-sessions/{id}/complete", "checkout"),
}


def _capability(name: str) -> list[dict[str, Any]]:
    entry: dict[str, Any] = {
        "version": "2026-04-08",
        "spec": "https://ucp.dev/",
        "schema": "https://ucp.dev/",
    }
    if name == "fulfillment":
        entry["extends"] = "dev.ucp.shopping.checkout"
    if name == "discount":
        entry["extends"] = ["dev.ucp.shopping.checkout", "dev.ucp.shopping.cart"]
    return [entry]


def _profile() -> bytes:
    names = [
        "checkout",
        "cart",
        "catalog.search",
        "catalog.lookup",
        "order",
        "fulfillment",
        "discount",
    ]
    handlers = {
        "dev.pannier.sandbox_card": "sandbox_card",
        "dev.pannier.sandbox_wallet": "sandbox_wallet",
    }
    document = {
        "ucp": {
            "version": "2026-04-08",
            "services": {},
            "capabilities": {f"dev.ucp.shopping.{n}": _capability(n) for n in names},
            "payment_handlers": {
                k: [{"id": v, "version": "2026-04-08"}] for k, v in handlers.items()
            },
        }
    }
    return json.dumps(document).encode()


class _ProfileHandler(BaseHTTPRequestHandler):
    body = _profile()

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "public, max-age=3600")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Client:
    """One benchmark client: its own token per store, one transport."""

    _ids = itertools.count(1)

    def __init__(
        self, http: httpx2.AsyncClient, stores: dict[str, str], profile: str, binding: str
    ) -> None:
        self.http = http
        self.stores = stores
        self.profile = profile
        self.binding = binding
        self.tokens: dict[str, str] = {}
        self.timings: dict[str, list[float]] = defaultdict(list)

    async def login(self) -> None:
        for slug, url in self.stores.items():
            response = await self.http.post(f"{url}/auth/access_token", data=CREDENTIALS)
            self.tokens[slug] = response.json()["access_token"]

    async def call(
        self, slug: str, op: str, args: dict[str, Any], key: str | None = None
    ) -> dict[str, Any]:
        base = self.stores[slug]
        headers = {"Authorization": f"Bearer {self.tokens[slug]}"}
        started = time.perf_counter()
        if self.binding == "mcp":
            meta: dict[str, Any] = {"ucp-agent": {"profile": self.profile}}
            if key:
                meta["idempotency-key"] = key
            message = {
                "jsonrpc": "2.0",
                "id": next(self._ids),
                "method": "tools/call",
                "params": {"name": op, "arguments": {"meta": meta, **args}},
            }
            response = await self.http.post(f"{base}/api/ucp/mcp", json=message, headers=headers)
            payload = response.json()["result"]["structuredContent"]
        else:
            method, path, body_key = REST[op]
            headers["UCP-Agent"] = f'profile="{self.profile}"'
            headers["Idempotency-Key"] = key or str(uuid.uuid4())
            body = args.get(body_key) or {}
            if "cart_id" in args:
                body = {**body, "cart_id": args["cart_id"]}
            response = await self.http.request(
                method,
                f"{base}/api/ucp/v1{path.format(id=args.get('id', ''))}",
                json=body,
                headers=headers,
            )
            payload = response.json()
        self.timings[op].append(time.perf_counter() - started)
        if response.status_code >= 400:
            raise RuntimeError(f"{op} → {response.status_code}: {response.text[:300]}")
        return dict(payload)

    async def flow(self, slug: str, variant: str) -> None:
        cart = await self.call(
            slug,
            "create_cart",
            {"cart": {"line_items": [{"item": {"id": variant}, "quantity": 1}]}},
        )
        checkout = await self.call(slug, "create_checkout", {"cart_id": cart["id"]})
        lines = [
            {"id": li["id"], "item": {"id": li["item"]["id"]}, "quantity": li["quantity"]}
            for li in checkout["line_items"]
        ]
        update = {
            "line_items": lines,
            "buyer": {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"},
            "fulfillment": {
                "methods": [
                    {
                        "type": "shipping",
                        "line_item_ids": [li["id"] for li in lines],
                        "destinations": [ADDRESS],
                    }
                ]
            },
        }
        checkout = await self.call(
            slug, "update_checkout", {"id": checkout["id"], "checkout": update}
        )
        method = checkout["fulfillment"]["methods"][0]
        update["fulfillment"] = {
            "methods": [
                {
                    "id": method["id"],
                    "type": "shipping",
                    "line_item_ids": method["line_item_ids"],
                    "destinations": method["destinations"],
                    "groups": [
                        {"id": g["id"], "selected_option_id": g["options"][0]["id"]}
                        for g in method["groups"]
                    ],
                }
            ]
        }
        checkout = await self.call(
            slug, "update_checkout", {"id": checkout["id"], "checkout": update}
        )
        if checkout["status"] != "ready_for_complete":
            raise RuntimeError(f"not ready: {checkout.get('messages')}")
        instrument = {
            "id": "instr_1",
            "handler_id": "sandbox_card",
            "type": "card",
            "credential": {"type": "token", "token": "tok_sandbox_approved"},
            "display": {"brand": "visa", "last_digits": "4242"},
        }
        done = await self.call(
            slug,
            "complete_checkout",
            {"id": checkout["id"], "checkout": {"payment": {"instruments": [instrument]}}},
            key=str(uuid.uuid4()),
        )
        if done["status"] != "completed":
            raise RuntimeError(f"not completed: {done.get('messages')}")


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _report(label: str, flows: int, elapsed: float, clients: list[Client]) -> None:
    print(f"{label}: {flows} flows in {elapsed:.2f} s = {flows / elapsed:.1f} flows/s")
    merged: dict[str, list[float]] = defaultdict(list)
    for client in clients:
        for op, samples in client.timings.items():
            merged[op].extend(samples)
        client.timings.clear()
    for op, samples in merged.items():
        samples.sort()
        p50 = statistics.median(samples) * 1000
        p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))] * 1000
        print(f"  {op:<18} n={len(samples):<5} p50={p50:6.2f} ms  p95={p95:6.2f} ms")


async def _run(args: argparse.Namespace, stores: dict[str, str], profile: str, pid: int) -> None:
    # One connection pool per client, not one shared 64-slot pool: each client waits for every
    # answer before its next request, so it needs one kept-alive connection per store, and
    # httpcore scans its whole pool on every request (most of the bench client's pool overhead).
    limits = httpx2.Limits(max_connections=len(stores), max_keepalive_connections=len(stores))
    async with contextlib.AsyncExitStack() as stack:
        clients = []
        for _ in range(args.clients):
            http = await stack.enter_async_context(httpx2.AsyncClient(timeout=30.0, limits=limits))
            clients.append(Client(http, stores, profile, args.binding))
        for client in clients:
            await client.login()
        variants = {}
        for slug in STORES:
            found = await clients[0].call(slug, "search_catalog", {"catalog": {"query": ""}})
            variants[slug] = found["products"][0]["variants"][0]["id"]
        clients[0].timings.clear()
        for i in range(20):  # warm-up
            await clients[0].flow(STORES[i % 2], variants[STORES[i % 2]])
        clients[0].timings.clear()

        started = time.perf_counter()
        for i in range(args.sequential):
            slug = STORES[i % len(STORES)]
            await clients[0].flow(slug, variants[slug])
        _report(
            f"sequential ({args.binding})",
            args.sequential,
            time.perf_counter() - started,
            clients[:1],
        )

        per_client = args.flows // args.clients

        async def worker(client: Client, offset: int) -> None:
            for i in range(per_client):
                slug = STORES[(i + offset) % len(STORES)]
                await client.flow(slug, variants[slug])

        started = time.perf_counter()
        async with asyncio.TaskGroup() as group:
            for index, client in enumerate(clients):
                group.create_task(worker(client, index))
        _report(
            f"{args.clients} concurrent clients ({args.binding})",
            per_client * args.clients,
            time.perf_counter() - started,
            clients,
        )
    print(f"server peak RSS (VmHWM): {_peak_rss_mb(pid):.1f} MB")
    ticks = os.sysconf("SC_CLK_TCK")
    stat = Path(f"/proc/{pid}/stat").read_text()  # noqa: ASYNC240 - after the measurement
    fields = stat.rsplit(")", 1)[1].split()
    server_cpu = (int(fields[11]) + int(fields[12])) / ticks
    own = os.times()
    print(f"CPU seconds: server {server_cpu:.1f}, benchmark client {own.user + own.system:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--flows", type=int, default=800, help="flows in the concurrent phase")
    parser.add_argument("--sequential", type=int, default=200, help="flows in the sequential phase")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--binding", choices=("rest", "mcp"), default="rest")
    parser.add_argument("--server", default=None, help="alternative server script (profiling)")
    args = parser.parse_args()

    profile_server = ThreadingHTTPServer(("127.0.0.1", 0), _ProfileHandler)
    threading.Thread(target=profile_server.serve_forever, daemon=True).start()
    profile = f"http://127.0.0.1:{profile_server.server_address[1]}/.well-known/ucp"
    with tempfile.TemporaryDirectory() as data_dir:
        command = [sys.executable, "-m", "merchants", "serve", "--port-base", "0", "--json"]
        command += ["--data-dir", data_dir]
        if args.server:
            command = [sys.executable, args.server]
        server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            stores = {}
            for _ in range(5):
                line = json.loads(server.stdout.readline())
                stores[line["slug"]] = line["url"]
            asyncio.run(_run(args, {s: stores[s] for s in STORES}, profile, server.pid))
        finally:
            server.terminate()
            server.wait(30)
            profile_server.shutdown()


if __name__ == "__main__":
    main()
