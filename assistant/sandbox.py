"""The bundled sandbox stores: found on their default ports, or started as a child process.

Pannier never imports ``merchants`` (they meet only on the wire); it runs
``python -m merchants serve --port-base 0 --json`` and reads one JSON line per store.
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import dataclass, field
from typing import Final

import httpx2

from assistant.errors import PannierError

DEFAULT_PORTS: Final = range(8710, 8715)
PROBE_TIMEOUT_S: Final = 1.0
START_TIMEOUT_S: Final = 30.0
STOP_TIMEOUT_S: Final = 5.0


class SandboxUnavailable(PannierError):
    title = "Sandbox stores unavailable"


@dataclass
class Sandbox:
    """Store URLs, and the child process serving them when we started it."""

    urls: list[str]
    process: asyncio.subprocess.Process | None = None
    slugs: list[str] = field(default_factory=list)  # parallel to ``urls`` when we started them

    def by_slug(self) -> dict[str, str]:
        return dict(zip(self.slugs, self.urls, strict=True))

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            async with asyncio.timeout(STOP_TIMEOUT_S):
                await self.process.wait()
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


async def _answers(http: httpx2.AsyncClient, url: str) -> bool:
    try:
        response = await http.get(f"{url}/.well-known/ucp", timeout=PROBE_TIMEOUT_S)
    except httpx2.HTTPError:
        return False
    return response.status_code == 200


async def find_running(http: httpx2.AsyncClient) -> list[str]:
    """URLs of the stores already answering on the default ports (all five, or none)."""
    urls = [f"http://127.0.0.1:{port}" for port in DEFAULT_PORTS]
    found = await asyncio.gather(*(_answers(http, url) for url in urls))
    return urls if all(found) else []


async def start(
    *,
    stores: list[str] | None = None,
    latency_ms: int = 0,
    data_dir: str | None = None,
    timeout_s: float = START_TIMEOUT_S,
) -> Sandbox:
    """Start the stores on free ports; their URLs come from the child's JSON lines."""
    extra_args: list[str] = ["--latency-ms", str(latency_ms)] if latency_ms else []
    if stores:
        extra_args += ["--stores", *stores]
    if data_dir is not None:
        extra_args += ["--data-dir", data_dir]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "merchants",
        "serve",
        "--port-base",
        "0",
        "--json",
        *extra_args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    sandbox = Sandbox(urls=[], process=process)
    assert process.stdout is not None
    expected = len(stores) if stores else len(DEFAULT_PORTS)
    try:
        async with asyncio.timeout(timeout_s):
            while len(sandbox.urls) < expected:
                line = await process.stdout.readline()
                if not line:
                    break
                entry = json.loads(line)
                sandbox.urls.append(str(entry["url"]))
                sandbox.slugs.append(str(entry.get("slug", "")))
    except (TimeoutError, ValueError, KeyError) as exc:
        await sandbox.stop()
        raise SandboxUnavailable(f"the sandbox stores did not start: {exc!r}") from exc
    if not sandbox.urls:
        await sandbox.stop()
        raise SandboxUnavailable("the sandbox stores did not start (no URL printed)")
    return sandbox


async def find_or_start(http: httpx2.AsyncClient) -> Sandbox:
    """The stores on 8710–8714 if they answer, else a child process serving them."""
    urls = await find_running(http)
    if urls:
        return Sandbox(urls=urls)
    return await start()
