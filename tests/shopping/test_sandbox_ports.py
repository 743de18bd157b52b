"""The bundled sandbox: one background service per Pannier home, on its default ports, that
outlives the command which started it, so later runs see the same shop domains and live links.

``PANNIER_SANDBOX_PORT_BASE`` moves the default ports to a random free range, so these tests
never clash with stores a developer (or another test) runs on 8710–8714. Every test stops the
service it started.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from assistant.sandbox import PORT_BASE_ENV, STORE_COUNT, find_or_start, stop_service

ASK_TIMEOUT_S = 60


def free_port_base() -> int:
    """A random base with STORE_COUNT consecutive ports free on loopback."""
    for _ in range(100):
        # Below the kernel's ephemeral range (32768+ on Linux), where every outgoing connection
        # of every suite running on this machine picks its local port: there a checked-free port
        # can be taken before the stores bind it.
        base = random.randrange(20000, 32000)
        try:
            for port in range(base, base + STORE_COUNT):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise AssertionError("no free port range on loopback")


def pannier_env(home: Path, base: int) -> dict[str, str]:
    env = {**os.environ, "PANNIER_HOME": str(home), PORT_BASE_ENV: str(base)}
    env.pop("ANTHROPIC_API_KEY", None)
    return env


def ask(home: Path, base: int, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", *args, "--json", "--session", "s"],
        capture_output=True,
        text=True,
        env=pannier_env(home, base),
        timeout=ASK_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def merchants_command(home: Path, base: int, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", "merchants", *args],
        capture_output=True,
        text=True,
        env=pannier_env(home, base),
        timeout=ASK_TIMEOUT_S,
        check=False,
    )


@pytest.fixture
def home(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A Pannier home and a free port range; its background service is stopped afterwards."""
    base = free_port_base()
    yield tmp_path, base
    merchants_command(tmp_path, base, "stop")


@pytest.fixture
async def http() -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient() as client:
        yield client


def test_consecutive_asks_without_running_stores_continue_the_same_cart(
    home: tuple[Path, int],
) -> None:
    root, base = home
    found = ask(root, base, "find tulips")
    assert found["results"]
    added = ask(root, base, f"add {found['results'][0]['handle']}")
    again = ask(root, base, "checkout")

    (first,) = added["merchants"]
    (second,) = again["merchants"]
    assert first["domain"] == f"127.0.0.1:{base}" and first["store"] == "Petal & Stem"
    assert first["cart_id"] and second["cart_id"] == first["cart_id"]
    assert [(line["variant_id"], line["quantity"]) for line in second["lines"]] == [
        (line["variant_id"], line["quantity"]) for line in first["lines"]
    ]
    assert [line["stage"] for line in second["lines"]] == ["checkout"]  # it moved on, in order
    assert second["status"] == "ready_for_complete"
    assert (root / "merchants" / "flowers.sqlite3").is_file()  # where `merchants serve` keeps it


def test_a_needs_you_link_printed_by_ask_still_opens_from_a_later_process(
    home: tuple[Path, int],
) -> None:
    root, base = home
    found = ask(root, base, "find barolo")
    ask(root, base, f"add {found['results'][0]['handle']}")
    (wine,) = ask(root, base, "checkout")["merchants"]
    assert wine["status"] == "requires_escalation" and wine["continue_url"]

    fetched = subprocess.run(
        [sys.executable, "-c", f"import httpx2; print(httpx2.get({wine['continue_url']!r}))"],
        capture_output=True,
        text=True,
        timeout=ASK_TIMEOUT_S,
        check=False,
    )
    assert "200" in fetched.stdout, fetched.stdout + fetched.stderr


def test_merchants_status_and_stop_see_the_service_ask_started(home: tuple[Path, int]) -> None:
    root, base = home
    assert merchants_command(root, base, "status").returncode == 1
    ask(root, base, "find tulips")
    status = merchants_command(root, base, "status", "--json")
    assert status.returncode == 0
    record = json.loads(status.stdout)
    assert record["running"] and record["data_dir"] == str(root / "merchants")
    assert record["stores"][0]["url"] == f"http://127.0.0.1:{base}"

    stopped = merchants_command(root, base, "stop")
    assert stopped.stdout.startswith("stopped")
    assert merchants_command(root, base, "status").returncode == 1
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", base))  # the port is free again


def test_sigterm_to_merchants_serve_frees_every_port(tmp_path: Path) -> None:
    base = free_port_base()
    serving = subprocess.Popen(
        [sys.executable, "-m", "assistant", "merchants", "serve", "--port-base", str(base)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=pannier_env(tmp_path, base),
    )
    assert serving.stdout is not None
    lines = [serving.stdout.readline() for _ in range(STORE_COUNT)]
    assert all("http://127.0.0.1:" in line for line in lines)
    serving.send_signal(signal.SIGTERM)
    assert serving.wait(timeout=ASK_TIMEOUT_S) == 0
    serving.stdout.close()
    for port in range(base, base + STORE_COUNT):
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port))


async def test_default_ports_held_by_something_else_fall_back_to_free_ports(
    http: httpx2.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = free_port_base()
    monkeypatch.setenv(PORT_BASE_ENV, str(base))
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", base))
        squatter.listen()
        sandbox = await find_or_start(http, data_dir=tmp_path)
        try:
            ports = {int(url.rsplit(":", 1)[1]) for url in sandbox.urls}
            assert len(ports) == STORE_COUNT and base not in ports
        finally:
            assert await stop_service(tmp_path)


async def test_stores_already_on_the_default_ports_are_used_not_restarted(
    http: httpx2.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = free_port_base()
    monkeypatch.setenv(PORT_BASE_ENV, str(base))
    started = await find_or_start(http, data_dir=tmp_path)
    try:
        assert started.pid is not None
        assert started.urls[0] == f"http://127.0.0.1:{base}"
        found = await find_or_start(http, data_dir=tmp_path)
        assert found.pid == started.pid and found.urls == started.urls
    finally:
        assert await stop_service(tmp_path)
