"""The interop suite's servers: a venv per server, a process on a free loopback port waited for
(bounded) until it says it is ready, and ``pannier`` run as a shopper runs it."""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

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
