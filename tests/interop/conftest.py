"""Third-party UCP servers for the interop suite, each in its own virtual environment.

Every server runs from ``.venv-interop/<name>/`` (git-ignored), created from PyPI on first use and
reused while it holds exactly the pinned requirements, so reruns are fast. Each is started on
127.0.0.1 on a free port, and the test waits (bounded) for its own readiness line. When a venv
cannot be built (no package registry) its tests skip, unless ``PANNIER_INTEROP_REQUIRED=1``
(``.ci/run`` sets it): in CI they must run.
"""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.side_venv import pinned_python

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
VENVS = REPO / ".venv-interop"
START_TIMEOUT_S = 90.0
REQUIRED_ENV = "PANNIER_INTEROP_REQUIRED"


def interop_python(name: str, requirements: Sequence[str]) -> Path:
    """The Python of venv ``name`` holding exactly ``requirements``; builds it once (locked)."""
    return pinned_python(VENVS / name, requirements, required=os.environ.get(REQUIRED_ENV) == "1")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A server process on 127.0.0.1, its output kept for failure messages."""

    url: str
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    def log(self) -> str:
        return "".join(self.output[-60:])


def start_server(command: Sequence[str], *, port: int, ready: str, cwd: Path = HERE) -> Server:
    """Start ``command`` and wait (bounded) until it prints ``ready``."""
    process = subprocess.Popen(
        list(command),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    server = Server(url=f"http://127.0.0.1:{port}", process=process)
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            server.output.append(line)
            lines.put(line)
        lines.put(None)

    server.reader = threading.Thread(target=pump, daemon=True)
    server.reader.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            stop_server(server)
            waited = f"{START_TIMEOUT_S:g} s"
            raise RuntimeError(f"{command[0]} not ready in {waited}:\n{server.log()}") from None
        if line is None:
            stop_server(server)
            raise RuntimeError(f"{command[0]} exited before it was ready:\n{server.log()}")
        if ready in line:
            return server


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=10)
    if server.reader is not None:
        server.reader.join(timeout=10)  # it ends at EOF, once the process is gone
    if server.process.stdout is not None:
        server.process.stdout.close()


def pannier(home: Path, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """``pannier <args>`` as a shopper runs it: a child process with its own PANNIER_HOME."""
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PANNIER_HOME": str(home), "ANTHROPIC_API_KEY": ""},
        cwd=REPO,
    )


@pytest.fixture(scope="session")
def sample_merchant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The official UCP sample merchant (flower shop, REST, 2026-01-11) from PyPI."""
    python = interop_python("ucp-sample", ("ucp-client[server]==0.0.11", "ucp-sdk==0.1.0"))
    port = free_port()
    data_dir = tmp_path_factory.mktemp("ucp-sample")
    server = start_server(
        [str(python), str(HERE / "sample_merchant.py"), f"--data_dir={data_dir}", f"--port={port}"],
        port=port,
        ready="Uvicorn running on",
    )
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def shopify_merchant() -> Iterator[Server]:
    """Our own MCP merchant with Shopify-shaped, off-spec payloads (runs on the project's venv:
    it is ours, built on starlette and uvicorn, which the project already depends on)."""
    port = free_port()
    server = start_server(
        [sys.executable, str(HERE / "shopify_merchant.py"), str(port)],
        port=port,
        ready="Uvicorn running on",
    )
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def fastucp_store() -> Iterator[Server]:
    """Our own store written with FastUCP (PyPI ``fastucp-python``), MCP and REST, 2026-01-11."""
    python = interop_python("fastucp", ("fastucp-python==0.1.2",))
    port = free_port()
    server = start_server(
        [str(python), str(HERE / "fastucp_store.py"), str(port)],
        port=port,
        ready="Uvicorn running on",
    )
    yield server
    stop_server(server)
