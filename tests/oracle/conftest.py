"""The two release oracles: ucp-sdk 0.4.6 (UCP 2026-04-08) in the suite's own environment, and
ucp-sdk 0.5.0 (UCP 2026-08-25) in `.venv-oracle/` (next to `.venv/`, git-ignored), created on
first use and reused while it holds exactly the pinned requirement. Both releases of the SDK are
one distribution (`ucp-sdk`, import name `ucp_sdk`), so they cannot share an environment: the
0.5.0 checks run `oracle_0825.py` with that environment's interpreter.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from assistant.config import Config
from assistant.profile import ProfileServer, serve_profile
from tests.oracle.wire import Recorder
from tests.side_venv import pinned_python

REPO = Path(__file__).resolve().parents[2]
VENV = REPO / ".venv-oracle"
REQUIREMENTS = ("ucp-sdk==0.5.0",)
SCRIPT = Path(__file__).with_name("oracle_0825.py")


class Oracle0825:
    """``check([(kind, payload), ...])`` → the (index, error) failures under ucp-sdk 0.5.0."""

    def __init__(self, python: Path) -> None:
        self._python = python

    def check(self, items: list[tuple[str, dict[str, Any]]]) -> list[tuple[int, str]]:
        done = subprocess.run(
            [str(self._python), str(SCRIPT)],
            input=json.dumps(items),
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        answer = json.loads(done.stdout)
        assert answer["sdk"] == "0.5.0", answer
        return [(index, error) for index, error in answer["failures"]]

    def assert_valid(self, items: list[tuple[str, dict[str, Any]]]) -> None:
        """Every item validates under ucp-sdk 0.5.0 (else each failure, by kind, is shown)."""
        failures = self.check(items)
        assert failures == [], "\n".join(f"{items[i][0]}: {error}" for i, error in failures)


@pytest.fixture
async def wire() -> AsyncIterator[tuple[Recorder, httpx2.AsyncClient]]:
    """An HTTP client whose every store answer is recorded."""
    recorder = Recorder()
    async with httpx2.AsyncClient(transport=recorder, timeout=10.0) as http:
        yield recorder, http


@pytest.fixture
async def profiles() -> AsyncIterator[ProfileServer]:
    """Our platform profiles, one per release, served on loopback."""
    server = await serve_profile(Config())
    yield server
    await server.aclose()


@pytest.fixture(scope="session")
def oracle_0825() -> Oracle0825:
    """The 0.5.0 oracle, its virtual environment created or reused."""
    return Oracle0825(pinned_python(VENV, REQUIREMENTS))
