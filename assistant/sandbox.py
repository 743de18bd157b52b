"""The bundled sandbox stores: one background service per Pannier home, found again or started.

Pannier never imports ``merchants`` (they meet only on the wire). The stores run as one detached
``python -m merchants serve`` process per home, with its state in ``locations.sandbox_dir()`` (the
same directory ``pannier merchants serve`` uses), so the links a command prints stay valid after
it exits and the next command, or the TUI after a restart, finds the same stores and carts. The
service publishes ``service.json`` (its pid and store URLs); a record whose stores do not answer
is stale. The default ports are used when free, so shop domains stay the same run after run;
only when something else holds them does the service take free ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx2

from assistant import locations
from assistant.errors import PannierError

DEFAULT_PORT_BASE: Final = 8710
STORE_COUNT: Final = 5
PORT_BASE_ENV: Final = (
    "PANNIER_SANDBOX_PORT_BASE"  # moves the "default" ports (tests, parallel runs)
)
PROBE_TIMEOUT_S: Final = 1.0
START_TIMEOUT_S: Final = 30.0
STOP_TIMEOUT_S: Final = 5.0
SERVICE_RECORD: Final = "service.json"  # written by the service once every store listens
START_LOCK: Final = "start.lock"  # serializes commands that would start the service at once
ALREADY_RUNNING_EXIT: Final = 3  # `merchants serve` when the home's service already runs


class SandboxUnavailable(PannierError):
    title = "Sandbox stores unavailable"


@dataclass
class Sandbox:
    """Store URLs, and who serves them: the home's service (``pid``) or a child we own."""

    urls: list[str]
    process: asyncio.subprocess.Process | None = None  # only for start(): benches, tests
    slugs: list[str] = field(default_factory=list)  # parallel to ``urls`` when known
    pid: int | None = None  # the background service's process, when it serves these URLs

    def by_slug(self) -> dict[str, str]:
        return dict(zip(self.slugs, self.urls, strict=True))

    async def stop(self) -> None:
        """Stop the child we started; the home's background service is stopped only by
        ``pannier merchants stop`` (or ``stop_service``)."""
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


def _sandbox_from_lines(entries: list[dict[str, Any]], pid: int | None) -> Sandbox:
    return Sandbox(
        urls=[str(entry["url"]) for entry in entries],
        slugs=[str(entry.get("slug", "")) for entry in entries],
        pid=pid,
    )


def read_service(data_dir: Path) -> Sandbox | None:
    """What the home's service published about itself (it may be stale), or None."""
    try:
        raw = json.loads((data_dir / SERVICE_RECORD).read_text(encoding="utf-8"))
        return _sandbox_from_lines(list(raw["stores"]), int(raw["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


async def find_running(http: httpx2.AsyncClient, data_dir: Path | None = None) -> Sandbox | None:
    """The home's service, if its record exists and every store in it answers."""
    sandbox = read_service(data_dir or locations.sandbox_dir())
    if sandbox is None or not sandbox.urls:
        return None
    answers = await asyncio.gather(*(_answers(http, url) for url in sandbox.urls))
    return sandbox if all(answers) else None


async def start(
    *,
    stores: list[str] | None = None,
    latency_ms: int = 0,
    data_dir: str | None = None,
    timeout_s: float = START_TIMEOUT_S,
    first_port: int = 0,
    stores_dir: str | None = None,
) -> Sandbox:
    """A child process we own serving the stores on ``first_port`` + index (0: free ports);
    for benches and tests that want their own stores (``stores_dir``: other store files than
    the bundled ones; then name them in ``stores``). ``stop()`` ends it."""
    extra_args: list[str] = ["--latency-ms", str(latency_ms)] if latency_ms else []
    if stores:
        extra_args += ["--stores", *stores]
    if stores_dir is not None:
        extra_args += ["--stores-dir", stores_dir]
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
    expected = len(stores) if stores else STORE_COUNT
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


async def _start_service(data_dir: Path, first_port: int, timeout_s: float) -> Sandbox | int:
    """Launch the detached service; its Sandbox, or the launcher's exit status on failure."""
    launcher = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "merchants",
        "serve",
        "--detach",
        "--json",
        "--port-base",
        str(first_port),
        "--data-dir",
        str(data_dir),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with asyncio.timeout(timeout_s):
            stdout, _ = await launcher.communicate()
    except TimeoutError:
        launcher.kill()
        await launcher.wait()
        raise SandboxUnavailable(
            f"the sandbox stores did not start within {timeout_s:.0f} s "
            f"(see {data_dir / 'service.log'})"
        ) from None
    if launcher.returncode != 0:
        return launcher.returncode or 1
    try:
        entries = [json.loads(line) for line in stdout.decode().splitlines() if line.strip()]
    except ValueError as exc:
        raise SandboxUnavailable(f"the sandbox stores printed no URLs: {exc}") from exc
    record = read_service(data_dir)
    return _sandbox_from_lines(entries, record.pid if record else None)


@contextlib.asynccontextmanager
async def _start_lock(data_dir: Path) -> Any:
    data_dir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - once, before starting
    handle = (data_dir / START_LOCK).open("a+", encoding="utf-8")
    try:
        await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)
        yield
    finally:
        handle.close()  # closing drops the lock


async def find_or_start(
    http: httpx2.AsyncClient,
    *,
    data_dir: Path | None = None,
    timeout_s: float = START_TIMEOUT_S,
) -> Sandbox:
    """The home's background service: found by its record, or started (on the default ports
    when free, else on free ones). It outlives this process; nothing here stops it."""
    data_dir = data_dir or locations.sandbox_dir()
    running = await find_running(http, data_dir)
    if running is not None:
        return running
    async with _start_lock(data_dir):
        running = await find_running(http, data_dir)  # another command may have just started it
        if running is not None:
            return running
        ports = default_ports()
        attempts = [ports.start, 0] if all(_port_free(port) for port in ports) else [0]
        failure = 0
        for first_port in attempts:
            started = await _start_service(data_dir, first_port, timeout_s)
            if isinstance(started, Sandbox):
                return started
            failure = started
            if failure == ALREADY_RUNNING_EXIT:
                break  # a service holds the home but does not answer (yet): report, not race
        raise SandboxUnavailable(
            "the sandbox stores did not start"
            + (
                " (they already run for this home but do not answer: "
                "`pannier merchants stop`, then retry)"
                if failure == ALREADY_RUNNING_EXIT
                else f" (see {data_dir / 'service.log'})"
            )
        )


async def stop_service(data_dir: Path | None = None) -> bool:
    """Stop the home's background service, if one runs; whether one did."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "merchants",
        "stop",
        "--data-dir",
        str(data_dir or locations.sandbox_dir()),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    stdout, _ = await process.communicate()
    return stdout.startswith(b"stopped")
