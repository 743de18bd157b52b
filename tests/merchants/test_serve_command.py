"""`pannier merchants serve` on a port something else holds says which port, and the way out.

It used to end with "[Errno 98] Address already in use" (in the foreground) or "the stores did not
start (see …/service.log)" (with --detach), leaving a new user to find out which port and why.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def held_port() -> Iterator[int]:
    """A loopback port another program listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def serve(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "merchants", "serve", "--stores", "flowers", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize("detach", [False, True], ids=["foreground", "detached"])
def test_a_port_in_use_is_named_with_the_way_out(
    held_port: int, tmp_path: Path, detach: bool
) -> None:
    done = serve(
        "--port-base", str(held_port), "--data-dir", str(tmp_path), *(["--detach"] * detach)
    )
    assert done.returncode == 1
    said = done.stderr.strip().splitlines()
    assert said[-1] == (
        f"pannier merchants: the stores did not start: port {held_port} on 127.0.0.1 is in use "
        "(another program, or the stores of another Pannier home): --port-base N serves them "
        "from port N on, --port-base 0 on free ports"
    ), done.stderr
    assert "Traceback" not in done.stderr and "Errno" not in done.stderr
