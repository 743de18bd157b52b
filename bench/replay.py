"""Replaying what Pannier's client sent with httpx2 alone: the floor the benches compare against.

A ``Recorder`` (an httpx2 request hook) keeps each request as it went on the wire. ``replay``
sends those requests again through a plain httpx2 client: the same method, URL, headers and body
bytes, except that the ids the first answers created (a cart, a checkout) become the replay's
own, every idempotency key and request id is fresh, and signatures are dropped (a replay cannot
re-sign changed bytes; a store verifies only what is signed). Each answer is parsed with
``json.loads`` and nothing else: no model, no local store, no key on disk.
"""

from __future__ import annotations

import asyncio
import json
import queue
import sqlite3
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import httpx2

WRITES: Final = frozenset(
    {"create_cart", "create_checkout", "update_checkout", "complete_checkout"}
)
DROP: Final = (b"signature", b"signature-input", b"content-digest", b"content-length")
FRESH: Final = (b"idempotency-key", b"request-id")


@dataclass
class Sent:
    """One request as the client put it on the wire; ``creates`` is the id its answer created
    for the client (a cart's or checkout's), which the replay's own answer replaces."""

    operation: str
    method: str
    url: str
    headers: list[tuple[bytes, bytes]]
    body: bytes
    creates: str | None = None

    def headers_named(self, name: bytes) -> list[bytes]:
        return [value for key, value in self.headers if key.lower() == name]


class Recorder:
    """An httpx2 request hook: what the client sent while ``recording``, and every status."""

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.statuses: Counter[int] = Counter()
        self.operation = ""
        self.recording = False

    async def request(self, request: httpx2.Request) -> None:
        if self.recording:
            self.sent.append(
                Sent(
                    self.operation or operation_of(request),
                    request.method,
                    str(request.url),
                    list(request.headers.raw),
                    request.content,
                )
            )

    async def response(self, response: httpx2.Response) -> None:
        self.statuses[response.status_code] += 1


def operation_of(request: httpx2.Request) -> str:
    """The tool an MCP request calls, else the HTTP method and path."""
    if request.url.path.endswith("/mcp"):
        try:
            return str(json.loads(request.content)["params"]["name"])
        except (ValueError, KeyError, TypeError):
            pass
    return f"{request.method} {request.url.path}"


async def replay(
    http: httpx2.AsyncClient,
    sent: list[Sent],
    samples: dict[str, list[float]] | None = None,
    renamed: list[tuple[bytes, bytes]] | None = None,
    extra: tuple[tuple[bytes, bytes], ...] = (),
    keys: DurableKeys | None = None,
) -> None:
    """Send ``sent`` again, one after another, as its own flow; CPU per call into ``samples``.
    ``renamed`` (the client's id, the replay's) carries a flow's ids from one replay to the next;
    ``extra`` headers go on every request (a bearer token standing in for a dropped signature);
    with ``keys``, each write's key is on disk before the write is sent (``DurableKeys``).
    """
    renamed = [] if renamed is None else renamed
    for request in sent:
        url, body = request.url.encode(), request.body
        for old, new in renamed:
            url, body = url.replace(old, new), body.replace(old, new)
        headers = [(k, _fresh(k, v, renamed)) for k, v in request.headers if k.lower() not in DROP]
        headers += extra
        body = _fresh_mcp_key(body)
        started = time.process_time()
        if keys is not None and request.operation in WRITES:
            await keys.claim(request.operation)
        response = await http.request(request.method, url.decode(), content=body, headers=headers)
        payload = json.loads(response.content)
        if samples is not None:
            samples.setdefault(request.operation, []).append(time.process_time() - started)
        if response.status_code not in (200, 201) or "error" in payload:
            raise SystemExit(f"replay {request.operation}: HTTP {response.status_code}: {payload}")
        if request.creates is not None:
            answer = payload.get("result", {}).get("structuredContent", payload)
            renamed.append((request.creates.encode(), str(answer["id"]).encode()))


def _fresh(name: bytes, value: bytes, renamed: list[tuple[bytes, bytes]]) -> bytes:
    if name.lower() in FRESH:
        return str(uuid.uuid4()).encode()
    for old, new in renamed:
        value = value.replace(old, new)
    return value


def _fresh_mcp_key(body: bytes) -> bytes:
    """An MCP write's body with a new key in ``meta`` (same length: a UUID for a UUID)."""
    marker = b'"idempotency-key":"'
    start = body.find(marker)
    if start < 0:
        return body
    start += len(marker)
    return body[:start] + str(uuid.uuid4()).encode() + body[start + 36 :]


class DurableKeys:
    """The least a key on disk before its write leaves can cost, with the disk off the loop:
    one thread reading a queue, one INSERT and one COMMIT per key into a SQLite file in WAL mode
    with ``synchronous=NORMAL`` (as Pannier's store opens it), and one wake-up of the loop.
    No scope, no lookup, no batching: what any client obeying both rules pays at the least."""

    def __init__(self, path: Path) -> None:
        self._jobs: queue.SimpleQueue[tuple[str, asyncio.Future[None]] | None] = queue.SimpleQueue()
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS keys (key TEXT PRIMARY KEY, scope TEXT)")
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    async def claim(self, scope: str) -> None:
        done = asyncio.get_running_loop().create_future()
        self._jobs.put((scope, done))
        await done

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            scope, done = job
            self._db.execute("INSERT INTO keys VALUES (?, ?)", (str(uuid.uuid4()), scope))
            self._db.commit()
            done.get_loop().call_soon_threadsafe(done.set_result, None)

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join()
        self._db.close()
