"""The bundled sandbox: started on its default ports so later runs see the same shop domains.

``PANNIER_SANDBOX_PORT_BASE`` moves the default ports to a random free range, so these tests
never clash with stores a developer (or another test) runs on 8710–8714.
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from assistant.sandbox import PORT_BASE_ENV, STORE_COUNT, find_or_start

ASK_TIMEOUT_S = 60


def free_port_base() -> int:
    """A random base with STORE_COUNT consecutive ports free on loopback."""
    for _ in range(100):
        base = random.randrange(20000, 60000)
        try:
            for port in range(base, base + STORE_COUNT):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise AssertionError("no free port range on loopback")


def ask(home: Path, base: int, *args: str) -> dict[str, Any]:
    env = {**os.environ, "PANNIER_HOME": str(home), PORT_BASE_ENV: str(base)}
    env.pop("ANTHROPIC_API_KEY", None)
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", *args, "--json", "--session", "s"],
        capture_output=True,
        text=True,
        env=env,
        timeout=ASK_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


@pytest.fixture
async def http() -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient() as client:
        yield client


def test_consecutive_asks_without_running_stores_continue_the_same_cart(tmp_path: Path) -> None:
    base = free_port_base()
    found = ask(tmp_path, base, "find tulips")
    assert found["results"]
    added = ask(tmp_path, base, f"add {found['results'][0]['handle']}")
    again = ask(tmp_path, base, "checkout")

    (first,) = added["merchants"]
    (second,) = again["merchants"]
    assert first["domain"] == f"127.0.0.1:{base}" and first["store"] == "Petal & Stem"
    assert first["cart_id"] and second["cart_id"] == first["cart_id"]
    assert added["results"] == again["results"] == found["results"]  # the latest search, restored
    assert second["lines"] == first["lines"] and second["status"] == "ready_for_complete"
    assert (tmp_path / "data" / "merchants").is_dir()


async def test_default_ports_held_by_something_else_fall_back_to_free_ports(
    http: httpx2.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = free_port_base()
    monkeypatch.setenv(PORT_BASE_ENV, str(base))
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", base))
        squatter.listen()
        sandbox = await find_or_start(http, data_dir=str(tmp_path))
        try:
            ports = {int(url.rsplit(":", 1)[1]) for url in sandbox.urls}
            assert len(ports) == STORE_COUNT and base not in ports
        finally:
            await sandbox.stop()


async def test_stores_already_on_the_default_ports_are_used_not_restarted(
    http: httpx2.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = free_port_base()
    monkeypatch.setenv(PORT_BASE_ENV, str(base))
    started = await find_or_start(http, data_dir=str(tmp_path))
    try:
        assert started.process is not None
        assert started.urls[0] == f"http://127.0.0.1:{base}"
        found = await find_or_start(http, data_dir=str(tmp_path))
        assert found.process is None and found.urls == started.urls
    finally:
        await started.stop()
