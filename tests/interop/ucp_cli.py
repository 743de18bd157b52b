"""`@shopify/ucp-cli` for the interop suite: installed once from npm, run as a buyer runs it.

The CLI is installed with npm under ``.venv-interop/ucp-cli-<version>/`` (git-ignored), once, under
a file lock, and reused while the marker names the same version. Without ``node``/``npm`` or the
registry its tests skip with the reason, unless ``PANNIER_INTEROP_REQUIRED=1`` (CI): then they fail.

Each request the CLI sends names its agent profile by URL (Shopify's published
``https://shopify.dev/ucp/agent-profiles/<release>/…`` for its managed identity), and our stores
fetch that URL to negotiate. That host is outside this machine, so `ProfileHost` stands in for
it: a transport for the stores' profile fetches that serves exactly the bytes the installed CLI
ships as those documents (its generated ``agent_profile.ts``), plus any DIY profile a test
publishes, and refuses every other URL.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest

REPO = Path(__file__).resolve().parents[2]
VERSION = "0.9.0"
PACKAGE = f"@shopify/ucp-cli@{VERSION}"
INSTALL_DIR = REPO / ".venv-interop" / f"ucp-cli-{VERSION}"
INSTALL_TIMEOUT_S = 600.0
RUN_TIMEOUT_S = 60.0
REQUIRED_ENV = "PANNIER_INTEROP_REQUIRED"
RELEASES = ("2026-04-08", "2026-08-25")

_CONST = re.compile(r"export const (agentProfileUrl|agentProfileJson): string = (\".*\")\s*$", re.M)


def _unavailable(message: str) -> None:
    if os.environ.get(REQUIRED_ENV) == "1":
        pytest.fail(message[-2000:])
    pytest.skip(message[-500:])


def free_port() -> int:
    """A port free on 127.0.0.1 now (this module is imported beside other test directories'
    conftest modules, so it does not borrow the one in tests/interop/conftest.py)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def install_ucp_cli() -> Path:
    """The installed package's directory, installing it from the npm registry on first use."""
    package_dir = INSTALL_DIR / "node_modules" / "@shopify" / "ucp-cli"
    marker = INSTALL_DIR / "installed.txt"
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        _unavailable(f"{PACKAGE} needs node and npm on PATH (node: {node}, npm: {npm})")
    assert npm is not None
    INSTALL_DIR.parent.mkdir(parents=True, exist_ok=True)
    with (INSTALL_DIR.parent / f".{INSTALL_DIR.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.is_file() and marker.read_text() == PACKAGE and (package_dir / "dist").is_dir():
            return package_dir
        shutil.rmtree(INSTALL_DIR, ignore_errors=True)
        INSTALL_DIR.mkdir(parents=True)
        command = [npm, "install", "--prefix", str(INSTALL_DIR), "--no-audit", "--no-fund"]
        try:
            subprocess.run(
                [*command, "--loglevel=error", PACKAGE],
                check=True,
                timeout=INSTALL_TIMEOUT_S,
                capture_output=True,
                text=True,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            shutil.rmtree(INSTALL_DIR, ignore_errors=True)
            detail = getattr(exc, "stderr", None) or str(exc)
            _unavailable(f"cannot install {PACKAGE} from npm: {detail}")
        marker.write_text(PACKAGE)
    return package_dir


def bundled_agent_profiles(package_dir: Path) -> dict[str, bytes]:
    """Shopify's published agent-profile URL → the exact body the CLI ships for it, per release."""
    documents = {}
    for release in RELEASES:
        source = (package_dir / "src/core/generated" / release / "agent_profile.ts").read_text()
        constants = {name: json.loads(literal) for name, literal in _CONST.findall(source)}
        documents[constants["agentProfileUrl"]] = constants["agentProfileJson"].encode()
    return documents


class ProfileHost(httpx2.AsyncBaseTransport):
    """The public hosts of agent profiles, as the stores' profile fetches see them."""

    def __init__(self, documents: dict[str, bytes]) -> None:
        self.documents = dict(documents)
        self.fetched: list[str] = []

    def publish(self, url: str, document: dict[str, Any]) -> None:
        """Serve `document` at `url` (a DIY profile's hosting)."""
        self.documents[url] = json.dumps(document).encode()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        url = str(request.url)
        self.fetched.append(url)
        body = self.documents.get(url)
        if body is None:
            return httpx2.Response(404, text="no such profile")
        headers = {"content-type": "application/json", "cache-control": "public, max-age=300"}
        return httpx2.Response(200, content=body, headers=headers)


@dataclass(frozen=True)
class Answer:
    """One `ucp …` run: exit status, the JSON document it printed, and its stderr."""

    returncode: int
    document: dict[str, Any]
    stderr: str

    @property
    def result(self) -> Any:
        return self.document.get("result")

    @property
    def version(self) -> str | None:
        """The UCP release the store answered in (the envelope's `ucp.version`)."""
        ucp = self.document.get("ucp")
        return ucp.get("version") if isinstance(ucp, dict) else None


@dataclass(frozen=True)
class UcpCli:
    """The CLI with a state directory of its own (``UCP_HOME``), as one buyer's machine."""

    package_dir: Path
    home: Path

    def run(self, *args: str, env: dict[str, str] | None = None) -> Answer:
        """``ucp <args> --format json``, its printed JSON parsed (anything else fails the test)."""
        completed = subprocess.run(
            ["node", str(self.package_dir / "dist" / "bin.js"), *args, "--format", "json"],
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
            env={**self.environment(), **(env or {})},
        )
        try:
            document = json.loads(completed.stdout)
        except ValueError:
            raise AssertionError(
                f"ucp {' '.join(args)} printed no JSON (exit {completed.returncode}):\n"
                f"{completed.stdout[-2000:]}\n{completed.stderr[-2000:]}"
            ) from None
        return Answer(completed.returncode, document, completed.stderr)

    def environment(self) -> dict[str, str]:
        """What the CLI runs with: its own home, loopback http allowed, strict input schemas."""
        keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "TMPDIR")}
        return keep | {
            "HOME": str(self.home),
            "UCP_HOME": str(self.home / ".ucp"),
            # The CLI's own switch for loopback fixture servers (src/core/url.ts).
            "UCP_TEST_ALLOW_INSECURE_LOCALHOST": "true",
            # Fail closed when a store's published input schema cannot be compiled or a payload
            # carries keys the schema does not list (the default only traces it).
            "UCP_STRICT_SCHEMA": "1",
            "NO_COLOR": "1",
        }
