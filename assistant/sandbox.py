"""The bundled sandbox stores: found on their default ports, or started as a child process.

Pannier never imports ``merchants`` (they meet only on the wire); it runs
``python -m merchants serve --port-base N --json`` and reads one JSON line per store. The child
gets the default ports when they are free, so a later run (a new ``pannier ask``) sees the same
shop domains and the session's carts still match; only when something else holds those ports
does it fall back to free ones.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from dataclasses import dataclass, field
from typing import Final

import httpx2

from assistant.errors import PannierError

DEFAULT_PORT_BASE: Final = 8710
STORE_COUNT: Final = 5
DEFAULT_PORTS: Final = range(DEFAULT_PORT_BASE, DEFAULT_PORT_BASE + STORE_COUNT)
PORT_BASE_ENV: Final = (
    "PANNIER_SANDBOX_PORT_BASE"  # moves the "default" ports (tests, parallel runs)
)
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


def port_base() -> int:
    """The first default port: ``PANNIER_SANDBOX_PORT_BASE`` if set, else 8710."""
    value = os.environ.get(PORT_BASE_ENV, "").strip()
    if not value:
        return DEFAULT_PORT_BASE
    try:
        base = int(value)
    except ValueError:
        raise SandboxUnavailable(f"{PORT_BASE_ENV}={value!r} is not a port number") from None
    if not 0 < base <= 65535 - STORE_COUNT:
        raise SandboxUnavailable(f"{PORT_BASE_ENV}={value!r} is out of range")
    return base


def default_ports() -> range:
    base = port_base()
    return range(base, base + STORE_COUNT)


def _port_free(port: int) -> bool:
    # SO_REUSEADDR as the stores bind, so a port in TIME_WAIT from our last run counts as free.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


async def find_running(http: httpx2.AsyncClient) -> list[str]:
    """URLs of the stores already answering on the default ports (all five, or none)."""
    urls = [f"http://127.0.0.1:{port}" for port in default_ports()]
    found = await asyncio.gather(*(_answers(http, url) for url in urls))
    return urls if all(found) else []


async def start(
    *,
    stores: list[str] | None = None,
    latency_ms: int = 0,
    data_dir: str | None = None,
    timeout_s: float = START_TIMEOUT_S,
    first_port: int = 0,
) -> Sandbox:
    """Start the stores on ``first_port`` + index (0: free ports); URLs come from the child."""
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
        str(first_port),
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


async def find_or_start(http: httpx2.AsyncClient, *, data_dir: str | None = None) -> Sandbox:
    """The stores on the default ports if they answer, else a child process serving them there
    (state in ``data_dir``), or on free ports when something else holds the default ones."""
    urls = await find_running(http)
    if urls:
        return Sandbox(urls=urls)
    ports = default_ports()
    if all(_port_free(port) for port in ports):
        try:
            return await start(data_dir=data_dir, first_port=ports.start)
        except SandboxUnavailable:
            pass  # lost a race for a port: free ports still give a working (if new) sandbox
    return await start(data_dir=data_dir)
